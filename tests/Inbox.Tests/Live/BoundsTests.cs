using System.Net;
using System.Text.Json;
using Inbox.Storage;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Live;

public sealed class SqliteBoundsTests(BoundsFixture<SqliteStore> fixture) : BoundsTests<SqliteStore>(fixture);

public sealed class PostgresBoundsTests(BoundsFixture<PostgresStore> fixture) : BoundsTests<PostgresStore>(fixture);

public sealed class SqlServerBoundsTests(BoundsFixture<SqlServerStore> fixture) : BoundsTests<SqlServerStore>(fixture);

/// <summary>A server with small bounds, so a test reaches each of them with a handful of messages.</summary>
public sealed class BoundsFixture<TStore> : ServerFixture<TStore> where TStore : TestStore, new()
{
    public const int ScanLimit = 5;
    public const int ReloadDistance = 60;
    public const int PageSize = 2;
    public const int MaxConnections = 2;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Hub:CatchUp:ScanLimit"] = ScanLimit.ToString(),
        ["Hub:CatchUp:ReloadDistance"] = ReloadDistance.ToString(),
        ["Hub:Queue:PageSize"] = PageSize.ToString(),
        ["Hub:MaxConnectionsPerAccount"] = MaxConnections.ToString(),
        ["Reports:MaxConcurrentPerCenter"] = "1",
    };
}

/// <summary>
/// What one caller can make the server do is bounded (catch-up scans, queue pages, connections, concurrent reports), an
/// idle presence costs no write, only the assignee or a manager can make the center contact a resident, and what a push
/// shows a counselor is in the access log once per resident and day.
/// </summary>
public abstract class BoundsTests<TStore>(BoundsFixture<TStore> fixture) : ServerSuite<TStore>(fixture), IClassFixture<BoundsFixture<TStore>> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_counselor_pushed_a_residents_messages_on_two_connections_has_one_access_record_for_that_resident_that_day()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        await using var second = await counselor.ReconnectAsync(Server);
        var resident = Payloads.RandomMobile();
        var conversationId = Guid.Empty;
        for (var i = 0; i < 3; i++)
        {
            conversationId = await Server.SmsAsync(resident.Dashed, $"기초연금 문의 {i}");
            foreach (var connection in new[] { counselor, second })
                await connection.Events.WaitForAsync("MessageAdded", m => m.GetProperty("body").GetString() == $"기초연금 문의 {i}", Wait);
        }
        var contactId = await ContactOfAsync(conversationId);

        // The records are written in order, off the push path: once a later resident's record is there, the first one's are all written.
        var marker = await Server.SmsAsync(Payloads.RandomMobile().Dashed, "다른 주민");
        var markerContact = await ContactOfAsync(marker);
        await Eventually.UntilAsync(async () => await PushRecordsAsync(counselor.AccountId, markerContact) == 1, Wait, "the marker resident's push recorded");

        Assert.Equal(1, await PushRecordsAsync(counselor.AccountId, contactId));
        var record = await Server.SingleAsync<AccessRow>(
            "SELECT username, action, conversation_id, source_ip FROM audit_log WHERE account_id = @AccountId AND contact_id = @contactId AND action = 'conversation.pushed'",
            new { counselor.AccountId, contactId });
        Assert.Equal(counselor.Username, record.Username);
        Assert.Equal(conversationId, record.ConversationId);
        Assert.False(string.IsNullOrEmpty(record.SourceIp));
    }

    [Fact]
    public async Task Catch_up_scans_at_most_the_configured_rows_a_call_and_says_where_it_reached_even_with_nothing_visible_and_across_gaps()
    {
        await using var owner = await HubUser.CreateAsync(Server, "counselor");
        await using var other = await HubUser.CreateAsync(Server, "counselor");
        var resident = Payloads.RandomMobile();
        var conversationId = await Server.SmsAsync(resident.Dashed, "첫 문의");
        await owner.Hub.InvokeAsync("Claim", conversationId);
        await Server.OutboxEmptyAsync();
        var start = (await other.Hub.InvokeAsync<JsonElement>("GetQueue")).GetProperty("seq").GetInt64();

        // Events the other counselor may not see (another counselor's conversation), numbered with gaps as a renumbering store might.
        for (var i = 0; i < 12; i++)
        {
            await Server.SmsAsync(resident.Dashed, $"추가 문의 {i}");
            if (i % 4 == 0)
                await BumpSequenceAsync(1000);
        }
        var visible = await Server.SmsAsync(Payloads.RandomMobile().Dashed, "대기열 문의");
        await Server.OutboxEmptyAsync();
        var head = await HeadAsync();

        var calls = 0;
        var after = start;
        var caught = new List<JsonElement>();
        while (true)
        {
            var result = await other.Hub.InvokeAsync<JsonElement>("CatchUp", after);
            calls++;
            Assert.False(result.GetProperty("reload").GetBoolean());
            var reached = result.GetProperty("upTo").GetInt64();
            Assert.True(reached >= after, $"upTo {reached} went back from {after}");
            caught.AddRange(result.GetProperty("events").EnumerateArray());
            after = reached;
            if (!result.GetProperty("more").GetBoolean())
                break;
            Assert.True(calls < 100, "CatchUp never said it was done");
        }

        Assert.True(calls >= 3, $"{calls} calls: more than {BoundsFixture<TStore>.ScanLimit} rows were scanned in one");
        Assert.True(after >= head, $"stopped at {after}, before the head {head}");
        Assert.DoesNotContain(caught, e => e.GetProperty("payload").TryGetProperty("conversationId", out var c) && c.GetGuid() == conversationId
            || e.GetProperty("payload").TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetGuid() == conversationId);
        Assert.Contains(caught, e => e.GetProperty("method").GetString() == "ConversationChanged" && e.GetProperty("payload").GetProperty("id").GetGuid() == visible);
        var seqs = caught.Select(e => (e.GetProperty("seq").GetInt64(), e.GetProperty("method").GetString())).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.Equal(seqs.Select(s => s.Item1).Order().ToList(), seqs.Select(s => s.Item1).ToList());
    }

    [Fact]
    public async Task Catch_up_from_too_far_behind_the_head_answers_reload_and_no_events()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        var start = (await counselor.Hub.InvokeAsync<JsonElement>("GetQueue")).GetProperty("seq").GetInt64();
        while (await Server.CountAsync("conversation_events", "center_id = 'north' AND seq > @start", new { start }) <= BoundsFixture<TStore>.ReloadDistance)
            await Server.SmsAsync(Payloads.RandomMobile().Dashed, "밀린 문의");

        var result = await counselor.Hub.InvokeAsync<JsonElement>("CatchUp", start);

        Assert.True(result.GetProperty("reload").GetBoolean());
        Assert.Empty(result.GetProperty("events").EnumerateArray());
        Assert.False(result.GetProperty("more").GetBoolean());
        // From the queue's sequence, the same counselor is close enough again.
        var fresh = (await counselor.Hub.InvokeAsync<JsonElement>("GetQueue")).GetProperty("seq").GetInt64();
        Assert.False((await counselor.Hub.InvokeAsync<JsonElement>("CatchUp", fresh)).GetProperty("reload").GetBoolean());
    }

    [Fact]
    public async Task The_queue_comes_in_pages_of_the_configured_size_that_together_hold_every_conversation_once_in_queue_order()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        var mine = new List<Guid>();
        for (var i = 0; i < 5; i++)
            mine.Add(await Server.SmsAsync(Payloads.RandomMobile().Dashed, $"대기 {i}"));
        var all = (await Server.CountAsync("conversations", "center_id = 'north' AND status <> 'resolved' AND assignee_id IS NULL"));

        var first = await counselor.Hub.InvokeAsync<JsonElement>("GetQueue");
        var pages = new List<JsonElement> { first };
        var cursor = first.GetProperty("nextCursor").GetString();
        while (cursor is not null)
        {
            var page = await counselor.Hub.InvokeAsync<JsonElement>("GetQueuePage", cursor, BoundsFixture<TStore>.PageSize);
            pages.Add(page);
            cursor = page.GetProperty("nextCursor").GetString();
            Assert.True(pages.Count < 1000);
        }

        Assert.All(pages, p => Assert.True(p.GetProperty("conversations").GetArrayLength() <= BoundsFixture<TStore>.PageSize));
        var ids = pages.SelectMany(p => p.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("id").GetGuid())).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(all, ids.Count);
        Assert.All(mine, id => Assert.Contains(id, ids));
        // All normal priority: earliest due first.
        var due = pages.SelectMany(p => p.GetProperty("conversations").EnumerateArray()).Where(c => c.GetProperty("priority").GetString() == "normal")
            .Select(c => c.GetProperty("dueAt").GetDateTimeOffset()).ToList();
        Assert.Equal(due.Order().ToList(), due);

        var refused = await Assert.ThrowsAsync<HubException>(() => counselor.Hub.InvokeAsync<JsonElement>("GetQueuePage", "not-a-cursor", 2));
        Assert.Contains("cursor", refused.Message);
        Assert.Contains("limit", (await Assert.ThrowsAsync<HubException>(() => counselor.Hub.InvokeAsync<JsonElement>("GetQueuePage", null, 100_000))).Message);
    }

    [Fact]
    public async Task A_connection_over_the_accounts_limit_is_refused_saying_why_and_one_closing_makes_room()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        await using var second = await counselor.ReconnectAsync(Server);
        var third = await counselor.ReconnectAsync(Server);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        third.Hub.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        if (third.Hub.State == HubConnectionState.Disconnected)
            closed.TrySetResult(null);

        var error = await closed.Task.WaitAsync(Wait);
        Assert.NotNull(error);
        Assert.Contains($"at most {BoundsFixture<TStore>.MaxConnections} connections", error.Message);
        await third.DisposeAsync();
        // A refusal is one information line, not the framework's error with a stack trace.
        Assert.Contains(Server.Logs.Lines, l => l.StartsWith("Information") && l.Contains($"Refused a hub connection of account {counselor.AccountId}"));
        Assert.DoesNotContain(Server.Logs.Lines, l => l.Contains("HubConnectionHandler"));

        // The two open ones still work; closing one makes room for another.
        await counselor.Hub.InvokeAsync<JsonElement>("GetQueue");
        await second.Hub.DisposeAsync();
        await Eventually.UntilAsync(async () =>
        {
            await using var again = await counselor.ReconnectAsync(Server);
            try { await again.Hub.InvokeAsync<JsonElement>("GetQueue"); return true; }
            catch (Exception) { return false; }
        }, Wait, "a connection accepted again once one closed");
    }

    [Fact]
    public async Task Setting_presence_to_what_it_already_is_takes_no_write_and_appends_no_event()
    {
        await using var counselor = await HubUser.CreateAsync(Server, "counselor");
        await counselor.Hub.InvokeAsync("SetPresence", "available");
        await Eventually.UntilAsync(async () => await Server.CountAsync("accounts", "id = @AccountId AND presence = 'available'", new { counselor.AccountId }) == 1, Wait, "the counselor available");
        var events = await Server.CountAsync("conversation_events", "type = 'presence.changed' AND actor_id = @AccountId", new { counselor.AccountId });

        // Another transaction keeps writers of accounts waiting (SQLite: the one write lock; PostgreSQL and SQL Server: a
        // shared table lock, which readers pass): a write transaction would wait for it, a read does not.
        var database = Server.Services.GetRequiredService<Database>();
        await using (var writer = await database.BeginAsync(CancellationToken.None))
        {
            await writer.ExecuteAsync(database.Dialect switch
            {
                SqliteDialect => "UPDATE accounts SET presence_at = presence_at WHERE id = @AccountId",
                SqlServerDialect => "SELECT COUNT(*) FROM accounts WITH (TABLOCK, HOLDLOCK) WHERE id = @AccountId",
                _ => "LOCK TABLE accounts IN SHARE MODE",
            }, new { counselor.AccountId }, CancellationToken.None);
            await counselor.Hub.InvokeAsync("SetPresence", "available").WaitAsync(Wait);
        }

        Assert.Equal(events, await Server.CountAsync("conversation_events", "type = 'presence.changed' AND actor_id = @AccountId", new { counselor.AccountId }));
        await counselor.Hub.InvokeAsync("SetPresence", "away");
        Assert.Equal(events + 1, await Server.CountAsync("conversation_events", "type = 'presence.changed' AND actor_id = @AccountId", new { counselor.AccountId }));
    }

    [Fact]
    public async Task Only_the_assignee_or_a_manager_can_have_the_center_offer_a_resident_a_call()
    {
        await using var owner = await HubUser.CreateAsync(Server, "counselor");
        await using var colleague = await HubUser.CreateAsync(Server, "counselor");
        await using var manager = await HubUser.CreateAsync(Server, "manager");
        var unassigned = await Server.SmsAsync(Payloads.RandomMobile().Dashed, "문의드립니다");
        var conversationId = await Server.SmsAsync(Payloads.RandomMobile().Dashed, "상담 부탁드려요");
        await owner.Hub.InvokeAsync("Claim", conversationId);

        var refused = await Assert.ThrowsAsync<HubException>(() => colleague.Hub.InvokeAsync("RequestPhoneCall", conversationId));
        Assert.Contains("Only the counselor who has this conversation", refused.Message);
        await Assert.ThrowsAsync<HubException>(() => colleague.Hub.InvokeAsync("RequestPhoneCall", unassigned));
        Assert.Equal(0, await Server.CountAsync("callback_requests", "conversation_id IN (@conversationId, @unassigned)", new { conversationId, unassigned }));

        await owner.Hub.InvokeAsync("RequestPhoneCall", conversationId);
        await manager.Hub.InvokeAsync("RequestPhoneCall", unassigned);
        Assert.Equal(2, await Server.CountAsync("callback_requests", "conversation_id IN (@conversationId, @unassigned)", new { conversationId, unassigned }));
    }

    [Fact]
    public async Task Reports_beyond_the_centers_concurrent_limit_are_refused_with_429_and_retry_after_while_another_center_is_served()
    {
        var north = await Server.ClientForNewUserAsync("manager");
        var south = await Server.ClientForNewUserAsync("manager", "south");
        const string path = "/api/reports/volume?from=2026-01-01&to=2026-12-31";
        Task<HttpResponseMessage> waiting;
        Task<HttpResponseMessage> other;
        await using (await ReportHold.TakeAsync(Server))
        {
            // Two at once: one takes the center's one permit and waits on the store; the other is turned away at once.
            var both = new[] { north.GetAsync(path), north.GetAsync(path) };
            var refused = await (await Task.WhenAny(both).WaitAsync(Wait));
            waiting = both.Single(t => !t.IsCompleted);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
            Assert.Contains("reports", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
            // Started while north's permit is taken: it is another center's, so it waits for the store too rather than being refused.
            other = south.GetAsync(path);
        }
        Assert.Equal(HttpStatusCode.OK, (await waiting.WaitAsync(Wait)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.WaitAsync(Wait)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await north.GetAsync(path).WaitAsync(Wait)).StatusCode);
    }

    private Task<long> PushRecordsAsync(Guid accountId, Guid contactId) =>
        Server.CountAsync("audit_log", "account_id = @accountId AND contact_id = @contactId AND action = 'conversation.pushed'", new { accountId, contactId });

    private Task<Guid> ContactOfAsync(Guid conversationId) =>
        Server.SingleAsync<Guid>("SELECT contact_id FROM conversations WHERE id = @conversationId", new { conversationId });

    private async Task<long> HeadAsync() => await Server.SingleAsync<long>("SELECT MAX(seq) FROM conversation_events WHERE center_id = 'north'", null);

    private async Task BumpSequenceAsync(int by)
    {
        await using var s = await Server.Services.GetRequiredService<Database>().BeginAsync(CancellationToken.None);
        await s.ExecuteAsync("UPDATE event_sequence SET value = value + @by WHERE id = 1", new { by }, CancellationToken.None);
        await s.CommitAsync(CancellationToken.None);
    }

    private sealed record AccessRow
    {
        public required string Username { get; init; }
        public required string Action { get; init; }
        public Guid? ConversationId { get; init; }
        public string? SourceIp { get; init; }
    }
}
