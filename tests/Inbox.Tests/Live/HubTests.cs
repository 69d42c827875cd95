using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Client;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Inbox.Tests.Live;

public sealed class SqliteHubTests(ServerFixture<SqliteStore> fixture) : HubTests<SqliteStore>(fixture);

public sealed class PostgresHubTests(ServerFixture<PostgresStore> fixture) : HubTests<PostgresStore>(fixture);

public sealed class SqlServerHubTests(ServerFixture<SqlServerStore> fixture) : HubTests<SqlServerStore>(fixture);

/// <summary>The live queue over a real SignalR WebSocket connection to a real Kestrel server, on each store.</summary>
public abstract class HubTests<TStore>(ServerFixture<TStore> fixture) : ServerSuite<TStore>(fixture), IClassFixture<ServerFixture<TStore>> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_webhook_reaches_connected_counselors_and_managers_as_message_added_and_conversation_changed()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        await using var manager = await HubUser.CreateAsync(Server, "manager");
        var resident = Payloads.RandomMobile();

        var (conversationId, messageId) = await TextAsync(resident.Dashed, "기초연금 신청하려면 어떻게 하나요?");

        foreach (var user in new[] { counselor, manager })
        {
            var added = await user.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == messageId, Wait);
            Assert.Equal(conversationId, added.GetProperty("conversationId").GetGuid());
            Assert.Equal("in", added.GetProperty("direction").GetString());
            Assert.Equal("sms", added.GetProperty("channel").GetString());
            Assert.Equal("text", added.GetProperty("kind").GetString());
            Assert.Equal("기초연금 신청하려면 어떻게 하나요?", added.GetProperty("body").GetString());
            Assert.True(added.GetProperty("seq").GetInt64() > 0);
            var changed = await user.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == conversationId, Wait);
            Assert.Equal("open", changed.GetProperty("status").GetString());
            Assert.Equal("text24", changed.GetProperty("line").GetString());
            Assert.Equal(resident.E164, changed.GetProperty("contact").GetProperty("phone").GetString());
            Assert.Equal(JsonValueKind.Null, changed.GetProperty("assigneeId").ValueKind);
            Assert.True(changed.GetProperty("seq").GetInt64() > 0);
        }
    }

    [Fact]
    public async Task Of_twenty_concurrent_claims_exactly_one_wins_and_the_store_agrees()
    {
        var (conversationId, _) = await TextAsync(Payloads.RandomMobile().Dashed, "상담 요청");
        var counselors = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => HubUser.CreateAsync(Server, "counselor")));
        try
        {
            var attempts = await Task.WhenAll(counselors.Select(async c =>
            {
                try { await c.Hub.InvokeAsync("Claim", conversationId); return (c, (string?)null); }
                catch (HubException e) { return (c, e.Message); }
            }));

            var winner = Assert.Single(attempts, a => a.Item2 is null).c;
            Assert.All(attempts.Where(a => a.Item2 is not null), a => Assert.Contains("already claimed by", a.Item2));
            Assert.Equal(1, await Server.CountAsync("conversations", "id = @conversationId AND assignee_id = @AccountId", new { conversationId, winner.AccountId }));
            Assert.Equal(1, await Server.CountAsync("conversation_events", "conversation_id = @conversationId AND type = 'conversation.assigned'", new { conversationId }));

            await winner.Hub.InvokeAsync("Claim", conversationId); // claiming again what is already yours changes nothing
            Assert.Equal(1, await Server.CountAsync("conversation_events", "conversation_id = @conversationId AND type = 'conversation.assigned'", new { conversationId }));
        }
        finally
        {
            foreach (var c in counselors)
                await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_reply_with_no_provider_configured_is_delivered_by_the_loopback_sender_and_a_retried_reply_is_stored_once()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        var resident = Payloads.RandomMobile();
        var (conversationId, _) = await TextAsync(resident.Dashed, "난방비 지원 대상인가요?");
        await counselor.Hub.InvokeAsync("Claim", conversationId);

        var ids = await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "네, 대상이십니다. 주민센터에서 신청하세요.", "client-1");
        var again = await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "네, 대상이십니다. 주민센터에서 신청하세요.", "client-1");

        var id = Assert.Single(ids);
        Assert.Equal(ids, again);
        var added = await counselor.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == id, Wait);
        Assert.Equal("out", added.GetProperty("direction").GetString());
        Assert.Equal("client-1", added.GetProperty("clientMessageId").GetString());
        var updated = await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == id, Wait);
        Assert.Equal("delivered", updated.GetProperty("deliveryStatus").GetString());
        Assert.True(updated.GetProperty("seq").GetInt64() > added.GetProperty("seq").GetInt64());
        Assert.Equal(1, await Server.CountAsync("messages", "conversation_id = @conversationId AND direction = 'out' AND author_id IS NOT NULL", new { conversationId }));
        Assert.Equal(1, await Server.CountAsync("conversations", "id = @conversationId AND first_response_at IS NOT NULL AND waiting_since IS NULL", new { conversationId }));
    }

    [Fact]
    public async Task An_sms_reply_with_characters_sms_cannot_carry_is_refused_naming_them_and_stores_nothing()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        var (conversationId, _) = await TextAsync(Payloads.RandomMobile().Dashed, "문의");
        await counselor.Hub.InvokeAsync("Claim", conversationId);

        var refused = await Assert.ThrowsAsync<HubException>(() => counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "감사합니다 😊👍", "emoji-1"));
        Assert.Contains("😊", refused.Message);
        Assert.Contains("👍", refused.Message);
        Assert.Equal(0, await Server.CountAsync("messages", "conversation_id = @conversationId AND direction = 'out' AND author_id IS NOT NULL", new { conversationId }));
        Assert.Equal(0, await Server.CountAsync("outbox o JOIN messages m ON m.id = o.message_id", "m.conversation_id = @conversationId AND m.author_id IS NOT NULL", new { conversationId }));
    }

    [Fact]
    public async Task Replying_needs_the_conversation_to_be_yours()
    {
        await using var first = await HubUser.CreateAsync(Server, "counselor");
        await using var second = await HubUser.CreateAsync(Server, "counselor");
        var (conversationId, _) = await TextAsync(Payloads.RandomMobile().Dashed, "문의");

        Assert.Contains("Claim", (await Assert.ThrowsAsync<HubException>(() => first.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "안녕하세요", "r-1"))).Message);
        await first.Hub.InvokeAsync("Claim", conversationId);
        Assert.Contains("assigned to", (await Assert.ThrowsAsync<HubException>(() => second.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "안녕하세요", "r-2"))).Message);
    }

    [Fact]
    public async Task A_client_that_was_disconnected_catches_up_on_exactly_the_events_it_missed_in_order()
    {
        await using var watcher = await HubUser.CreateAsync(Server, "counselor");
        var away = await HubUser.CreateAsync(Server, "counselor");
        var queue = await away.Hub.InvokeAsync<JsonElement>("GetQueue");
        var lastSeen = queue.GetProperty("seq").GetInt64();
        await away.Hub.DisposeAsync();

        var missed = new List<Guid>();
        for (var i = 0; i < 3; i++)
            missed.Add((await TextAsync(Payloads.RandomMobile().Dashed, $"놓친 문의 {i}")).MessageId);
        foreach (var id in missed)
            await watcher.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == id, Wait);
        // The acknowledgements are sent after the commit; let the outbox finish, then let the watcher receive everything up to the last event.
        await Server.OutboxEmptyAsync();
        var lastSeq = await Server.CountAsync("conversation_events");
        await Eventually.UntilAsync(() => HubUser.PushMethods.Any(m => watcher.Events.All(m).Any(p => p.GetProperty("seq").GetInt64() == lastSeq)), Wait, $"the push of seq {lastSeq}");

        await using var back = await away.ReconnectAsync(Server);
        var result = await back.Hub.InvokeAsync<JsonElement>("CatchUp", lastSeen);
        var events = result.GetProperty("events").EnumerateArray().ToList();
        Assert.False(result.GetProperty("more").GetBoolean());

        // Exactly what a counselor who stayed connected was pushed after that sequence: same events, same order, none twice.
        var pushed = HubUser.PushMethods.Where(m => m != "Typing")
            .SelectMany(m => watcher.Events.All(m).Select(p => (Seq: p.GetProperty("seq").GetInt64(), Method: m)))
            .Where(p => p.Seq > lastSeen).OrderBy(p => p.Seq).ThenBy(p => p.Method).ToList();
        var caught = events.Select(e => (Seq: e.GetProperty("seq").GetInt64(), Method: e.GetProperty("method").GetString()!)).ToList();
        Assert.Equal(pushed, caught.OrderBy(p => p.Seq).ThenBy(p => p.Method).ToList());
        Assert.Equal(caught.Select(c => c.Seq).Order().ToList(), caught.Select(c => c.Seq).ToList());
        Assert.Equal(caught.Count, caught.Distinct().Count());
        foreach (var id in missed)
            Assert.Single(events, e => e.GetProperty("method").GetString() == "MessageAdded" && e.GetProperty("payload").GetProperty("id").GetGuid() == id);
    }

    [Fact]
    public async Task A_counselor_of_another_center_receives_nothing_and_cannot_claim_or_catch_up_on_it()
    {
        await using var north = await HubUser.CreateAsync(Server, "counselor");
        await using var south = await HubUser.CreateAsync(Server, "counselor", center: "south");
        await using var southManager = await HubUser.CreateAsync(Server, "manager", center: "south");
        var start = (await south.Hub.InvokeAsync<JsonElement>("GetQueue")).GetProperty("seq").GetInt64();

        var (conversationId, messageId) = await TextAsync(Payloads.RandomMobile().Dashed, "북부센터 문의");
        await north.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == messageId, Wait);
        // A marker for the south center, sent after: once it has arrived, anything of north's would have arrived before it.
        var (_, marker) = await TextAsync(Payloads.RandomMobile().Dashed, "남부센터 문의", to: "1588-0000");
        await south.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == marker, Wait);
        await southManager.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == marker, Wait);

        foreach (var user in new[] { south, southManager })
        {
            Assert.DoesNotContain(user.Events.All("MessageAdded"), m => m.GetProperty("conversationId").GetGuid() == conversationId);
            Assert.DoesNotContain(user.Events.All("ConversationChanged"), c => c.GetProperty("id").GetGuid() == conversationId);
            var caught = await user.Hub.InvokeAsync<JsonElement>("CatchUp", start);
            Assert.DoesNotContain(caught.GetProperty("events").EnumerateArray(), e => e.GetProperty("payload").TryGetProperty("conversationId", out var c) && c.GetGuid() == conversationId);
            var queue = await user.Hub.InvokeAsync<JsonElement>("GetQueue");
            Assert.DoesNotContain(queue.GetProperty("conversations").EnumerateArray(), c => c.GetProperty("id").GetGuid() == conversationId);
        }
        Assert.Contains("No such conversation", (await Assert.ThrowsAsync<HubException>(() => south.Hub.InvokeAsync("Claim", conversationId))).Message);
        Assert.Equal(HttpStatusCode.NotFound, (await south.Http.GetAsync($"/api/conversations/{conversationId}")).StatusCode);
    }

    [Fact]
    public async Task Another_counselors_conversation_is_pushed_to_its_owner_and_managers_only()
    {
        await using var owner = await HubUser.CreateAsync(Server, "counselor");
        await using var colleague = await HubUser.CreateAsync(Server, "counselor");
        await using var manager = await HubUser.CreateAsync(Server, "manager");
        var resident = Payloads.RandomMobile();
        var (conversationId, _) = await TextAsync(resident.Dashed, "첫 문의");
        await owner.Hub.InvokeAsync("Claim", conversationId);
        await colleague.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == conversationId && c.GetProperty("assigneeId").ValueKind != JsonValueKind.Null, Wait);

        var (_, followUp) = await TextAsync(resident.Dashed, "추가 문의");
        await owner.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == followUp, Wait);
        await manager.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == followUp, Wait);
        var (_, marker) = await TextAsync(Payloads.RandomMobile().Dashed, "다른 주민");
        await colleague.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == marker, Wait);
        Assert.DoesNotContain(colleague.Events.All("MessageAdded"), m => m.GetProperty("id").GetGuid() == followUp);

        var colleagueQueue = await colleague.Hub.InvokeAsync<JsonElement>("GetQueue");
        Assert.DoesNotContain(colleagueQueue.GetProperty("conversations").EnumerateArray(), c => c.GetProperty("id").GetGuid() == conversationId);
        var ownerQueue = await owner.Hub.InvokeAsync<JsonElement>("GetQueue");
        Assert.Contains(ownerQueue.GetProperty("conversations").EnumerateArray(), c => c.GetProperty("id").GetGuid() == conversationId);
    }

    [Fact]
    public async Task Transfer_note_resolve_and_reopen_change_the_conversation_and_are_pushed()
    {
        await using var first = await HubUser.CreateAsync(Server, "counselor");
        await using var second = await HubUser.CreateAsync(Server, "counselor");
        var (conversationId, _) = await TextAsync(Payloads.RandomMobile().Dashed, "이관 테스트");
        await first.Hub.InvokeAsync("Claim", conversationId);

        var noteId = await first.Hub.InvokeAsync<Guid>("AddNote", conversationId, "동주민센터 확인 필요");
        var note = await first.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == noteId, Wait);
        Assert.Equal("note", note.GetProperty("kind").GetString());
        Assert.Equal(0, await Server.CountAsync("outbox", "message_id = @noteId", new { noteId }));

        await first.Hub.InvokeAsync("Transfer", conversationId, second.AccountId);
        foreach (var user in new[] { first, second })
            await user.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == conversationId
                && c.GetProperty("assigneeId").ValueKind == JsonValueKind.String && c.GetProperty("assigneeId").GetGuid() == second.AccountId, Wait);
        Assert.Contains("Only the counselor", (await Assert.ThrowsAsync<HubException>(() => first.Hub.InvokeAsync("Resolve", conversationId))).Message);

        await second.Hub.InvokeAsync("Resolve", conversationId);
        await second.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == conversationId && c.GetProperty("status").GetString() == "resolved", Wait);
        Assert.Contains("resolved", (await Assert.ThrowsAsync<HubException>(() => second.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "추가 안내", "late-1"))).Message);

        await second.Hub.InvokeAsync("Reopen", conversationId);
        await second.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == conversationId && c.GetProperty("status").GetString() == "open" && c.GetProperty("reason").GetString() == "conversation.reopened", Wait);
    }

    [Fact]
    public async Task Presence_changes_are_pushed_and_typing_reaches_the_others()
    {
        await using var first = await HubUser.CreateAsync(Server, "counselor");
        await using var second = await HubUser.CreateAsync(Server, "counselor");
        await first.Hub.InvokeAsync("SetPresence", "available");
        var presence = await second.Events.WaitForAsync("PresenceChanged", p => p.GetProperty("accountId").GetGuid() == first.AccountId, Wait);
        Assert.Equal("available", presence.GetProperty("presence").GetString());
        Assert.Contains("Presence must be", (await Assert.ThrowsAsync<HubException>(() => first.Hub.InvokeAsync("SetPresence", "busy"))).Message);

        var (conversationId, _) = await TextAsync(Payloads.RandomMobile().Dashed, "입력중 테스트");
        await first.Hub.InvokeAsync("Typing", conversationId);
        var typing = await second.Events.WaitForAsync("Typing", t => t.GetProperty("conversationId").GetGuid() == conversationId, Wait);
        Assert.Equal(first.AccountId, typing.GetProperty("accountId").GetGuid());
        Assert.Empty(first.Events.All("Typing"));
    }

    [Fact]
    public async Task Anonymous_forged_and_expired_connections_are_refused()
    {
        var anonymous = await Assert.ThrowsAsync<HttpRequestException>(() => HubClient.ConnectAsync(Server.BaseAddress, null));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var forged = await Assert.ThrowsAsync<HttpRequestException>(() => HubClient.ConnectAsync(Server.BaseAddress, "not.a.token"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);

        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        var expired = ExpiredTokenFor(counselor.AccountId);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => HubClient.ConnectAsync(Server.BaseAddress, expired));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task An_oversized_hub_message_is_refused()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        var closed = new TaskCompletionSource();
        counselor.Hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await Assert.ThrowsAnyAsync<Exception>(() => counselor.Hub.InvokeAsync<Guid>("AddNote", Guid.NewGuid(), new string('가', 70_000)));
        await closed.Task.WaitAsync(Wait);
    }

    private async Task<(Guid ConversationId, Guid MessageId)> TextAsync(string from, string text, string to = "1899-6808")
    {
        var response = await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(from, text, to), TestServer.GatewaySecret);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        return (Guid.Parse(answer!["conversationId"]!.GetValue<string>()), Guid.Parse(answer["messageId"]!.GetValue<string>()));
    }

    private static string ExpiredTokenFor(Guid accountId) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "inbox",
        Audience = "inbox",
        IssuedAt = DateTime.UtcNow.AddHours(-9),
        NotBefore = DateTime.UtcNow.AddHours(-9),
        Expires = DateTime.UtcNow.AddHours(-1),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(TestServer.SigningKey)), SecurityAlgorithms.HmacSha256),
        Claims = new Dictionary<string, object> { ["sub"] = accountId.ToString(), ["unique_name"] = "expired", ["role"] = "counselor", ["center"] = "north" },
    });
}
