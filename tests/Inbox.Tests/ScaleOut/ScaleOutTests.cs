using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.ScaleOut;

/// <summary>These tests start processes (two servers, Redis): they run on their own, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutCollection
{
    public const string Name = "Scale-out (real processes)";
}

/// <summary>
/// Two server processes behind no load balancer, one PostgreSQL, one Redis, all on loopback: what a deployment of
/// several nodes must survive. Figures are printed to the test output.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly ITestOutputHelper _output;

    public ScaleOutTests(ITestOutputHelper output)
    {
        if (Cluster.SkipReason is { } reason)
            Assert.Skip(reason);
        _output = output;
    }

    [Fact]
    public async Task A_webhook_posted_to_node_A_reaches_a_counselor_connected_to_node_B_within_a_second_and_typing_crosses_too()
    {
        await using var cluster = await Cluster.StartAsync(_output);
        await using var counselor = await HubUser.CreateAsync(cluster.B, "counselor");
        var arrived = new ConcurrentDictionary<string, long>();
        counselor.Hub.On<JsonElement>("MessageAdded", m =>
        {
            if (m.GetProperty("body").GetString() is { } body)
                arrived.TryAdd(body, Stopwatch.GetTimestamp());
        });

        // Listen on the cluster's Redis as any client could: only doorbells (node|sequence) may cross it.
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.Redis.ConnectionString);
        var doorbells = new ConcurrentQueue<string>();
        await redis.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal(cluster.ChannelPrefix + ":events"), (_, value) => doorbells.Enqueue((string?)value ?? ""));

        var latencies = new List<double>();
        for (var i = 0; i <= 20; i++)
        {
            var body = $"지연 측정 {Guid.NewGuid():N} {i}";
            var sent = Stopwatch.GetTimestamp();
            var answer = await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, body), TestServer.GatewaySecret);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            // The timing handler's own record, not the event recorder's: the two handlers run one after the other.
            await Eventually.UntilAsync(() => arrived.ContainsKey(body), Wait, $"webhook {i} pushed to node B");
            if (i > 0) // the first warms both processes up
                latencies.Add(Stopwatch.GetElapsedTime(sent, arrived[body]).TotalMilliseconds);
        }

        latencies.Sort();
        var median = (latencies[9] + latencies[10]) / 2;
        _output.WriteLine($"Webhook to node A -> push on node B, 20 webhooks: median {median:0.0} ms, max {latencies[^1]:0.0} ms, min {latencies[0]:0.0} ms");
        _output.WriteLine("all (ms): " + string.Join(", ", latencies.Select(l => l.ToString("0.0"))));
        _output.WriteLine($"{doorbells.Count} doorbells crossed Redis, e.g. '{doorbells.FirstOrDefault()}'");
        Assert.All(latencies, l => Assert.True(l < 1000, $"a push took {l:0} ms"));
        // Each webhook rang the other node's doorbell (polling alone would also make a second, but not this).
        Assert.True(doorbells.Count >= 21, $"only {doorbells.Count} doorbells for 21 webhooks");
        Assert.All(doorbells, d => Assert.Matches(@"^[\w.-]+-\d+-[0-9a-f]{6}\|\d+$", d));
        // Nor do the nodes' logs hold what residents wrote.
        Assert.DoesNotContain(cluster.A.Output.Concat(cluster.B.Output), l => l.Contains("지연 측정", StringComparison.Ordinal));

        // Typing notices cross nodes too (through Redis, never stored), and not back to the one typing.
        await using var colleague = await HubUser.CreateAsync(cluster.A, "counselor");
        var opened = await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "입력 중 표시"), TestServer.GatewaySecret);
        var conversationId = Guid.Parse((await opened.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
        await colleague.Hub.InvokeAsync("Typing", conversationId);
        var typing = await counselor.Events.WaitForAsync("Typing", t => t.GetProperty("accountId").GetGuid() == colleague.AccountId, Wait);
        Assert.Equal(conversationId, typing.GetProperty("conversationId").GetGuid());
        // Not back to the one typing: the counselor's answering notice is the marker. Sent after the colleague's notice had
        // crossed, it reaches the colleague after any echo of the colleague's own would have.
        await counselor.Hub.InvokeAsync("Typing", conversationId);
        await colleague.Events.WaitForAsync("Typing", t => t.GetProperty("accountId").GetGuid() == counselor.AccountId, Wait);
        Assert.DoesNotContain(colleague.Events.All("Typing"), t => t.GetProperty("accountId").GetGuid() == colleague.AccountId);
    }

    [Fact]
    public async Task Twenty_concurrent_claims_split_across_both_nodes_have_exactly_one_winner()
    {
        await using var cluster = await Cluster.StartAsync(_output);
        var counselors = new List<HubUser>();
        try
        {
            for (var i = 0; i < 20; i++)
                counselors.Add(await HubUser.CreateAsync(i % 2 == 0 ? cluster.A : cluster.B, "counselor"));
            var answer = await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "누가 받나요"), TestServer.GatewaySecret);
            var conversationId = Guid.Parse((await answer.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());

            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var claims = counselors.Select(async c =>
            {
                await start.Task;
                try
                {
                    await c.Hub.InvokeAsync("Claim", conversationId);
                    return (c.AccountId, Won: true);
                }
                catch (HubException)
                {
                    return (c.AccountId, Won: false);
                }
            }).ToList();
            start.SetResult();
            var results = await Task.WhenAll(claims);

            var winner = Assert.Single(results, r => r.Won);
            _output.WriteLine($"20 claims (10 on A, 10 on B): {results.Count(r => r.Won)} won, {results.Count(r => !r.Won)} refused");
            Assert.Equal(19, results.Count(r => !r.Won));
            Assert.Equal(1, await cluster.ScalarAsync("SELECT COUNT(*) FROM conversations WHERE id = @id AND assignee_id = @winner",
                new { id = conversationId, winner = winner.AccountId }));
            Assert.Equal(1, await cluster.ScalarAsync("SELECT COUNT(*) FROM conversation_events WHERE conversation_id = @id AND type = 'conversation.assigned'",
                new { id = conversationId }));
        }
        finally
        {
            foreach (var c in counselors)
                await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task Auto_assignment_on_both_nodes_sees_a_counselor_connected_to_one_and_never_exceeds_the_capacity()
    {
        await using var cluster = await Cluster.StartAsync(_output, new Dictionary<string, string?>
        {
            ["Centers:0:AutoAssign:Enabled"] = "true",
            ["Centers:0:AutoAssign:Capacity"] = "2",
        });
        await using var counselor = await HubUser.CreateAsync(cluster.B, "counselor");
        await counselor.Hub.InvokeAsync("SetPresence", "available");

        // Eight new residents at once, half on each node: both nodes' assigners run for the same counselor.
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? cluster.A : cluster.B)
            .PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, $"자동 배정 {i}"), TestServer.GatewaySecret)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        const string mine = "SELECT COUNT(*) FROM conversations WHERE assignee_id = @id AND status <> 'resolved'";
        const string assignments = "SELECT COUNT(*) FROM conversation_events WHERE type = 'conversation.assigned'";
        await Eventually.UntilAsync(async () => await cluster.ScalarAsync(mine, new { id = counselor.AccountId }) >= 2, Wait, "two conversations assigned");

        // Nothing more for the full counselor: the marker is a colleague becoming available and being given two of the six
        // left. The assigners ran after the first counselor was full (every assignment schedules another run on both nodes)
        // and gave the work to someone else, not a third to them.
        await using var colleague = await HubUser.CreateAsync(cluster.A, "counselor");
        await colleague.Hub.InvokeAsync("SetPresence", "available");
        await Eventually.UntilAsync(async () => await cluster.ScalarAsync(mine, new { id = colleague.AccountId }) >= 2, Wait, "two conversations for the colleague");
        Assert.Equal(2, await cluster.ScalarAsync(mine, new { id = counselor.AccountId }));

        // A place frees up: one more is given, by whichever node sees it first, and only one: the marker is a third
        // counselor given the two places of theirs, which leaves one conversation that nobody has room for.
        var first = (await cluster.StringsAsync("SELECT id FROM conversations WHERE assignee_id = @id", new { id = counselor.AccountId }))[0];
        await counselor.Hub.InvokeAsync("Resolve", Guid.Parse(first));
        await Eventually.UntilAsync(async () => await cluster.ScalarAsync(mine, new { id = counselor.AccountId }) == 2, Wait, "the freed place filled");
        await using var third = await HubUser.CreateAsync(cluster.B, "counselor");
        await third.Hub.InvokeAsync("SetPresence", "available");
        await Eventually.UntilAsync(async () => await cluster.ScalarAsync(mine, new { id = third.AccountId }) >= 2, Wait, "two conversations for the third counselor");
        Assert.Equal(2, await cluster.ScalarAsync(mine, new { id = counselor.AccountId }));
        Assert.Equal(2, await cluster.ScalarAsync(mine, new { id = colleague.AccountId }));
        Assert.Equal(2, await cluster.ScalarAsync(mine, new { id = third.AccountId }));
        Assert.Equal(7, await cluster.ScalarAsync(assignments));
        Assert.Equal(1, await cluster.ScalarAsync("SELECT COUNT(*) FROM conversations WHERE assignee_id IS NULL"));
        _output.WriteLine("Auto-assignment across nodes: capacity 2 held with 8 conversations arriving on both nodes; a resolve freed one place, filled once");
    }

    [Fact]
    public async Task Redis_restarted_mid_stream_the_counselor_holds_every_event_once_after_catching_up()
    {
        await using var cluster = await Cluster.StartAsync(_output);
        await using var counselor = await HubUser.CreateAsync(cluster.B, "counselor");
        var start = await cluster.ScalarAsync("SELECT value FROM event_sequence WHERE id = 1");

        var bodies = new List<string>();
        var redisDown = TimeSpan.Zero;
        for (var i = 0; i < 30; i++)
        {
            if (i == 10)
            {
                cluster.Redis.Kill();
                _output.WriteLine("Redis killed after 10 webhooks");
            }
            if (i == 20)
            {
                await cluster.Redis.StartAgainAsync();
                _output.WriteLine("Redis started again after 20 webhooks");
            }
            var body = $"레디스 재시작 {i}";
            bodies.Add(body);
            var answer = await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, body), TestServer.GatewaySecret);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode); // Redis is not on the webhook's path
            if (i == 15)
            {
                Assert.Equal("Degraded", await cluster.A.HealthAsync());
                Assert.Equal("Degraded", await cluster.B.HealthAsync());
            }
            // One at a time, each pushed before the next (through Redis, or the store's polling while Redis is away).
            await counselor.Events.WaitForAsync("MessageAdded", m => m.GetProperty("body").GetString() == body, Wait);
        }

        var reconnected = Stopwatch.StartNew();
        await Eventually.UntilAsync(async () => await cluster.A.HealthAsync() == "Healthy" && await cluster.B.HealthAsync() == "Healthy",
            TimeSpan.FromSeconds(30), "both nodes connected to Redis again");
        _output.WriteLine($"Both nodes healthy again {reconnected.ElapsedMilliseconds} ms after the last webhook");

        // Back on the doorbell: a webhook to A is pushed on B well within a second.
        var after = $"레디스 복구 후 {Guid.NewGuid():N}";
        bodies.Add(after);
        var sent = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, after), TestServer.GatewaySecret)).StatusCode);
        await counselor.Events.WaitForAsync("MessageAdded", m => m.GetProperty("body").GetString() == after, Wait);
        _output.WriteLine($"After the reconnect, webhook on A -> push on B in {sent.ElapsedMilliseconds} ms");

        // Let the last pushes land: the automatic replies have left, and the last event the counselor may see is pushed.
        await Eventually.UntilAsync(async () => await cluster.ScalarAsync("SELECT COUNT(*) FROM outbox WHERE completed_at IS NULL") == 0, Wait, "the automatic replies sent");
        var lastVisible = (await CatchUpAsync(counselor.Hub, start)).Max(r => r.Seq);
        await Eventually.UntilAsync(() => Pushed(counselor).Any(p => p.Seq >= lastVisible), Wait, $"the push of seq {lastVisible}");
        var pushed = Pushed(counselor);
        // One stored event may be pushed to more than one client method (MessageAdded and ConversationChanged): (seq, method) is one push.
        Assert.True(pushed.Select(p => (p.Seq, p.Method)).Distinct().Count() == pushed.Count, "an event was pushed twice");
        var lastSeen = pushed.Max(p => p.Seq);
        var caught = await CatchUpAsync(counselor.Hub, lastSeen);
        var held = pushed.Concat(caught).ToList();
        Assert.True(held.Select(h => (h.Seq, h.Method)).Distinct().Count() == held.Count, "the counselor holds an event twice");

        var reference = await CatchUpAsync(counselor.Hub, start);
        _output.WriteLine($"Redis restart: {pushed.Count} events pushed, {caught.Count} caught up, {reference.Count} in the store's feed");
        Assert.Equal(reference.Select(r => (r.Seq, r.Method)).Order(), held.Select(h => (h.Seq, h.Method)).Order());
        var heldBodies = held.Where(h => h.Method == "MessageAdded").Select(h => h.Payload.GetProperty("body").GetString()).ToHashSet();
        Assert.All(bodies, b => Assert.Contains(b, heldBodies));
    }

    [Fact]
    public async Task Node_A_killed_while_webhooks_stream_in_loses_no_acknowledged_webhook_and_the_counselor_catches_up_on_node_B()
    {
        await using var cluster = await Cluster.StartAsync(_output);
        var counselor = await HubUser.CreateAsync(cluster.A, "counselor");
        var run = Guid.NewGuid().ToString("N")[..8];
        var acked = new ConcurrentBag<string>();
        var refused = 0;
        var sentCount = 0;
        using var stop = new CancellationTokenSource();

        async Task SendAsync(int sender)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var body = $"스트림 {run} {sender}-{i}";
                Interlocked.Increment(ref sentCount);
                try
                {
                    var answer = await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, body), TestServer.GatewaySecret);
                    if (answer.IsSuccessStatusCode)
                        acked.Add(body);
                    else
                        Interlocked.Increment(ref refused);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref refused); // the node is gone: a provider would retry elsewhere
                    if (cluster.A.HasExited)
                        return;
                }
            }
        }

        for (var i = 0; i < 5; i++) // a fresh process is slow to its first answers: warm it up first
            Assert.Equal(HttpStatusCode.OK, (await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "준비"), TestServer.GatewaySecret)).StatusCode);
        var senders = Enumerable.Range(0, 4).Select(s => Task.Run(() => SendAsync(s))).ToList();
        await Eventually.UntilAsync(() => acked.Count >= 20, Wait, "20 webhooks of the stream acknowledged");
        cluster.A.Kill();
        var killedAt = Stopwatch.StartNew();
        stop.CancelAfter(TimeSpan.FromSeconds(2));
        await Task.WhenAll(senders);

        var stored = (await cluster.StringsAsync("SELECT body FROM messages WHERE direction = 'in' AND body LIKE @pattern", new { pattern = $"스트림 {run} %" })).ToHashSet();
        _output.WriteLine($"SIGKILL mid-stream: {sentCount} webhooks sent, {acked.Count} answered 2xx, {refused} failed or cut, {stored.Count} stored " +
                          $"({stored.Count - acked.Count} stored whose answer was lost with the process)");
        Assert.True(acked.Count > 10, $"only {acked.Count} webhooks were acknowledged before the kill");
        Assert.All(acked, body => Assert.Contains(body, stored));

        // The counselor's connection died with node A: it connects to node B and asks for what it missed.
        var lastSeen = Pushed(counselor).Select(p => p.Seq).DefaultIfEmpty(0).Max();
        await counselor.Hub.DisposeAsync();
        await using var again = await counselor.ReconnectAsync(cluster.B);
        var caught = await CatchUpAsync(again.Hub, lastSeen);
        _output.WriteLine($"Reconnected to node B {killedAt.ElapsedMilliseconds} ms after the kill; {caught.Count} events caught up after seq {lastSeen}");
        var held = Pushed(counselor).Concat(caught).Where(h => h.Method == "MessageAdded")
            .Select(h => h.Payload.GetProperty("body").GetString()).ToHashSet();
        Assert.All(stored, body => Assert.Contains(body, held));
    }

    [Fact]
    public async Task PostgreSQL_stopped_for_a_while_webhooks_get_503_never_2xx_nothing_is_half_written_and_service_resumes_by_itself()
    {
        await using var cluster = await Cluster.StartAsync(_output, databaseBehindProxy: true);
        var run = Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.OK, (await cluster.A.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, $"정전 {run} 전"), TestServer.GatewaySecret)).StatusCode);
        await Eventually.UntilAsync(async () => await cluster.ScalarAsync("SELECT COUNT(*) FROM outbox WHERE completed_at IS NULL") == 0, Wait, "the automatic acknowledgement sent");
        var before = await SnapshotAsync(cluster);

        cluster.StopDatabase();
        var stoppedAt = Stopwatch.StartNew();
        await Eventually.UntilAsync(async () => await cluster.A.HealthAsync() == "Unhealthy" && await cluster.B.HealthAsync() == "Unhealthy", Wait, "both nodes unhealthy");
        var refused = new List<(NodeProcess Node, string Json)>();
        for (var i = 0; i < 6; i++)
        {
            var node = i % 2 == 0 ? cluster.A : cluster.B;
            var json = Payloads.Gateway(Payloads.RandomMobile().Dashed, $"정전 {run} 중 {i}");
            var answer = await node.PostSignedAsync("/webhooks/sms/gateway", json, TestServer.GatewaySecret);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.NotNull(answer.Headers.RetryAfter);
            refused.Add((node, json));
        }
        Assert.Equal("Unhealthy", await cluster.A.HealthAsync());
        Assert.Equal("Unhealthy", await cluster.B.HealthAsync());
        Assert.Equal(before, await SnapshotAsync(cluster)); // nothing of a refused webhook was written
        _output.WriteLine($"PostgreSQL away for {stoppedAt.ElapsedMilliseconds} ms: 6 webhooks (3 per node) answered 503, nothing written");

        cluster.StartDatabase();
        var back = Stopwatch.StartNew();
        await Eventually.UntilAsync(async () => await cluster.A.HealthAsync() == "Healthy" && await cluster.B.HealthAsync() == "Healthy",
            TimeSpan.FromSeconds(30), "both nodes see PostgreSQL again");
        _output.WriteLine($"Both nodes ready {back.ElapsedMilliseconds} ms after PostgreSQL came back");
        Assert.Equal(before, await SnapshotAsync(cluster));

        foreach (var (node, json) in refused) // the providers retry what they were refused
        {
            var answer = await node.PostSignedAsync("/webhooks/sms/gateway", json, TestServer.GatewaySecret);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("stored", (await answer.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        }
        Assert.Equal(7, await cluster.ScalarAsync("SELECT COUNT(*) FROM messages WHERE direction = 'in' AND body LIKE @p", new { p = $"정전 {run} %" }));
        Assert.Equal(7, await cluster.ScalarAsync("SELECT COUNT(*) FROM conversations"));
    }

    [Fact]
    public async Task The_fake_provider_failing_intermittently_gets_every_reply_once_from_two_nodes_retrying()
    {
        await using var provider = await FakeProvider.StartAsync();
        await using var cluster = await Cluster.StartAsync(_output, new Dictionary<string, string?>
        {
            ["Channels:Sms:Outbound"] = "gateway",
            ["Channels:Sms:Gateway:BaseUrl"] = provider.BaseUrl,
            ["Channels:Sms:Gateway:Secret"] = FakeProvider.GatewaySecret,
        });

        const int webhooks = 30;
        var failures = 0;
        for (var i = 0; i < webhooks; i++)
        {
            if (i % 3 == 1)
            {
                provider.FailNext(1, 503);
                failures++;
            }
            var node = i % 2 == 0 ? cluster.A : cluster.B;
            var answer = await node.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, $"재시도 {i}"), FakeProvider.GatewaySecret);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        await Eventually.UntilAsync(async () => await cluster.ScalarAsync("SELECT COUNT(*) FROM outbox WHERE completed_at IS NULL") == 0,
            TimeSpan.FromSeconds(60), "the outbox emptied");
        var messages = await cluster.ScalarAsync("SELECT COUNT(*) FROM messages WHERE direction = 'out' AND kind <> 'note'");
        var attempts = await cluster.ScalarAsync("SELECT COALESCE(SUM(attempts), 0) FROM outbox");
        var requests = provider.Requests;
        var successes = requests.Where(r => r.Status is >= 200 and < 300).ToList();
        var sentByA = cluster.A.Output.Count(l => l.Contains(" accepted by ", StringComparison.Ordinal));
        var sentByB = cluster.B.Output.Count(l => l.Contains(" accepted by ", StringComparison.Ordinal));
        _output.WriteLine($"Intermittent provider: {webhooks} webhooks, {messages} outbound messages, {requests.Count} provider requests " +
                          $"({failures} failed on purpose, {successes.Count} accepted), {provider.Delivered.Count} delivered; accepted from node A {sentByA}, node B {sentByB}");

        Assert.Equal(webhooks, messages); // one acknowledgement per new text
        Assert.Equal(messages, provider.Delivered.Count);
        Assert.All(successes.GroupBy(r => r.Key), g => Assert.Single(g)); // no message was sent twice
        Assert.Equal(messages, successes.Count);
        Assert.Equal(messages + failures, requests.Count); // each failure cost exactly one retry
        Assert.Equal(requests.Count, attempts);
        Assert.Equal(messages, sentByA + sentByB);
        Assert.True(sentByA > 0 && sentByB > 0, "both nodes' outbox workers should have sent some"); // each rings its own worker

    }

    [Fact]
    public async Task Presence_is_shared_across_nodes_and_a_dead_nodes_counselors_go_offline_within_the_expiry()
    {
        await using var cluster = await Cluster.StartAsync(_output);
        await using var manager = await HubUser.CreateAsync(cluster.B, "manager");
        var onA = await HubUser.CreateAsync(cluster.A, "counselor");
        var onB = await onA.ReconnectAsync(cluster.B); // the same counselor, on both nodes
        await onA.Hub.InvokeAsync("SetPresence", "available");
        bool Is(JsonElement p, string presence) => p.GetProperty("accountId").GetGuid() == onA.AccountId && p.GetProperty("presence").GetString() == presence;
        await manager.Events.WaitForAsync("PresenceChanged", p => Is(p, "available"), Wait);

        // Leaving node B while still connected to node A does not make the counselor offline, not even once the expiry has
        // passed. The marker is a probe account the store says is available since now but that holds no connection anywhere
        // (as if its node had died): the sweep that marks it offline has looked at the counselor too, later than the
        // counselor's own presence_at plus the expiry, and with the counselor's connection on node A in view.
        await onB.DisposeAsync();
        var probe = await HubUser.CreateAsync(cluster.A, "counselor");
        await probe.DisposeAsync();
        await cluster.ScalarAsync("UPDATE accounts SET presence = 'available', presence_at = @now WHERE id = @id", new { id = probe.AccountId, now = DateTimeOffset.UtcNow });
        await manager.Events.WaitForAsync("PresenceChanged", p => p.GetProperty("accountId").GetGuid() == probe.AccountId && p.GetProperty("presence").GetString() == "offline",
            TimeSpan.FromSeconds(Cluster.PresenceExpirySeconds * 4));
        Assert.DoesNotContain(manager.Events.All("PresenceChanged"), p => Is(p, "offline"));
        Assert.Equal(1, await cluster.ScalarAsync("SELECT COUNT(*) FROM accounts WHERE id = @id AND presence = 'available'", new { id = onA.AccountId }));

        // Node A dies without a word: its counselor's presence expires and every node is told.
        cluster.A.Kill();
        var killed = Stopwatch.StartNew();
        await manager.Events.WaitForAsync("PresenceChanged", p => Is(p, "offline"), TimeSpan.FromSeconds(Cluster.PresenceExpirySeconds * 3));
        var gone = killed.Elapsed;
        _output.WriteLine($"Presence: node A SIGKILLed, its counselor offline on node B after {gone.TotalMilliseconds:0} ms (expiry {Cluster.PresenceExpirySeconds} s, heartbeat every {Cluster.PresenceExpirySeconds / 3} s)");
        Assert.True(gone < TimeSpan.FromSeconds(Cluster.PresenceExpirySeconds * 2), $"offline only after {gone.TotalSeconds:0.0} s");
        Assert.Equal(1, await cluster.ScalarAsync("SELECT COUNT(*) FROM accounts WHERE id = @id AND presence = 'offline'", new { id = onA.AccountId }));
        await onA.Hub.DisposeAsync();
    }

    private sealed record Held(long Seq, string Method, JsonElement Payload);

    private static List<Held> Pushed(HubUser user) =>
        [.. HubUser.PushMethods.Where(m => m != "Typing").SelectMany(m => user.Events.All(m).Select(p => new Held(p.GetProperty("seq").GetInt64(), m, p)))];

    private static async Task<List<Held>> CatchUpAsync(HubConnection hub, long after)
    {
        var held = new List<Held>();
        while (true)
        {
            var result = await hub.InvokeAsync<JsonElement>("CatchUp", after);
            foreach (var e in result.GetProperty("events").EnumerateArray())
                held.Add(new Held(e.GetProperty("seq").GetInt64(), e.GetProperty("method").GetString()!, e.GetProperty("payload").Clone()));
            if (!result.GetProperty("more").GetBoolean() || held.Count == 0)
                return held;
            after = held[^1].Seq;
        }
    }

    private static async Task<string> SnapshotAsync(Cluster cluster)
    {
        var counts = new List<string>();
        foreach (var table in new[] { "contacts", "channel_identities", "conversations", "messages", "conversation_events", "outbox" })
            counts.Add($"{table}={await cluster.ScalarAsync($"SELECT COUNT(*) FROM {table}")}");
        return string.Join(", ", counts);
    }
}
