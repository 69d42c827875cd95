using System.Text.RegularExpressions;
using Inbox.Contacts;

namespace Inbox.Tests.Contacts;

public class KoreanPhoneNumberTests
{
    [Theory]
    [InlineData("010-1234-5678", "+821012345678")]
    [InlineData("01012345678", "+821012345678")]
    [InlineData("010 1234 5678", "+821012345678")]
    [InlineData("010.1234.5678", "+821012345678")]
    [InlineData("010 - 1234 - 5678", "+821012345678")]
    [InlineData("010–1234–5678", "+821012345678")] // en dash
    [InlineData("010/1234/5678", "+821012345678")]
    [InlineData("(02) 123-4567", "+8221234567")]
    [InlineData("02-123-4567", "+8221234567")]
    [InlineData("(031)123-4567", "+82311234567")]
    [InlineData("+82 10-1234-5678", "+821012345678")]
    [InlineData("+82-10-1234-5678", "+821012345678")]
    [InlineData("+82 (0)10 1234 5678", "+821012345678")]
    [InlineData("+82 010-1234-5678", "+821012345678")]
    [InlineData("+82 2 123 4567", "+8221234567")]
    [InlineData("+82 1588-1234", "+8215881234")]
    [InlineData("82-10-1234-5678", "+821012345678")]
    [InlineData("821012345678", "+821012345678")]
    [InlineData("0082-10-1234-5678", "+821012345678")]
    [InlineData("0082 2 1234 5678", "+82212345678")]
    [InlineData("+821012345678", "+821012345678")]
    [InlineData("1899-6808", "+8218996808")]
    [InlineData("18996808", "+8218996808")]
    [InlineData("０１０－１２３４－５６７８", "+821012345678")]
    [InlineData("＋８２　１０　９８７６　５４３２", "+821098765432")] // full-width plus and ideographic spaces
    [InlineData("  010-9876-5432  ", "+821098765432")]
    [InlineData("\t010-9876-5432\n", "+821098765432")]
    [InlineData("tel:010-1234-5678", "+821012345678")]
    [InlineData("tel:+82-10-1234-5678", "+821012345678")]
    [InlineData("TEL: +821012345678", "+821012345678")]
    public void Normalizes_common_written_forms_to_e164(string input, string expected)
    {
        Assert.True(KoreanPhoneNumber.TryNormalize(input, out var e164, out var error));
        Assert.Equal(expected, e164);
        Assert.Null(error);
    }

    [Theory]
    // mobile
    [InlineData("010-9876-5432", "+821098765432")]
    [InlineData("011-123-4567", "+82111234567")]
    [InlineData("011-1234-5678", "+821112345678")]
    [InlineData("016-123-4567", "+82161234567")]
    [InlineData("017-1234-5678", "+821712345678")]
    [InlineData("018-123-4567", "+82181234567")]
    [InlineData("019-1234-5678", "+821912345678")]
    // Seoul
    [InlineData("02-1234-5678", "+82212345678")]
    [InlineData("02-987-6543", "+8229876543")]
    // every other area code
    [InlineData("031-123-4567", "+82311234567")]
    [InlineData("032-1234-5678", "+823212345678")]
    [InlineData("033-123-4567", "+82331234567")]
    [InlineData("041-1234-5678", "+824112345678")]
    [InlineData("042-123-4567", "+82421234567")]
    [InlineData("043-1234-5678", "+824312345678")]
    [InlineData("044-123-4567", "+82441234567")]
    [InlineData("051-1234-5678", "+825112345678")]
    [InlineData("052-123-4567", "+82521234567")]
    [InlineData("053-1234-5678", "+825312345678")]
    [InlineData("054-123-4567", "+82541234567")]
    [InlineData("055-1234-5678", "+825512345678")]
    [InlineData("061-123-4567", "+82611234567")]
    [InlineData("062-1234-5678", "+826212345678")]
    [InlineData("063-987-6543", "+82639876543")]
    [InlineData("064-9876-5432", "+826498765432")]
    // internet phone, personal numbers, toll-free
    [InlineData("070-1234-5678", "+827012345678")]
    [InlineData("0502-123-4567", "+825021234567")]
    [InlineData("0503-1234-5678", "+8250312345678")]
    [InlineData("0504-123-4567", "+825041234567")]
    [InlineData("0505-1234-5678", "+8250512345678")]
    [InlineData("0506-123-4567", "+825061234567")]
    [InlineData("0507-1234-5678", "+8250712345678")]
    [InlineData("0508-123-4567", "+825081234567")]
    [InlineData("080-123-4567", "+82801234567")]
    // nationwide representative numbers
    [InlineData("1588-1234", "+8215881234")]
    [InlineData("1544-9876", "+8215449876")]
    [InlineData("1600-1234", "+8216001234")]
    [InlineData("1644-5678", "+8216445678")]
    [InlineData("1661-1234", "+8216611234")]
    [InlineData("1800-1234", "+8218001234")]
    [InlineData("1899-6808", "+8218996808")]
    public void Accepts_every_prefix_family_of_the_korean_numbering_plan(string input, string expected)
    {
        Assert.Equal(expected, KoreanPhoneNumber.Normalize(input));
    }

    [Theory]
    [InlineData("+14155550123", "+14155550123")]
    [InlineData("+1 415-555-0123", "+14155550123")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("+81-3-1234-5678", "+81312345678")]
    [InlineData("+86 10 1234 5678", "+861012345678")]
    [InlineData("tel:+84 90 123 4567", "+84901234567")]
    [InlineData("+68812345", "+68812345")] // 8 digits, the shortest accepted
    [InlineData("+123456789012345", "+123456789012345")] // 15 digits, the longest E.164 allows
    public void Accepts_foreign_numbers_written_with_a_plus_as_e164(string input, string expected)
    {
        Assert.Equal(expected, KoreanPhoneNumber.Normalize(input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    [InlineData("tel:")]
    [InlineData("-")]
    [InlineData("( ) - .")]
    [InlineData("+")]
    public void Rejects_empty_input(string? input) => AssertRejected(input);

    [Theory]
    [InlineData("abc")]
    [InlineData("010-CALL-HELP")]
    [InlineData("010-1234-567a")]
    [InlineData("O10-1234-5678")] // letter O instead of zero
    [InlineData("010*1234*5678")]
    [InlineData("010_1234_5678")]
    [InlineData("010-1234-5678 ext 12")]
    [InlineData("010-1234-5678#")]
    [InlineData("++821012345678")]
    [InlineData("82+1012345678")]
    [InlineData("010+1234+5678")]
    [InlineData("٠١٠١٢٣٤٥٦٧٨")] // Arabic-Indic digits
    [InlineData("전화 010-1234-5678")]
    public void Rejects_letters_and_other_characters(string input) => AssertRejected(input);

    [Theory]
    [InlineData("1")]
    [InlineData("12")]
    [InlineData("010")]
    [InlineData("010-1234-567")]
    [InlineData("010-1234-56789")]
    [InlineData("010-123-4567")] // 010 always has 8 digits after the prefix
    [InlineData("011-123-456")]
    [InlineData("016-1234-56789")]
    [InlineData("02-123-456")]
    [InlineData("02-1234-56789")]
    [InlineData("031-123-456")]
    [InlineData("064-1234-56789")]
    [InlineData("070-123-4567")]
    [InlineData("070-1234-56789")]
    [InlineData("0505-123-456")]
    [InlineData("0505-1234-56789")]
    [InlineData("080-1234-5678")]
    [InlineData("080-123-456")]
    [InlineData("1588-123")]
    [InlineData("1588-12345")]
    [InlineData("010-1234-5678-9012-3456")]
    public void Rejects_numbers_that_are_too_short_or_too_long(string input) => AssertRejected(input);

    [Theory]
    [InlineData("02-012-3456")]
    [InlineData("02-0123-4567")]
    [InlineData("031-012-3456")]
    [InlineData("051-0123-4567")]
    [InlineData("064-0987-6543")]
    public void Rejects_geographic_numbers_whose_subscriber_part_starts_with_0(string input) =>
        AssertRejected(input);

    [Theory]
    [InlineData("013-1234-5678")]
    [InlineData("012-123-4567")]
    [InlineData("014-1234-5678")]
    [InlineData("060-123-4567")]
    [InlineData("0601-123-4567")]
    [InlineData("0501-123-4567")]
    [InlineData("0509-1234-5678")]
    [InlineData("034-123-4567")]
    [InlineData("045-123-4567")]
    [InlineData("056-123-4567")]
    [InlineData("065-123-4567")]
    [InlineData("090-1234-5678")]
    [InlineData("00-1234-5678")]
    [InlineData("0014155550123")] // carrier international prefix, not supported
    [InlineData("119")]
    [InlineData("114")]
    [InlineData("112")]
    [InlineData("1345-1234")]
    [InlineData("1004-1234")]
    [InlineData("1700-1234")]
    [InlineData("2123-4567")]
    [InlineData("12345678")]
    [InlineData("14155550123")] // foreign number without the leading '+'
    public void Rejects_unknown_prefixes(string input) => AssertRejected(input);

    [Theory]
    [InlineData("+82")]
    [InlineData("+8210")]
    [InlineData("+82 13 1234 5678")]
    [InlineData("+82 (0)13 1234 5678")]
    [InlineData("+82 0 1588 1234")] // representative numbers have no trunk 0
    [InlineData("+82 00 10 1234 5678")]
    [InlineData("+82 10 1234 567")]
    [InlineData("+82 2 012 3456")]
    [InlineData("0082-13-1234-5678")]
    [InlineData("82-10-123-4567")]
    [InlineData("015881234")]
    public void Rejects_korean_numbers_that_do_not_fit_the_plan_after_the_country_code(string input) =>
        AssertRejected(input);

    [Theory]
    [InlineData("+1234567")]
    [InlineData("+1 555 012")]
    [InlineData("+1234567890123456")]
    [InlineData("+0123456789")]
    public void Rejects_foreign_numbers_with_a_bad_length_or_country_code(string input) => AssertRejected(input);

    [Theory]
    [InlineData(null, "Phone number is empty.")]
    [InlineData("tel:", "Phone number contains no digits.")]
    [InlineData("010-CALL-HELP", "Phone number may contain only digits, spaces, dashes, dots, parentheses and a leading '+'.")]
    [InlineData("013-1234-5678", "Not a Korean mobile, area code or service number prefix.")]
    [InlineData("010-1234-567", "Wrong number of digits for this Korean area code or prefix.")]
    [InlineData("+1234567", "International numbers must have 8 to 15 digits.")]
    [InlineData("+0123456789", "Country code cannot start with 0.")]
    public void Explains_why_a_number_was_rejected(string? input, string expectedError)
    {
        Assert.False(KoreanPhoneNumber.TryNormalize(input, out _, out var error));
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Rejects_overly_long_input_without_echoing_it()
    {
        var input = string.Concat(Enumerable.Repeat("010-1234-5678 ", 10));

        Assert.False(KoreanPhoneNumber.TryNormalize(input, out _, out var error));
        Assert.Equal("Phone number is too long.", error);
    }

    [Fact]
    public void Normalize_returns_the_e164_form_of_a_valid_number()
    {
        Assert.Equal("+821098765432", KoreanPhoneNumber.Normalize("010-9876-5432"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("013-1234-5678")]
    [InlineData("010-1234-567a")]
    [InlineData("+1234567")]
    public void Normalize_throws_a_format_exception_that_does_not_echo_the_number(string input)
    {
        var exception = Assert.Throws<FormatException>(() => KoreanPhoneNumber.Normalize(input));

        KoreanPhoneNumber.TryNormalize(input, out _, out var error);
        Assert.Equal(error, exception.Message);
        Assert.DoesNotMatch(@"\d{3}", exception.Message);
    }

    [Theory]
    [InlineData("+821012345678", "010-****-5678")]
    [InlineData("+821098765432", "010-****-5432")]
    [InlineData("+82111234567", "011-***-4567")]
    [InlineData("+821912345678", "019-****-5678")]
    [InlineData("+8221234567", "02-***-4567")]
    [InlineData("+82212345678", "02-****-5678")]
    [InlineData("+82311234567", "031-***-4567")]
    [InlineData("+826412345678", "064-****-5678")]
    [InlineData("+827012345678", "070-****-5678")]
    [InlineData("+825051234567", "0505-***-4567")]
    [InlineData("+8250512345678", "0505-****-5678")]
    [InlineData("+82801234567", "080-***-4567")]
    [InlineData("+8218996808", "1899-6808")] // representative numbers are public
    [InlineData("+8215881234", "1588-1234")]
    [InlineData("+14155550123", "+1******0123")]
    [InlineData("+442079460958", "+4*******0958")]
    [InlineData("+68812345", "+6***2345")]
    public void Masks_numbers_for_logs(string e164, string expected)
    {
        Assert.Equal(expected, KoreanPhoneNumber.Mask(e164));
    }

    [Theory]
    [InlineData("010-9876-5432", "010-****-5432")]
    [InlineData("+82 10 1234 5678", "010-****-5678")]
    [InlineData("(02) 123-4567", "02-***-4567")]
    public void Masks_numbers_that_were_not_normalized_yet(string input, string expected)
    {
        Assert.Equal(expected, KoreanPhoneNumber.Mask(input));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("unknown", "unknown")]
    [InlineData("013-1234-5678", "***-****-5678")]
    [InlineData("+8213123456789", "+*********6789")]
    [InlineData("010-1234-567a", "***-***4-567a")]
    [InlineData("119", "119")]
    public void Masks_invalid_input_down_to_its_last_four_digits(string input, string expected)
    {
        Assert.Equal(expected, KoreanPhoneNumber.Mask(input));
    }

    [Theory]
    [InlineData("+821012345678")]
    [InlineData("+82212345678")]
    [InlineData("+8250512345678")]
    [InlineData("+14155550123")]
    [InlineData("010-1234-5678")]
    [InlineData("013-1234-5678")]
    public void Masked_numbers_never_contain_the_full_number(string input)
    {
        var masked = KoreanPhoneNumber.Mask(input);
        var maskedDigits = Regex.Replace(masked, "[^0-9]", "");
        var inputDigits = Regex.Replace(input, "[^0-9]", "");

        Assert.Contains('*', masked);
        Assert.True(maskedDigits.Length <= inputDigits.Length - 4, $"'{masked}' shows too many digits");
    }

    [Theory]
    [InlineData("+821012345678", "010-1234-5678")]
    [InlineData("+82111234567", "011-123-4567")]
    [InlineData("+821712345678", "017-1234-5678")]
    [InlineData("+82212345678", "02-1234-5678")]
    [InlineData("+8221234567", "02-123-4567")]
    [InlineData("+82311234567", "031-123-4567")]
    [InlineData("+825112345678", "051-1234-5678")]
    [InlineData("+82641234567", "064-123-4567")]
    [InlineData("+827012345678", "070-1234-5678")]
    [InlineData("+825021234567", "0502-123-4567")]
    [InlineData("+8250812345678", "0508-1234-5678")]
    [InlineData("+82801234567", "080-123-4567")]
    [InlineData("+8218996808", "1899-6808")]
    [InlineData("+8216445678", "1644-5678")]
    public void Formats_korean_numbers_in_national_form_with_dashes(string e164, string expected)
    {
        Assert.Equal(expected, KoreanPhoneNumber.Format(e164));
    }

    [Theory]
    [InlineData("+14155550123")]
    [InlineData("+442079460958")]
    [InlineData("+81312345678")]
    public void Returns_foreign_numbers_unchanged_when_formatting(string e164)
    {
        Assert.Equal(e164, KoreanPhoneNumber.Format(e164));
    }

    [Theory]
    [InlineData("")]
    [InlineData("unknown")]
    [InlineData("+82131234567")]
    public void Returns_invalid_input_unchanged_when_formatting(string input)
    {
        Assert.Equal(input, KoreanPhoneNumber.Format(input));
    }

    [Theory]
    [InlineData("+821012345678")]
    [InlineData("+82161234567")]
    [InlineData("+8221234567")]
    [InlineData("+823312345678")]
    [InlineData("+827012345678")]
    [InlineData("+825071234567")]
    [InlineData("+82801234567")]
    [InlineData("+8215881234")]
    public void Formatted_numbers_normalize_back_to_the_same_e164(string e164)
    {
        Assert.Equal(e164, KoreanPhoneNumber.Normalize(KoreanPhoneNumber.Format(e164)));
    }

    private static void AssertRejected(string? input)
    {
        Assert.False(KoreanPhoneNumber.TryNormalize(input, out var e164, out var error));
        Assert.Null(e164);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotMatch(@"\d{3}", error); // never echoes the number, not even in part
        Assert.Throws<FormatException>(() => KoreanPhoneNumber.Normalize(input!));
    }
}
