using System.Diagnostics;
using System.Diagnostics.Metrics;
using Inbox.Channels;
using Inbox.Live;
using Inbox.Outbound;
using Inbox.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inbox.Observability;

/// <summary>
/// The service's own metrics, Meter <c>Inbox</c>: every instrument is made here and every measurement passes through here.
/// Label values come from closed sets only (channel, webhook route, outcome, event type, provider, deadline reason and
/// line): never a phone number, an account, a contact or conversation id, or text (docs/observability.md).
/// </summary>
public sealed class InboxMetrics
{
    public const string MeterName = "Inbox";

    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    };

    private readonly Counter<long> _webhooks;
    private readonly Histogram<double> _webhookDuration;
    private readonly Counter<long> _pushed;
    private readonly Histogram<double> _pushLatency;
    private readonly Counter<long> _sendAttempts;
    private readonly Counter<long> _breaches;
    private readonly Database _database;
    private readonly TimeProvider _clock;
    private long _backlog = -1; // unknown until the first count
    private int _countingBacklog;

    public InboxMetrics(IMeterFactory meters, ConnectionCounter connections, Database database, TimeProvider clock)
    {
        _database = database;
        _clock = clock;
        var meter = meters.Create(MeterName);
        _webhooks = meter.CreateCounter<long>("inbox.webhooks.received", "{webhook}",
            "Webhooks answered, by channel, webhook route and outcome (stored, duplicate, ignored, accepted, refused, rate_limited, unavailable, failed).");
        _webhookDuration = meter.CreateHistogram("inbox.webhooks.duration", "s",
            "Ingest latency: from a webhook's arrival at its endpoint to its answer (for a message: stored and committed).", advice: Seconds);
        _pushed = meter.CreateCounter<long>("inbox.events.pushed", "{event}", "Events pushed to this node's hub clients, by event type.");
        _pushLatency = meter.CreateHistogram("inbox.events.push_latency", "s",
            "From an event's commit to its push to this node's hub clients, by event type.", advice: Seconds);
        meter.CreateObservableUpDownCounter("inbox.hub.connections", () => connections.Connections().Count, "{connection}",
            "Hub connections open on this node.");
        meter.CreateObservableGauge("inbox.outbox.backlog", ObserveBacklog, "{message}",
            "Replies queued and not yet sent or given up (the whole store; counted when the metrics are collected, so one collection late).");
        _sendAttempts = meter.CreateCounter<long>("inbox.outbox.send_attempts", "{attempt}",
            "Attempts to hand a reply to its provider, by channel, provider and result (accepted, retry, failed, error): failures are the results other than accepted.");
        _breaches = meter.CreateCounter<long>("inbox.deadlines.breached", "{deadline}", "Deadlines that passed unanswered, by reason and line.");
    }

    /// <summary>A webhook answered; its start from <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public void WebhookAnswered(HttpContext http, string outcome, long started)
    {
        var (channel, webhook) = WebhookRoute(http);
        var tags = new TagList { { "channel", channel }, { "webhook", webhook }, { "outcome", outcome } };
        _webhooks.Add(1, tags);
        _webhookDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    /// <summary>A webhook refused by the rate limiter before its endpoint ran.</summary>
    public void WebhookRateLimited(HttpContext http)
    {
        if (http.Request.Path.StartsWithSegments("/webhooks"))
        {
            var (channel, webhook) = WebhookRoute(http);
            _webhooks.Add(1, new TagList { { "channel", channel }, { "webhook", webhook }, { "outcome", "rate_limited" } });
        }
    }

    /// <summary>An event pushed to this node's clients.</summary>
    public void Pushed(StoredEvent e)
    {
        var type = new KeyValuePair<string, object?>("type", e.Type);
        _pushed.Add(1, type);
        _pushLatency.Record(Math.Max(0, (_clock.GetUtcNow() - e.CreatedAt).TotalSeconds), type);
    }

    /// <summary>One attempt to send through a provider; <paramref name="result"/> null when the sender threw.</summary>
    public void SendAttempted(IChannelSender sender, SendResult? result) => _sendAttempts.Add(1, new TagList
    {
        { "channel", sender.Channel },
        { "provider", sender.Name },
        { "result", result switch { SendResult.Accepted => "accepted", SendResult.Retry => "retry", SendResult.Failed => "failed", _ => "error" } },
    });

    public void DeadlineBreached(string? reason, string? line) =>
        _breaches.Add(1, new TagList { { "reason", reason ?? "unknown" }, { "line", line ?? "unknown" } });

    /// <summary>The outcome a webhook's answer says: its status for the message webhooks, else the HTTP status class.</summary>
    internal static string Outcome(object? result, int statusCode) => result switch
    {
        Ok<WebhookAccepted> { Value.Status: var status } => status, // stored | duplicate | ignored, from the ingest
        _ when statusCode is >= 200 and < 300 => "accepted",
        _ when statusCode == StatusCodes.Status429TooManyRequests => "rate_limited",
        _ when statusCode == StatusCodes.Status503ServiceUnavailable => "unavailable",
        _ when statusCode is >= 400 and < 500 => "refused",
        _ => "failed",
    };

    /// <summary>The channel and route of a webhook from the endpoint's route pattern (a closed set), never from the request path.</summary>
    private static (string Channel, string Webhook) WebhookRoute(HttpContext http)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.Trim('/');
        if (pattern is null || !pattern.StartsWith("webhooks/", StringComparison.Ordinal) || pattern.Contains('{'))
            return ("unknown", "unknown");
        var webhook = pattern["webhooks/".Length..];
        return (webhook.Split('/')[0], webhook);
    }

    private IEnumerable<Measurement<long>> ObserveBacklog()
    {
        // The collector's thread never waits on the store: each collection starts a count and reports the last one.
        if (Interlocked.Exchange(ref _countingBacklog, 1) == 0)
            _ = CountBacklogAsync();
        var backlog = Volatile.Read(ref _backlog);
        return backlog < 0 ? [] : [new Measurement<long>(backlog)];
    }

    private async Task CountBacklogAsync()
    {
        try
        {
            await using var s = await _database.ReadAsync(CancellationToken.None);
            Volatile.Write(ref _backlog, await s.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE completed_at IS NULL", null, CancellationToken.None));
        }
        catch (Exception)
        {
            // The store is away (health says so): the last count stands.
        }
        finally
        {
            Volatile.Write(ref _countingBacklog, 0);
        }
    }
}
