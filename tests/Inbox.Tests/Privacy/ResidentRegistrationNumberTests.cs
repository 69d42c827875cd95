using System.Text;
using System.Text.Json.Nodes;
using Inbox.Privacy;

namespace Inbox.Tests.Privacy;

public class ResidentRegistrationNumberTests
{
    public static TheoryData<string, string> WrittenForms() =>
        new(RegistrationNumberForms.Masked.Select(f => (f.Written, f.Masked)));

    public static TheoryData<string> LookAlikes() => new(RegistrationNumberForms.NotMasked);

    [Theory]
    [MemberData(nameof(WrittenForms))]
    public void Masks_only_the_seven_digits_of_every_written_form_and_keeps_the_rest_as_written(string written, string masked)
    {
        Assert.Equal(masked, ResidentRegistrationNumber.Mask(written));
        Assert.True(ResidentRegistrationNumber.ContainsAny(written));
        Assert.False(ResidentRegistrationNumber.ContainsAny(masked));
    }

    [Theory]
    [MemberData(nameof(LookAlikes))]
    public void Leaves_account_and_phone_numbers_dates_and_impossible_birth_dates_untouched(string text)
    {
        Assert.Equal(text, ResidentRegistrationNumber.Mask(text));
        Assert.False(ResidentRegistrationNumber.ContainsAny(text));
    }

    [Theory]
    [InlineData("000101-3123456")] // born in 2000
    [InlineData("991231-2123456")]
    [InlineData("840229-1123456")]
    [InlineData("200131-4123456")]
    [InlineData("951130-5123456")] // alien registration numbers start the second half with 5-8
    [InlineData("010615-6123456")]
    [InlineData("080710-7123456")]
    [InlineData("170320-8123456")]
    public void Masks_every_century_and_sex_digit_of_living_people(string number)
    {
        Assert.Equal(number[..7] + "*******", ResidentRegistrationNumber.Mask(number));
    }

    [Theory]
    [InlineData("991010-9123456")] // born in the 1800s: nobody alive
    [InlineData("110111-0123456")] // the shape of a corporate registration number (법인등록번호)
    [InlineData("880710-7123456")] // a foreigner "born in 2088"
    [InlineData("770320-3123456")] // a Korean "born in 2077"
    public void Leaves_numbers_whose_seventh_digit_gives_no_living_persons_birth_date(string number)
    {
        Assert.Equal(number, ResidentRegistrationNumber.Mask(number));
    }

    [Theory]
    [InlineData("주민번호 900101-2345678입니다", "주민번호 900101-*******입니다")]
    [InlineData("제 주민번호는 9203151234567 이에요", "제 주민번호는 920315******* 이에요")]
    [InlineData("주민번호는 900101 - 2345678 이고 연락처는 010-1234-5678입니다.",
        "주민번호는 900101 - ******* 이고 연락처는 010-1234-5678입니다.")]
    [InlineData("아버지 500315-1234567, 어머니 520820-2345678 두 분 모두 신청합니다.",
        "아버지 500315-*******, 어머니 520820-******* 두 분 모두 신청합니다.")]
    [InlineData("아이 번호: 150301-3123456\n제 번호: 880712-2345678\n연락처 01098765432",
        "아이 번호: 150301-*******\n제 번호: 880712-*******\n연락처 01098765432")]
    [InlineData("2024-01-01 상담 신청, 주민번호 900101-1234567, 계좌 110-123-456789",
        "2024-01-01 상담 신청, 주민번호 900101-*******, 계좌 110-123-456789")]
    [InlineData("My ID is 900101-1234567.", "My ID is 900101-*******.")]
    [InlineData("번호 𝟗𝟎𝟎𝟏𝟎𝟏-1234567", "번호 𝟗𝟎𝟎𝟏𝟎𝟏-*******")] // mathematical digits (surrogate pairs) read as NFKC reads them
    [InlineData("900101-𝟏𝟐𝟑𝟒𝟓𝟔𝟕 끝", "900101-******* 끝")]
    public void Masks_registration_numbers_in_sentences_and_keeps_the_rest(string text, string expected)
    {
        Assert.Equal(expected, ResidentRegistrationNumber.Mask(text));
    }

    [Fact]
    public void Masking_twice_gives_the_same_text()
    {
        var once = ResidentRegistrationNumber.Mask("주민번호 900101-1234567, 배우자 910202-2345678");

        Assert.Equal(once, ResidentRegistrationNumber.Mask(once));
    }

    [Fact]
    public void Masks_strings_in_json_but_leaves_urls_that_fetch_files()
    {
        var node = JsonNode.Parse("""{"memo":"900101-1234567","nested":{"list":["900101\n1234567", 3]},"recordingUrl":"https://cti.example/rec/900101-1234567.wav"}""");

        ResidentRegistrationNumber.MaskStrings(node);

        Assert.Equal("900101-*******", node!["memo"]!.GetValue<string>());
        Assert.Equal("900101\n*******", node["nested"]!["list"]![0]!.GetValue<string>());
        Assert.Equal("https://cti.example/rec/900101-1234567.wav", node["recordingUrl"]!.GetValue<string>());
    }

    [Fact]
    public void Text_of_250_KiB_full_of_digits_and_separators_is_masked_in_one_pass()
    {
        // Not a timing: the result proves every one of 10,000 numbers in a long text was found, each exactly once.
        var sb = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
            sb.Append("850315 - 2345678 ").Append(i % 2 == 0 ? "110-123-456789 " : "\u200B\u200B ");
        var text = sb.ToString();

        var masked = ResidentRegistrationNumber.Mask(text);

        Assert.True(text.Length > 250_000);
        Assert.Equal(text.Length, masked.Length);
        Assert.Equal(70_000, masked.Count(c => c == '*'));
        Assert.Contains("110-123-456789", masked);
    }
}
