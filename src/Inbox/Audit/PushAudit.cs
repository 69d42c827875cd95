using System.Threading.Channels;
using Inbox.Centers;
using Inbox.Live;

namespace Inbox.Audit;

/// <summary>
/// Records what the hub's pushes showed whom: a push carrying a resident's message or number is an access to that
/// resident's record, written once per account, resident and day (the center's day). Off the push path: the dispatcher
/// only queues the accesses; a background writer stores them in batches, and what is queued is written on shutdown.
/// The queue is bounded: when the store falls that far behind, pushing waits for it rather than losing records.
/// A node remembers the keys it queued to skip repeats; the store's unique key makes it once across nodes.
/// </summary>
public sealed class PushAudit(CenterDirectory centers, AuditLog audit, TimeProvider clock, ILogger<PushAudit> logger) : BackgroundService
{
    public const int QueueCapacity = 10_000;
    private const int Batch = 500;
    private const int RememberedKeys = 100_000;

    private readonly Channel<DailyAccess> _queue = Channel.CreateBounded<DailyAccess>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly HashSet<(Guid Account, Guid Resident, DateOnly Day)> _queued = [];

    /// <summary>Queues the access of each account the push reached on this node, unless already queued today.</summary>
    public async Task RecordAsync(FeedItem item, IReadOnlyList<ConnectedAccount> reached, CancellationToken ct)
    {
        if (item.ResidentId is not { } resident || reached.Count == 0)
            return;
        var now = clock.GetUtcNow();
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, centers.Find(item.Source.CenterId)?.TimeZone ?? TimeZoneInfo.Utc).DateTime);
        foreach (var account in reached)
        {
            lock (_queued)
            {
                if (_queued.Count >= RememberedKeys)
                    _queued.Clear(); // memory stays bounded; the store's key still keeps it to one record
                if (!_queued.Add((account.AccountId, resident, day)))
                    continue;
            }
            var access = new DailyAccess(
                new AuditEntry(item.Source.CenterId, account.AccountId, account.Username, account.SourceIp, AuditActions.ConversationPushed,
                    resident, item.Source.ConversationId, $"pushed={item.Event.Method}; seq={item.Event.Seq}"),
                now, day);
            if (_queue.Writer.TryWrite(access))
                continue;
            try
            {
                await _queue.Writer.WriteAsync(access, ct);
            }
            catch (ChannelClosedException)
            {
                Log.PushRecordAfterShutdown(logger, account.AccountId);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<DailyAccess>(Batch);
        // Not cancelled by the stopping token: on shutdown the queue is completed and drained.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < Batch && _queue.Reader.TryRead(out var access))
                batch.Add(access);
            await WriteAsync(batch, stoppingToken);
            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The dispatcher (registered after this service) has stopped by now: nothing more comes.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteAsync(List<DailyAccess> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await audit.WriteOncePerDayAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception e)
            {
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    Log.PushRecordsLost(logger, batch.Count, e.GetType().Name);
                    return;
                }
                Log.PushRecordsRetrying(logger, batch.Count, e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt)), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "A push access record came after shutdown began and was not written (account {AccountId})")]
    public static partial void PushRecordAfterShutdown(ILogger logger, Guid accountId);

    [LoggerMessage(LogLevel.Error, "{Count} push access records were not written: the store did not take them before shutdown ({Error})")]
    public static partial void PushRecordsLost(ILogger logger, int count, string error);

    [LoggerMessage(LogLevel.Warning, "Writing {Count} push access records failed ({Error}); retrying")]
    public static partial void PushRecordsRetrying(ILogger logger, int count, string error);
}
