using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Lines;

public sealed class SqliteDeadlineTests : DeadlineTests<SqliteStore>;

public sealed class PostgresDeadlineTests : DeadlineTests<PostgresStore>;

public sealed class SqlServerDeadlineTests : DeadlineTests<SqlServerStore>;

/// <summary>Deadlines, automatic replies and breaches on the lines, with a settable clock, on each store.</summary>
public abstract class DeadlineTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset SaturdayNight = new(2026, 11, 28, 22, 0, 0, TimeSpan.FromHours(9));
    private static readonly DateTimeOffset MondayClose = new(2026, 11, 30, 18, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task An_sms_on_saturday_night_is_acknowledged_due_monday_at_closing_and_breaches_then()
    {
        var clock = new ManualClock(SaturdayNight);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var resident = Payloads.RandomMobile();

        var answer = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, "주말에 문의드려요. 긴급복지 신청 가능한가요?"), TestServer.GatewaySecret);
        var conversationId = Guid.Parse((await answer.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());

        // The acknowledgement says when to expect the answer, and is delivered (no provider configured: loopback).
        var ack = await manager.Events.WaitForAsync("MessageAdded", m => m.GetProperty("conversationId").GetGuid() == conversationId && m.GetProperty("direction").GetString() == "out", Wait);
        Assert.Contains("11월 30일(월) 18:00까지 답변드리겠습니다", ack.GetProperty("body").GetString());
        await manager.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == ack.GetProperty("id").GetGuid() && m.GetProperty("deliveryStatus").GetString() == "delivered", Wait);
        var changed = await manager.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == conversationId, Wait);
        Assert.Equal(MondayClose, changed.GetProperty("dueAt").GetDateTimeOffset());

        // The API computes the same deadline with the same calendar version as the one stored on the conversation.
        var due = await manager.Http.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={Uri.EscapeDataString(SaturdayNight.ToString("O"))}");
        Assert.Equal(MondayClose, due.GetProperty("dueAt").GetDateTimeOffset());
        var version = due.GetProperty("calendarVersion").GetString()!;
        Assert.StartsWith("kr-", version);
        Assert.Equal(1, await server.CountAsync("conversations", "id = @conversationId AND due_calendar_version = @version AND due_reason = 'first_response'", new { conversationId, version }));
        Assert.Equal(1, await server.CountAsync("calendar_versions", "version = @version", new { version }));

        // A second text before the answer: no second acknowledgement, the deadline stands.
        await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, "추가로 여쭤봅니다"), TestServer.GatewaySecret);
        Assert.Equal(1, await server.CountAsync("messages", "conversation_id = @conversationId AND direction = 'out'", new { conversationId }));

        clock.Now = MondayClose.AddSeconds(-1);
        clock.Now = MondayClose;
        var breach = await manager.Events.WaitForAsync("SlaBreached", b => b.GetProperty("conversationId").GetGuid() == conversationId, Wait);
        Assert.Equal("first_response", breach.GetProperty("reason").GetString());
        Assert.Equal(MondayClose, breach.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(version, breach.GetProperty("calendarVersion").GetString());
        Assert.Equal(TimeSpan.FromHours(44).TotalSeconds, breach.GetProperty("waitedSeconds").GetDouble());
        Assert.Equal(TimeSpan.FromHours(9).TotalSeconds, breach.GetProperty("waitedBusinessSeconds").GetDouble());
        Assert.True(breach.GetProperty("seq").GetInt64() > 0);
        Assert.Equal(1, await server.CountAsync("conversation_events", "conversation_id = @conversationId AND type = 'sla.breached'", new { conversationId }));
    }

    [Fact]
    public async Task A_kakao_chat_out_of_hours_gets_one_closed_reply_per_closed_period_and_the_text_line_deadline()
    {
        var clock = new ManualClock(SaturdayNight);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        var userKey = "u-" + Guid.NewGuid().ToString("N")[..12];

        var first = await server.KakaoAsync(userKey, "상담 가능한가요?");
        await server.KakaoAsync(userKey, "답변 기다릴게요");
        Assert.Equal(1, await server.CountAsync("messages", "conversation_id = @first AND direction = 'out'", new { first }));
        Assert.Equal(1, await server.CountAsync("messages", "conversation_id = @first AND direction = 'out' AND body LIKE '%11월 30일(월) 09:00부터%'", new { first }));
        Assert.Equal(1, await server.CountAsync("conversations", "id = @first AND line = 'live' AND due_at = @due", new { first, due = MondayClose.ToUniversalTime() }));

        // In working hours the live line's first answer is due in minutes.
        clock.Now = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(9));
        var otherKey = "u-" + Guid.NewGuid().ToString("N")[..12];
        var live = await server.KakaoAsync(otherKey, "지금 상담 되나요?");
        var dueAt = clock.Now.AddMinutes(3).ToUniversalTime();
        Assert.Equal(1, await server.CountAsync("conversations", "id = @live AND due_at = @dueAt", new { live, dueAt }));
        Assert.Equal(0, await server.CountAsync("messages", "conversation_id = @live AND direction = 'out'", new { live }));
    }

    [Fact]
    public async Task Administrators_add_and_remove_closures_and_the_deadlines_follow_without_a_restart()
    {
        await using var server = await TestServer.StartAsync(Store);
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var at = Uri.EscapeDataString(SaturdayNight.ToString("O"));
        var before = await admin.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={at}");

        var added = await admin.PostAsJsonAsync("/api/calendar/days", new { date = "2026-11-30", name = "센터 내부 교육", kind = "closure" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync("/api/calendar/days", new { date = "2026-11-30", name = "중복", kind = "closure" })).StatusCode);
        var after = await admin.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={at}");
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 18, 0, 0, TimeSpan.FromHours(9)), after.GetProperty("dueAt").GetDateTimeOffset());
        Assert.NotEqual(before.GetProperty("calendarVersion").GetString(), after.GetProperty("calendarVersion").GetString());

        var holidays = await admin.GetFromJsonAsync<JsonElement>("/api/calendar/holidays?year=2026");
        Assert.Contains(holidays.EnumerateArray(), h => h.GetProperty("date").GetString() == "2026-11-30" && h.GetProperty("kind").GetString() == "closure");
        Assert.Contains(holidays.EnumerateArray(), h => h.GetProperty("date").GetString() == "2026-07-17" && h.GetProperty("kind").GetString() == "fixed");
        Assert.Contains(holidays.EnumerateArray(), h => h.GetProperty("date").GetString() == "2026-06-03" && h.GetProperty("kind").GetString() == "election");

        var id = (await added.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/calendar/days/{id}")).StatusCode);
        var restored = await admin.GetFromJsonAsync<JsonElement>($"/api/calendar/due?line=text24&at={at}");
        Assert.Equal(MondayClose, restored.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(before.GetProperty("calendarVersion").GetString(), restored.GetProperty("calendarVersion").GetString());

        var counselor = await server.ClientForNewUserAsync("counselor");
        Assert.Equal(HttpStatusCode.Forbidden, (await counselor.PostAsJsonAsync("/api/calendar/days", new { date = "2026-12-24", name = "휴무", kind = "closure" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await counselor.GetAsync("/api/calendar/holidays?year=2027")).StatusCode);
        var bad = await counselor.GetAsync("/api/calendar/due?line=weekly&at=2026-11-28T22:00:00");
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("line") && errors.ContainsKey("at"), errors.ToJsonString());
    }

    [Fact]
    public async Task A_message_signalling_danger_to_life_is_urgent_at_any_hour_tops_the_queue_and_alerts_managers()
    {
        var clock = new ManualClock(SaturdayNight);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var manager = await HubUser.CreateAsync(server, "manager");
        await using var counselor = await HubUser.CreateAsync(server, "counselor");

        var ordinary = await server.SmsAsync(Payloads.RandomMobile().Dashed, "자살예방센터 전화번호 알려주세요");
        var earlier = await server.SmsAsync(Payloads.RandomMobile().Dashed, "기초연금 신청 문의드립니다");
        clock.Advance(TimeSpan.FromMinutes(1));
        var crisis = await server.SmsAsync(Payloads.RandomMobile().Dashed, "요즘 너무 힘들어서 죽고 싶어요");

        var alert = await manager.Events.WaitForAsync("CrisisFlagged", c => c.GetProperty("conversationId").GetGuid() == crisis, Wait);
        Assert.False(string.IsNullOrEmpty(alert.GetProperty("phrase").GetString()));
        var changed = await counselor.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == crisis && c.GetProperty("priority").GetString() == "urgent", Wait);
        Assert.Equal(alert.GetProperty("phrase").GetString(), changed.GetProperty("triagePhrase").GetString());
        Assert.Equal(clock.Now.AddMinutes(10), changed.GetProperty("dueAt").GetDateTimeOffset()); // minutes, on a Saturday night

        var queue = await counselor.Hub.InvokeAsync<JsonElement>("GetQueue");
        Assert.Equal(crisis, queue.GetProperty("conversations")[0].GetProperty("id").GetGuid());
        Assert.Equal(0, await server.CountAsync("conversations", "id IN (@ordinary, @earlier) AND (priority <> 'normal' OR triage_phrase IS NOT NULL)", new { ordinary, earlier }));
        Assert.DoesNotContain(manager.Events.All("CrisisFlagged"), c => c.GetProperty("conversationId").GetGuid() == ordinary);

        clock.Advance(TimeSpan.FromMinutes(10));
        var breach = await manager.Events.WaitForAsync("SlaBreached", b => b.GetProperty("conversationId").GetGuid() == crisis, Wait);
        Assert.Equal("urgent", breach.GetProperty("reason").GetString());
    }
}
