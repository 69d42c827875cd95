using System.Globalization;
using System.Text;

namespace Inbox.Tests.Privacy;

/// <summary>
/// Ways a resident or a counselor writes a registration number (all made up), each with the thirteen digits it stands for,
/// and numbers that only look like one. Shared by the masking table and the database scan.
/// </summary>
public static class RegistrationNumberForms
{
    /// <summary>Written form, the same text masked, and the thirteen digits it carries.</summary>
    public static readonly IReadOnlyList<(string Written, string Masked, string Digits)> Masked =
    [
        ("850315-2345678", "850315-*******", "8503152345678"),
        ("8503152345670", "850315*******", "8503152345670"),
        ("850315 2345671", "850315 *******", "8503152345671"),
        ("850315 - 2345672", "850315 - *******", "8503152345672"),
        ("850315   2345673", "850315   *******", "8503152345673"), // repeated spaces
        ("850315\t2345674", "850315\t*******", "8503152345674"),
        ("850315\n2345675", "850315\n*******", "8503152345675"),
        ("850315\r\n2345676", "850315\r\n*******", "8503152345676"),
        ("850315.2345677", "850315.*******", "8503152345677"),
        ("850315 . 2345679", "850315 . *******", "8503152345679"),
        ("850315/1345678", "850315/*******", "8503151345678"),
        ("850315_1345670", "850315_*******", "8503151345670"),
        ("850315\u20101345671", "850315\u2010*******", "8503151345671"), // hyphen
        ("850315\u20111345672", "850315\u2011*******", "8503151345672"), // non-breaking hyphen
        ("850315\u20121345673", "850315\u2012*******", "8503151345673"), // figure dash
        ("850315\u20131345674", "850315\u2013*******", "8503151345674"), // en dash
        ("850315\u20141345675", "850315\u2014*******", "8503151345675"), // em dash
        ("850315\u22121345676", "850315\u2212*******", "8503151345676"), // minus sign
        ("850315\uFE631345677", "850315\uFE63*******", "8503151345677"), // small hyphen-minus
        ("850315\uFF0D1345679", "850315\uFF0D*******", "8503151345679"), // full-width hyphen-minus
        ("８５０３１６－２３４５６７８", "８５０３１６－*******", "8503162345678"), // full-width digits
        ("85０316-2３45670", "85０316-*******", "8503162345670"), // mixed widths
        ("850316\u200B-\u200B2345671", "850316\u200B-\u200B*******", "8503162345671"), // zero-width spaces
        ("8503\u200C16\u200D2345672", "8503\u200C16\u200D*******", "8503162345672"), // zero-width (non-)joiners inside
        ("850316\u20602345673", "850316\u2060*******", "8503162345673"), // word joiner
        ("\uFEFF850316-2345674", "\uFEFF850316-*******", "8503162345674"), // byte order mark
        ("85031\u00AD6-2345675", "85031\u00AD6-*******", "8503162345675"), // soft hyphen inside the date
        ("850316\u00A0-\u00A02345676", "850316\u00A0-\u00A0*******", "8503162345676"), // no-break spaces
        ("850316\u30002345677", "850316\u3000*******", "8503162345677"), // ideographic space
        ("950505-5123456", "950505-*******", "9505055123456"), // alien registration number
        ("050101-3123456", "050101-*******", "0501013123456"), // born in 2005
        ("100707-8123456", "100707-*******", "1007078123456"), // a foreigner born in 2010
        ("840229-1234567", "840229-*******", "8402291234567"), // 1984 was a leap year
        ("000229-4234567", "000229-*******", "0002294234567"), // so was 2000
        ("061231-4123456", "061231-*******", "0612314123456"),
        ("500101-6123456", "500101-*******", "5001016123456"), // a foreigner born in 1950
        ("주민번호는850317-1234567입니다", "주민번호는850317-*******입니다", "8503171234567"),
    ];

    /// <summary>Numbers and dates that must stay as written.</summary>
    public static readonly IReadOnlyList<string> NotMasked =
    [
        "110-123-456789", // bank accounts
        "123456-12-345678",
        "3333-01-1234567",
        "1002-123-456789",
        "1234567890123", // thirteen digits whose "month" is 34
        "계좌 8503151234567890", // too long
        "19001011234567",
        "주문번호 20240101-1234567",
        "010-1234-5678", // phone numbers
        "01012345678",
        "+82 10 1234 5678",
        "02-123-4567",
        "2024-01-01",
        "2024.01.01 1234567", // a date, then a number
        "850315-234567", // second half too short
        "850315-23456789", // second half too long
        "901301-1234567", // month 13
        "900001-1234567", // month 00
        "900100-1234567", // day 00
        "900132-1234567", // day 32
        "850229-1234567", // 1985 was not a leap year
        "000229-1234567", // nor was 1900
        "000229-9234567", // nor 1800
        "990101-3234567", // 2099: a birth date in the future
        "991231-7234567",
        "991231-9123456", // born in the 1800s: nobody alive, and the shape of corporate numbers (110111-0123456)
        "811120-0123456",
        "850315-x2345678", // a letter in between
        "850315 주민 2345678", // words in between
        "850315-1***5678",
        "850315-*******",
        "85 03 15 2345678", // only the two halves may be apart
    ];

    /// <summary>
    /// The oracle of the scan, independent of the masker: the text's digits with every separator and invisible character
    /// taken out, after NFKC, so a number stored in any written form shows as its thirteen digits.
    /// </summary>
    public static string Squeezed(string text)
    {
        var normalized = text.Normalize(NormalizationForm.FormKC);
        var sb = new StringBuilder(normalized.Length);
        foreach (var c in normalized)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Format or UnicodeCategory.SpaceSeparator or UnicodeCategory.DashPunctuation or UnicodeCategory.Control
                || char.IsWhiteSpace(c) || c is '.' or '/' or '_' or '\u2212')
                continue;
            sb.Append(c);
        }
        return sb.ToString();
    }
}
