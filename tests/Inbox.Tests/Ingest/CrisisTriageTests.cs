using System.Text;
using Inbox.Ingest;
using Microsoft.Extensions.Options;

namespace Inbox.Tests.Ingest;

public class CrisisTriageTests
{
    private static string? MatchDefaults(string? text) =>
        CrisisTriage.Match(text, CrisisTriage.DefaultPhrases, CrisisTriage.DefaultExclusions);

    [Theory]
    // 자살 (suicidal intent)
    [InlineData("죽고 싶어요", "죽고 싶")]
    [InlineData("요즘 너무 힘들어서 그냥 죽고싶다는 생각만 들어요", "죽고 싶")]
    [InlineData("더 이상 살고 싶지 않습니다", "살고 싶지 않")]
    [InlineData("빚 때문에 하루하루가 지옥이에요. 이제 살기 싫어요", "살기 싫")]
    [InlineData("스스로 목숨을 끊으려고 약을 모아 뒀어요", "스스로 목숨")]
    [InlineData("극단적 선택을 할까 하는 생각이 계속 들어요", "극단적 선택")]
    [InlineData("자살하고 싶어요. 자살예방센터 말고 상담사랑 얘기하고 싶어요", "자살하")]
    [InlineData("혼자 사는데 자살 생각이 자꾸 나요", "자살 생각")]
    [InlineData("가족들한테 유서를 써 놨어요", "유서를")]
    [InlineData("번개탄 사다 놨어요", "번개탄")]
    [InlineData("아이들 데리고 같이 죽을까 생각했어요", "같이 죽을")]
    [InlineData("옥상에서 뛰어내리고 싶어요", "뛰어내리고 싶")]
    [InlineData("그냥 사라지고 싶어요 아무도 모르게", "사라지고 싶")]
    // 자해 (self-harm)
    [InlineData("어젯밤에 또 손목을 그었어요", "손목을 그었")]
    [InlineData("자해를 멈출 수가 없어요 도와주세요", "자해를")]
    [InlineData("자해 또 했어요", "자해 또")]
    // 학대·폭력 (abuse, domestic and sexual violence)
    [InlineData("남편한테 맞고 있어요 도와주세요", "한테 맞고")]
    [InlineData("아빠가 술만 마시면 엄마를 때려요", "때려")]
    [InlineData("남편이 칼을 들고 죽인다고 해요", "칼을 들")]
    [InlineData("아들이 돈 달라고 저를 때리고 협박해요", "때리고")]
    [InlineData("옆집 아이가 학대를 당하는 것 같아요. 매일 비명이 들려요", "학대를")]
    [InlineData("어머니가 요양원에서 학대받고 계신 것 같아요", "학대받")]
    [InlineData("집에서 도망 나왔어요. 갈 곳이 없어요", "도망 나왔")]
    [InlineData("아버지가 엄마 목을 조르는 걸 봤어요", "목을 조르")]
    [InlineData("삼촌한테 성추행을 당했어요", "성추행")]
    [InlineData("술 먹으면 저를 두들겨 팹니다", "두들겨 팹")]
    // 결식 (no food)
    [InlineData("사흘째 굶고 있어요", "굶고")]
    [InlineData("할머니가 며칠째 아무것도 못 드셨대요", "째 아무것도 못")]
    [InlineData("집에 먹을 게 하나도 없어요", "먹을 게 하나도")]
    [InlineData("쌀이 다 떨어져서 애들 밥을 못 먹이고 있어요", "쌀이 다 떨어")]
    // 난방·단전 (no heating, supply cut off)
    [InlineData("가스가 끊겨서 아이가 추위에 떨고 있어요", "가스가 끊겨")]
    [InlineData("전기 끊긴 지 일주일 됐어요. 너무 추워요", "전기 끊긴")]
    [InlineData("도시가스 요금을 못 내서 끊겼어요", "못 내서 끊겼")]
    [InlineData("가스도 끊기고 전기도 끊겼어요", "가스도 끊기고")]
    [InlineData("전기랑 가스 다 끊겼어요", "가스 다 끊겼")]
    [InlineData("집에 가스가 안 나와요 너무 추워요", "가스가 안 나와")]
    [InlineData("보일러가 고장 나서 방이 너무 추워요", "보일러…고장…추워")]
    [InlineData("난방을 못 해서 방이 냉골이에요", "난방을 못 해")]
    [InlineData("독거 어르신 댁이 추워서 얼어 죽을 것 같아요", "얼어 죽")]
    [InlineData("단전된 지 한 달 됐어요", "단전된 지")]
    // English
    [InlineData("I want to kill myself", "kill myself")]
    [InlineData("My husband beats me every night", "beats me")]
    [InlineData("We have no food and the kids are hungry", "no food")]
    [InlineData("I'm SUICIDAL", "suicidal")]
    [InlineData("I don't want to live anymore", "don't want to live")]
    public void Flags_a_resident_in_danger_with_the_phrase_that_triggered(string message, string expected)
    {
        Assert.Equal(expected, MatchDefaults(message));
    }

    [Theory]
    [InlineData("기초생활수급자 신청 자격이 어떻게 되나요?")]
    [InlineData("긴급복지지원 신청 방법 알려주세요")]
    [InlineData("에너지바우처 신청 기간이 언제까지인가요?")]
    [InlineData("자살예방센터 전화번호 좀 알려주세요")]
    [InlineData("자살 예방 교육 신청하고 싶습니다")]
    [InlineData("극단적 선택 예방 교육 강사 섭외 문의드립니다")]
    [InlineData("가정폭력상담소 위치 문의드립니다")]
    [InlineData("가정폭력 예방 교육 자료 받을 수 있나요?")]
    [InlineData("아동학대 신고 방법 알려주세요")]
    [InlineData("노인 학대를 신고하려면 어디로 연락해야 하나요?")]
    [InlineData("난방비 지원 요건이 궁금합니다. 요즘 너무 추워요")]
    [InlineData("가스가 끊기기 전에 요금 감면 신청할 수 있나요?")]
    [InlineData("요금 안 내면 가스가 끊겨요? 감면 신청하고 싶어요")]
    [InlineData("다음 달에 전기가 끊긴다고 통보 받았는데 요금 분납 되나요?")]
    [InlineData("가스요금 감면 대상인지 확인하고 싶어요")]
    [InlineData("전기요금 복지할인 신청은 어디서 하나요?")]
    [InlineData("수급비가 끊겼는데 다시 신청 가능한가요?")]
    [InlineData("보일러 교체 지원 사업이 있나요? 보일러가 고장 나서요")]
    [InlineData("날씨가 추워지기 전에 보일러 고장 수리 지원 받을 수 있나요?")]
    [InlineData("장애인 활동지원 시간을 늘릴 수 있나요?")]
    [InlineData("어머니가 혼자 살고 계신데 노인 돌봄 서비스 신청하려고요")]
    [InlineData("혼자 살 생각인데 청년 임대주택 신청할 수 있나요?")]
    [InlineData("여기 살기 싫어서 이사하려는데 주거 지원 받을 수 있나요?")]
    [InlineData("한부모 가족 지원 신청 서류가 뭔가요?")]
    [InlineData("주거급여 신청했는데 언제 지급되나요?")]
    [InlineData("기초연금 수급 자격 조건이 궁금해요")]
    [InlineData("항암 주사를 맞고 있는데 의료비 지원 받을 수 있나요?")]
    [InlineData("인슐린 주사 맞고 있어요. 당뇨 소모품 지원 되나요?")]
    [InlineData("소득 변동 사유서를 써야 하나요?")]
    [InlineData("독거노인 도시락 배달 서비스 신청하고 싶어요")]
    [InlineData("푸드뱅크 이용 방법이 궁금합니다")]
    [InlineData("쌀이 떨어지면 푸드뱅크 이용할 수 있나요?")]
    [InlineData("정부양곡 할인 신청하면 쌀은 언제 배달되나요?")]
    [InlineData("아이들이 굶지 않도록 급식카드 신청하고 싶어요")]
    [InlineData("남은 약을 모아서 어디에 버려야 하나요?")]
    [InlineData("아버지가 돌아가셨는데 장제급여 신청은 어떻게 하나요?")]
    [InlineData("이 지원이 저한테 맞아요? 조건을 잘 모르겠어요")]
    [InlineData("저에게 맞는 일자리 지원 사업이 있을까요?")]
    [InlineData("치매 어르신 주간보호센터 이용료 지원되나요?")]
    [InlineData("초등학교 입학 대상 아동 교육급여 신청 방법 알려주세요")]
    [InlineData("범죄 피해자 해당 여부 확인은 어디서 하나요?")]
    [InlineData("일을 때려치우고 실업급여 받을 수 있나요?")]
    [InlineData("지원이 다 끊겼어요 이유가 뭔가요")]
    [InlineData("형제들과 연락 끊긴 지 10년 됐어요. 부양의무자 기준이 궁금해요")]
    [InlineData("상담 중에 전화가 끊겼는데요")]
    [InlineData("가스 점검 나오신다고 했는데 아직 안 나와요")]
    [InlineData("전기가 나가서 냉장고 음식이 상했는데 보상 되나요?")]
    [InlineData("월세가 밀려서 쫓겨날 것 같아요. 주거 지원 받을 수 있나요?")]
    [InlineData("서류 제출 오늘 다 끝내고 싶은데 뭐가 남았나요?")]
    [InlineData("맞아요 그 서류 제출했어요")]
    [InlineData("학교폭력 신고 방법 알려주세요")]
    [InlineData("보일러 고장 신고는 어디로 하나요?")]
    [InlineData("Can I get a food voucher?")]
    [InlineData("Where can I apply for the energy voucher?")]
    [InlineData("What is the suicide prevention center number?")]
    public void Does_not_flag_an_ordinary_welfare_question(string message)
    {
        Assert.Null(MatchDefaults(message));
    }

    // Borderline messages, decided: a concrete situation flags even when someone else reports it or it might be
    // hyperbole; a counselor dismisses a false alarm in seconds.
    [Theory]
    [InlineData("옆집 할머니가 며칠째 굶고 계신 것 같아요", "굶고")] // reported by a neighbour
    [InlineData("가정폭력 피해자 주거 지원은 어디에 문의하나요?", "가정폭력")] // likely the victim asking
    [InlineData("아버지가 자살하셨어요. 유족 지원이 있나요?", "자살하")] // the bereaved are at risk themselves
    [InlineData("집이 추워 죽겠어요. 에너지바우처 언제 나와요?", "추워 죽")] // hyperbole, but about a cold home
    [InlineData("연탄 피울 번개탄도 지원되나요?", "번개탄")] // almost never ordinary in this inbox
    [InlineData("요금 안 냈다고 가스가 끊겨요?", "가스가 끊겨")] // a question about the future, worded like the present
    [InlineData("보일러 수리비 지원 되나요? 보일러가 고장이라 너무 추워요", "보일러…고장…추워")]
    public void Flags_borderline_messages_as_decided(string message, string expected)
    {
        Assert.Equal(expected, MatchDefaults(message));
    }

    [Theory]
    [InlineData("죽고 싶어요")]
    [InlineData("죽고싶어요")]
    [InlineData("죽 고 싶 어 요")]
    [InlineData("죽고\t싶어")]
    [InlineData("죽고\r\n싶어")]
    [InlineData("죽고\u3000싶어")] // ideographic space
    [InlineData("죽고\u00A0싶어")] // no-break space
    [InlineData("죽고\u200B싶어")] // zero-width space
    [InlineData("죽고\u3164싶어")] // Hangul filler, used as an invisible blank
    [InlineData("죽고...싶어")]
    [InlineData("죽고~ 싶어!!")]
    [InlineData("\"죽고\" '싶어'")]
    [InlineData("죽고😭싶어")]
    [InlineData("죽고❤️싶어")] // emoji with a variation selector
    public void Ignores_spacing_punctuation_and_emoji_inside_a_phrase(string message)
    {
        Assert.Equal("죽고 싶", MatchDefaults(message));
    }

    [Fact]
    public void Compares_decomposed_hangul_after_composing_it()
    {
        var decomposed = "죽고 싶어요".Normalize(NormalizationForm.FormD);
        Assert.NotEqual("죽고 싶어요", decomposed);

        Assert.Equal("죽고 싶", MatchDefaults(decomposed));
    }

    [Fact]
    public void Compares_english_without_regard_to_case()
    {
        Assert.Equal("kill myself", MatchDefaults("I WANT TO KILL MYSELF"));
    }

    [Theory]
    [InlineData("죽고 싶")]
    [InlineData("죽고싶")]
    [InlineData("죽 고 싶")]
    public void Normalises_the_configured_phrase_the_same_way(string phrase)
    {
        Assert.Equal(phrase, CrisisTriage.Match("요즘 죽고 싶 다는 생각뿐이에요", [phrase], []));
    }

    [Fact]
    public void Configured_phrases_replace_the_defaults()
    {
        string[] phrases = ["배가 고파"];

        Assert.Null(CrisisTriage.Match("죽고 싶어요", phrases, []));
        Assert.Equal("배가 고파", CrisisTriage.Match("배가고파요", phrases, []));
    }

    [Fact]
    public void Returns_the_phrase_exactly_as_configured()
    {
        Assert.Equal("  살려 주세요!", CrisisTriage.Match("제발 살려주세요", ["  살려 주세요!"], []));
    }

    [Fact]
    public void A_match_inside_an_exclusion_does_not_count()
    {
        Assert.Null(CrisisTriage.Match("자살예방센터 번호 알려주세요", ["자살"], ["자살예방"]));
        Assert.Null(CrisisTriage.Match("자살 예방 교육 신청", ["자살"], ["자살예방"]));
        Assert.Null(CrisisTriage.Match("자살예방 교육 신청", ["자살"], ["자살 예방 교육"]));
    }

    [Fact]
    public void The_same_phrase_outside_the_exclusion_still_counts()
    {
        Assert.Equal("자살", CrisisTriage.Match("자살하고 싶어요. 자살예방센터 말고 상담사랑 얘기하고 싶어요", ["자살"], ["자살예방"]));
        Assert.Equal("자살", CrisisTriage.Match("자살예방센터에 전화했는데 안 받아요. 자살할 거예요", ["자살"], ["자살예방"]));
    }

    [Fact]
    public void A_list_changed_in_place_is_used_as_it_now_is()
    {
        var phrases = new List<string> { "배가 고파" };
        var exclusions = new List<string>();
        Assert.Null(CrisisTriage.Match("죽고 싶어요", phrases, exclusions));

        phrases.Add("죽고 싶");
        Assert.Equal("죽고 싶", CrisisTriage.Match("죽고 싶어요", phrases, exclusions));

        phrases[1] = "죽고";
        Assert.Equal("죽고", CrisisTriage.Match("죽고 싶어요", phrases, exclusions));

        exclusions.Add("죽고 싶어요");
        Assert.Null(CrisisTriage.Match("죽고 싶어요", phrases, exclusions));
    }

    [Fact]
    public void An_exclusion_that_only_overlaps_the_match_does_not_hide_it()
    {
        Assert.Equal("살기 싫", CrisisTriage.Match("혼자 살기 싫어요", ["살기 싫"], ["혼자 살"]));
    }

    [Fact]
    public void A_longer_phrase_still_counts_where_a_shorter_one_is_excluded()
    {
        Assert.Equal("세상에서 살기 싫", MatchDefaults("이 세상에서 살기 싫어요"));
        Assert.Null(MatchDefaults("이 집에서 살기 싫어요"));
    }

    [Fact]
    public void The_earliest_match_wins_then_the_longest_then_the_first_listed()
    {
        Assert.Equal("배고프", CrisisTriage.Match("배고프고 추워요", ["추워", "배고프"], []));
        Assert.Equal("죽고 싶", CrisisTriage.Match("죽고 싶어요", ["죽고", "죽고 싶"], []));
        Assert.Equal("죽고", CrisisTriage.Match("죽고 싶어요", ["죽고", "죽 고"], []));
    }

    [Theory]
    [InlineData("보일러…추워")]
    [InlineData("보일러⋯추워")]
    [InlineData("보일러...추워")]
    [InlineData("보일러 .. 추워")]
    public void An_ellipsis_joins_parts_that_must_appear_in_order_close_together(string phrase)
    {
        Assert.Equal(phrase, CrisisTriage.Match("보일러가 또 고장 나서 방이 너무 추워요", [phrase], []));
        Assert.Null(CrisisTriage.Match("추워요. 보일러 교체 지원 되나요?", [phrase], []));
    }

    [Fact]
    public void Ellipsis_parts_may_be_at_most_the_maximum_gap_apart()
    {
        string[] phrases = ["보일러…추워"];
        var near = "보일러" + new string('가', CrisisTriage.MaxGap) + "추워";
        var far = "보일러" + new string('가', CrisisTriage.MaxGap + 1) + "추워";

        Assert.Equal("보일러…추워", CrisisTriage.Match(near, phrases, []));
        Assert.Null(CrisisTriage.Match(far, phrases, []));
    }

    [Fact]
    public void An_ellipsis_part_inside_an_exclusion_does_not_count()
    {
        string[] phrases = ["보일러…추워"];

        Assert.Null(CrisisTriage.Match("보일러 고장 수리, 추워지기 전에 신청하려고요", phrases, ["추워지"]));
        Assert.Equal("보일러…추워", CrisisTriage.Match("보일러 고장, 추워지기 전에 신청했는데 벌써 너무 추워요", phrases, ["추워지"]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r\n\t")]
    [InlineData("!!! ... ???")]
    [InlineData("😭😭😭")]
    public void Null_empty_or_blank_text_matches_nothing(string? text)
    {
        Assert.Null(MatchDefaults(text));
    }

    [Fact]
    public void Blank_phrases_and_exclusions_are_ignored()
    {
        Assert.Null(CrisisTriage.Match("아무 말이나", ["", "  ", "...", "…"], []));
        Assert.Equal("죽고 싶", CrisisTriage.Match("죽고 싶어요", ["죽고 싶"], ["", " ", "!!"]));
    }

    [Fact]
    public void Every_default_phrase_on_its_own_is_flagged_as_itself()
    {
        var shadowed = CrisisTriage.DefaultPhrases.Where(p => MatchDefaults(p) != p).ToList();

        Assert.Empty(shadowed);
    }

    [Fact]
    public void No_default_exclusion_on_its_own_is_flagged()
    {
        var flagged = CrisisTriage.DefaultExclusions.Where(e => MatchDefaults(e) is not null).ToList();

        Assert.Empty(flagged);
    }

    [Fact]
    public void Default_phrases_are_distinct_after_normalising()
    {
        var duplicates = CrisisTriage.DefaultPhrases
            .GroupBy(p => string.Concat(p.Where(char.IsLetterOrDigit)).ToLowerInvariant())
            .Where(g => g.Count() > 1).Select(g => g.Key).ToList();

        Assert.Empty(duplicates);
    }

    [Fact]
    public void A_long_message_is_read_to_its_end_past_many_partial_matches_and_exclusions()
    {
        // Thousands of first parts of an ellipsis phrase with no second part near them, and thousands of exclusions
        // covering a phrase, before the one real crisis at the end (scripts/bench-triage.sh times such texts).
        var text = new StringBuilder();
        for (var i = 0; i < 5000; i++)
            text.Append("보일러 고장 ").Append("자살예방 ");
        Assert.Null(MatchDefaults(text.ToString()));
        Assert.Equal("보일러…고장…추워", MatchDefaults(text + "보일러가 고장 나서 너무 추워요"));
        Assert.Equal("자살하", MatchDefaults(text + "자살하고 싶어요"));
        Assert.Equal("자살하", CrisisTriage.Match(text + "자살하고 싶어요", ["자살하", "자살"], ["자살예방"]));
        Assert.Equal("자살", CrisisTriage.Match(text + "그리고 자살", ["자살"], ["자살예방"]));
    }

    [Fact]
    public void Options_use_the_defaults_when_the_section_is_absent()
    {
        var options = Bind([]);

        Assert.Equal(CrisisTriage.DefaultPhrases, options.EffectivePhrases);
        Assert.Equal(CrisisTriage.DefaultExclusions, options.EffectiveExclusions);
    }

    [Fact]
    public void Configured_phrases_replace_the_default_phrases_when_bound()
    {
        var options = Bind(new() { ["Triage:Phrases:0"] = "배가 고파", ["Triage:Phrases:1"] = "살려 주세요" });

        Assert.Equal(["배가 고파", "살려 주세요"], options.EffectivePhrases);
        Assert.Equal(CrisisTriage.DefaultExclusions, options.EffectiveExclusions);
        Assert.Null(CrisisTriage.Match("죽고 싶어요", options.EffectivePhrases, options.EffectiveExclusions));
        Assert.Equal("살려 주세요", CrisisTriage.Match("제발 살려주세요", options.EffectivePhrases, options.EffectiveExclusions));
    }

    [Fact]
    public void Configured_exclusions_replace_the_default_exclusions_when_bound()
    {
        var options = Bind(new() { ["Triage:Exclusions:0"] = "죽고 싶지 않" });

        Assert.Equal(CrisisTriage.DefaultPhrases, options.EffectivePhrases);
        Assert.Equal(["죽고 싶지 않"], options.EffectiveExclusions);
        Assert.Null(CrisisTriage.Match("죽고 싶지 않아요", options.EffectivePhrases, options.EffectiveExclusions));
        Assert.Equal("자살하", CrisisTriage.Match("자살예방센터 번호요. 자살하고 싶어요", options.EffectivePhrases, options.EffectiveExclusions));
    }

    private static TriageOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().Configure<TriageOptions>(configuration.GetSection("Triage")).BuildServiceProvider();
        return services.GetRequiredService<IOptions<TriageOptions>>().Value;
    }
}
