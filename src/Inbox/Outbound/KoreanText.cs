using System.Globalization;
using System.Text;

namespace Inbox.Outbound;

/// <summary>
/// The size rules for a counselor's reply to a resident: what SMS can carry, how many bytes it costs, and how a
/// long reply is cut into SMS/LMS or KakaoTalk parts.
/// </summary>
/// <remarks>
/// <para>
/// <b>Bytes.</b> Korean carriers measure SMS/LMS in EUC-KR bytes. We encode with code page 949 (CP949, "unified
/// Hangul code", a superset of EUC-KR) and not strict EUC-KR (51949): strict EUC-KR has only the 2,350 precomposed
/// syllables of KS X 1001, so names such as "똠" or "햏" could not be sent, while CP949 has all 11,172 modern
/// syllables and is what Korean carriers and SMS gateways accept. ASCII costs 1 byte; Hangul, KS X 1001 symbols
/// (♥ ★ ※ … ① ㈜) and KS X 1001 Hanja (韓 國 福 祉) cost 2. Emoji, "♥️" (♥ followed by the emoji variation
/// selector), "—" (em dash), "₩" (U+20A9; the full-width "￦" is fine), "©", accented Latin and Hanja outside
/// KS X 1001 (丟, 㐀, 𠀀) have no CP949 code, and SMS cannot carry them.
/// </para>
/// <para>
/// <b>Characters.</b> Everything here works on Unicode text elements (extended grapheme clusters, as
/// <see cref="StringInfo"/> finds them): a split never falls inside a surrogate pair, between an emoji and its skin
/// tone, inside a ZWJ family sequence, or between "\r" and "\n". For KakaoTalk a "character" is one text element,
/// what the counselor sees in the compose box ("👨‍👩‍👧" is 1, "😊" is 1, "\r\n" is 1); see <see cref="KakaoCharCount"/>.
/// </para>
/// <para>
/// <b>Splitting.</b> Nothing is dropped: the parts, concatenated in order, equal the input exactly. A part ends just
/// after a run of whitespace, so the next part starts with the next word; the whitespace (line break or space) at
/// the split stays at the end of the earlier part. Preferences, within the largest prefix that fits: after the last
/// line break, if that leaves the part at least half full; otherwise after the last space; otherwise (one "word"
/// longer than a whole part, e.g. a long URL or Korean written without spaces) a hard cut at the limit between two
/// text elements. No part is empty; only a run of whitespace longer than a whole part could give a blank one.
/// </para>
/// </remarks>
public static class KoreanText
{
    /// <summary>An SMS (단문) carries at most 90 EUC-KR/CP949 bytes: 90 ASCII characters or 45 Hangul.</summary>
    public const int SmsMaxBytes = 90;

    /// <summary>An LMS (장문) carries at most 2,000 EUC-KR/CP949 bytes: 1,000 Hangul.</summary>
    public const int LmsMaxBytes = 2000;

    /// <summary>A KakaoTalk text carries at most 1,000 characters, Korean or English alike, spaces included; counted as text elements.</summary>
    public const int KakaoMaxChars = 1000;

    public const string Sms = "SMS";
    public const string Lms = "LMS";

    private static readonly Encoding Cp949;

    static KoreanText()
    {
        // Code pages other than UTF-*, ASCII and Latin-1 come from the CodePages provider; registering twice is harmless.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        // 949, not 51949 (strict EUC-KR): carriers accept CP949, which has every modern Hangul syllable (see remarks).
        // Exception fallbacks: never a silent '?' or best-fit substitute for a character that has no code.
        Cp949 = Encoding.GetEncoding(949, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    }

    /// <summary>The CP949 ("EUC-KR") byte count of <paramref name="text"/>, as carriers count SMS/LMS length.</summary>
    /// <exception cref="ArgumentException">The text holds characters SMS cannot carry; the message lists them.</exception>
    public static int EucKrByteCount(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var unsendable = CharactersSmsCannotCarry(text);
        if (unsendable.Count > 0)
            throw Unsendable(unsendable, nameof(text));
        return Cp949.GetByteCount(text);
    }

    /// <summary>
    /// The distinct text elements of <paramref name="text"/> that CP949 cannot carry, in order of first appearance,
    /// each whole ("👍🏻", "👨‍👩‍👧", "♥️"); empty when the whole text can go by SMS.
    /// </summary>
    public static IReadOnlyList<string> CharactersSmsCannotCarry(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (EncodesExactly(text))
            return [];

        var unsendable = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (start, length) in TextElements(text))
        {
            var element = text.Substring(start, length);
            if (!seen.Contains(element) && !EncodesExactly(element))
                unsendable.Add(element);
            seen.Add(element);
        }
        return unsendable;
    }

    /// <summary>
    /// Cuts an SMS reply into what the gateway sends: one "SMS" part when it fits in 90 bytes, one "LMS" part when it
    /// fits in 2,000, otherwise several "LMS" parts of at most 2,000 bytes each (all LMS, even a short last one, so a
    /// long reply arrives as one kind of message). The parts concatenate to the input.
    /// </summary>
    /// <exception cref="ArgumentException">The text is empty or whitespace, or holds characters SMS cannot carry (listed in the message).</exception>
    public static IReadOnlyList<SmsPart> SplitSms(string text)
    {
        RequireContent(text);
        var unsendable = CharactersSmsCannotCarry(text);
        if (unsendable.Count > 0)
            throw Unsendable(unsendable, nameof(text));

        var bytes = Cp949.GetByteCount(text);
        if (bytes <= SmsMaxBytes)
            return [new SmsPart(Sms, text, bytes)];
        if (bytes <= LmsMaxBytes)
            return [new SmsPart(Lms, text, bytes)];

        return Split(text, LmsMaxBytes, Cp949.GetByteCount)
            .Select(part => new SmsPart(Lms, part, Cp949.GetByteCount(part)))
            .ToList();
    }

    /// <summary>
    /// Cuts a KakaoTalk reply into parts of at most 1,000 characters (text elements; emoji are fine). The parts
    /// concatenate to the input.
    /// </summary>
    /// <exception cref="ArgumentException">The text is empty or whitespace.</exception>
    public static IReadOnlyList<string> SplitKakao(string text)
    {
        RequireContent(text);
        return Split(text, KakaoMaxChars, static _ => 1);
    }

    /// <summary>
    /// The length of <paramref name="text"/> as counted against <see cref="KakaoMaxChars"/>: its text elements
    /// (user-perceived characters), not UTF-16 code units or code points, so one emoji — with skin tone or as a
    /// ZWJ family — is one character, like a Hangul syllable.
    /// </summary>
    public static int KakaoCharCount(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TextElements(text).Count;
    }

    private static void RequireContent(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException("The reply is empty.", nameof(text));
    }

    private static ArgumentException Unsendable(IReadOnlyList<string> characters, string paramName) =>
        new($"SMS cannot carry {string.Join(", ", characters.Select(Describe))}: remove or replace "
            + (characters.Count == 1 ? "it" : "them") + ", or reply on KakaoTalk.", paramName);

    // "😊 (U+1F60A)": the code points tell "♥️" (U+2665 U+FE0F) apart from the sendable "♥" (U+2665).
    private static string Describe(string element) =>
        $"\"{element}\" ({string.Join(' ', element.EnumerateRunes().Select(r => $"U+{r.Value:X4}"))})";

    // Encodes without a fallback and decodes back to the same text: nothing would reach the phone altered.
    private static bool EncodesExactly(string text)
    {
        try
        {
            return Cp949.GetString(Cp949.GetBytes(text)) == text;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static List<(int Start, int Length)> TextElements(string text)
    {
        var elements = new List<(int, int)>();
        for (var i = 0; i < text.Length;)
        {
            var length = StringInfo.GetNextTextElementLength(text.AsSpan(i));
            elements.Add((i, length));
            i += length;
        }
        return elements;
    }

    private readonly record struct Element(int Start, int Length, int Weight, bool IsSpace, bool IsBreakableSpace, bool IsLineBreak);

    private static List<string> Split(string text, int limit, Func<string, int> weigh)
    {
        var elements = TextElements(text).Select(e =>
        {
            var value = text.Substring(e.Start, e.Length);
            Rune.DecodeFromUtf16(value, out var first, out _); // a lone surrogate decodes as U+FFFD: not a space
            var isSpace = Rune.IsWhiteSpace(first);
            var isLineBreak = first.Value is '\n' or '\r' or '\v' or '\f' or 0x85 or 0x2028 or 0x2029;
            // No-break spaces hold their neighbours together.
            var isBreakable = isSpace && first.Value is not (0xA0 or 0x2007 or 0x202F);
            return new Element(e.Start, e.Length, weigh(value), isSpace, isBreakable, isLineBreak);
        }).ToList();

        var parts = new List<string>();
        var start = 0; // index into elements
        while (start < elements.Count)
        {
            // The largest prefix that fits; at least one element, so every part is non-empty and the loop ends.
            var end = start;
            var weight = 0;
            while (end < elements.Count && (end == start || weight + elements[end].Weight <= limit))
                weight += elements[end++].Weight;

            if (end < elements.Count)
                end = BreakBefore(elements, start, end, limit);

            var from = elements[start].Start;
            var to = end < elements.Count ? elements[end].Start : text.Length;
            parts.Add(text[from..to]);
            start = end;
        }
        return parts;
    }

    // Where to end the part that starts at element `start`, given that elements [start, fits) fit and one more does not.
    // Candidates are the ends of whitespace runs (the next element is not whitespace) after some content.
    private static int BreakBefore(List<Element> elements, int start, int fits, int limit)
    {
        int lastLine = -1, lastLineWeight = 0, lastSpace = -1;
        var weight = 0;
        var hasContent = false;
        var runHasLineBreak = false;
        for (var k = start + 1; k <= fits; k++)
        {
            var previous = elements[k - 1];
            weight += previous.Weight;
            if (!previous.IsSpace)
            {
                hasContent = true;
                runHasLineBreak = false;
            }
            else if (previous.IsLineBreak)
                runHasLineBreak = true;

            if (!hasContent || !previous.IsBreakableSpace || elements[k].IsSpace)
                continue;
            lastSpace = k;
            if (runHasLineBreak)
                (lastLine, lastLineWeight) = (k, weight);
        }

        if (lastLine >= 0 && lastLineWeight * 2 >= limit)
            return lastLine;
        if (lastSpace >= 0)
            return lastSpace;
        return fits;
    }
}

/// <summary>One part of an SMS reply: <see cref="Type"/> is "SMS" (≤ 90 bytes) or "LMS" (≤ 2,000 bytes); <see cref="Bytes"/> is its CP949 length.</summary>
public sealed record SmsPart(string Type, string Text, int Bytes);
