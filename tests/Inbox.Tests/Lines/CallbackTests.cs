using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Lines;

public sealed class SqliteCallbackTests : CallbackTests<SqliteStore>;

public sealed class PostgresCallbackTests : CallbackTests<PostgresStore>;

public sealed class SqlServerCallbackTests : CallbackTests<SqlServerStore>;

/// <summary>Switching from text to a phone call, with a settable clock, on each store.</summary>
public abstract class CallbackTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset MondayMorning = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(9));

    [Fact]
    public async Task A_kakao_chat_asks_for_a_call_gives_the_number_and_the_call_completes_it_in_the_same_conversation()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var userKey = "u-" + Guid.NewGuid().ToString("N")[..12];

        var conversationId = await server.KakaoAsync(userKey, "안녕하세요, 기초연금 문의드려요");
        await counselor.Hub.InvokeAsync("Claim", conversationId);
        clock.Advance(TimeSpan.FromMinutes(1));
        await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "네, 무엇이 궁금하신가요?", "k-1");

        // The resident taps the call button: a callback is requested, pushed, and — no number known — the resident is asked for one.
        clock.Advance(TimeSpan.FromMinutes(1));
        await server.KakaoAsync(userKey, "상담원 전화 연결 요청", extra: "CALL_REQUEST");
        var requested = await counselor.Events.WaitForAsync("CallbackRequested", c => c.GetProperty("conversationId").GetGuid() == conversationId, Wait);
        Assert.Equal("kakao_button", requested.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, requested.GetProperty("phone").ValueKind);
        Assert.Equal(clock.Now.AddMinutes(30), requested.GetProperty("dueAt").GetDateTimeOffset());
        var top = await counselor.Hub.InvokeAsync<JsonElement>("GetQueue");
        Assert.Equal(conversationId, top.GetProperty("conversations")[0].GetProperty("id").GetGuid());
        Assert.Equal("high", top.GetProperty("conversations")[0].GetProperty("priority").GetString());
        await counselor.Events.WaitForAsync("MessageAdded", m => m.GetProperty("conversationId").GetGuid() == conversationId
            && m.GetProperty("direction").GetString() == "out" && m.GetProperty("body").GetString()!.Contains("전화번호를 남겨주세요"), Wait);

        // The number in the answer is read: the number to call, shown as given in the chat, not verified.
        clock.Advance(TimeSpan.FromMinutes(1));
        var phone = Payloads.RandomMobile();
        await server.KakaoAsync(userKey, $"{phone.Dashed} 로 전화주세요");
        var given = await counselor.Events.WaitForAsync("CallbackChanged", c => c.GetProperty("change").GetString() == "number_given", Wait);
        Assert.Equal(phone.E164, given.GetProperty("phone").GetString());
        Assert.False(given.GetProperty("phoneVerified").GetBoolean());

        // The call follows: made for the request, it joins the same conversation and completes the request.
        clock.Advance(TimeSpan.FromMinutes(5));
        var call = await server.PostSignedAsync("/webhooks/phone/transcripts", JsonSerializer.Serialize(new
        {
            callId = "call-" + Guid.NewGuid().ToString("N"), direction = "outbound", callerNumber = "1899-6808", calledNumber = phone.Compact,
            agentId = counselor.Username, status = "answered", startedAt = clock.Now, endedAt = clock.Now.AddMinutes(4), language = "ko-KR",
            segments = new[] { new { speaker = "counselor", startMs = 0, endMs = 2000, text = "기초연금 안내드리려고 전화드렸습니다", confidence = 0.95 } },
        }), TestServer.PhoneSecret);
        var callAnswer = await call.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(conversationId, Guid.Parse(callAnswer!["conversationId"]!.GetValue<string>()));
        var done = await counselor.Events.WaitForAsync("CallbackChanged", c => c.GetProperty("change").GetString() == "completed", Wait);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(Guid.Parse(callAnswer["messageId"]!.GetValue<string>()), done.GetProperty("completedBy").GetGuid());

        var detail = await counselor.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}");
        var kinds = detail.GetProperty("messages").EnumerateArray()
            .Select(m => $"{m.GetProperty("direction").GetString()} {m.GetProperty("channel").GetString()} {m.GetProperty("kind").GetString()}").ToList();
        Assert.Equal(
            ["in kakao text", "out kakao text", "in kakao text", "out kakao text", "in kakao text", "out phone transcript"],
            kinds);
        var callback = Assert.Single(detail.GetProperty("callbacks").EnumerateArray());
        Assert.Equal("completed", callback.GetProperty("status").GetString());
        Assert.False(callback.GetProperty("phoneVerified").GetBoolean());
        // The number stays the chat's claim: the contact is known by its KakaoTalk key only, until a counselor links it.
        Assert.Equal(["kakao"], detail.GetProperty("contact").GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("channel").GetString()));
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("contact").GetProperty("phone").ValueKind);
    }

    [Fact]
    public async Task Asking_in_words_requests_a_call_but_asking_for_a_number_does_not()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);

        var question = await server.SmsAsync(Payloads.RandomMobile().Dashed, "센터 전화번호 알려주세요");
        Assert.Equal(0, await server.CountAsync("callback_requests", "conversation_id = @question", new { question }));

        var resident = Payloads.RandomMobile();
        var asking = await server.SmsAsync(resident.Dashed, "글로 쓰기 힘들어서요. 전화 좀 주실 수 있나요?");
        Assert.Equal(1, await server.CountAsync("callback_requests", "conversation_id = @asking AND source = 'resident_words' AND phone = @E164 AND status = 'requested'", new { asking, resident.E164 }));
        // The number is known: nobody asks for it.
        Assert.Equal(0, await server.CountAsync("messages", "conversation_id = @asking AND metadata LIKE '%ask_for_number%'", new { asking }));
    }

    [Fact]
    public async Task A_counselor_offers_a_call_unanswered_attempts_are_counted_and_an_overdue_callback_breaches()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var resident = Payloads.RandomMobile();
        var conversationId = await server.SmsAsync(resident.Dashed, "서류 문의드립니다");
        await counselor.Hub.InvokeAsync("Claim", conversationId);

        await counselor.Hub.InvokeAsync("RequestPhoneCall", conversationId);
        var requested = await counselor.Events.WaitForAsync("CallbackRequested", c => c.GetProperty("conversationId").GetGuid() == conversationId, Wait);
        Assert.Equal("counselor", requested.GetProperty("source").GetString());
        Assert.Contains("already requested", (await Assert.ThrowsAsync<HubException>(() => counselor.Hub.InvokeAsync("RequestPhoneCall", conversationId))).Message);

        await server.PostSignedAsync("/webhooks/phone/transcripts", JsonSerializer.Serialize(new
        {
            callId = "call-" + Guid.NewGuid().ToString("N"), direction = "outbound", callerNumber = "1899-6808", calledNumber = resident.Compact,
            status = "missed", startedAt = clock.Now, endedAt = clock.Now.AddSeconds(30), language = "ko-KR", segments = Array.Empty<object>(),
        }), TestServer.PhoneSecret);
        var attempt = await counselor.Events.WaitForAsync("CallbackChanged", c => c.GetProperty("change").GetString() == "no_answer", Wait);
        Assert.Equal(1, attempt.GetProperty("attempts").GetInt32());
        Assert.Equal("requested", attempt.GetProperty("status").GetString());

        clock.Now = requested.GetProperty("dueAt").GetDateTimeOffset();
        var breach = await manager.Events.WaitForAsync("SlaBreached", b => b.GetProperty("conversationId").GetGuid() == conversationId, Wait);
        Assert.Equal("callback", breach.GetProperty("reason").GetString());

        // The managers' callbacks report shows the request overdue, not yet called.
        var report = await manager.Http.GetFromJsonAsync<JsonElement>("/api/reports/callbacks?period=day&date=2026-11-30");
        var total = report.GetProperty("rows").EnumerateArray().Last();
        Assert.Equal((1, 0, 1), (total.GetProperty("requested").GetInt64(), total.GetProperty("completed").GetInt64(), total.GetProperty("overdue").GetInt64()));
    }

    [Fact]
    public async Task A_missed_call_opens_a_callback_request_that_the_next_answered_call_completes()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        var resident = Payloads.RandomMobile();

        var missed = await server.CallAsync("inbound", resident.Compact, "missed");
        Assert.Equal(1, await server.CountAsync("callback_requests",
            "conversation_id = @missed AND source = 'missed_call' AND status = 'requested' AND phone = @E164 AND due_at = @due",
            new { missed, resident.E164, due = clock.Now.AddMinutes(30).ToUniversalTime() }));
        Assert.Equal(1, await server.CountAsync("conversations", "id = @missed AND priority = 'high' AND due_reason = 'callback'", new { missed }));

        clock.Advance(TimeSpan.FromMinutes(10));
        var answered = await server.CallAsync("outbound", resident.Compact, "answered");
        Assert.Equal(missed, answered);
        Assert.Equal(1, await server.CountAsync("callback_requests", "conversation_id = @missed AND status = 'completed' AND completed_by IS NOT NULL", new { missed }));
        Assert.Equal(1, await server.CountAsync("conversations", "id = @missed AND priority = 'normal' AND first_response_at IS NOT NULL AND due_at IS NULL", new { missed }));
    }
}
