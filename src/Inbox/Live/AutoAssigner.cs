using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Reports;
using Inbox.Storage;
using Work = System.Threading.Channels;

namespace Inbox.Live;

/// <summary>
/// Off by default, per center (Centers:N:AutoAssign:Enabled). Gives the most urgent, oldest-due unassigned conversation
/// to the available counselor with the fewest open conversations under the center's capacity; ties take turns
/// (whoever was given one longest ago). Away and offline counselors get nothing. Runs whenever work or capacity may
/// have appeared: a conversation opened, resolved, transferred or reopened, or a counselor's presence changed.
/// </summary>
public sealed class AutoAssigner(Database database, ConversationStore store, CenterDirectory centers, EventSignal signal, TimeProvider clock, ILogger<AutoAssigner> logger)
    : BackgroundService
{
    private readonly Work.Channel<string> _pending = Work.Channel.CreateUnbounded<string>(new Work.UnboundedChannelOptions { SingleReader = true });

    public static bool MayFreeWork(StoredEvent e) => e.Type is EventType.ConversationOpened or EventType.ConversationResolved
        or EventType.ConversationAssigned or EventType.ConversationReopened or EventType.PresenceChanged;

    public void Schedule(string centerId)
    {
        if (centers.Find(centerId) is { AutoAssign: true })
            _pending.Writer.TryWrite(centerId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var centerId in _pending.Reader.ReadAllAsync(stoppingToken))
        {
            while (_pending.Reader.TryPeek(out var next) && next == centerId)
                _pending.Reader.TryRead(out _); // one run covers every request queued for the same center
            try
            {
                var assigned = await AssignAsync(centers.Find(centerId)!, stoppingToken);
                if (assigned > 0)
                    signal.Ring();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.AutoAssignFailed(logger, centerId, e.GetType().Name);
            }
        }
    }

    /// <summary>Assigns until no unassigned conversation or no counselor with room is left; returns how many it gave out.</summary>
    public async Task<int> AssignAsync(Center center, CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            await using var s = await database.BeginAsync(ct);
            var conversationId = await s.SingleOrDefaultAsync<Guid?>(
                $"""
                SELECT id FROM conversations
                WHERE center_id = @Id AND assignee_id IS NULL AND status <> 'resolved'
                ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,
                         CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at,
                         CASE WHEN waiting_since IS NULL THEN 1 ELSE 0 END, waiting_since, created_at, {s.Dialect.IdOrder("id")}
                {s.Dialect.Limit("1")}
                """, new { center.Id }, ct);
            if (conversationId is null)
                return count;
            var counselorId = await s.SingleOrDefaultAsync<Guid?>(
                $"""
                SELECT a.id FROM accounts a
                WHERE a.center_id = @Id AND a.role = 'counselor' AND a.disabled_at IS NULL AND a.presence = 'available'
                  AND (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = a.id AND c.status <> 'resolved') < @AutoAssignCapacity
                ORDER BY (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = a.id AND c.status <> 'resolved'),
                         CASE WHEN a.last_assigned_at IS NULL THEN 0 ELSE 1 END, a.last_assigned_at, {s.Dialect.IdOrder("a.id")}
                {s.Dialect.Limit("1")}
                """, new { center.Id, center.AutoAssignCapacity }, ct);
            if (counselorId is null)
                return count;

            var now = clock.GetUtcNow();
            // Every node runs an assigner. Locking the counselor's row first makes another node's assigner for the same
            // counselor wait until this transaction ends; the capacity is then counted again, with what it committed.
            await s.ExecuteAsync("UPDATE accounts SET last_assigned_at = @now WHERE id = @counselorId", new { counselorId, now }, ct);
            var won = await s.ExecuteAsync(
                """
                UPDATE conversations SET assignee_id = @counselorId, assigned_at = @now
                WHERE id = @conversationId AND assignee_id IS NULL
                  AND (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = @counselorId AND c.status <> 'resolved') < @AutoAssignCapacity
                """,
                new { counselorId, conversationId, now, center.AutoAssignCapacity }, ct) == 1;
            if (!won)
                continue; // someone else took the conversation or the counselor's last place: look again (rolled back)
            await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.Assigned, conversationId.Value, now) { CounselorId = counselorId, Reason = "auto" }, ct);
            await store.AppendEventsAsync(s, [new NewEvent(center.Id, conversationId, EventType.ConversationAssigned,
                new { reason = "auto" }, null, counselorId)], now, ct);
            await s.CommitAsync(ct);
            count++;
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Auto-assignment in center {CenterId} failed ({Error}); it runs again on the next change")]
    public static partial void AutoAssignFailed(ILogger logger, string centerId, string error);
}
