using System.Text;
using Inbox.Calendar.Holidays;

namespace Inbox.Tests.Calendar.Holidays;

public sealed class KoreanHolidaysTests
{
    // ---------------------------------------------------------------------------------------------
    // Whole years, written out by hand from the announced calendars (not computed).
    // ---------------------------------------------------------------------------------------------

    [Fact]
    public void The_2024_list_is_the_announced_one_with_the_election_and_armed_forces_day()
    {
        // 2024년 월력요항 (과학기술정보통신부·한국천문연구원) plus 4/10 (제22대 국회의원선거, 공직선거법 제34조)
        // and 10/1 (임시공휴일, 국무회의 2024-09-03). 설날 10 Feb is a Saturday: only the Sunday (11 Feb) counts.
        AssertYear(2024,
            "2024-01-01 Fixed 신정",
            "2024-02-09 Lunar 설날 연휴",
            "2024-02-10 Lunar 설날",
            "2024-02-11 Lunar 설날 연휴",
            "2024-02-12 Substitute 대체공휴일(설날)",
            "2024-03-01 Fixed 삼일절",
            "2024-04-10 Election 제22대 국회의원선거",
            "2024-05-05 Fixed 어린이날",
            "2024-05-06 Substitute 대체공휴일(어린이날)",
            "2024-05-15 Lunar 부처님오신날",
            "2024-06-06 Fixed 현충일",
            "2024-08-15 Fixed 광복절",
            "2024-09-16 Lunar 추석 연휴",
            "2024-09-17 Lunar 추석",
            "2024-09-18 Lunar 추석 연휴",
            "2024-10-01 Temporary 임시공휴일(국군의 날)",
            "2024-10-03 Fixed 개천절",
            "2024-10-09 Fixed 한글날",
            "2024-12-25 Fixed 기독탄신일");
    }

    [Fact]
    public void The_2025_list_is_the_announced_one_with_the_seollal_bridge_and_the_presidential_election()
    {
        // 2025년 월력요항 (우주항공청, 2024-06-20): 68 days, 어린이날 and 부처님오신날 together on 5 May → 6 May,
        // 추석 eve on Sunday 5 Oct → 8 Oct. Added later: 1/27 (임시공휴일, 국무회의 2025-01-14) and 6/3
        // (제21대 대통령선거, 국무회의 2025-04-08; a vacancy election, designated as 임시공휴일).
        AssertYear(2025,
            "2025-01-01 Fixed 신정",
            "2025-01-27 Temporary 임시공휴일",
            "2025-01-28 Lunar 설날 연휴",
            "2025-01-29 Lunar 설날",
            "2025-01-30 Lunar 설날 연휴",
            "2025-03-01 Fixed 삼일절",
            "2025-03-03 Substitute 대체공휴일(삼일절)",
            "2025-05-05 Fixed 어린이날·부처님오신날",
            "2025-05-06 Substitute 대체공휴일(어린이날·부처님오신날)",
            "2025-06-03 Election 제21대 대통령선거",
            "2025-06-06 Fixed 현충일",
            "2025-08-15 Fixed 광복절",
            "2025-10-03 Fixed 개천절",
            "2025-10-05 Lunar 추석 연휴",
            "2025-10-06 Lunar 추석",
            "2025-10-07 Lunar 추석 연휴",
            "2025-10-08 Substitute 대체공휴일(추석)",
            "2025-10-09 Fixed 한글날",
            "2025-12-25 Fixed 기독탄신일");
    }

    [Fact]
    public void The_2026_list_adds_labour_day_and_constitution_day_to_the_announced_one()
    {
        // 2026년 월력요항 (우주항공청, 2025-06-30): 70 days, substitutes 3/2, 5/25, 8/17, 10/5, 6/3 지방선거,
        // no substitute for 추석 ending on Saturday 26 Sep or for 현충일 on a Saturday.
        // Then 대통령령 제36290호 (2026-04-30): 노동절 from 2026-05-01 and 제헌절 (all 국경일) from 2026-05-11;
        // the 2027년 월력요항 (2026-06-29) counts 2026 two days higher for them (72).
        AssertYear(2026,
            "2026-01-01 Fixed 신정",
            "2026-02-16 Lunar 설날 연휴",
            "2026-02-17 Lunar 설날",
            "2026-02-18 Lunar 설날 연휴",
            "2026-03-01 Fixed 삼일절",
            "2026-03-02 Substitute 대체공휴일(삼일절)",
            "2026-05-01 Fixed 노동절",
            "2026-05-05 Fixed 어린이날",
            "2026-05-24 Lunar 부처님오신날",
            "2026-05-25 Substitute 대체공휴일(부처님오신날)",
            "2026-06-03 Election 제9회 전국동시지방선거",
            "2026-06-06 Fixed 현충일",
            "2026-07-17 Fixed 제헌절",
            "2026-08-15 Fixed 광복절",
            "2026-08-17 Substitute 대체공휴일(광복절)",
            "2026-09-24 Lunar 추석 연휴",
            "2026-09-25 Lunar 추석",
            "2026-09-26 Lunar 추석 연휴",
            "2026-10-03 Fixed 개천절",
            "2026-10-05 Substitute 대체공휴일(개천절)",
            "2026-10-09 Fixed 한글날",
            "2026-12-25 Fixed 기독탄신일");
    }

    [Fact]
    public void The_2027_list_is_the_announced_one_with_substitutes_for_labour_day_and_constitution_day()
    {
        // 2027년 월력요항 (우주항공청, 2026-06-29): 52 Sundays + 24 holidays, 4 of them on a Sunday (설날 2/7,
        // 현충일 6/6, 광복절 8/15, 개천절 10/3) → 72; "5월 1~3일 (노동절, 일요일 및 노동절 대체공휴일)",
        // "7월 17~19일 (제헌절, 일요일 및 제헌절 대체공휴일)". No 현충일 substitute; no election; no 임시공휴일.
        AssertYear(2027,
            "2027-01-01 Fixed 신정",
            "2027-02-06 Lunar 설날 연휴",
            "2027-02-07 Lunar 설날",
            "2027-02-08 Lunar 설날 연휴",
            "2027-02-09 Substitute 대체공휴일(설날)",
            "2027-03-01 Fixed 삼일절",
            "2027-05-01 Fixed 노동절",
            "2027-05-03 Substitute 대체공휴일(노동절)",
            "2027-05-05 Fixed 어린이날",
            "2027-05-13 Lunar 부처님오신날",
            "2027-06-06 Fixed 현충일",
            "2027-07-17 Fixed 제헌절",
            "2027-07-19 Substitute 대체공휴일(제헌절)",
            "2027-08-15 Fixed 광복절",
            "2027-08-16 Substitute 대체공휴일(광복절)",
            "2027-09-14 Lunar 추석 연휴",
            "2027-09-15 Lunar 추석",
            "2027-09-16 Lunar 추석 연휴",
            "2027-10-03 Fixed 개천절",
            "2027-10-04 Substitute 대체공휴일(개천절)",
            "2027-10-09 Fixed 한글날",
            "2027-10-11 Substitute 대체공휴일(한글날)",
            "2027-12-25 Fixed 기독탄신일",
            "2027-12-27 Substitute 대체공휴일(기독탄신일)");
    }

    // ---------------------------------------------------------------------------------------------
    // Lunar dates.
    // ---------------------------------------------------------------------------------------------

    [Theory]
    // 2020: 윤4월 — 부처님오신날 is the 8th of the first fourth month, not of the leap one.
    [InlineData(2020, "2020-01-24 2020-01-25 2020-01-26", "2020-04-30", "2020-09-30 2020-10-01 2020-10-02")]
    // 2023: 윤2월 — every holiday after it would be a month early if the leap month were ignored.
    [InlineData(2023, "2023-01-21 2023-01-22 2023-01-23", "2023-05-27", "2023-09-28 2023-09-29 2023-09-30")]
    // 2025: 윤6월 — 추석 is 6 October, not 6 September.
    [InlineData(2025, "2025-01-28 2025-01-29 2025-01-30", "2025-05-05", "2025-10-05 2025-10-06 2025-10-07")]
    public void Lunar_holidays_fall_on_the_right_days_in_years_with_a_leap_month(int year, string seollal, string buddha, string chuseok)
    {
        var lunar = KoreanHolidays.For(year, []).Where(h => h.Kind != HolidayKind.Substitute).ToList();

        Assert.Equal(Dates(seollal), lunar.Where(h => h.Name.StartsWith("설날")).Select(h => h.Date));
        Assert.Equal(Dates(buddha), lunar.Where(h => h.Name.Contains("부처님오신날")).Select(h => h.Date));
        Assert.Equal(Dates(chuseok), lunar.Where(h => h.Name.StartsWith("추석")).Select(h => h.Date));
    }

    [Fact]
    public void Lunar_dates_skip_the_leap_month_that_repeats_the_month_before_it()
    {
        // 2025 has 윤6월 (KoreanLunisolarCalendar: month 7 of 13 is the leap month): 6월 begins 6/25, 윤6월 7/25,
        // 7월 8/23 and 8월 9/22, so 추석 (8/15) is 10/6 as announced — 9/6 if the leap month were ignored.
        Assert.Equal(new DateOnly(2025, 8, 23), KoreanHolidays.FromLunar(2025, 7, 1));
        Assert.Equal(new DateOnly(2025, 10, 6), KoreanHolidays.FromLunar(2025, 8, 15));
        Assert.Equal(new DateOnly(2025, 6, 25), KoreanHolidays.FromLunar(2025, 6, 1));
        // 설날 2027 is 7 February in Korea (one day after the Chinese new year).
        Assert.Equal(new DateOnly(2027, 2, 7), KoreanHolidays.FromLunar(2027, 1, 1));
    }

    // ---------------------------------------------------------------------------------------------
    // 대체공휴일, every kind.
    // ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("2024-02-11", "2024-02-12", "대체공휴일(설날)")]   // 설날 다음 날 on a Sunday
    [InlineData("2027-02-07", "2027-02-09", "대체공휴일(설날)")]   // 설날 itself on a Sunday: after the run
    [InlineData("2025-10-05", "2025-10-08", "대체공휴일(추석)")]   // 추석 전날 on a Sunday: after the run
    [InlineData("2022-09-11", "2022-09-12", "대체공휴일(추석)")]   // 추석 다음 날 on a Sunday
    public void A_seollal_or_chuseok_day_on_a_sunday_earns_the_first_non_holiday_after_the_run(string sunday, string substitute, string name)
    {
        Assert.Equal(DayOfWeek.Sunday, Date(sunday).DayOfWeek);
        AssertSubstitute(substitute, name);
    }

    [Fact]
    public void A_seollal_or_chuseok_day_on_a_saturday_earns_nothing()
    {
        // 추석 2026 runs Thursday to Saturday: no 28 September. 설날 2024 on Saturday 10 Feb adds nothing to
        // the Sunday's 12 Feb.
        Assert.DoesNotContain(KoreanHolidays.For(2026), h => h.Date == new DateOnly(2026, 9, 28));
        Assert.Single(KoreanHolidays.For(2024), h => h.Kind == HolidayKind.Substitute && h.Date.Month == 2);
    }

    [Theory]
    [InlineData("2028-10-03", "2028-10-05", "대체공휴일(개천절·추석)")]   // 추석 itself on 개천절 (Tuesday)
    [InlineData("2017-10-03", "2017-10-06", "대체공휴일(추석)")]          // 추석 전날 on 개천절, before 개천절 was eligible
    public void A_chuseok_day_on_another_holiday_on_a_weekday_earns_a_substitute(string overlap, string substitute, string name)
    {
        Assert.Contains(KoreanHolidays.For(Date(overlap).Year, []), h => h.Date == Date(overlap) && h.Name.Contains('·'));
        AssertSubstitute(substitute, name, []);
    }

    [Theory]
    [InlineData("2025-03-01", "2025-03-03", "대체공휴일(삼일절)")]            // Saturday
    [InlineData("2026-03-01", "2026-03-02", "대체공휴일(삼일절)")]            // Sunday
    [InlineData("2026-08-15", "2026-08-17", "대체공휴일(광복절)")]            // Saturday, over the Sunday
    [InlineData("2027-10-03", "2027-10-04", "대체공휴일(개천절)")]            // Sunday
    [InlineData("2027-10-09", "2027-10-11", "대체공휴일(한글날)")]            // Saturday
    [InlineData("2027-07-17", "2027-07-19", "대체공휴일(제헌절)")]            // Saturday, from 2026-05-11
    [InlineData("2032-07-17", "2032-07-19", "대체공휴일(제헌절)")]            // Saturday
    [InlineData("2033-07-17", "2033-07-18", "대체공휴일(제헌절)")]            // Sunday
    [InlineData("2027-05-01", "2027-05-03", "대체공휴일(노동절)")]            // Saturday, from 2026-05-01
    [InlineData("2033-05-01", "2033-05-02", "대체공휴일(노동절)")]            // Sunday
    [InlineData("2024-05-05", "2024-05-06", "대체공휴일(어린이날)")]          // Sunday
    [InlineData("2029-05-05", "2029-05-07", "대체공휴일(어린이날)")]          // Saturday
    [InlineData("2023-05-27", "2023-05-29", "대체공휴일(부처님오신날)")]      // Saturday, from 2023-05-04
    [InlineData("2026-05-24", "2026-05-25", "대체공휴일(부처님오신날)")]      // Sunday
    [InlineData("2027-12-25", "2027-12-27", "대체공휴일(기독탄신일)")]        // Saturday, from 2023-05-04
    [InlineData("2033-12-25", "2033-12-26", "대체공휴일(기독탄신일)")]        // Sunday
    public void A_national_day_labour_day_childrens_day_buddhas_birthday_or_christmas_on_a_weekend_earns_the_next_weekday(
        string holiday, string substitute, string name)
    {
        Assert.True(Date(holiday).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        AssertSubstitute(substitute, name);
    }

    [Fact]
    public void Two_holidays_on_one_weekday_owe_one_substitute_named_after_both()
    {
        AssertSubstitute("2025-05-06", "대체공휴일(어린이날·부처님오신날)");
        Assert.Single(KoreanHolidays.For(2025), h => h.Date.Month == 5 && h.Kind == HolidayKind.Substitute);
    }

    [Fact]
    public void A_substitute_passes_over_a_day_already_taken_by_another_substitute()
    {
        // 2039: 부처님오신날 on Saturday 30 Apr and 노동절 on Sunday 1 May — Monday goes to the first, Tuesday to the second.
        AssertSubstitute("2039-05-02", "대체공휴일(부처님오신날)");
        AssertSubstitute("2039-05-03", "대체공휴일(노동절)");
        // 2036: 개천절 on 추석 전날 (Friday 3 Oct) takes Monday 6 Oct; 추석 다음 날 on Sunday 5 Oct takes Tuesday.
        AssertSubstitute("2036-10-06", "대체공휴일(개천절·추석)");
        AssertSubstitute("2036-10-07", "대체공휴일(추석)");
    }

    [Fact]
    public void A_substitute_that_would_fall_on_a_saturday_moves_to_the_monday()
    {
        // 어린이날 2028 is a Friday; with an 임시공휴일 on the same day the substitute skips Saturday (제3조제3항).
        var friday = new DateOnly(2028, 5, 5);
        Assert.Equal(DayOfWeek.Friday, friday.DayOfWeek);
        var holidays = KoreanHolidays.For(2028, [new Holiday(friday, "임시공휴일", HolidayKind.Temporary)]);

        Assert.Contains(new Holiday(friday, "어린이날·임시공휴일", HolidayKind.Fixed), holidays);
        Assert.Contains(new Holiday(new DateOnly(2028, 5, 8), "대체공휴일(어린이날)", HolidayKind.Substitute), holidays);
        Assert.DoesNotContain(holidays, h => h.Date == new DateOnly(2028, 5, 6));
    }

    [Fact]
    public void New_years_day_memorial_day_elections_and_temporary_holidays_never_earn_a_substitute()
    {
        Assert.Equal(DayOfWeek.Sunday, new DateOnly(2023, 1, 1).DayOfWeek);
        Assert.DoesNotContain(KoreanHolidays.For(2023), h => h.Date == new DateOnly(2023, 1, 2));
        Assert.Equal(DayOfWeek.Sunday, new DateOnly(2027, 6, 6).DayOfWeek);
        Assert.DoesNotContain(KoreanHolidays.For(2027), h => h.Date == new DateOnly(2027, 6, 7));

        var saturday = new DateOnly(2026, 11, 14);
        var holidays = KoreanHolidays.For(2026,
            [new Holiday(saturday, "임시공휴일", HolidayKind.Temporary), new Holiday(saturday.AddDays(1), "선거", HolidayKind.Election)]);
        Assert.DoesNotContain(holidays, h => h.Date.Month == 11 && h.Kind == HolidayKind.Substitute);
    }

    [Fact]
    public void A_holiday_earns_substitutes_only_from_the_day_its_amendment_took_effect()
    {
        Assert.DoesNotContain(KoreanHolidays.For(2013), h => h.Kind == HolidayKind.Substitute);   // rule from 2013-11-05
        Assert.DoesNotContain(KoreanHolidays.For(2020), h => h.Date == new DateOnly(2020, 3, 2)); // 삼일절 Sunday, rule from 2021
        Assert.DoesNotContain(KoreanHolidays.For(2021), h => h.Date == new DateOnly(2021, 12, 27)); // 성탄절 Saturday, rule from 2023
        Assert.DoesNotContain(KoreanHolidays.For(2022), h => h.Date == new DateOnly(2022, 5, 9));  // 부처님오신날 Sunday 8 May, rule from 2023
        AssertSubstitute("2021-08-16", "대체공휴일(광복절)");                                         // first under the 2021 decree
        AssertSubstitute("2014-09-10", "대체공휴일(추석)");                                           // first ever
    }

    // ---------------------------------------------------------------------------------------------
    // Which days are holidays in which years.
    // ---------------------------------------------------------------------------------------------

    [Fact]
    public void Constitution_day_is_a_holiday_until_2007_and_again_from_2026()
    {
        Assert.Contains(KoreanHolidays.For(2007), h => h.Date == new DateOnly(2007, 7, 17) && h.Name == "제헌절");
        Assert.DoesNotContain(KoreanHolidays.For(2008), h => h.Date == new DateOnly(2008, 7, 17));
        Assert.DoesNotContain(KoreanHolidays.For(2025), h => h.Date == new DateOnly(2025, 7, 17));
        Assert.Contains(KoreanHolidays.For(2026), h => h.Date == new DateOnly(2026, 7, 17) && h.Name == "제헌절");
    }

    [Fact]
    public void Labour_day_is_a_public_holiday_from_2026_hangul_day_from_2013_and_arbor_day_until_2005()
    {
        Assert.DoesNotContain(KoreanHolidays.For(2025), h => h.Date == new DateOnly(2025, 5, 1));
        Assert.Contains(KoreanHolidays.For(2026), h => h.Date == new DateOnly(2026, 5, 1) && h.Name == "노동절");
        Assert.DoesNotContain(KoreanHolidays.For(2012), h => h.Date == new DateOnly(2012, 10, 9));
        Assert.Contains(KoreanHolidays.For(2013), h => h.Date == new DateOnly(2013, 10, 9) && h.Name == "한글날");
        Assert.Contains(KoreanHolidays.For(2005), h => h.Date == new DateOnly(2005, 4, 5) && h.Name == "식목일");
        Assert.DoesNotContain(KoreanHolidays.For(2006), h => h.Date == new DateOnly(2006, 4, 5));
    }

    // ---------------------------------------------------------------------------------------------
    // Special days: the data file and the parameter.
    // ---------------------------------------------------------------------------------------------

    [Fact]
    public void The_data_file_lists_the_election_days_and_temporary_holidays_of_2024_to_2027()
    {
        var special = KoreanHolidays.SpecialDays.Where(h => h.Date.Year is >= 2024 and <= 2027)
            .Select(h => $"{h.Date:yyyy-MM-dd} {h.Kind} {h.Name}");

        Assert.Equal(
        [
            "2024-04-10 Election 제22대 국회의원선거",
            "2024-10-01 Temporary 임시공휴일(국군의 날)",
            "2025-01-27 Temporary 임시공휴일",
            "2025-06-03 Election 제21대 대통령선거",
            "2026-06-03 Election 제9회 전국동시지방선거",
        ], special);
        Assert.Equal(KoreanHolidays.SpecialDays.OrderBy(h => h.Date), KoreanHolidays.SpecialDays);
    }

    [Theory]
    [InlineData("""[{"date":"2026-06-03","name":"선거","kind":"election"}]""", "\"source\" is required")]
    [InlineData("""[{"date":"2026-6-3","name":"선거","kind":"election","source":"x"}]""", "yyyy-MM-dd")]
    [InlineData("""[{"date":"2026-06-03","name":"선거","kind":"closure","source":"x"}]""", "\"kind\" must be")]
    [InlineData("""[{"date":"2026-06-03","name":"a","kind":"election","source":"x"},{"date":"2026-06-03","name":"b","kind":"temporary","source":"y"}]""", "more than once")]
    [InlineData("""{"date":"2026-06-03"}""", "not valid")]
    public void A_data_file_entry_without_a_source_or_with_a_bad_date_or_kind_is_refused(string json, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => SpecialHolidayFile.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Special_days_passed_in_replace_the_data_file_for_that_year()
    {
        Assert.DoesNotContain(KoreanHolidays.For(2024, []), h => h.Kind is HolidayKind.Election or HolidayKind.Temporary);

        var other = new Holiday(new DateOnly(2024, 11, 11), "임시공휴일", HolidayKind.Temporary);
        var nextYear = new Holiday(new DateOnly(2025, 11, 11), "임시공휴일", HolidayKind.Temporary);
        var holidays = KoreanHolidays.For(2024, [other, nextYear]);
        Assert.Contains(other, holidays);
        Assert.DoesNotContain(nextYear, holidays);
        Assert.DoesNotContain(holidays, h => h.Date == new DateOnly(2024, 4, 10));
    }

    [Fact]
    public void A_centers_closure_is_listed_but_never_triggers_or_blocks_a_substitute()
    {
        var onChildrensDay = new Holiday(new DateOnly(2026, 5, 5), "센터 휴무", HolidayKind.Closure);
        var onTheSubstitute = new Holiday(new DateOnly(2026, 3, 2), "센터 휴무", HolidayKind.Closure);
        var holidays = KoreanHolidays.For(2026, [onChildrensDay, onTheSubstitute]);

        Assert.Contains(new Holiday(new DateOnly(2026, 5, 5), "어린이날·센터 휴무", HolidayKind.Fixed), holidays);
        Assert.DoesNotContain(holidays, h => h.Date == new DateOnly(2026, 5, 6));
        Assert.Contains(new Holiday(new DateOnly(2026, 3, 2), "대체공휴일(삼일절)·센터 휴무", HolidayKind.Substitute), holidays);
    }

    // ---------------------------------------------------------------------------------------------
    // Every supported year.
    // ---------------------------------------------------------------------------------------------

    [Fact]
    public void Every_year_from_2000_to_2050_computes_a_sorted_list_with_one_entry_per_date()
    {
        for (var year = KoreanHolidays.FirstSupportedYear; year <= KoreanHolidays.LastSupportedYear; year++)
        {
            var holidays = KoreanHolidays.For(year);

            // From 2013 (한글날 back) there are at least 15 statutory days. 2006–2012 had 13–14: no 식목일 (to
            // 2005), no 제헌절 (from 2008), no 한글날 (to 2012), and in 2006 and 2009 two holidays shared a day.
            Assert.True(holidays.Count >= (year >= 2013 ? 15 : 13), $"{year}: only {holidays.Count} holidays");
            Assert.All(holidays, h => Assert.Equal(year, h.Date.Year));
            Assert.All(holidays, h => Assert.False(string.IsNullOrWhiteSpace(h.Name)));
            for (var i = 1; i < holidays.Count; i++)
                Assert.True(holidays[i - 1].Date < holidays[i].Date, $"{year}: {holidays[i - 1]} then {holidays[i]}");
            Assert.All(holidays.Where(h => h.Kind == HolidayKind.Substitute),
                h => Assert.True(h.Date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday), $"{h} on a weekend"));
        }
    }

    [Theory]
    [InlineData(1999)]
    [InlineData(2051)]
    public void Years_outside_2000_to_2050_are_refused(int year)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KoreanHolidays.For(year));
    }

    [Fact]
    public void The_rules_version_names_the_2026_rule_set()
    {
        Assert.StartsWith("kr-2026.", KoreanHolidays.RulesVersion);
    }

    private static void AssertYear(int year, params string[] expected)
    {
        var actual = KoreanHolidays.For(year).Select(h => $"{h.Date:yyyy-MM-dd} {h.Kind} {h.Name}").ToArray();
        Assert.Equal(expected, actual);
    }

    private static void AssertSubstitute(string date, string name, IReadOnlyList<Holiday>? specialDays = null)
    {
        var day = Date(date);
        Assert.Contains(new Holiday(day, name, HolidayKind.Substitute), KoreanHolidays.For(day.Year, specialDays));
    }

    private static DateOnly Date(string text) => DateOnly.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<DateOnly> Dates(string text) => text.Split(' ').Select(Date);
}
