using Inbox.Calendar;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Calendar;

public sealed class OperatorCalendarOptionsTests
{
    private static OperatorCalendarOptions With(params (string? Date, string? Name)[] days) => new()
    {
        TemporaryHolidays = [.. days.Select(d => new OperatorCalendarOptions.TemporaryHolidayOptions { Date = d.Date, Name = d.Name })],
    };

    [Fact]
    public void Well_formed_days_within_the_range_pass()
    {
        var options = With(("2026-12-24", "임시공휴일"), ("2050-12-30", " 시험 "));

        Assert.Empty(options.Problems());
        Assert.Equal(["2026-12-24 임시공휴일", "2050-12-30 시험"], options.Days().Select(d => $"{d.Date:yyyy-MM-dd} {d.Name}"));
    }

    [Theory]
    [InlineData("2100-01-01", "임시공휴일", "Calendar:TemporaryHolidays:0:Date")]
    [InlineData("1999-12-31", "임시공휴일", "2000-01-01 to 2050-12-31")]
    [InlineData("24.12.2026", "임시공휴일", "Calendar:TemporaryHolidays:0:Date")]
    [InlineData(null, "임시공휴일", "Calendar:TemporaryHolidays:0:Date")]
    [InlineData("2026-12-24", " ", "Calendar:TemporaryHolidays:0:Name")]
    public void A_bad_day_is_named_by_its_key(string? date, string? name, string expected) =>
        Assert.Contains(With((date, name)).Problems(), p => p.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void A_date_configured_twice_is_refused()
    {
        var problem = Assert.Single(With(("2026-12-24", "a"), ("2026-12-24", "b")).Problems());
        Assert.Contains("Calendar:TemporaryHolidays:1:Date", problem);
    }

    [Fact]
    public async Task The_server_refuses_to_start_with_a_bad_day_and_says_which()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(new SqliteStore(), new Dictionary<string, string?>
        {
            ["Calendar:TemporaryHolidays:0:Date"] = "9999-12-31",
            ["Calendar:TemporaryHolidays:0:Name"] = "임시공휴일",
        }));
        Assert.Contains("Calendar:TemporaryHolidays:0:Date", error.Message);
    }
}
