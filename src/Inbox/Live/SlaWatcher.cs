using Inbox.Calendar;
using Inbox.Conversations;
using Inbox.Storage;

namespace Inbox.Live;

/// <summary>
/// Turns a deadline that passed unanswered into an <c>sla.breached</c> event (pushed as SlaBreached), once per deadline.
/// The conditional update makes exactly one worker record it, however many nodes watch.
/// </summary>
public sealed class SlaWatcher(Database database, ConversationStore store, CalendarService calendars, EventSignal signal, Observability.InboxMetrics metrics, TimeProvider clock, ILogger<SlaWatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await CheckAsync(stoppingToken) > 0)
                    signal.Ring();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.DeadlineCheckFailed(logger, e.GetType().Name);
            }
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Records every deadline that has passed; returns how many.</summary>
    public async Task<int> CheckAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<Deadlines.Overdue> overdue;
        await using (var s = await database.ReadAsync(ct))
        {
            overdue = await Deadlines.OverdueAsync(s, now, ct);
        }
        var count = 0;
        foreach (var c in overdue)
        {
            var calendar = await calendars.ForCenterAsync(c.CenterId, ct);
            await using var s = await database.BeginAsync(ct);
            if (!await Deadlines.BreachAsync(s, calendar, c, now, ct))
                continue;
            var waited = c.WaitingSince is { } since ? c.DueAt - since : TimeSpan.Zero;
            var business = c.WaitingSince is { } from ? calendar.BusinessTimeBetween(from, c.DueAt) : TimeSpan.Zero;
            await store.AppendEventsAsync(s, [new NewEvent(c.CenterId, c.Id, EventType.SlaBreached,
                new SlaBreachedPayload(0, c.Id, c.DueReason ?? "unknown", c.DueAt, c.DueCalendarVersion ?? calendar.Version, c.AssigneeId,
                    c.WaitingSince, waited.TotalSeconds, business.TotalSeconds), null, c.AssigneeId)], now, ct);
            await s.CommitAsync(ct);
            metrics.DeadlineBreached(c.DueReason, c.DueLine);
            count++;
        }
        return count;
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Checking deadlines failed ({Error}); trying again shortly")]
    public static partial void DeadlineCheckFailed(ILogger logger, string error);
}
