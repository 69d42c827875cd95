using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inbox.Observability;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;
using Microsoft.AspNetCore.SignalR.Client;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Inbox.Tests.Observability;

/// <summary>
/// OpenTelemetry listens by meter and source name across the process, so these run alone: what the exporters see is
/// this server's alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry (alone)";
}

[Collection(TelemetryCollection.Name)]
public sealed class SqliteTelemetryTests() : TelemetryTests<SqliteStore>(new SqliteStore());

[Collection(TelemetryCollection.Name)]
public sealed class PostgresTelemetryTests() : TelemetryTests<PostgresStore>(new PostgresStore());

[Collection(TelemetryCollection.Name)]
public sealed class SqlServerTelemetryTests() : TelemetryTests<SqlServerStore>(new SqlServerStore());

/// <summary>The metrics an operator watches, read through the in-memory exporters after real webhooks, hub calls and replies.</summary>
public abstract class TelemetryTests<TStore> where TStore : TestStore
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly TStore _store;
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly List<Activity> _spans = [];

    protected TelemetryTests(TStore store)
    {
        if (store.SkipReason is { } reason)
            Assert.Skip(reason);
        _store = store;
    }

    [Fact]
    public async Task Each_operator_metric_is_recorded_after_its_action_with_closed_set_labels()
    {
        await using var provider = await FakeProvider.StartAsync();
        var clock = new ManualClock(DateTimeOffset.UtcNow); // stopped: a send to retry stays queued
        await using var server = await StartAsync(clock, new()
        {
            ["Channels:Sms:Outbound"] = "gateway",
            ["Channels:Sms:Gateway:BaseUrl"] = provider.BaseUrl,
            ["Channels:Sms:Gateway:Secret"] = FakeProvider.GatewaySecret,
        });
        await using var manager = await HubUser.CreateAsync(server, "manager");
        provider.FailNext(1, 500); // the first send (an out-of-hours acknowledgement or the reply) is to be retried

        var text = Payloads.Gateway(Payloads.RandomMobile().Dashed, "문의드립니다.");
        var stored = await server.PostSignedAsync("/webhooks/sms/gateway", text, FakeProvider.GatewaySecret);
        var answered = Guid.Parse((await stored.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await server.PostSignedAsync("/webhooks/sms/gateway", text, FakeProvider.GatewaySecret)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostSignedAsync("/webhooks/sms/gateway", text, "not-the-secret")).StatusCode);
        var other = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "답변 기다립니다."), FakeProvider.GatewaySecret);
        var waiting = Guid.Parse((await other.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
        await manager.Hub.InvokeAsync("Claim", answered);
        var reply = Assert.Single(await manager.Hub.InvokeAsync<Guid[]>("Reply", answered, "확인했습니다.", "m-1"));
        await manager.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == reply, Wait);

        var metrics = await CollectUntilAsync(server, m => Sum(m, "inbox.outbox.send_attempts", ("result", "retry")) == 1 && Gauge(m, "inbox.outbox.backlog") == 1);
        Assert.Equal(1, Sum(metrics, "inbox.webhooks.received", ("channel", "sms"), ("webhook", "sms/gateway"), ("outcome", "stored")) - 1); // and the waiting one
        Assert.Equal(1, Sum(metrics, "inbox.webhooks.received", ("channel", "sms"), ("webhook", "sms/gateway"), ("outcome", "duplicate")));
        Assert.Equal(1, Sum(metrics, "inbox.webhooks.received", ("channel", "sms"), ("webhook", "sms/gateway"), ("outcome", "refused")));
        Assert.Equal(4, HistogramCount(metrics, "inbox.webhooks.duration", ("channel", "sms"), ("webhook", "sms/gateway")));
        Assert.True(Sum(metrics, "inbox.events.pushed", ("type", "message.added")) >= 3, "both residents' texts and the reply were pushed");
        Assert.True(HistogramCount(metrics, "inbox.events.push_latency", ("type", "message.added")) >= 3);
        Assert.Equal(1, Sum(metrics, "inbox.hub.connections"));
        Assert.Equal(1, Sum(metrics, "inbox.outbox.send_attempts", ("channel", "sms"), ("provider", "gateway"), ("result", "retry")));
        Assert.Equal(1, Gauge(metrics, "inbox.outbox.backlog"));
        Assert.Equal(0, Sum(metrics, "inbox.deadlines.breached"));

        // The other resident's deadline passes unanswered: one breach, by its reason and line.
        clock.Now = await server.SingleAsync<DateTimeOffset>("SELECT due_at FROM conversations WHERE id = @waiting", new { waiting });
        await manager.Events.WaitForAsync("SlaBreached", b => b.GetProperty("conversationId").GetGuid() == waiting, Wait);
        metrics = await CollectUntilAsync(server, m => Sum(m, "inbox.deadlines.breached") == 1);
        Assert.Equal(1, Sum(metrics, "inbox.deadlines.breached", ("reason", "first_response"), ("line", "text24")));
        Assert.True(Sum(metrics, "inbox.events.pushed", ("type", "sla.breached")) >= 1);

        await manager.Hub.StopAsync();
        metrics = await CollectUntilAsync(server, m => Sum(m, "inbox.hub.connections") == 0);
        Assert.Equal(0, Sum(metrics, "inbox.hub.connections"));
    }

    [Fact]
    public async Task No_metric_label_and_no_trace_carries_a_residents_number_name_words_ids_or_a_token()
    {
        await using var server = await StartAsync(null, []);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var resident = Payloads.RandomMobile();
        const string name = "홍길순";
        const string words = "월세가 밀려서 긴급지원 문의드립니다";
        var conversationId = await server.SmsAsync(resident.Dashed, $"{name}입니다. {words}");
        var kakaoKey = "kakao-" + Guid.NewGuid().ToString("N");
        var chatId = await server.KakaoAsync(kakaoKey, words);
        await counselor.Hub.InvokeAsync("Claim", conversationId);
        await counselor.Hub.InvokeAsync("Typing", conversationId);
        var reply = $"{name}님, 주민센터에서 신청서를 받으실 수 있습니다";
        Assert.Single(await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, reply, "t-1"));
        await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("conversationId").GetGuid() == conversationId, Wait);
        var found = await counselor.Http.GetAsync($"/api/conversations?phone={Uri.EscapeDataString(resident.Dashed)}");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var read = await counselor.Http.GetAsync($"/api/conversations/{conversationId}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var contactId = (await read.Content.ReadFromJsonAsync<JsonObject>())!["contact"]!["id"]!.GetValue<string>();
        await counselor.Hub.StopAsync(); // the hub's request (its access_token in the query) ends and is exported

        var metrics = await CollectUntilAsync(server, m => Sum(m, "inbox.outbox.send_attempts") >= 1);
        var spans = await SpansUntilAsync(() => _spans.Any(s => s.GetTagItem("http.route") as string == "/hubs/inbox"));

        string[] secrets = [resident.Dashed, resident.Compact, resident.E164, resident.Compact[1..], name, words, reply, kakaoKey,
            conversationId.ToString(), conversationId.ToString("N"), chatId.ToString(), contactId, counselor.Token];
        var metricTags = metrics.SelectMany(m => m.MetricPoints.SelectMany(p => Tags(p).Select(t => $"{m.Name} {t.Key}={t.Value}"))).ToList();
        var spanTexts = spans.SelectMany(s => s.TagObjects.Select(t => $"{s.DisplayName} {t.Key}={t.Value}")
            .Append($"{s.DisplayName} {s.OperationName}")).ToList();
        Assert.NotEmpty(metricTags);
        Assert.Contains(spanTexts, t => t.Contains("http.route=/api/conversations/{id:guid}", StringComparison.Ordinal)); // the template, not the id
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(metricTags, t => t.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(spanTexts, t => t.Contains(secret, StringComparison.Ordinal));
        }
        foreach (var dropped in Telemetry.DroppedRequestTags)
            Assert.DoesNotContain(spans, s => s.GetTagItem(dropped) is not null);
    }

    private Task<TestServer> StartAsync(ManualClock? clock, Dictionary<string, string?> settings) =>
        TestServer.StartAsync(_store, settings, clock: clock, services: s => s
            .ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(_metrics))
            .ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans)));

    /// <summary>Collects until <paramref name="done"/> holds for the latest snapshot of every metric (the backlog is counted one collection late).</summary>
    private async Task<IReadOnlyList<MetricSnapshot>> CollectUntilAsync(TestServer server, Func<IReadOnlyList<MetricSnapshot>, bool> done)
    {
        var meters = server.Services.GetRequiredService<MeterProvider>();
        IReadOnlyList<MetricSnapshot> latest = [];
        await Eventually.UntilAsync(() =>
        {
            lock (_metrics)
            {
                _metrics.Clear();
                meters.ForceFlush();
                latest = [.. _metrics];
            }
            return done(latest);
        }, Eventually.Timeout, () => "the metrics never showed it; last seen: " + string.Join("; ", latest.Select(m =>
            $"{m.Name}[{string.Join(", ", m.MetricPoints.Select(p => string.Join(",", Tags(p).Select(t => $"{t.Key}={t.Value}"))))}]")));
        return latest;
    }

    private async Task<IReadOnlyList<Activity>> SpansUntilAsync(Func<bool> done)
    {
        IReadOnlyList<Activity> spans = [];
        await Eventually.UntilAsync(() =>
        {
            lock (_spans)
            {
                spans = [.. _spans];
                return done();
            }
        }, Eventually.Timeout, () => $"the spans never showed it; {spans.Count} spans: {string.Join(", ", spans.Select(s => s.DisplayName))}");
        return spans;
    }

    private static IEnumerable<MetricPoint> Points(IReadOnlyList<MetricSnapshot> metrics, string name, (string Key, string Value)[] tags) =>
        metrics.Where(m => m.Name == name).SelectMany(m => m.MetricPoints)
            .Where(p => tags.All(t => Tags(p).Any(x => x.Key == t.Key && Equals(x.Value, t.Value))));

    private static long Sum(IReadOnlyList<MetricSnapshot> metrics, string name, params (string Key, string Value)[] tags) =>
        Points(metrics, name, tags).Sum(p => p.GetSumLong());

    private static long HistogramCount(IReadOnlyList<MetricSnapshot> metrics, string name, params (string Key, string Value)[] tags) =>
        Points(metrics, name, tags).Sum(p => p.GetHistogramCount());

    private static long? Gauge(IReadOnlyList<MetricSnapshot> metrics, string name) =>
        Points(metrics, name, []).Select(p => (long?)p.GetGaugeLastValueLong()).SingleOrDefault();

    private static List<KeyValuePair<string, object?>> Tags(MetricPoint point)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (var tag in point.Tags)
            tags.Add(tag);
        return tags;
    }
}
