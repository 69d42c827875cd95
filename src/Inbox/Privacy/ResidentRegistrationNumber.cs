using System.Text.RegularExpressions;

namespace Inbox.Privacy;

/// <summary>
/// Finds resident registration numbers (주민등록번호) and alien registration numbers, which share the
/// YYMMDD-NNNNNNN shape, in free text so they are never stored in full.
/// </summary>
public static partial class ResidentRegistrationNumber
{
    /// <summary>
    /// Replaces the last seven digits of every registration number with '*', keeping the birth date and the
    /// separator as written: "900101-1234567" becomes "900101-*******". Everything else is left untouched.
    /// </summary>
    public static string Mask(string text) => Pattern().Replace(text, "${birthDate}${separator}*******");

    public static bool ContainsAny(string text) => Pattern().IsMatch(text);

    // The separator is a dash of any kind (\p{Pd} covers - ‐ ‑ – — －; U+2212 is the minus sign) with
    // optional spaces around it, a single space, or nothing. The lookarounds keep longer digit runs such as
    // account numbers from matching part-way.
    [GeneratedRegex("""
        (?<![0-9])
        (?<birthDate>[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))
        (?<separator>\p{Zs}*[\p{Pd}\u2212]\p{Zs}*|\p{Zs}?)
        [0-9]{7}
        (?![0-9])
        """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Pattern();
}
