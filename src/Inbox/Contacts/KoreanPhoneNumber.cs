using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Inbox.Contacts;

/// <summary>
/// Parses, validates and displays phone numbers following the Korean numbering plan.
/// Numbers are stored in E.164 form ("+821012345678").
/// </summary>
public static partial class KoreanPhoneNumber
{
    private const string KoreanCountryCode = "82";
    private const int MaxInputLength = 64;

    /// <summary>
    /// Normalizes any common written form (dashes, spaces, dots, parentheses, +82/0082/82 prefixes,
    /// full-width characters, a <c>tel:</c> prefix) to E.164. Numbers starting with '+' and another
    /// country code are accepted when they have 8 to 15 digits.
    /// </summary>
    /// <param name="error">A short English reason that never contains the input number.</param>
    public static bool TryNormalize(
        string? input,
        [NotNullWhen(true)] out string? e164,
        [NotNullWhen(false)] out string? error)
    {
        e164 = null;
        error = ExtractDigits(input, out var hasPlus, out var digits);
        if (error is not null)
            return false;

        if (hasPlus && !digits.StartsWith(KoreanCountryCode, StringComparison.Ordinal))
        {
            error = ValidateForeign(digits);
            if (error is not null)
                return false;
            e164 = "+" + digits;
            return true;
        }

        var national = ToNational(digits, hasPlus);
        error = ValidateNational(national);
        if (error is not null)
            return false;

        e164 = "+" + KoreanCountryCode + (national[0] == '0' ? national[1..] : national);
        return true;
    }

    /// <exception cref="FormatException">The input is not a valid phone number; the message never contains the input.</exception>
    public static string Normalize(string input) =>
        TryNormalize(input, out var e164, out var error) ? e164 : throw new FormatException(error);

    /// <summary>
    /// A log-safe form that never shows the whole number: "+821012345678" becomes "010-****-5678".
    /// Representative numbers (1899-6808) are public and shown as is; foreign numbers keep '+', the first
    /// digit and the last four digits. Input that is not a valid number has all but its last four digits masked.
    /// </summary>
    public static string Mask(string e164)
    {
        if (!TryNormalize(e164, out var normalized, out _))
            return MaskAllButLastFourDigits(e164);

        if (!IsKorean(normalized))
        {
            var digits = normalized[1..];
            return "+" + digits[0] + new string('*', digits.Length - 5) + digits[^4..];
        }

        var groups = Groups(NationalFromE164(normalized));
        if (groups.Length == 2)
            return string.Join('-', groups);
        return $"{groups[0]}-{new string('*', groups[1].Length)}-{groups[2]}";
    }

    /// <summary>
    /// The national display form with dashes: "+821012345678" becomes "010-1234-5678".
    /// Foreign numbers, and input that is not a valid number, are returned unchanged.
    /// </summary>
    public static string Format(string e164)
    {
        if (!TryNormalize(e164, out var normalized, out _) || !IsKorean(normalized))
            return e164;
        return string.Join('-', Groups(NationalFromE164(normalized)));
    }

    /// <summary>Strips separators and prefixes, leaving an optional '+' and ASCII digits.</summary>
    private static string? ExtractDigits(string? input, out bool hasPlus, out string digits)
    {
        hasPlus = false;
        digits = "";
        if (string.IsNullOrWhiteSpace(input))
            return "Phone number is empty.";
        if (input.Length > MaxInputLength)
            return "Phone number is too long.";

        // NFKC turns full-width digits, '＋', '－', '（）' and ideographic spaces into their ASCII forms.
        var text = input.Normalize(NormalizationForm.FormKC).Trim();
        if (text.StartsWith("tel:", StringComparison.OrdinalIgnoreCase))
            text = text[4..].TrimStart();

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
                builder.Append(c);
            else if (c == '+' && !hasPlus && builder.Length == 0)
                hasPlus = true;
            else if (!IsSeparator(c))
                return "Phone number may contain only digits, spaces, dashes, dots, parentheses and a leading '+'.";
        }

        if (builder.Length == 0)
            return "Phone number contains no digits.";
        digits = builder.ToString();
        return null;
    }

    private static bool IsSeparator(char c) =>
        char.IsWhiteSpace(c)
        || c is '.' or '(' or ')' or '/' or '\u2212' // U+2212 is the minus sign, which people paste for a dash
        || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.DashPunctuation;

    private static string? ValidateForeign(string digits)
    {
        if (digits[0] == '0')
            return "Country code cannot start with 0.";
        if (digits.Length is < 8 or > 15)
            return "International numbers must have 8 to 15 digits.";
        return null;
    }

    /// <summary>Turns the digits into the form dialled inside Korea ("01012345678", "15881234").</summary>
    private static string ToNational(string digits, bool hasPlus)
    {
        string afterCountryCode;
        if (hasPlus)
            afterCountryCode = digits[KoreanCountryCode.Length..];
        else if (digits.StartsWith("00" + KoreanCountryCode, StringComparison.Ordinal))
            afterCountryCode = digits[4..];
        else if (digits.StartsWith(KoreanCountryCode, StringComparison.Ordinal)) // no domestic number starts with 8
            afterCountryCode = digits[KoreanCountryCode.Length..];
        else
            return digits;

        // After +82 the trunk '0' is normally dropped, but "+82 (0)10 ..." and "+82 010 ..." are common too.
        if (afterCountryCode.StartsWith('0') || RepresentativeNumber().IsMatch(afterCountryCode))
            return afterCountryCode;
        return "0" + afterCountryCode;
    }

    private static string NationalFromE164(string koreanE164)
    {
        var significant = koreanE164[(1 + KoreanCountryCode.Length)..];
        return RepresentativeNumber().IsMatch(significant) ? significant : "0" + significant;
    }

    private static string? ValidateNational(string national)
    {
        if (NationalNumber().IsMatch(national))
            return null;
        if (!KnownPrefix().IsMatch(national))
            return "Not a Korean mobile, area code or service number prefix.";
        return "Wrong number of digits for this Korean area code or prefix.";
    }

    /// <summary>Splits a valid national number into its dash-separated groups.</summary>
    private static string[] Groups(string national)
    {
        if (national[0] != '0')
            return [national[..4], national[4..]];

        var prefixLength = national.StartsWith("02", StringComparison.Ordinal) ? 2
            : national.StartsWith("050", StringComparison.Ordinal) ? 4
            : 3;
        return [national[..prefixLength], national[prefixLength..^4], national[^4..]];
    }

    private static bool IsKorean(string e164) => e164.StartsWith("+" + KoreanCountryCode, StringComparison.Ordinal);

    private static string MaskAllButLastFourDigits(string text)
    {
        var digitsToMask = text.Count(char.IsDigit) - 4;
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsDigit(c) && digitsToMask-- > 0)
                builder.Append('*');
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    // Subscriber parts of geographic numbers may not start with 0 (it would be read as a trunk prefix). The plan
    // reserves 2-9 there, but 1 is allowed too because dummy numbers like 02-123-4567 are expected to be valid.
    [GeneratedRegex("""
        ^(?:
            010\d{8}                                  # mobile
          | 01[16-9]\d{7,8}                           # legacy mobile 011, 016, 017, 018, 019
          | 02[1-9]\d{6,7}                            # Seoul
          | 0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])[1-9]\d{6,7}  # other area codes
          | 070\d{8}                                  # internet phone
          | 050[2-8]\d{7,8}                           # personal numbers
          | 080\d{7}                                  # toll-free
          | 1[568]\d{6}                               # nationwide representative numbers (1588-1234)
        )$
        """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex NationalNumber();

    [GeneratedRegex(@"^(?:01[016-9]|02|0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])|070|050[2-8]|080|1[568]\d\d)")]
    private static partial Regex KnownPrefix();

    [GeneratedRegex(@"^1[568]\d{6}$")]
    private static partial Regex RepresentativeNumber();
}
