using System.Text;
using Inbox.Outbound;

namespace Inbox.Tests.Outbound;

public class KoreanTextTests
{
    // ---- Byte counts ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("", 0)]
    [InlineData("Hello, 123!", 11)]
    [InlineData("안녕하세요", 10)]
    [InlineData("안녕 Hi!", 8)]
    [InlineData("010-1234-5678로 연락 주세요.", 28)]
    [InlineData("\n", 1)]
    [InlineData("\r\n", 2)]
    [InlineData("\u3000", 2)] // ideographic space
    public void Counts_ascii_as_one_byte_and_hangul_as_two(string text, int expected) =>
        Assert.Equal(expected, KoreanText.EucKrByteCount(text));

    [Theory]
    [InlineData("♥")]
    [InlineData("♡")]
    [InlineData("★")]
    [InlineData("※")]
    [InlineData("…")]
    [InlineData("①")]
    [InlineData("㈜")]
    [InlineData("韓")]
    [InlineData("國")]
    [InlineData("福")]
    [InlineData("祉")]
    [InlineData("￦")] // full-width won sign
    [InlineData("ㄱ")]
    public void Counts_ks_x_1001_symbols_and_hanja_as_two_bytes(string character)
    {
        Assert.Equal(2, KoreanText.EucKrByteCount(character));
        Assert.Empty(KoreanText.CharactersSmsCannotCarry(character));
    }

    [Fact]
    public void Counts_syllables_missing_from_strict_euc_kr_because_carriers_take_cp949()
    {
        Assert.Equal(6, KoreanText.EucKrByteCount("똠햏뷁"));

        // The reason for code page 949: strict EUC-KR (51949) has only 2,350 syllables.
        var strict = Encoding.GetEncoding(51949, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        Assert.Throws<EncoderFallbackException>(() => strict.GetByteCount("똠"));
    }

    [Fact]
    public void Refuses_to_count_text_with_emoji_and_names_the_emoji()
    {
        var error = Assert.Throws<ArgumentException>(() => KoreanText.EucKrByteCount("감사합니다😊"));
        Assert.Contains("😊", error.Message);
    }

    // ---- What SMS cannot carry ------------------------------------------------------------------------------------

    [Fact]
    public void Finds_nothing_to_refuse_in_korean_english_hanja_and_hearts()
    {
        Assert.Empty(KoreanText.CharactersSmsCannotCarry("안녕하세요, 福祉센터입니다 ♥ Call 1899-6808 ※ 10:00~18:00\r\n"));
        Assert.Empty(KoreanText.CharactersSmsCannotCarry(""));
    }

    [Theory]
    [InlineData("😊")] // surrogate pair
    [InlineData("👍🏻")] // emoji + skin tone modifier
    [InlineData("👨‍👩‍👧")] // ZWJ family sequence
    [InlineData("♥️")] // the heart that is fine, plus the emoji variation selector that is not
    [InlineData("❤")]
    [InlineData("丟")] // BMP Hanja outside KS X 1001
    [InlineData("㐀")] // CJK extension A
    [InlineData("𠀀")] // CJK extension B, surrogate pair
    [InlineData("é")]
    [InlineData("e\u0301")] // e + combining acute: one text element
    [InlineData("—")] // em dash, pasted from a word processor
    [InlineData("₩")] // U+20A9; the full-width ￦ is fine
    [InlineData("\u00A0")] // no-break space
    public void Refuses_characters_cp949_has_no_code_for_and_reports_them_whole(string character)
    {
        Assert.Equal([character], KoreanText.CharactersSmsCannotCarry($"안녕하세요 {character} 감사합니다"));
    }

    [Fact]
    public void Lists_each_offending_character_once_in_order_of_first_appearance()
    {
        const string text = "안녕하세요😊 ♥ 좋아요👍🏻 가족👨‍👩‍👧 😊 丟 福 𠀀 ♥️ — ₩ 👍🏻 👍";

        Assert.Equal(["😊", "👍🏻", "👨‍👩‍👧", "丟", "𠀀", "♥️", "—", "₩", "👍"], KoreanText.CharactersSmsCannotCarry(text));
    }

    // ---- SMS / LMS ------------------------------------------------------------------------------------------------

    [Fact]
    public void A_short_reply_is_one_sms()
    {
        var part = Assert.Single(KoreanText.SplitSms("네, 내일 오전 10시에 방문해 주세요."));

        Assert.Equal(new SmsPart("SMS", "네, 내일 오전 10시에 방문해 주세요.", 35), part);
    }

    [Fact]
    public void Exactly_ninety_bytes_is_still_one_sms()
    {
        var korean = new string('가', 45);
        var ascii = new string('a', 90);

        Assert.Equal(new SmsPart("SMS", korean, 90), Assert.Single(KoreanText.SplitSms(korean)));
        Assert.Equal(new SmsPart("SMS", ascii, 90), Assert.Single(KoreanText.SplitSms(ascii)));
    }

    [Fact]
    public void Ninety_one_bytes_is_one_lms()
    {
        var text = new string('a', 89) + "가";

        Assert.Equal(new SmsPart("LMS", text, 91), Assert.Single(KoreanText.SplitSms(text)));
    }

    [Fact]
    public void Exactly_two_thousand_bytes_is_one_lms()
    {
        var text = KoreanProse(2000);

        Assert.Equal(new SmsPart("LMS", text, 2000), Assert.Single(KoreanText.SplitSms(text)));
    }

    [Fact]
    public void Two_thousand_and_one_bytes_is_two_lms_parts()
    {
        var text = KoreanProse(2001);

        var parts = KoreanText.SplitSms(text);

        Assert.Equal(2, parts.Count);
        AssertLmsParts(text, parts);
    }

    [Fact]
    public void A_five_thousand_byte_korean_reply_is_three_lms_parts_that_add_up_to_the_reply()
    {
        var text = KoreanProse(5000);
        Assert.Equal(5000, Bytes(text));

        var parts = KoreanText.SplitSms(text);

        Assert.Equal(3, parts.Count);
        AssertLmsParts(text, parts);
        foreach (var part in parts.SkipLast(1))
        {
            Assert.EndsWith(" ", part.Text); // cut after a space ...
            Assert.True(part.Bytes > LmsMaxBytesMinusLongestWord, $"a part of only {part.Bytes} bytes"); // ... the last one that fits
        }
        foreach (var part in parts.Skip(1))
            Assert.False(char.IsWhiteSpace(part.Text[0])); // the next part starts with a word
    }

    [Fact]
    public void A_long_reply_is_split_after_the_last_line_break_that_fits()
    {
        var first = KoreanProse(1500) + "\n";
        var second = KoreanProse(700) + "\n\n";
        var third = KoreanProse(400);

        var parts = KoreanText.SplitSms(first + second + third);

        Assert.Equal([first, second + third], parts.Select(p => p.Text));
        AssertLmsParts(first + second + third, parts);
    }

    [Fact]
    public void Blank_lines_at_the_split_stay_with_the_earlier_part()
    {
        var first = KoreanProse(1800) + "\r\n\r\n";
        var second = KoreanProse(600);

        var parts = KoreanText.SplitSms(first + second);

        Assert.Equal([first, second], parts.Select(p => p.Text));
    }

    [Fact]
    public void A_line_break_early_in_the_part_loses_to_a_later_space()
    {
        // Cutting at the greeting's line break would waste most of an LMS (and cost a third one).
        var text = "안녕하세요, 행복복지센터입니다.\n" + KoreanProse(3500);

        var parts = KoreanText.SplitSms(text);

        Assert.Equal(2, parts.Count);
        Assert.True(parts[0].Bytes > LmsMaxBytesMinusLongestWord);
        Assert.EndsWith(" ", parts[0].Text);
        AssertLmsParts(text, parts);
    }

    [Fact]
    public void A_reply_without_spaces_is_cut_at_the_byte_limit()
    {
        var text = new string('가', 1500);

        var parts = KoreanText.SplitSms(text);

        Assert.Equal([2000, 1000], parts.Select(p => p.Bytes));
        AssertLmsParts(text, parts);
    }

    [Fact]
    public void A_long_url_is_cut_at_the_byte_limit_but_the_text_before_it_keeps_its_own_part()
    {
        var url = "https://www.bokjiro.go.kr/ssis-tbu/" + new string('x', 2100);
        var text = "신청 안내: " + url;

        var parts = KoreanText.SplitSms(text);

        Assert.Equal("신청 안내: ", parts[0].Text);
        AssertLmsParts(text, parts);
    }

    [Fact]
    public void Never_splits_a_crlf_pair()
    {
        var text = new string('a', 1999) + "\r\n" + new string('b', 100);

        var parts = KoreanText.SplitSms(text);

        Assert.Equal([new string('a', 1999), "\r\n" + new string('b', 100)], parts.Select(p => p.Text));
    }

    [Fact]
    public void A_no_break_space_is_not_a_place_to_split()
    {
        // U+00A0 cannot go by SMS anyway; on KakaoTalk it keeps "10 000" together.
        var text = new string('a', 990) + " 10\u00A0000원" + new string('b', 100);

        var parts = KoreanText.SplitKakao(text);

        Assert.Equal(new string('a', 990) + " ", parts[0]);
    }

    [Fact]
    public void Refuses_an_sms_with_emoji_and_lists_exactly_the_offending_characters()
    {
        var error = Assert.Throws<ArgumentException>(() => KoreanText.SplitSms("감사합니다😊 ♥ 좋은 하루 되세요👍🏻 😊 福"));

        Assert.Equal("text", error.ParamName);
        Assert.Contains("\"😊\" (U+1F60A)", error.Message);
        Assert.Contains("\"👍🏻\" (U+1F44D U+1F3FB)", error.Message);
        Assert.DoesNotContain("♥", error.Message);
        Assert.DoesNotContain("福", error.Message);
        Assert.Equal(2, error.Message.Split("😊").Length); // listed once, though it appears twice
    }

    [Fact]
    public void Refuses_an_sms_heart_with_the_emoji_variation_selector_and_shows_its_code_points()
    {
        var error = Assert.Throws<ArgumentException>(() => KoreanText.SplitSms("사랑합니다♥️"));

        Assert.Contains("(U+2665 U+FE0F)", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\r\n\t\u3000")]
    public void Refuses_an_empty_reply(string text)
    {
        Assert.Throws<ArgumentException>(() => KoreanText.SplitSms(text));
        Assert.Throws<ArgumentException>(() => KoreanText.SplitKakao(text));
    }

    // ---- KakaoTalk ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("안녕하세요", 5)]
    [InlineData("😊", 1)]
    [InlineData("👍🏻", 1)]
    [InlineData("👨‍👩‍👧", 1)]
    [InlineData("♥️", 1)]
    [InlineData("e\u0301", 1)]
    [InlineData("\r\n", 1)]
    [InlineData("감사해요😊👍🏻", 6)]
    public void Counts_kakao_characters_as_the_counselor_sees_them(string text, int expected) =>
        Assert.Equal(expected, KoreanText.KakaoCharCount(text));

    [Fact]
    public void A_kakao_reply_of_a_thousand_characters_with_emoji_is_one_part()
    {
        var text = string.Concat(Enumerable.Repeat("고마워요😊", 200));
        Assert.Equal(1000, KoreanText.KakaoCharCount(text));

        Assert.Equal([text], KoreanText.SplitKakao(text));
    }

    [Fact]
    public void A_kakao_reply_of_a_thousand_and_one_characters_is_two_parts()
    {
        var text = new string('가', 1001);

        Assert.Equal([new string('가', 1000), "가"], KoreanText.SplitKakao(text));
    }

    [Theory]
    [InlineData("😊")]
    [InlineData("👍🏻")]
    [InlineData("👨‍👩‍👧")]
    [InlineData("𠀀")]
    public void Never_cuts_an_emoji_or_surrogate_pair_at_the_kakao_limit(string emoji)
    {
        var ending = new string('가', 999) + emoji;
        var starting = new string('나', 1000);

        Assert.Equal([ending, emoji + "다"], KoreanText.SplitKakao(ending + emoji + "다"));
        Assert.Equal([starting, emoji + "다"], KoreanText.SplitKakao(starting + emoji + "다"));
    }

    [Fact]
    public void A_long_kakao_reply_is_split_after_the_last_line_break_that_fits()
    {
        var first = new string('가', 700) + "😊\n";
        var second = "둘째 문단입니다 👍🏻 " + new string('나', 400);

        Assert.Equal([first, second], KoreanText.SplitKakao(first + second));
    }

    [Fact]
    public void A_long_kakao_reply_is_split_after_the_last_space_that_fits()
    {
        var words = string.Join(' ', Enumerable.Repeat("상담😊신청", 400)); // 5-character words: 2,399 characters
        var parts = KoreanText.SplitKakao(words);

        Assert.Equal(words, string.Concat(parts));
        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => Assert.InRange(KoreanText.KakaoCharCount(p), 1, 1000));
        Assert.All(parts.SkipLast(1), p => Assert.EndsWith(" ", p));
        Assert.All(parts.SkipLast(1), p => Assert.True(KoreanText.KakaoCharCount(p) > 1000 - 6));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Any_reply_splits_into_whole_characters_that_fit_and_add_up_to_it(int seed)
    {
        var random = new Random(seed);
        string[] sendable = ["가", "똠", "a", "1", " ", " ", "\n", "\r\n", "♥", "福", "…", "."];
        string[] kakaoOnly = ["😊", "👍🏻", "👨‍👩‍👧", "♥️", "𠀀", "e\u0301"];
        for (var round = 0; round < 50; round++)
        {
            var length = random.Next(1, 3000);
            var sms = string.Concat(Enumerable.Range(0, length).Select(_ => sendable[random.Next(sendable.Length)])) + "끝";
            var kakao = string.Concat(Enumerable.Range(0, length).Select(_ =>
                random.Next(4) == 0 ? kakaoOnly[random.Next(kakaoOnly.Length)] : sendable[random.Next(sendable.Length)])) + "끝";

            var smsParts = KoreanText.SplitSms(sms);
            Assert.Equal(sms, string.Concat(smsParts.Select(p => p.Text)));
            Assert.All(smsParts, p => Assert.InRange(KoreanText.EucKrByteCount(p.Text), 1, KoreanText.LmsMaxBytes));
            Assert.All(smsParts, p => Assert.Equal(KoreanText.EucKrByteCount(p.Text), p.Bytes));
            Assert.Equal(KoreanText.KakaoCharCount(sms), smsParts.Sum(p => KoreanText.KakaoCharCount(p.Text)));

            var kakaoParts = KoreanText.SplitKakao(kakao);
            Assert.Equal(kakao, string.Concat(kakaoParts));
            Assert.All(kakaoParts, p => Assert.InRange(KoreanText.KakaoCharCount(p), 1, KoreanText.KakaoMaxChars));
            // No text element was cut: counting the parts one by one gives the same total.
            Assert.Equal(KoreanText.KakaoCharCount(kakao), kakaoParts.Sum(KoreanText.KakaoCharCount));
        }
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------

    private const int LmsMaxBytesMinusLongestWord = KoreanText.LmsMaxBytes - 12;

    private static readonly string[] Words = ["안녕하세요", "주민센터", "복지상담", "신청서를", "다음주까지", "제출해", "주세요.", "긴급지원", "문의는", "1899-6808"];

    // Korean prose of exactly `bytes` bytes: words of at most 11 bytes, one space between, dots to make up the rest.
    private static string KoreanProse(int bytes)
    {
        var text = new StringBuilder();
        var count = 0;
        for (var i = 0; ; i++)
        {
            var word = (text.Length == 0 ? "" : " ") + Words[i % Words.Length];
            if (count + Bytes(word) > bytes)
                break;
            text.Append(word);
            count += Bytes(word);
        }
        return text.Append('.', bytes - count).ToString();
    }

    // An oracle independent of the code under test, for ASCII and Hangul only.
    private static int Bytes(string text) => text.Sum(c => c < 0x80 ? 1 : 2);

    private static void AssertLmsParts(string text, IReadOnlyList<SmsPart> parts)
    {
        Assert.Equal(text, string.Concat(parts.Select(p => p.Text)));
        Assert.All(parts, p =>
        {
            Assert.Equal("LMS", p.Type);
            Assert.Equal(Bytes(p.Text), p.Bytes);
            Assert.InRange(p.Bytes, 1, KoreanText.LmsMaxBytes);
            Assert.False(string.IsNullOrWhiteSpace(p.Text));
        });
    }
}
