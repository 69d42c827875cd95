using System.Collections.Concurrent;
using System.Globalization;

namespace Inbox.Calendar.Holidays;

/// <summary>
/// 관공서의 공휴일 (public holidays of government offices) of the Republic of Korea, as set by the
/// 공휴일에 관한 법률 and the 관공서의 공휴일에 관한 규정 (대통령령) in force in November 2026.
/// </summary>
/// <remarks>
/// <para>
/// Rules (규정 제2조, as amended by 대통령령 제36290호 of 2026-04-30): Sundays (제1호, not listed here);
/// 국경일 (제2호: 3·1절, 광복절, 개천절, 한글날, and 제헌절 again from 2026-05-11); 1월 1일 (제3호);
/// 설날 전날·설날·다음 날 (제4호, lunar 12/말일, 1/1, 1/2); 부처님오신날 (제5호, lunar 4/8);
/// 노동절 (제6호, 5월 1일, from 2026-05-01); 어린이날 (제7호); 현충일 (제8호); 추석 전날·추석·다음 날
/// (제9호, lunar 8/14–16); 기독탄신일 (제10호); 임기만료 선거일 (제10호의2) and 임시공휴일 (제11호), which
/// come from the data file special-holidays.json.
/// </para>
/// <para>
/// 대체공휴일 (규정 제3조): "그 공휴일 다음의 첫 번째 비공휴일" — the first day after the holiday that is not a
/// public holiday (Sunday included) and, by 제3조제3항, not a Saturday; a day already taken by another
/// substitute is passed over too (제3조제2항). It is owed when
/// (1) a 국경일, 부처님오신날, 노동절, 어린이날 or 기독탄신일 falls on a Saturday or a Sunday;
/// (2) a day of the 설날 or 추석 run falls on a Sunday (a Saturday does not count for them);
/// (3) on a weekday, one of those holidays coincides with another public holiday (n holidays on one weekday
/// owe n − 1 substitutes). 1월 1일, 현충일, election days and 임시공휴일 never earn one.
/// Each holiday became eligible on its own date: 설날·추석·어린이날 with 대통령령 제24828호 (2013-11-05);
/// 3·1절·광복절·개천절·한글날 with 제31930호 (2021-08-04); 부처님오신날·기독탄신일 with 제33448호
/// (2023-05-04); 노동절 (2026-05-01) and 제헌절 (2026-05-11) with 제36290호.
/// The current wording of 제3조 is applied to every year. The 2013 text said "다른 공휴일과 겹칠 경우" for
/// 설날·추석 (a Sunday being a 공휴일) and "토요일 또는 다른 공휴일" for 어린이날, which is the same rule; for
/// 2014–2027 this gives the substitutes that were announced.
/// </para>
/// <para>
/// Earlier years: 식목일 (4/5) is listed to 2005, 제헌절 to 2007 and 한글날 from 2013, as they were public
/// holidays then. Coinciding holidays are returned as one entry per date (names joined with "·").
/// </para>
/// <para>
/// Sources and where they disagree (checked November 2026):
/// the 2026년 월력요항 (우주항공청, 2025-06-30) predates the 2026 amendments, counts 70 days and lists neither
/// 노동절 nor 제헌절; the 2027년 월력요항 (2026-06-29) says both became public holidays in April 2026 and
/// that 2026 therefore has two days more. The National Assembly passed 제헌절 on 2026-01-29 (법률 제21338호,
/// promulgated 2026-02-10, in force 2026-05-11, "공포 후 3개월") and 노동절 later (법률 제21543호, promulgated
/// 2026-04-09, in force 2026-05-01); the decree text of 제36290호 (제2조, 제3조) was read only as quoted by
/// secondary sources, not from 국가법령정보센터 itself. Some third-party calendars list 2027-06-07 as a
/// 현충일 substitute: 현충일 is not in 제3조 and the 2027년 월력요항's count (72) leaves no room for it, so it is
/// not given. The substitute of 2025-05-06 is called after 어린이날 by some and after 부처님오신날 by others;
/// here it carries both names.
/// </para>
/// </remarks>
public static class KoreanHolidays
{
    /// <summary>
    /// Id of the rule set: the 규정 as amended by 대통령령 제36290호 (노동절 and 제헌절, both with substitutes).
    /// Bump it whenever a rule here changes; the data file is versioned by its own contents.
    /// </summary>
    public const string RulesVersion = "kr-2026.1";

    /// <summary>First year <see cref="For"/> answers for.</summary>
    public const int FirstSupportedYear = 2000;

    /// <summary>Last year <see cref="For"/> answers for (KoreanLunisolarCalendar ends in February 2051).</summary>
    public const int LastSupportedYear = 2050;

    private const string NameSeparator = "·";

    private static readonly KoreanLunisolarCalendar LunarCalendar = new();
    private static readonly ConcurrentDictionary<int, IReadOnlyList<Holiday>> DefaultByYear = new();

    // Dates from which each holiday earns a substitute (the day the amending decree took effect).
    private static readonly DateOnly SeollalChuseokChildrensDaySince = new(2013, 11, 5);   // 대통령령 제24828호
    private static readonly DateOnly NationalDaysSince = new(2021, 8, 4);                   // 대통령령 제31930호
    private static readonly DateOnly BuddhaChristmasSince = new(2023, 5, 4);                // 대통령령 제33448호
    private static readonly DateOnly LabourDaySince = new(2026, 5, 1);                      // 법률 제21543호, 대통령령 제36290호
    private static readonly DateOnly ConstitutionDaySince = new(2026, 5, 11);               // 법률 제21338호, 대통령령 제36290호

    /// <summary>The election days and 임시공휴일 of the embedded special-holidays.json, sorted by date.</summary>
    public static IReadOnlyList<Holiday> SpecialDays => SpecialHolidayFile.Entries;

    /// <summary>
    /// Every public holiday of <paramref name="year"/> (Sundays aside), sorted by date, one entry per date,
    /// including 대체공휴일 and the special days.
    /// </summary>
    /// <param name="year">A year from <see cref="FirstSupportedYear"/> to <see cref="LastSupportedYear"/>.</param>
    /// <param name="specialDays">
    /// Election days and 임시공휴일 to use instead of the embedded file's (entries outside <paramref name="year"/>
    /// are ignored). Entries of kind <see cref="HolidayKind.Closure"/> are listed but take no part in the
    /// substitute rules; any other kind counts as a public holiday.
    /// </param>
    public static IReadOnlyList<Holiday> For(int year, IReadOnlyList<Holiday>? specialDays = null)
    {
        if (year is < FirstSupportedYear or > LastSupportedYear)
            throw new ArgumentOutOfRangeException(nameof(year), year,
                $"Korean public holidays are computed for {FirstSupportedYear}–{LastSupportedYear} only.");

        if (specialDays is null)
            return DefaultByYear.GetOrAdd(year, y => Compute(y, SpecialDays));
        return Compute(year, specialDays);
    }

    private static IReadOnlyList<Holiday> Compute(int year, IReadOnlyList<Holiday> specialDays)
    {
        var observances = Statutory(year);
        var order = observances.Count;
        var closures = new List<Observance>();
        foreach (var day in specialDays.Where(d => d.Date.Year == year))
        {
            var observance = new Observance(day.Date, day.Name, day.Kind, day.Name, SubstituteRule.None, order++);
            (day.Kind == HolidayKind.Closure ? closures : observances).Add(observance);
        }

        var substitutes = Substitutes(observances, ref order);
        return Merge([.. observances, .. substitutes, .. closures]);
    }

    /// <summary>The holidays of 규정 제2조제2호~제10호 for the year, before substitutes.</summary>
    private static List<Observance> Statutory(int year)
    {
        var list = new List<Observance>();
        void Add(DateOnly date, string name, HolidayKind kind, SubstituteRule rule, string? label = null) =>
            list.Add(new Observance(date, name, kind, label ?? name, rule, list.Count));

        var weekend = (DateOnly since) => new SubstituteRule(Trigger.SaturdayOrSunday, since);
        var sundayOnly = new SubstituteRule(Trigger.SundayOnly, SeollalChuseokChildrensDaySince);

        Add(new DateOnly(year, 1, 1), "신정", HolidayKind.Fixed, SubstituteRule.None);

        var seollal = FromLunar(year, 1, 1);
        Add(seollal.AddDays(-1), "설날 연휴", HolidayKind.Lunar, sundayOnly, "설날");
        Add(seollal, "설날", HolidayKind.Lunar, sundayOnly);
        Add(seollal.AddDays(1), "설날 연휴", HolidayKind.Lunar, sundayOnly, "설날");

        Add(new DateOnly(year, 3, 1), "삼일절", HolidayKind.Fixed, weekend(NationalDaysSince));

        if (year <= 2005) // a public holiday until 2005, dropped from 2006
            Add(new DateOnly(year, 4, 5), "식목일", HolidayKind.Fixed, SubstituteRule.None);

        var labourDay = new DateOnly(year, 5, 1);
        if (labourDay >= LabourDaySince) // 근로자의 날 before 2026: a paid day off for employees, not a public holiday
            Add(labourDay, "노동절", HolidayKind.Fixed, weekend(LabourDaySince));

        Add(new DateOnly(year, 5, 5), "어린이날", HolidayKind.Fixed, weekend(SeollalChuseokChildrensDaySince));
        Add(FromLunar(year, 4, 8), "부처님오신날", HolidayKind.Lunar, weekend(BuddhaChristmasSince));
        Add(new DateOnly(year, 6, 6), "현충일", HolidayKind.Fixed, SubstituteRule.None);

        var constitutionDay = new DateOnly(year, 7, 17);
        if (year <= 2007) // a public holiday until 2007, dropped from 2008
            Add(constitutionDay, "제헌절", HolidayKind.Fixed, SubstituteRule.None);
        else if (constitutionDay >= ConstitutionDaySince)
            Add(constitutionDay, "제헌절", HolidayKind.Fixed, weekend(ConstitutionDaySince));

        Add(new DateOnly(year, 8, 15), "광복절", HolidayKind.Fixed, weekend(NationalDaysSince));

        var chuseok = FromLunar(year, 8, 15);
        Add(chuseok.AddDays(-1), "추석 연휴", HolidayKind.Lunar, sundayOnly, "추석");
        Add(chuseok, "추석", HolidayKind.Lunar, sundayOnly);
        Add(chuseok.AddDays(1), "추석 연휴", HolidayKind.Lunar, sundayOnly, "추석");

        Add(new DateOnly(year, 10, 3), "개천절", HolidayKind.Fixed, weekend(NationalDaysSince));
        if (year >= 2013) // not a public holiday 1991–2012
            Add(new DateOnly(year, 10, 9), "한글날", HolidayKind.Fixed, weekend(NationalDaysSince));
        Add(new DateOnly(year, 12, 25), "기독탄신일", HolidayKind.Fixed, weekend(BuddhaChristmasSince));
        return list;
    }

    /// <summary>규정 제3조: the substitutes owed by the year's public holidays (statutory and special).</summary>
    private static List<Observance> Substitutes(List<Observance> publicHolidays, ref int order)
    {
        var occupied = publicHolidays.Select(o => o.Date).ToHashSet();
        var substitutes = new List<Observance>();
        foreach (var day in publicHolidays.GroupBy(o => o.Date).OrderBy(g => g.Key))
        {
            var date = day.Key;
            // Same order as the merged names: fixed holidays before lunar ones.
            var eligible = day.Where(o => o.Rule.AppliesOn(date)).OrderBy(o => o.Kind).ThenBy(o => o.Order).ToList();
            if (eligible.Count == 0)
                continue;

            IReadOnlyList<string> owedFor = date.DayOfWeek switch
            {
                // 제1호: only the holidays that a Saturday triggers (not 설날·추석).
                DayOfWeek.Saturday => [.. eligible.Where(o => o.Rule.Trigger == Trigger.SaturdayOrSunday).Select(o => o.Label)],
                // 제1호 and 제2호: every eligible holiday on a Sunday earns its own substitute.
                DayOfWeek.Sunday => [.. eligible.Select(o => o.Label)],
                // 제3호: n public holidays on one weekday owe n − 1 substitutes, as far as they are eligible.
                _ => OwedForOverlap(day.Count(), eligible),
            };

            foreach (var label in owedFor)
            {
                var substitute = date.AddDays(1);
                while (substitute.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || occupied.Contains(substitute))
                    substitute = substitute.AddDays(1);
                occupied.Add(substitute);
                substitutes.Add(new Observance(substitute, $"대체공휴일({label})", HolidayKind.Substitute, label, SubstituteRule.None, order++));
            }
        }
        return substitutes;
    }

    private static IReadOnlyList<string> OwedForOverlap(int holidaysOnTheDay, List<Observance> eligible)
    {
        var owed = Math.Min(holidaysOnTheDay - 1, eligible.Count);
        if (owed <= 0)
            return [];
        var labels = eligible.Select(o => o.Label).Distinct().ToList();
        // One substitute for several coinciding holidays is named after all of them, e.g. 대체공휴일(어린이날·부처님오신날).
        return owed == 1 ? [string.Join(NameSeparator, labels)] : [.. eligible.Take(owed).Select(o => o.Label)];
    }

    /// <summary>One entry per date: names joined in kind order (fixed, lunar, …, closure), the first one's kind.</summary>
    private static IReadOnlyList<Holiday> Merge(List<Observance> all) =>
        all.GroupBy(o => o.Date)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var ordered = g.OrderBy(o => o.Kind).ThenBy(o => o.Order).ToList();
                var name = string.Join(NameSeparator, ordered.Select(o => o.Name).Distinct());
                return new Holiday(g.Key, name, ordered[0].Kind);
            })
            .ToList()
            .AsReadOnly();

    /// <summary>
    /// The Gregorian date of a lunar date of the Korean calendar (<paramref name="lunarYear"/> is the lunar year
    /// that begins in that Gregorian year). In a leap year <see cref="KoreanLunisolarCalendar"/> numbers 13 months
    /// and the leap month comes right after the month it repeats: GetLeapMonth returns its 1-based position, so
    /// ordinary months from there on are shifted by one.
    /// </summary>
    internal static DateOnly FromLunar(int lunarYear, int month, int day)
    {
        var leapMonth = LunarCalendar.GetLeapMonth(lunarYear);
        var position = leapMonth != 0 && month >= leapMonth ? month + 1 : month;
        return DateOnly.FromDateTime(LunarCalendar.ToDateTime(lunarYear, position, day, 0, 0, 0, 0));
    }

    private enum Trigger { None, SundayOnly, SaturdayOrSunday }

    private sealed record SubstituteRule(Trigger Trigger, DateOnly Since)
    {
        public static readonly SubstituteRule None = new(Trigger.None, DateOnly.MaxValue);

        public bool AppliesOn(DateOnly date) => Trigger != Trigger.None && date >= Since;
    }

    /// <param name="Label">The name a substitute carries for it, e.g. "설날" for 설날 연휴.</param>
    /// <param name="Order">Insertion order, to keep joined names stable.</param>
    private sealed record Observance(DateOnly Date, string Name, HolidayKind Kind, string Label, SubstituteRule Rule, int Order);
}
