using System.Text.RegularExpressions;

namespace Inbox.Privacy;

/// <summary>For text from elsewhere (a provider's error message) that goes into a log: long digit runs such as phone numbers keep only their last four digits.</summary>
public static partial class Redact
{
    public static string Digits(string text) => LongDigitRun().Replace(text, m =>
    {
        var digits = m.Value.Where(char.IsAsciiDigit).ToArray();
        return new string('*', digits.Length - 4) + new string(digits[^4..]);
    });

    [GeneratedRegex(@"\+?\d[\d\- ]{5,}\d")]
    private static partial Regex LongDigitRun();
}
