using Inbox.Privacy;

namespace Inbox.Tests.Privacy;

public class ResidentRegistrationNumberTests
{
    [Theory]
    [InlineData("900101-1234567", "900101-*******")]
    [InlineData("9001011234567", "900101*******")]
    [InlineData("900101 - 1234567", "900101 - *******")]
    [InlineData("900101 -1234567", "900101 -*******")]
    [InlineData("900101- 1234567", "900101- *******")]
    [InlineData("900101 1234567", "900101 *******")]
    [InlineData("900101‐1234567", "900101‐*******")] // U+2010 hyphen
    [InlineData("900101–1234567", "900101–*******")] // en dash
    [InlineData("900101—1234567", "900101—*******")] // em dash
    [InlineData("900101－1234567", "900101－*******")] // full-width hyphen-minus
    [InlineData("900101−1234567", "900101−*******")] // minus sign
    [InlineData("900101\u00A0-\u00A01234567", "900101\u00A0-\u00A0*******")] // no-break spaces
    public void Masks_the_last_seven_digits_whatever_the_separator(string text, string expected)
    {
        Assert.Equal(expected, ResidentRegistrationNumber.Mask(text));
    }

    [Theory]
    [InlineData("000101-3123456")] // born in 2000
    [InlineData("991231-2123456")]
    [InlineData("850229-1123456")]
    [InlineData("200131-4123456")]
    [InlineData("951130-5123456")] // alien registration numbers start the second half with 5-8
    [InlineData("010615-6123456")]
    [InlineData("880710-7123456")]
    [InlineData("770320-8123456")]
    [InlineData("991010-9123456")] // born in the 1800s
    [InlineData("991010-0123456")]
    public void Masks_every_birth_date_and_second_half_first_digit(string number)
    {
        Assert.Equal(number[..7] + "*******", ResidentRegistrationNumber.Mask(number));
    }

    [Theory]
    [InlineData("주민번호 900101-2345678입니다", "주민번호 900101-*******입니다")]
    [InlineData("주민등록번호: 851231-1234567", "주민등록번호: 851231-*******")]
    [InlineData("제 주민번호는 9203151234567 이에요", "제 주민번호는 920315******* 이에요")]
    [InlineData("(주민번호 900101-1234567)", "(주민번호 900101-*******)")]
    [InlineData("주민번호는 900101 - 2345678 이고 연락처는 010-1234-5678입니다.",
        "주민번호는 900101 - ******* 이고 연락처는 010-1234-5678입니다.")]
    [InlineData("아버지 500315-1234567, 어머니 520820-2345678 두 분 모두 신청합니다.",
        "아버지 500315-*******, 어머니 520820-******* 두 분 모두 신청합니다.")]
    [InlineData("외국인등록번호 950505-5123456으로 등록했어요.", "외국인등록번호 950505-*******으로 등록했어요.")]
    [InlineData("아이 번호: 150301-3123456\n제 번호: 880712-2345678\n연락처 01098765432",
        "아이 번호: 150301-*******\n제 번호: 880712-*******\n연락처 01098765432")]
    [InlineData("2024-01-01 상담 신청, 주민번호 900101-1234567, 계좌 110-123-456789",
        "2024-01-01 상담 신청, 주민번호 900101-*******, 계좌 110-123-456789")]
    [InlineData("My ID is 900101-1234567.", "My ID is 900101-*******.")]
    public void Masks_registration_numbers_in_korean_sentences_and_keeps_the_rest(string text, string expected)
    {
        Assert.Equal(expected, ResidentRegistrationNumber.Mask(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("안녕하세요, 기초연금 신청 문의드립니다.")]
    [InlineData("01012345678")] // 11-digit phone number
    [InlineData("연락처 010-1234-5678로 전화주세요")]
    [InlineData("010 9876 5432")]
    [InlineData("0212345678")] // 10 digits
    [InlineData("1234567890")]
    [InlineData("90010112345")]
    [InlineData("90010112345678")] // 14-digit account number
    [InlineData("계좌번호 12345678901234로 입금")]
    [InlineData("900101123456789")]
    [InlineData("19001011234567")]
    [InlineData("계좌 110-123-456789")]
    [InlineData("상담일 2024-01-01 오후 3시")]
    [InlineData("방문 2024.01.01, 다음 방문 2024-02-15")]
    [InlineData("주문번호 20240101-1234567")] // the 6 digits touch another digit
    [InlineData("900101-123456")] // second half too short
    [InlineData("900101-12345678")] // second half too long
    [InlineData("901301-1234567")] // month 13
    [InlineData("900001-1234567")] // month 00
    [InlineData("900100-1234567")] // day 00
    [InlineData("900132-1234567")] // day 32
    [InlineData("900101_1234567")]
    [InlineData("900101/1234567")]
    public void Leaves_text_without_registration_numbers_untouched(string text)
    {
        Assert.Equal(text, ResidentRegistrationNumber.Mask(text));
        Assert.False(ResidentRegistrationNumber.ContainsAny(text));
    }

    [Theory]
    [InlineData("주민번호 900101-2345678입니다")]
    [InlineData("9001011234567")]
    [InlineData("연락처 010-1234-5678, 주민번호 900101 – 1234567")]
    [InlineData("외국인등록번호 950505-5123456")]
    public void Detects_text_that_contains_a_registration_number(string text)
    {
        Assert.True(ResidentRegistrationNumber.ContainsAny(text));
        Assert.False(ResidentRegistrationNumber.ContainsAny(ResidentRegistrationNumber.Mask(text)));
    }

    [Fact]
    public void Masking_twice_gives_the_same_text()
    {
        var once = ResidentRegistrationNumber.Mask("주민번호 900101-1234567, 배우자 910202-2345678");

        Assert.Equal(once, ResidentRegistrationNumber.Mask(once));
    }
}
