using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Inbox.Privacy;

/// <summary>
/// Finds resident registration numbers (주민등록번호) and alien registration numbers, which share the YYMMDD-NNNNNNN
/// shape, in free text so they are never stored in full. The one owner of that rule: every stored text people read
/// passes through <see cref="Mask"/>.
/// </summary>
/// <remarks>
/// <para>What counts as a number: six digits and seven digits, written together or with up to
/// <see cref="MaxSeparators"/> separators between the halves (spaces, tabs, line breaks, dots, slashes, underscores and
/// dashes of any kind). The text is read as NFKC would read it (full-width digits and dashes count), and format
/// characters (zero-width spaces and joiners, the word joiner, the byte order mark, the soft hyphen) are ignored
/// wherever they are. Neither half may touch another digit.</para>
/// <para>What makes it a registration number: the seventh digit names the century (1, 2, 5, 6: the 1900s; 3, 4, 7, 8: the
/// 2000s; 5 to 8 are foreigners) and the first six must then be a real date, not in the future. 9 and 0 (born in the
/// 1800s) are not masked: nobody born then is alive, so such a number is no one's personal data under PIPA, while
/// corporate registration numbers (법인등록번호, e.g. 110111-0123456) share the shape and usually have a 0 there.
/// The check digit is not checked: numbers issued since October 2020 no longer carry one.</para>
/// <para>One pass over the text, no backtracking: linear in its length.</para>
/// </remarks>
public static class ResidentRegistrationNumber
{
    /// <summary>How many separator characters may stand between the halves (" - ", "\r\n", a few spaces).</summary>
    public const int MaxSeparators = 8;

    /// <summary>
    /// Replaces the last seven digits of every registration number with '*', keeping the birth date, the separator and
    /// everything else as written: "900101-1234567" becomes "900101-*******".
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Mask(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return text;
        var found = Find(text, firstOnly: false);
        if (found is null)
            return text;
        var sb = new StringBuilder(text.Length);
        var at = 0;
        foreach (var (start, length) in found)
        {
            sb.Append(text, at, start - at).Append('*');
            at = start + length;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }

    public static bool ContainsAny(string? text) => !string.IsNullOrEmpty(text) && Find(text, firstOnly: true) is not null;

    /// <summary>
    /// Masks every string in a JSON tree (channel metadata, event payloads) in place, except absolute URLs: a URL is
    /// used to fetch a file or a recording, and a masked one fetches nothing.
    /// </summary>
    public static void MaskStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (o[key] is JsonValue v && v.TryGetValue<string>(out var text))
                    {
                        var masked = MaskUnlessUrl(text);
                        if (!ReferenceEquals(masked, text))
                            o[key] = masked;
                    }
                    else
                    {
                        MaskStrings(o[key]);
                    }
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var text))
                    {
                        var masked = MaskUnlessUrl(text);
                        if (!ReferenceEquals(masked, text))
                            a[i] = masked;
                    }
                    else
                    {
                        MaskStrings(a[i]);
                    }
                }
                break;
        }
    }

    private static string MaskUnlessUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? text : Mask(text);

    private enum Kind { Other, Digit, Separator, Invisible }

    /// <summary>The spans (start, length) of the second-half digits of every registration number, in order; null when none.</summary>
    private static List<(int Start, int Length)>? Find(string text, bool firstOnly)
    {
        List<(int, int)>? found = null;
        var digits = new int[13]; // the first 13 digits of the current run
        var starts = new int[13]; // where each of them is in the text
        var lengths = new int[13]; // one or two UTF-16 units
        var previous = new int[6]; // the digits of the last run, when it had exactly six
        var run = 0; // digits in the current run (may exceed 13)
        var afterSix = false; // the last run had six digits and only separators followed it
        var separators = 0;

        for (var i = 0; i < text.Length;)
        {
            var (kind, digit, length) = Classify(text, i);
            switch (kind)
            {
                case Kind.Digit:
                    if (run < 13)
                    {
                        digits[run] = digit;
                        starts[run] = i;
                        lengths[run] = length;
                    }
                    run++;
                    break;
                case Kind.Separator:
                    if (EndRun() && firstOnly)
                        return found;
                    if (afterSix && ++separators > MaxSeparators)
                        afterSix = false;
                    break;
                case Kind.Other:
                    if (EndRun() && firstOnly)
                        return found;
                    afterSix = false;
                    break;
                case Kind.Invisible:
                    break;
            }
            i += length;
        }
        EndRun();
        return found;

        // Closes the current run of digits: 13 in a row, or 7 after a run of 6 and some separators, is a candidate.
        bool EndRun()
        {
            if (run == 0)
                return false;
            var matched = false;
            if (run == 13 && IsRegistrationNumber(digits.AsSpan(0, 6), digits[6]))
                matched = Add(6);
            else if (run == 7 && afterSix && separators > 0 && IsRegistrationNumber(previous, digits[0]))
                matched = Add(0);
            afterSix = run == 6;
            if (afterSix)
                Array.Copy(digits, previous, 6);
            separators = 0;
            run = 0;
            return matched;
        }

        bool Add(int from)
        {
            found ??= [];
            for (var d = from; d < from + 7; d++)
                found.Add((starts[d], lengths[d]));
            return true;
        }
    }

    private static bool IsRegistrationNumber(ReadOnlySpan<int> birthDate, int seventh)
    {
        int? century = seventh switch
        {
            1 or 2 or 5 or 6 => 1900,
            3 or 4 or 7 or 8 => 2000,
            _ => null, // 9 and 0: the 1800s
        };
        if (century is null)
            return false;
        var year = century.Value + birthDate[0] * 10 + birthDate[1];
        var month = birthDate[2] * 10 + birthDate[3];
        var day = birthDate[4] * 10 + birthDate[5];
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
            return false;
        // Korean time, and a day's grace: a baby born today is registered today.
        return new DateOnly(year, month, day) <= DateOnly.FromDateTime(DateTime.UtcNow.AddHours(9)).AddDays(1);
    }

    /// <summary>What the text element at <paramref name="i"/> is, read as NFKC reads it.</summary>
    private static (Kind Kind, int Digit, int Length) Classify(string text, int i)
    {
        var c = text[i];
        if (c < 0x80)
        {
            if (char.IsAsciiDigit(c))
                return (Kind.Digit, c - '0', 1);
            return c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f' or '-' or '.' or '/' or '_'
                ? (Kind.Separator, 0, 1)
                : (Kind.Other, 0, 1);
        }
        if (c is >= '\uAC00' and <= '\uD7A3')
            return (Kind.Other, 0, 1); // Hangul syllables: most of the text, and never a digit or a separator
        if (c is >= '\uFF10' and <= '\uFF19')
            return (Kind.Digit, c - '\uFF10', 1); // full-width digits, as NFKC reads them, without normalizing each
        var length = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
        switch (CharUnicodeInfo.GetUnicodeCategory(text, i))
        {
            case UnicodeCategory.Format:
                return (Kind.Invisible, 0, length);
            case UnicodeCategory.DashPunctuation or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator:
                return (Kind.Separator, 0, length);
            case UnicodeCategory.DecimalDigitNumber or UnicodeCategory.Control or UnicodeCategory.MathSymbol
                or UnicodeCategory.OtherPunctuation or UnicodeCategory.ConnectorPunctuation:
                var normalized = text.Substring(i, length).Normalize(NormalizationForm.FormKC);
                if (normalized.Length != 1)
                    return (Kind.Other, 0, length);
                var n = normalized[0];
                if (char.IsAsciiDigit(n))
                    return (Kind.Digit, n - '0', length);
                return n is '.' or '/' or '_' or '-' or '\u2212' || char.IsWhiteSpace(n) ? (Kind.Separator, 0, length) : (Kind.Other, 0, length);
            default:
                return (Kind.Other, 0, length);
        }
    }
}
