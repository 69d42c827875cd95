using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Storage;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;

namespace Inbox.Tests.Calendar;

public sealed class SqliteCalendarApiTests : CalendarApiTests<SqliteStore>;

public sealed class PostgresCalendarApiTests : CalendarApiTests<PostgresStore>;

public sealed class SqlServerCalendarApiTests : CalendarApiTests<SqlServerStore>;

/// <summary>
/// Whose calendar a center's admin may change (its own closures only; the nationwide days are the operator's), that every
/// change is audited in the center it changes, and that no calendar — however closed — stops intake. Real HTTP, each store.
/// </summary>
public abstract class CalendarApiTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    // Monday 2026-11-30 10:00 in Seoul: an ordinary working day.
    private static readonly DateTimeOffset MondayMorning = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task A_center_admin_cannot_add_a_temporary_holiday_to_every_centers_calendar()
    {
        await using var server = await TestServer.StartAsync(Store);
        var northAdmin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var southAdmin = await server.ClientForNewUserAsync("admin", center: "south");

        var refused = await northAdmin.PostAsJsonAsync("/api/calendar/days", new { date = "2026-12-24", name = "임시공휴일", kind = "temporary" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("kind"), errors.ToJsonString());
        foreach (var admin in new[] { northAdmin, southAdmin })
        {
            var holidays = await admin.GetFromJsonAsync<JsonElement>("/api/calendar/holidays?year=2026");
            Assert.DoesNotContain(holidays.EnumerateArray(), h => h.GetProperty("date").GetString() == "2026-12-24");
            Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/calendar/days")).EnumerateArray());
        }
    }

    [Fact]
    public async Task A_center_admin_changes_its_own_closures_only_and_each_change_is_audited_in_that_center()
    {
        await using var server = await TestServer.StartAsync(Store);
        var northAdmin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var southAdmin = await server.ClientForNewUserAsync("admin", center: "south");
        var added = await northAdmin.PostAsJsonAsync("/api/calendar/days", new { date = "2026-12-24", name = "북부 내부 교육", kind = "closure" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var northDay = (await added.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        // South's admin neither sees north's closure nor can remove it; north's day stays, and only north is closed.
        Assert.Empty((await southAdmin.GetFromJsonAsync<JsonElement>("/api/calendar/days")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await southAdmin.DeleteAsync($"/api/calendar/days/{northDay}")).StatusCode);
        Assert.Contains((await northAdmin.GetFromJsonAsync<JsonElement>("/api/calendar/days")).EnumerateArray(), d => d.GetProperty("id").GetString() == northDay);
        var at = Uri.EscapeDataString("2026-12-23T17:00:00+09:00");
        Assert.Equal(new DateTimeOffset(2026, 12, 28, 17, 0, 0, TimeSpan.FromHours(9)),
            (await northAdmin.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={at}")).GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 12, 24, 17, 0, 0, TimeSpan.FromHours(9)),
            (await southAdmin.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={at}")).GetProperty("dueAt").GetDateTimeOffset());

        // South closes a day of its own; then north removes its closure.
        Assert.Equal(HttpStatusCode.Created, (await southAdmin.PostAsJsonAsync("/api/calendar/days", new { date = "2026-12-31", name = "남부 휴관", kind = "closure" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await northAdmin.DeleteAsync($"/api/calendar/days/{northDay}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await northAdmin.DeleteAsync($"/api/calendar/days/{northDay}")).StatusCode);

        // Each change is in the log of the center whose calendar it changed, naming the day; the other center's log has none of it.
        var northLog = await CalendarAuditAsync(await server.ClientForNewUserAsync("manager"));
        var southLog = await CalendarAuditAsync(await server.ClientForNewUserAsync("manager", center: "south"));
        Assert.Equal(["calendar.day_added 2026-12-24", "calendar.day_removed 2026-12-24"], northLog);
        Assert.Equal(["calendar.day_added 2026-12-31"], southLog);
    }

    [Fact]
    public async Task The_operator_sets_temporary_holidays_of_every_center_in_configuration()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["Calendar:TemporaryHolidays:0:Date"] = "2026-12-24",
            ["Calendar:TemporaryHolidays:0:Name"] = "임시공휴일(시험)",
        });
        var northAdmin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var southCounselor = await server.ClientForNewUserAsync("counselor", center: "south");
        var at = Uri.EscapeDataString("2026-12-23T17:00:00+09:00");

        foreach (var client in new[] { northAdmin, southCounselor })
        {
            var holidays = await client.GetFromJsonAsync<JsonElement>("/api/calendar/holidays?year=2026");
            Assert.Contains(holidays.EnumerateArray(), h => h.GetProperty("date").GetString() == "2026-12-24" && h.GetProperty("kind").GetString() == "temporary"
                && h.GetProperty("name").GetString() == "임시공휴일(시험)");
            // Wed 17:00 + 9 working hours: the 24th (temporary), the 25th (Christmas) and the weekend pass → Mon 17:00.
            var due = await client.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={at}");
            Assert.Equal(new DateTimeOffset(2026, 12, 28, 17, 0, 0, TimeSpan.FromHours(9)), due.GetProperty("dueAt").GetDateTimeOffset());
        }
        // Not a center's day: there is nothing to list or remove.
        Assert.Empty((await northAdmin.GetFromJsonAsync<JsonElement>("/api/calendar/days")).EnumerateArray());
    }

    [Fact]
    public async Task A_calendar_with_no_working_time_left_still_takes_every_message_with_a_wall_clock_deadline()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        // Bad data: north is closed every day for the next 800 days (and one row is not even a date).
        var days = Enumerable.Range(0, 800).Select(i => DateOnly.FromDateTime(MondayMorning.DateTime).AddDays(i).ToString("yyyy-MM-dd")).Append("2026-02-30");
        await ExecuteAsync(server,
            "INSERT INTO calendar_closures (id, center_id, day, name, created_by, created_at) VALUES (@id, 'north', @day, '장기 휴관', NULL, @now)",
            days.Select(day => new { id = Ids.New(), day, now = clock.GetUtcNow() }));
        clock.Advance(TimeSpan.FromMinutes(1)); // past the calendars' freshness
        var manager = await server.ClientForNewUserAsync("manager");
        var now = clock.GetUtcNow();

        var sms = await server.SmsAsync(Payloads.RandomMobile().Dashed, "휴관 중에도 문의 남깁니다");
        var chat = await server.KakaoAsync("u-" + Guid.NewGuid().ToString("N")[..12], "상담 가능한가요?");
        var call = await server.CallAsync("inbound", Payloads.RandomMobile().Dashed, "missed");

        // Stored and answered; each deadline is its business duration counted as wall-clock time, and says so in its version.
        Assert.Equal(1, await server.CountAsync("conversations", "id = @sms AND due_at = @due AND due_calendar_version LIKE '%/wall-clock'", new { sms, due = now.AddHours(9) }));
        Assert.Equal(1, await server.CountAsync("conversations", "id = @chat AND due_at = @due AND due_calendar_version LIKE '%/wall-clock'", new { chat, due = now.AddHours(9) }));
        Assert.Equal(1, await server.CountAsync("callback_requests", "conversation_id = @call AND due_at = @due AND due_calendar_version LIKE '%/wall-clock'", new { call, due = now.AddMinutes(30) }));
        Assert.Equal(3, await server.CountAsync("messages", "conversation_id IN (@sms, @chat, @call) AND direction = 'in'", new { sms, chat, call }));
        var due = await manager.GetFromJsonAsync<JsonElement>("/api/calendar/due?line=text24");
        Assert.Equal(now.AddHours(9), due.GetProperty("dueAt").GetDateTimeOffset());
        Assert.EndsWith("/wall-clock", due.GetProperty("calendarVersion").GetString());
        Assert.Contains("no working time", due.GetProperty("fallback").GetString());

        // South's calendar is its own: its deadline is one business day, on an ordinary version.
        var south = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "남부 문의", to: "1588-0000"), TestServer.GatewaySecret);
        var southConversation = Guid.Parse((await south.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
        Assert.Equal(1, await server.CountAsync("conversations", "id = @southConversation AND due_at = @due AND due_calendar_version NOT LIKE '%/wall-clock'",
            new { southConversation, due = now.AddDays(1) }));
    }

    [Fact]
    public async Task Migration_0004_keeps_each_centers_closures_once_and_drops_the_days_no_center_owns()
    {
        // The schema before 0004, with what the old API let admins write: a closure (twice, by two admins at once) and a
        // "temporary" day of every center.
        await using var before = await StoreHarness.CreateAsync(Store, CancellationToken.None, lastVersion: 3);
        var now = DateTimeOffset.UtcNow;
        await before.ExecuteAsync(
            "INSERT INTO calendar_days (id, center_id, day, name, kind, created_by, created_at) VALUES (@id, @center, @day, @name, @kind, NULL, @now)",
            new[]
            {
                new { id = Ids.New(), center = (string?)"north", day = "2026-12-24", name = "북부 내부 교육", kind = "closure", now },
                new { id = Ids.New(), center = (string?)"north", day = "2026-12-24", name = "북부 내부 교육(중복)", kind = "closure", now },
                new { id = Ids.New(), center = (string?)null, day = "2026-12-31", name = "임시공휴일", kind = "temporary", now },
            });

        await using var server = await TestServer.StartAsync(Store, connectionString: before.ConnectionString);
        var northAdmin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var southCounselor = await server.ClientForNewUserAsync("counselor", center: "south");

        var day = Assert.Single((await northAdmin.GetFromJsonAsync<JsonElement>("/api/calendar/days")).EnumerateArray());
        Assert.Equal(("2026-12-24", "북부 내부 교육"), (day.GetProperty("day").GetString(), day.GetProperty("name").GetString()));
        foreach (var client in new[] { northAdmin, southCounselor })
        {
            var holidays = await client.GetFromJsonAsync<JsonElement>("/api/calendar/holidays?year=2026");
            Assert.DoesNotContain(holidays.EnumerateArray(), h => h.GetProperty("date").GetString() == "2026-12-31");
        }
        Assert.Equal(1, await server.CountAsync("schema_migrations", "version = 4"));
    }

    private static async Task<List<string>> CalendarAuditAsync(HttpClient manager) =>
        [.. (await manager.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).EnumerateArray()
            .Where(r => r.GetProperty("action").GetString()!.StartsWith("calendar.", StringComparison.Ordinal))
            .Reverse()
            .Select(r => $"{r.GetProperty("action").GetString()} {r.GetProperty("detail").GetString()![..10]}")];

    private static async Task ExecuteAsync(TestServer server, string sql, object args)
    {
        var database = server.Services.GetRequiredService<Database>();
        await using var s = await database.BeginAsync(CancellationToken.None);
        await s.ExecuteAsync(sql, args, CancellationToken.None);
        await s.CommitAsync(CancellationToken.None);
    }
}

public sealed class SqliteCalendarRangeTests(ServerFixture<SqliteStore> fixture) : CalendarRangeTests<SqliteStore>(fixture);

public sealed class PostgresCalendarRangeTests(ServerFixture<PostgresStore> fixture) : CalendarRangeTests<PostgresStore>(fixture);

public sealed class SqlServerCalendarRangeTests(ServerFixture<SqlServerStore> fixture) : CalendarRangeTests<SqlServerStore>(fixture);

/// <summary>Dates outside what the calendar covers are a clear 400 naming the supported range, on every calendar endpoint.</summary>
public abstract class CalendarRangeTests<TStore>(ServerFixture<TStore> fixture) : ServerSuite<TStore>(fixture), IClassFixture<ServerFixture<TStore>> where TStore : TestStore, new()
{
    [Theory]
    [InlineData("/api/calendar/due?line=text24&at=9999-12-31T23:59:59%2B09:00", "at")]
    [InlineData("/api/calendar/due?line=callback&at=9999-12-31T23:59:59Z", "at")]
    [InlineData("/api/calendar/due?line=live&at=2051-01-01T09:00:00%2B09:00", "at")]
    [InlineData("/api/calendar/due?line=text24&at=0001-01-01T00:00:00%2B09:00", "at")]
    [InlineData("/api/calendar/due?line=text24&at=0001-01-01T00:00:00Z", "at")]
    [InlineData("/api/calendar/due?line=text24&at=1999-12-31T09:00:00%2B09:00", "at")]
    [InlineData("/api/calendar/holidays?year=2100", "year")]
    [InlineData("/api/calendar/holidays?year=2051", "year")]
    [InlineData("/api/calendar/holidays?year=9999", "year")]
    [InlineData("/api/calendar/holidays?year=1", "year")]
    [InlineData("/api/calendar/holidays?year=0001", "year")]
    public async Task A_date_outside_the_calendar_is_a_400_naming_the_supported_range(string query, string field)
    {
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        await AssertOutOfRangeAsync(await admin.GetAsync(query), field);
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("2100-01-01")]
    [InlineData("0001-01-01")]
    [InlineData("1999-12-31")]
    public async Task A_closure_outside_the_calendar_is_a_400_naming_the_supported_range_and_adds_nothing(string date)
    {
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        await AssertOutOfRangeAsync(await admin.PostAsJsonAsync("/api/calendar/days", new { date, name = "휴관", kind = "closure" }), "date");
        Assert.DoesNotContain((await admin.GetFromJsonAsync<JsonElement>("/api/calendar/days")).EnumerateArray(), d => d.GetProperty("day").GetString() == date);
    }

    [Fact]
    public async Task The_last_covered_day_answers_with_the_wall_clock_fallback_rather_than_failing()
    {
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        var due = await admin.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={Uri.EscapeDataString("2050-12-30T17:00:00+09:00")}");

        Assert.Equal(new DateTimeOffset(2050, 12, 31, 2, 0, 0, TimeSpan.FromHours(9)), due.GetProperty("dueAt").GetDateTimeOffset());
        Assert.EndsWith("/wall-clock", due.GetProperty("calendarVersion").GetString());
        var holidays = await admin.GetFromJsonAsync<JsonElement>("/api/calendar/holidays?year=2050");
        Assert.Contains(holidays.EnumerateArray(), h => h.GetProperty("date").GetString() == "2050-12-25");
    }

    private static async Task AssertOutOfRangeAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        var message = string.Join(" ", JsonNode.Parse(body)!["errors"]![field]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Contains("2000-01-01", message);
        Assert.Contains("2050-12-31", message);
    }
}
