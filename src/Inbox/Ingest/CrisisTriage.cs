using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Inbox.Ingest;

/// <summary>
/// The Triage configuration section. A list set in configuration (Triage:Phrases, Triage:Exclusions) replaces its
/// defaults; left empty, the defaults apply. (Defaults are not put in the lists themselves: the configuration binder
/// would append to them.)
/// </summary>
public sealed class TriageOptions
{
    /// <summary>Phrases that mark a message as a crisis; see <see cref="CrisisTriage.Match"/> for how they are compared.</summary>
    public List<string> Phrases { get; set; } = [];

    /// <summary>Phrases that, where they cover the matched text, mean it is not a crisis (e.g. "자살예방", "자살 예방 교육").</summary>
    public List<string> Exclusions { get; set; } = [];

    public IReadOnlyList<string> EffectivePhrases => Phrases.Count > 0 ? Phrases : CrisisTriage.DefaultPhrases;

    public IReadOnlyList<string> EffectiveExclusions => Exclusions.Count > 0 ? Exclusions : CrisisTriage.DefaultExclusions;
}

/// <summary>
/// Recognises messages from residents that signal danger to life — suicidal intent, self-harm, abuse and domestic
/// violence, no food, no heating or a cut-off supply in the cold — from a configurable phrase list, Korean first.
/// </summary>
/// <remarks>
/// <para>
/// Text and phrases are compared after normalising both: Unicode NFC, lower case, and keeping only letters, digits
/// and combining marks, so whitespace (including zero-width and Hangul filler characters), punctuation, symbols and
/// emoji are out of the way: "죽 고 싶어요", "죽고싶어" and "죽고...싶다" all contain "죽고 싶".
/// </para>
/// <para>
/// A phrase may join parts with an ellipsis ("…", "⋯" or two or more dots): the parts must then appear in that order
/// with at most <see cref="MaxGap"/> characters (after normalising) between one part and the next, e.g.
/// "보일러…고장…추워" for "보일러가 고장 나서 방이 너무 추워요". Exclusions are plain phrases.
/// </para>
/// <para>
/// A phrase (or a part of one) found entirely inside an occurrence of an exclusion does not count there; the same
/// phrase elsewhere in the message still does. An exclusion that only overlaps a match does not hide it.
/// </para>
/// <para>
/// Choice of the defaults. Removing whitespace makes words run together, so short words collide across word
/// boundaries ("혼자 살아요" contains 자살, "입학 대상" contains 학대, "사유서를" contains 유서를): the defaults use
/// verb forms ("자살하", "학대를") and exclusions for the common collisions rather than bare nouns. They prefer the
/// present situation (끊겼/끊겨/끊긴, 떨어졌, 굶고) over the future or a condition (끊기기 전에, 끊길까 봐, 떨어지면),
/// which are questions about a bill or a programme. Questions about a service by name (자살예방센터, 가정폭력 상담소,
/// 학대 신고 방법, 예방 교육) do not flag; a concrete situation does, even when a neighbour or relative reports it.
/// In doubt the defaults flag: a counselor dismisses a false alarm in seconds, a missed crisis cannot be undone.
/// </para>
/// </remarks>
public static partial class CrisisTriage
{
    /// <summary>The most characters (after normalising) allowed between two parts of an ellipsis phrase.</summary>
    public const int MaxGap = 20;

    public static readonly IReadOnlyList<string> DefaultPhrases = BuildDefaultPhrases();
    public static readonly IReadOnlyList<string> DefaultExclusions = BuildDefaultExclusions();

    /// <summary>The configured phrase that triggered (as configured, so it can be shown to the counselor), or null.</summary>
    /// <remarks>When several phrases match, the one found earliest in the text wins, then the longest match, then list order.</remarks>
    public static string? Match(string? text, IReadOnlyList<string> phrases, IReadOnlyList<string> exclusions)
    {
        ArgumentNullException.ThrowIfNull(phrases);
        ArgumentNullException.ThrowIfNull(exclusions);
        if (string.IsNullOrEmpty(text))
            return null;
        var normalized = Normalize(text);
        if (normalized.Length == 0)
            return null;

        var excluded = Occurrences(normalized, Compiled.Of(exclusions, ExclusionCache, Exclusion));
        var compiled = Compiled.Of(phrases, PhraseCache, Parts);
        string? best = null;
        var bestStart = int.MaxValue;
        var bestLength = 0;
        for (var i = 0; i < compiled.Source.Length; i++)
        {
            var parts = compiled.Parts[i];
            if (parts.Length == 0 || Find(normalized, parts, excluded) is not { } found)
                continue;
            var length = found.End - found.Start;
            if (found.Start < bestStart || (found.Start == bestStart && length > bestLength))
                (best, bestStart, bestLength) = (compiled.Source[i], found.Start, length);
        }
        return best;
    }

    private static readonly ConditionalWeakTable<IReadOnlyList<string>, Compiled> PhraseCache = new();
    private static readonly ConditionalWeakTable<IReadOnlyList<string>, Compiled> ExclusionCache = new();

    /// <summary>
    /// A list's entries normalised once and kept with the list, so each message does not normalise every phrase
    /// again; recompiled when the list no longer holds the same strings (options lists can be changed in place).
    /// </summary>
    private sealed class Compiled(string[] source, string[][] parts)
    {
        public string[] Source { get; } = source;
        public string[][] Parts { get; } = parts;

        public static Compiled Of(IReadOnlyList<string> list, ConditionalWeakTable<IReadOnlyList<string>, Compiled> cache, Func<string, string[]> split)
        {
            if (cache.TryGetValue(list, out var cached) && cached.Holds(list))
                return cached;
            var source = list.ToArray();
            var compiled = new Compiled(source, [.. source.Select(entry => string.IsNullOrWhiteSpace(entry) ? [] : split(entry))]);
            cache.AddOrUpdate(list, compiled);
            return compiled;
        }

        private bool Holds(IReadOnlyList<string> list)
        {
            if (list.Count != Source.Length)
                return false;
            for (var i = 0; i < Source.Length; i++)
            {
                if (!ReferenceEquals(list[i], Source[i]))
                    return false;
            }
            return true;
        }
    }

    /// <summary>NFC, lower case, and only letters, digits and combining marks.</summary>
    internal static string Normalize(string text)
    {
        string composed;
        try
        {
            composed = text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            composed = text; // unpaired surrogates: EnumerateRunes below turns them into U+FFFD, which is dropped
        }
        var lower = composed.ToLowerInvariant();
        var kept = new StringBuilder(lower.Length);
        Span<char> buffer = stackalloc char[2];
        foreach (var rune in lower.EnumerateRunes())
        {
            if (Keeps(rune))
                kept.Append(buffer[..rune.EncodeToUtf16(buffer)]);
        }
        return kept.ToString();
    }

    private static bool Keeps(Rune rune)
    {
        switch (rune.Value)
        {
            case 0x115F or 0x1160 or 0x3164 or 0xFFA0: // Hangul fillers, used as invisible blanks
            case >= 0xFE00 and <= 0xFE0F: // variation selectors (emoji presentation)
            case >= 0xE0100 and <= 0xE01EF:
                return false;
        }
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark => true,
            _ => false,
        };
    }

    private static string[] Parts(string phrase) =>
        [.. Ellipsis().Split(phrase).Select(Normalize).Where(p => p.Length > 0)];

    private static string[] Exclusion(string exclusion) => Normalize(exclusion) is { Length: > 0 } normalized ? [normalized] : [];

    private static Excluded Occurrences(string text, Compiled exclusions)
    {
        var spans = new List<(int Start, int End)>();
        foreach (var normalized in exclusions.Parts.SelectMany(p => p))
        {
            for (var at = text.IndexOf(normalized, StringComparison.Ordinal); at >= 0; at = text.IndexOf(normalized, at + 1, StringComparison.Ordinal))
                spans.Add((at, at + normalized.Length));
        }
        return new Excluded(spans);
    }

    /// <summary>
    /// The exclusions' occurrences, sorted by start with the furthest end reached so far: whether one covers a match
    /// is a binary search, so a text full of exclusions costs n log n, not n².
    /// </summary>
    private sealed class Excluded
    {
        private readonly int[] _starts;
        private readonly int[] _furthestEnd;

        public Excluded(List<(int Start, int End)> spans)
        {
            spans.Sort();
            _starts = new int[spans.Count];
            _furthestEnd = new int[spans.Count];
            var furthest = int.MinValue;
            for (var i = 0; i < spans.Count; i++)
            {
                furthest = Math.Max(furthest, spans[i].End);
                (_starts[i], _furthestEnd[i]) = (spans[i].Start, furthest);
            }
        }

        /// <summary>Whether one occurrence starts at or before <paramref name="start"/> and ends at or after <paramref name="end"/>.</summary>
        public bool Covers(int start, int end)
        {
            // The last span starting at or before start; among it and those before, the furthest end decides.
            var i = Array.BinarySearch(_starts, start);
            if (i < 0)
                i = ~i - 1;
            else
                while (i + 1 < _starts.Length && _starts[i + 1] == start)
                    i++;
            return i >= 0 && _furthestEnd[i] >= end;
        }
    }

    /// <summary>The earliest match of all the parts, in order and each within <see cref="MaxGap"/> of the previous one.</summary>
    private static (int Start, int End)? Find(string text, string[] parts, Excluded excluded)
    {
        var first = parts[0];
        for (var at = text.IndexOf(first, StringComparison.Ordinal); at >= 0; at = text.IndexOf(first, at + 1, StringComparison.Ordinal))
        {
            var end = at + first.Length;
            if (excluded.Covers(at, end))
                continue;
            var last = FindRest(text, parts, 1, end, excluded);
            if (last >= 0)
                return (at, last);
        }
        return null;
    }

    private static int FindRest(string text, string[] parts, int index, int from, Excluded excluded)
    {
        if (index == parts.Length)
            return from;
        var part = parts[index];
        var latest = Math.Min(from + MaxGap, text.Length - part.Length);
        // Searched only as far as the part may start: an unbounded IndexOf would scan to the end for every earlier
        // part, which made a long text quadratic.
        for (var at = Within(text, part, from, latest); at >= 0; at = Within(text, part, at + 1, latest))
        {
            var end = at + part.Length;
            if (excluded.Covers(at, end))
                continue;
            var last = FindRest(text, parts, index + 1, end, excluded);
            if (last >= 0)
                return last;
        }
        return -1;
    }

    /// <summary>The first occurrence of <paramref name="part"/> starting between <paramref name="from"/> and <paramref name="latest"/>, or -1.</summary>
    private static int Within(string text, string part, int from, int latest) =>
        from > latest ? -1 : text.IndexOf(part, from, latest - from + part.Length, StringComparison.Ordinal);

    [GeneratedRegex(@"\.{2,}|[…⋯‥]")]
    private static partial Regex Ellipsis();

    private static IEnumerable<string> Each(IEnumerable<string> heads, IEnumerable<string> tails) =>
        from head in heads from tail in tails select $"{head} {tail}";

    /// <summary>What can be cut off, bare and with the particles residents use (가/이, 도, 까지).</summary>
    private static string[] Supplies() =>
        ["가스", "가스가", "가스도", "가스까지", "전기", "전기가", "전기도", "전기까지", "난방", "난방이", "난방도", "난방까지"];

    private static IReadOnlyList<string> BuildDefaultPhrases()
    {
        // Gas, electricity and heating cut off: the state now (끊겼, 끊겨, 끊긴, 끊기고, 끊어졌), never the future or a
        // condition (끊기기 전에, 끊길까 봐, 끊기면), which is a question about the bill.
        var supplies = Supplies();
        string[] cutOff = ["끊겼", "끊겨", "끊긴", "끊기고", "끊어졌"];

        string[] phrases =
        [
            // 자살 (suicidal intent). Bare 자살 is not a phrase: with the spaces gone "혼자 살아요", "보호자 살고",
            // "배우자 살아 계세요" all contain it. The verb forms and compounds below cannot come from two words.
            "죽고 싶", "죽고만 싶", "죽구 싶", "죽고 시퍼", "죽어 버리", "죽어 버릴", "죽으려고", "죽을 생각", "차라리 죽",
            "죽는 게 낫", "죽는 게 나을", "죽는 게 편", "죽어야겠", "죽어야 끝나", "죽는 수밖에", "죽을 수밖에",
            "같이 죽고", "같이 죽을", "함께 죽고", "함께 죽을", "데리고 죽",
            "살고 싶지 않", "살기 싫", "살기가 싫", "세상에서 살기 싫", "살 이유가 없", "살아갈 이유가 없", "살아야 할 이유가 없",
            "살 의미가 없", "살아갈 의미가 없", "삶의 의미가 없", "사는 게 의미가 없",
            "사라지고 싶", "없어지고 싶", "영원히 잠들", "세상을 떠나고 싶", "세상 떠나고 싶",
            "그냥 다 끝내고 싶", "모든 걸 끝내고 싶", "모든 것을 끝내고 싶", "인생을 끝내", "삶을 끝내", "마지막으로 인사",
            "한강 다리 위",
            "목숨을 끊", "목숨 끊", "스스로 목숨", "목숨을 버리", "생을 마감", "극단적 선택", "극단적인 선택",
            "자살하", "자살할", "자살했", "자살해", "자살을", "자살 시도", "자살 충동", "자살 생각", "자살까지", "자살밖에",
            "뛰어내리고 싶", "뛰어내릴", "뛰어내리려", "목을 매려", "목을 맬", "목 매려", "목 맬",
            "번개탄", "수면제를 한꺼번에", "약을 한꺼번에",
            .. Each(["약을", "수면제를", "수면제"], ["모아 뒀", "모아 두었", "모아 놨", "모아 놓았", "모았", "모으고 있"]),
            "유서를", "유서 써", "유서 썼", "유서 쓰", "유서까지",

            // 자해 (self-harm): verb forms again, since "피해자 해당" runs together into 자해.
            "자해하", "자해를", "자해했", "자해해", "자해가", "자해 또", "자해도 했", "자해도 해", "자해 충동", "자해 시도", "자해 흔적", "자해 자국",
            .. Each(["손목을", "손목"], ["긋", "그었", "그을", "그어"]),

            // 학대·폭력 (abuse, domestic and sexual violence). Being hit needs an agent or a habit: "맞다" alone is
            // also "to be right" and "to get an injection".
            .. Each(["한테", "에게"], ["맞았", "맞고", "맞아서", "맞아요", "맞으면서", "맞으며", "매일 맞", "맨날 맞", "자주 맞", "계속 맞", "또 맞"]),
            "맞고 있", "맞고 살", "얻어맞", "두들겨 맞", "매를 맞", "매 맞", "맞는 소리가 들",
            "두들겨 패", "두들겨 팹", "두들겨 팼", "두들겨 팬",
            "때리고", "때리는", "때리며", "때리면서", "때린", "때려", "때렸", "때리려",
            "폭행", "폭력을 당", "폭력 당", "폭력에 시달", "폭력을 휘두", "폭력을 쓰", "폭력을 써",
            "가정폭력", "데이트 폭력", "성폭력", "성폭행", "성추행", "스토킹", "협박",
            "학대를", "학대하", "학대당", "학대받", "학대했", "학대가", "학대 같", "학대인 것", "학대 의심",
            "죽이겠", "죽인다", "죽여 버리", "죽이려", "죽일 거", "죽일 것",
            "흉기", "칼을 들", "칼로 위협", "칼로 찌", "목을 조르", "목을 졸",
            "감금", "갇혀 있", "가둬", "가두고", "도망 나왔", "도망쳐 나왔",

            // 결식 (no food): the hunger now, not a programme's aim ("굶지 않도록" is not a phrase).
            "굶고", "굶어", "굶었", "굶는", "굶은", "굶을", "굶겨", "굶기고", "굶주리", "굶주려", "굶다시피",
            "째 못 먹", "째 못 드", "째 밥을 못", "째 밥도 못", "째 밥 못", "째 아무것도 못", "째 식사를 못",
            "아무것도 못 먹", "아무것도 못 드", "며칠 못 먹", "며칠 동안 못 먹", "며칠을 못 먹",
            "끼니를 거르고", "끼니를 걸러", "끼니를 걸렀", "끼니를 못 먹", "끼니도 못 먹", "끼니를 못 때", "끼니도 못 때",
            "먹을 게 없", "먹을 것이 없", "먹을 거 없", "먹을 거리가 없", "먹을 것도 없", "먹을 게 하나도", "먹을 음식이 없", "먹을 돈이 없", "먹을 돈도 없",
            "쌀 살 돈", "쌀이 없", "쌀도 없",
            .. Each(["쌀이", "쌀도", "쌀"], ["떨어졌", "떨어져", "다 떨어"]),
            "물로 배를", "물로 버티", "라면으로 버티", "밥을 못 먹이", "밥을 못 먹여", "밥도 못 먹이", "밥도 못 먹여",
            "배고파서 죽", "배고파 죽",

            // 난방·단전 (no heating, supply cut off). Hyperbole about the cold at home ("추워 죽겠어요") is flagged on
            // purpose. A broken boiler alone is a repair question; with the cold it is a crisis.
            .. Each(supplies, cutOff),
            "보일러가 끊겼", "보일러가 끊겨", "보일러도 끊겼",
            .. Each(["가스", "전기", "난방"], ["다 끊겼", "다 끊겨", "다 끊긴", "모두 끊겼"]),
            .. Each(["가스가", "가스", "전기가", "전기"], ["안 나와", "안 나오", "안 들어와", "안 들어오"]),
            "난방이 안 돼", "난방이 안 들어",
            .. Each(["공급이", "공급도"], ["끊겼", "끊겨", "끊긴", "중단됐", "중단되었"]),
            .. Each(["못 내서", "밀려서", "연체돼서", "연체되어서"], ["끊겼", "끊겨", "끊긴"]),
            "단전됐", "단전되었", "단전되어", "단전된 지", "단전된 상태", "단전당했", "단전이 됐", "단전이 되었",
            "단가스됐", "단가스되었", "단가스되어", "단가스된 지", "단가스된 상태",
            .. Each(["난방을", "난방", "난방도"], ["못 하", "못 해", "못 했", "못 틀", "못 켜"]),
            .. Each(["보일러를", "보일러", "보일러도"], ["못 틀", "못 켜", "못 돌리", "못 돌려"]),
            "보일러…고장…추워", "보일러…고장…춥", "보일러…고장…얼어",
            "냉골", "추위에 떨고", "얼어 죽", "추워서 죽", "추워 죽", "추워서 잠을 못", "추워서 잠도 못", "추워서 잠을 잘 수",

            // English, for the words residents most often use.
            "suicide", "suicidal", "kill myself", "killing myself", "end my life", "want to die", "wanna die", "better off dead",
            "don't want to live", "do not want to live",
            "self harm", "hurt myself", "cut myself", "cutting myself",
            "beats me", "beating me", "hits me", "hitting me", "abusing me", "abused me", "raped",
            "no food", "nothing to eat", "starving", "haven't eaten",
            "no heat", "heating is off", "freezing to death", "gas was cut", "gas has been cut", "electricity was cut", "electricity has been cut",
            "power was cut", "power has been cut",
        ];
        return Array.AsReadOnly(phrases);
    }

    private static IReadOnlyList<string> BuildDefaultExclusions()
    {
        var supplies = Supplies();
        string[] exclusions =
        [
            // Services and programmes asked about by name.
            "자살예방", "자살 예방 교육", "극단적 선택 예방", "극단적인 선택 예방", "suicide prevention",
            "가정폭력 상담", "가정폭력 예방", "가정폭력 피해 예방", "가정폭력 신고 방법", "가정폭력 신고 번호", "성폭력 상담", "성폭력 예방", "폭행 예방",
            "학대 신고 방법", "학대 예방", "학대 의심 신고", "학대를 신고하는 방법", "학대를 신고하려면", "학대를 예방",
            "학대가 의심되면",

            // Words that run together once the spaces are gone.
            "혼자 살 생각", "사유서를", "이유서를", "사유서 써", "사유서 썼", "사유서 쓰", "사유서까지", "이유서 써", "이유서 쓰",
            "때려치", "추워지", "춥기 전",
            .. Each(["서", "에", "여기", "동네"], ["살기 싫", "살기가 싫"]),
            .. new[] { "저", "나", "우리", "저희" }.SelectMany(who => new[] { $"{who}한테 맞아요", $"{who}에게 맞아요", $"{who}한테 맞아서", $"{who}에게 맞아서" }),

            // Treatment, not violence: "주사 맞고 있어요", "인슐린을 맞고 있어요".
            .. Each(["주사", "주사를", "주사도", "침", "침을", "링거", "링거를", "수액", "수액을", "인슐린", "인슐린을",
                "백신", "백신을", "예방접종", "예방접종을", "비", "비를"], ["맞고 있"]),

            // A supply that will or might be cut off is a question about the bill.
            .. Each(supplies, ["끊긴다", "끊긴대", "끊겨도"]),
            .. Each(["면"], Each(supplies, ["끊겨"])),
        ];
        return Array.AsReadOnly(exclusions);
    }
}
