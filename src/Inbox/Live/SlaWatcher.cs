using Inbox.Calendar;
using Inbox.Conversations;
using Inbox.Reports;
using Inbox.Storage;

namespace Inbox.Live;

/// <summary>
/// Turns a deadline that passed unanswered into an <c>sla.breached</c> event (pushed as SlaBreached), once per deadline.
/// The conditional update makes exactly one worker record it, however many nodes watch.
/// </summary>
public sealed class SlaWatcher(Database database, ConversationStore store, CalendarService calendars, EventSignal signal, TimeProvider clock, ILogger<SlaWatcher> logger)
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
        IReadOnlyList<Overdue> overdue;
        await using (var s = await database.ReadAsync(ct))
        {
            overdue = await s.QueryAsync<Overdue>(
                """
                SELECT id, center_id, assignee_id, due_at, due_reason, due_line, due_calendar_version, waiting_since
                FROM conversations
                WHERE status <> 'resolved' AND due_at IS NOT NULL AND due_at <= @now AND breached_at IS NULL
                ORDER BY due_at
                """, new { now }, ct);
        }
        var count = 0;
        foreach (var c in overdue)
        {
            var calendar = await calendars.ForCenterAsync(c.CenterId, ct);
            await using var s = await database.BeginAsync(ct);
            var won = await s.ExecuteAsync(
                "UPDATE conversations SET breached_at = @now WHERE id = @Id AND breached_at IS NULL AND due_at IS NOT NULL AND due_at <= @now",
                new { now, c.Id }, ct) == 1;
            if (!won)
                continue;
            await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.Deadline, c.Id, c.DueAt)
            {
                CounselorId = c.AssigneeId, Line = c.DueLine, Outcome = Verdict.Breached, Reason = c.DueReason, DueAt = c.DueAt,
            }.Timed(calendar, c.WaitingSince ?? c.DueAt), ct);
            var waited = c.WaitingSince is { } since ? c.DueAt - since : TimeSpan.Zero;
            var business = c.WaitingSince is { } from ? calendar.BusinessTimeBetween(from, c.DueAt) : TimeSpan.Zero;
            await store.AppendEventsAsync(s, [new NewEvent(c.CenterId, c.Id, EventType.SlaBreached,
                new SlaBreachedPayload(0, c.Id, c.DueReason ?? "unknown", c.DueAt, c.DueCalendarVersion ?? calendar.Version, c.AssigneeId,
                    c.WaitingSince, waited.TotalSeconds, business.TotalSeconds), null, c.AssigneeId)], now, ct);
            await s.CommitAsync(ct);
            count++;
        }
        return count;
    }

    private sealed record Overdue
    {
        public Guid Id { get; init; }
        public required string CenterId { get; init; }
        public Guid? AssigneeId { get; init; }
        public DateTimeOffset DueAt { get; init; }
        public string? DueReason { get; init; }
        public string? DueLine { get; init; }
        public string? DueCalendarVersion { get; init; }
        public DateTimeOffset? WaitingSince { get; init; }
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Checking deadlines failed ({Error}); trying again shortly")]
    public static partial void DeadlineCheckFailed(ILogger logger, string error);
}
