using Inbox.Calendar;

namespace Inbox.Tests.Calendar;

public sealed class BusinessCalendarTests
{
    private static readonly TimeZoneInfo Seoul = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");
    private static readonly TimeSpan OneDay = WorkingHours.Default.WorkingDay;

    // Closed days for these tests, written out so the arithmetic is tested on its own: a three-day block (Wed–Fri),
    // and New Year's Day 2027.
    private static readonly HashSet<DateOnly> Closed = [new(2026, 9, 23), new(2026, 9, 24), new(2026, 9, 25), new(2027, 1, 1)];

    private static BusinessCalendar Calendar(WorkingHours? hours = null) => new(Seoul, hours ?? WorkingHours.Default, Closed.Contains, "test");

    private static DateTimeOffset Kst(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.FromHours(9));

    [Fact]
    public void One_business_day_is_nine_working_hours()
    {
        Assert.Equal(TimeSpan.FromHours(9), OneDay);
        Assert.Equal(TimeSpan.FromHours(8), (WorkingHours.Default with { LunchStart = new(12, 0), LunchEnd = new(13, 0) }).WorkingDay);
    }

    [Theory]
    [InlineData("2026-11-24T10:00:00+09:00", "2026-11-25T10:00:00+09:00")] // Tue 10:00 → Wed 10:00
    [InlineData("2026-11-27T17:00:00+09:00", "2026-11-30T17:00:00+09:00")] // Fri 17:00 → Mon 17:00
    [InlineData("2026-11-28T22:00:00+09:00", "2026-11-30T18:00:00+09:00")] // Sat 22:00 → Mon 18:00
    [InlineData("2026-11-23T09:00:00+09:00", "2026-11-23T18:00:00+09:00")] // a whole day from opening ends at closing, not the next morning
    [InlineData("2026-11-23T07:30:00+09:00", "2026-11-23T18:00:00+09:00")] // before opening counts from opening
    [InlineData("2026-11-23T18:00:00+09:00", "2026-11-24T18:00:00+09:00")] // at closing counts from the next opening
    [InlineData("2026-11-23T01:00:00Z", "2026-11-24T01:00:00Z")]           // 10:00 KST given in UTC
    [InlineData("2026-09-22T15:00:00+09:00", "2026-09-28T15:00:00+09:00")] // the day before a holiday block → after it and the weekend
    [InlineData("2026-09-24T11:00:00+09:00", "2026-09-28T18:00:00+09:00")] // arriving inside the block
    [InlineData("2026-12-31T17:00:00+09:00", "2027-01-04T17:00:00+09:00")] // over the year end and New Year's Day
    public void The_text_line_deadline_is_one_business_day_later(string arrival, string due)
    {
        Assert.Equal(DateTimeOffset.Parse(due), Calendar().AddBusinessTime(DateTimeOffset.Parse(arrival), OneDay).DueAt);
    }

    [Fact]
    public void Business_time_skips_the_lunch_break()
    {
        var calendar = Calendar(WorkingHours.Default with { LunchStart = new(12, 0), LunchEnd = new(13, 0) });

        Assert.Equal(Kst(2026, 11, 23, 13, 30), calendar.AddBusinessTime(Kst(2026, 11, 23, 11, 30), TimeSpan.FromHours(1)).DueAt);
        Assert.Equal(Kst(2026, 11, 24, 11, 0), calendar.AddBusinessTime(Kst(2026, 11, 23, 11, 0), calendar.Hours.WorkingDay).DueAt);
        Assert.False(calendar.IsOpen(Kst(2026, 11, 23, 12, 30)));
        Assert.Equal(Kst(2026, 11, 23, 13, 0), calendar.NextOpening(Kst(2026, 11, 23, 12, 30)));
        Assert.Equal(TimeSpan.FromHours(2), calendar.BusinessTimeBetween(Kst(2026, 11, 23, 11, 0), Kst(2026, 11, 23, 14, 0)));
    }

    [Fact]
    public void Business_time_between_two_instants_counts_only_working_hours()
    {
        var calendar = Calendar();
        Assert.Equal(TimeSpan.FromHours(2), calendar.BusinessTimeBetween(Kst(2026, 11, 27, 17, 0), Kst(2026, 11, 30, 10, 0)));
        Assert.Equal(TimeSpan.Zero, calendar.BusinessTimeBetween(Kst(2026, 11, 28, 9, 0), Kst(2026, 11, 29, 20, 0)));
        Assert.Equal(TimeSpan.FromHours(9), calendar.BusinessTimeBetween(Kst(2026, 9, 22, 15, 0), Kst(2026, 9, 28, 15, 0)));
        Assert.Equal(TimeSpan.Zero, calendar.BusinessTimeBetween(Kst(2026, 11, 30, 10, 0), Kst(2026, 11, 27, 17, 0)));
    }

    [Fact]
    public void Opening_hours_weekends_and_closed_days_are_respected()
    {
        var calendar = Calendar();
        Assert.True(calendar.IsOpen(Kst(2026, 11, 23, 9, 0)));
        Assert.False(calendar.IsOpen(Kst(2026, 11, 23, 18, 0)));
        Assert.False(calendar.IsOpen(Kst(2026, 11, 28, 11, 0)));
        Assert.False(calendar.IsOpen(Kst(2026, 9, 24, 11, 0)));
        Assert.Equal(Kst(2026, 9, 28, 9, 0), calendar.NextOpening(Kst(2026, 9, 22, 18, 30)));
        Assert.Equal(Kst(2026, 11, 23, 10, 0), calendar.NextOpening(Kst(2026, 11, 23, 10, 0)));
    }

    [Theory]
    [InlineData("18:00", "09:00", null, null, "Open")]
    [InlineData("09:00", "18:00", "12:00", null, "both LunchStart and LunchEnd")]
    [InlineData("09:00", "18:00", "19:00", "20:00", "inside the working hours")]
    public void Working_hours_that_make_no_sense_are_refused(string open, string close, string? lunchStart, string? lunchEnd, string message)
    {
        var hours = WorkingHours.Default with
        {
            Open = TimeOnly.Parse(open),
            Close = TimeOnly.Parse(close),
            LunchStart = lunchStart is null ? null : TimeOnly.Parse(lunchStart),
            LunchEnd = lunchEnd is null ? null : TimeOnly.Parse(lunchEnd),
        };
        Assert.Contains(message, Assert.Throws<InvalidOperationException>(() => hours.Validate("Centers:0:Calendar")).Message);
    }

    [Fact]
    public void A_calendar_with_no_working_time_counts_the_duration_in_wall_clock_time_and_says_so()
    {
        var closed = new BusinessCalendar(Seoul, WorkingHours.Default, _ => true, "test");
        var start = Kst(2026, 11, 30, 10, 0);

        var due = closed.AddBusinessTime(start, OneDay);

        Assert.Equal((start.AddHours(9), "test" + BusinessCalendar.WallClockSuffix), (due.DueAt, due.CalendarVersion));
        Assert.Contains("no working time", due.Fallback);
        Assert.False(closed.IsOpen(start));
        Assert.Null(closed.NextOpening(start));
        Assert.Equal(TimeSpan.Zero, closed.BusinessTimeBetween(start, start.AddDays(30)));
        Assert.Null(Calendar().AddBusinessTime(start, OneDay).Fallback);
    }

    [Fact]
    public void Working_time_ends_with_the_last_day_the_calendar_covers()
    {
        var calendar = new BusinessCalendar(Seoul, WorkingHours.Default, Closed.Contains, "test", (new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)));

        // Thu 2026-12-31 17:00: one working hour is left in the covered range, not nine.
        var due = calendar.AddBusinessTime(Kst(2026, 12, 31, 17, 0), OneDay);
        Assert.Equal((Kst(2027, 1, 1, 2, 0), "test/wall-clock"), (due.DueAt, due.CalendarVersion));
        Assert.Equal(Kst(2026, 12, 31, 17, 0).AddHours(1), calendar.AddBusinessTime(Kst(2026, 12, 31, 17, 0), TimeSpan.FromHours(1)).DueAt);
        Assert.True(calendar.Covers(Kst(2026, 12, 31, 23, 59)));
        Assert.False(calendar.Covers(Kst(2027, 1, 1, 0, 0)));
        Assert.False(calendar.Covers(Kst(2025, 12, 31, 23, 59)));
        Assert.Equal(TimeSpan.FromHours(1), calendar.BusinessTimeBetween(Kst(2026, 12, 31, 17, 0), Kst(2027, 1, 5, 12, 0)));
    }

    [Fact]
    public void Business_time_between_instants_years_apart_is_counted_to_the_end()
    {
        // Two years and more: every working day is counted, not only those of a search horizon.
        var calendar = Calendar();
        var from = Kst(2026, 1, 5, 9, 0);
        var to = Kst(2029, 1, 5, 9, 0);
        var workingDays = Enumerable.Range(0, to.DateTime.Subtract(from.DateTime).Days)
            .Select(i => DateOnly.FromDateTime(from.DateTime).AddDays(i))
            .Count(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !Closed.Contains(d));
        Assert.Equal(OneDay * workingDays, calendar.BusinessTimeBetween(from, to));
    }
}
