using System.Text.Json;
using Inbox.Conversations;
using Inbox.Live;
using Inbox.Observability;
using Inbox.Outbound.Senders;
using Inbox.Privacy;
using Inbox.Storage;

namespace Inbox.Outbound;

/// <summary>
/// Sends queued replies. Rows are leased (so several workers, on one node or many, never send one message at the
/// same time), sent through the channel's sender with the message id as idempotency key, then completed or
/// rescheduled with exponential backoff. Each delivery status change is an event, pushed to counselors.
/// </summary>
public sealed class OutboxWorker(
    Database database, ConversationStore store, SenderSelector senders, OutboxSignal outbox, EventSignal events, InboxMetrics metrics, TimeProvider clock,
    ILogger<OutboxWorker> logger)
    : BackgroundService
{
    public const int MaxAttempts = 8;
    private const int Batch = 20;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RunOnceAsync(stoppingToken) > 0)
                {
                }
                await outbox.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.OutboxPassFailed(logger, e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Leases due rows, sends them and records the outcome; returns how many rows it worked on.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var token = Ids.New();
        IReadOnlyList<LeasedRow> rows;
        await using (var s = await database.BeginAsync(ct))
        {
            var now = clock.GetUtcNow();
            await s.ExecuteAsync(
                $"""
                UPDATE outbox SET lease_token = @token, lease_until = @until
                WHERE id IN (SELECT id FROM {s.Dialect.SkipLockedTable("outbox")}
                             WHERE completed_at IS NULL AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
                             ORDER BY next_attempt_at {s.Dialect.Limit("@batch")} {s.Dialect.SkipLocked})
                """,
                new { token, until = now + Lease, now, batch = Batch }, ct);
            rows = await s.QueryAsync<LeasedRow>(
                """
                SELECT o.id, o.message_id, o.attempts, m.center_id, m.conversation_id, m.channel, m.body, m.center_address, m.metadata
                FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.lease_token = @token
                """,
                new { token }, ct);
            await s.CommitAsync(ct);
        }

        foreach (var row in rows)
        {
            var result = await SendAsync(row, ct);
            await RecordAsync(row, result, ct);
        }
        return rows.Count;
    }

    private async Task<SendResult> SendAsync(LeasedRow row, CancellationToken ct)
    {
        IChannelSender? sender = null;
        SendResult? result = null;
        try
        {
            var meta = JsonDocument.Parse(row.Metadata ?? "{}").RootElement;
            sender = senders.For(row.Channel);
            return result = await sender.SendAsync(new OutboundMessage
            {
                MessageId = row.MessageId,
                CenterId = row.CenterId,
                Channel = row.Channel,
                CenterAddress = row.CenterAddress ?? "",
                ResidentAddress = meta.GetProperty("to").GetString()!,
                Body = row.Body ?? "",
                Attempt = row.Attempts + 1,
            }, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new SendResult.Retry($"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (sender is not null)
                metrics.SendAttempted(sender, result); // a sender that threw counts as an error
        }
    }

    private async Task RecordAsync(LeasedRow row, SendResult result, CancellationToken ct)
    {
        await using var s = await database.BeginAsync(ct);
        var now = clock.GetUtcNow();
        var attempts = row.Attempts + 1;
        string? status = null;
        string? error = null;
        switch (result)
        {
            case SendResult.Accepted accepted:
                status = accepted.Delivered ? DeliveryStatus.Delivered : DeliveryStatus.Sent;
                await s.ExecuteAsync(
                    "UPDATE messages SET delivery_status = @status, provider_message_id = COALESCE(@pid, provider_message_id) WHERE id = @MessageId AND delivery_status = 'queued'",
                    new { status, pid = accepted.ProviderMessageId, row.MessageId }, ct);
                await Complete(s, row, attempts, null, now, ct);
                break;
            case SendResult.Retry retry when attempts < MaxAttempts:
                var delay = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempts - 1)));
                await s.ExecuteAsync(
                    "UPDATE outbox SET attempts = @attempts, next_attempt_at = @next, lease_token = NULL, lease_until = NULL, last_error = @reason WHERE id = @Id",
                    new { attempts, next = now + delay, reason = ResidentRegistrationNumber.Mask(retry.Reason), row.Id }, ct);
                Log.ReplyRescheduled(logger, row.MessageId, attempts, Redact.Digits(retry.Reason), delay.TotalSeconds);
                break;
            default:
                status = DeliveryStatus.Failed;
                // A provider's error may quote the text it refused; counselors read it.
                error = ResidentRegistrationNumber.Mask(result switch
                {
                    SendResult.Failed failed => failed.Reason,
                    SendResult.Retry retry => $"Gave up after {attempts} attempts: {retry.Reason}",
                    _ => "Unknown send result",
                });
                await s.ExecuteAsync("UPDATE messages SET delivery_status = 'failed', delivery_error = @error WHERE id = @MessageId",
                    new { error, row.MessageId }, ct);
                await Complete(s, row, attempts, error, now, ct);
                Log.ReplyFailed(logger, row.MessageId, Redact.Digits(error));
                break;
        }
        if (status is not null)
        {
            var assignee = await s.SingleOrDefaultAsync<Guid?>("SELECT assignee_id FROM conversations WHERE id = @ConversationId", new { row.ConversationId }, ct);
            await store.AppendEventsAsync(s, [new NewEvent(row.CenterId, row.ConversationId, EventType.MessageUpdated,
                new { messageId = row.MessageId, status, error }, null, assignee)], now, ct);
        }
        await s.CommitAsync(ct);
        if (status is not null)
            events.Ring();
    }

    private static Task Complete(DbSession s, LeasedRow row, int attempts, string? error, DateTimeOffset now, CancellationToken ct) =>
        s.ExecuteAsync(
            "UPDATE outbox SET attempts = @attempts, completed_at = @now, lease_token = NULL, lease_until = NULL, last_error = @error WHERE id = @Id",
            new { attempts, now, error, row.Id }, ct);

    private sealed record LeasedRow
    {
        public Guid Id { get; init; }
        public Guid MessageId { get; init; }
        public int Attempts { get; init; }
        public required string CenterId { get; init; }
        public Guid ConversationId { get; init; }
        public required string Channel { get; init; }
        public string? Body { get; init; }
        public string? CenterAddress { get; init; }
        public string? Metadata { get; init; }
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Outbox pass failed ({Error}); trying again shortly")]
    public static partial void OutboxPassFailed(ILogger logger, string error);

    [LoggerMessage(LogLevel.Information, "Reply {MessageId} not sent on attempt {Attempt} ({Reason}); next try in {Delay}s")]
    public static partial void ReplyRescheduled(ILogger logger, Guid messageId, int attempt, string reason, double delay);

    [LoggerMessage(LogLevel.Warning, "Reply {MessageId} failed: {Reason}")]
    public static partial void ReplyFailed(ILogger logger, Guid messageId, string reason);
}
