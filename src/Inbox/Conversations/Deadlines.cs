using Inbox.Calendar;
using Inbox.Reports;
using Inbox.Storage;

namespace Inbox.Conversations;

/// <summary>
/// The one owner of a conversation's deadline and response state: <c>due_at</c>, <c>due_reason</c>, <c>due_line</c>,
/// <c>due_calendar_version</c>, <c>waiting_since</c>, <c>first_response_at</c>, <c>breached_at</c> and <c>acknowledged_at</c>.
/// Every path that sets or clears them calls here (a guard test fails on a write anywhere else); it judges each deadline
/// (met, breached, withdrawn) and hands the ledger the rows to append. Every method joins the caller's transaction.
/// When a deadline is due is the calendar's rule (<see cref="CalendarService.Due"/>); what it is kept as is decided here.
/// </summary>
public static class Deadlines
{
    /// <summary>The first answer of a conversation is owed.</summary>
    public const string FirstResponse = "first_response";

    /// <summary>An answer is owed again after an earlier one.</summary>
    public const string NextResponse = "next_response";

    /// <summary>Danger to life: due in minutes at any hour.</summary>
    public const string Urgent = "urgent";

    /// <summary>A resident's request to be called back: the deadline kind the calendar counts (not a line of its own) and its reason.</summary>
    public const string Callback = "callback";

    /// <summary>A resident wrote: the conversation is active again, waits on the center (from its oldest unanswered message),
    /// and replies go back on this channel.</summary>
    public static Task ResidentWroteAsync(DbSession s, Guid conversationId, string channel, DateTimeOffset now, CancellationToken ct) =>
        s.ExecuteAsync(
            """
            UPDATE conversations
            SET last_activity_at = @now, last_inbound_channel = @channel, status = 'open', waiting_since = COALESCE(waiting_since, @now),
                first_inbound_at = COALESCE(first_inbound_at, @now)
            WHERE id = @conversationId
            """,
            new { conversationId, channel, now }, ct);

    /// <summary>The conversation starts waiting for an answer on <paramref name="line"/>: its first answer, or the next one after
    /// an earlier answer. A new deadline is not breached yet.</summary>
    public static Task StartAsync(DbSession s, Guid conversationId, Deadline due, string line, bool answeredBefore, CancellationToken ct) =>
        s.ExecuteAsync(
            "UPDATE conversations SET due_at = @DueAt, due_reason = @reason, due_line = @line, due_calendar_version = @CalendarVersion, breached_at = NULL WHERE id = @conversationId",
            new { conversationId, due.DueAt, reason = answeredBefore ? NextResponse : FirstResponse, line, due.CalendarVersion }, ct);

    /// <summary>A deadline of its own (<see cref="Urgent"/>, <see cref="Callback"/>): it replaces the conversation's when it is the
    /// sooner one, or when the one standing has already been breached (that breach is recorded; this deadline is new).</summary>
    public static Task TightenAsync(DbSession s, Guid conversationId, Deadline due, string reason, string line, CancellationToken ct) =>
        s.ExecuteAsync(
            """
            UPDATE conversations SET due_at = @DueAt, due_reason = @reason, due_line = @line, due_calendar_version = @CalendarVersion, breached_at = NULL
            WHERE id = @conversationId AND (due_at IS NULL OR due_at > @DueAt OR breached_at IS NOT NULL)
            """, new { conversationId, due.DueAt, reason, line, due.CalendarVersion }, ct);

    /// <summary>The text line's automatic acknowledgement went out: none again until the conversation is answered.</summary>
    public static Task AcknowledgedAsync(DbSession s, Guid conversationId, DateTimeOffset now, CancellationToken ct) =>
        s.ExecuteAsync("UPDATE conversations SET acknowledged_at = @now WHERE id = @conversationId", new { conversationId, now }, ct);

    /// <summary>
    /// A counselor's message to the resident or an answered call: the first response (timed from the resident's first
    /// message) or a reply (timed from the oldest message still waiting), the verdict on the deadline it meets, and the
    /// conversation no longer waiting. Automatic messages and notes never come here.
    /// </summary>
    public static async Task AnsweredAsync(
        DbSession s, BusinessCalendar calendar, Guid conversationId, Guid? counselorId, string channel, Guid refId, DateTimeOffset now, CancellationToken ct)
    {
        await LockAsync(s, conversationId, ct);
        var c = await s.SingleOrDefaultAsync<ResponseState>(
            """
            SELECT first_inbound_at, first_response_at, waiting_since, due_at, due_reason, due_line, breached_at
            FROM conversations WHERE id = @conversationId
            """, new { conversationId }, ct) ?? throw new InvalidOperationException("The conversation vanished inside its own transaction.");
        var entries = new List<LedgerEntry>();
        var response = new LedgerEntry(LedgerKind.FirstResponse, conversationId, now) { CounselorId = counselorId, Channel = channel, RefId = refId };
        if (c.FirstResponseAt is null && c.FirstInboundAt is { } first)
            entries.Add(response.Timed(calendar, first));
        else if (c.WaitingSince is { } since)
            entries.Add((response with { Kind = LedgerKind.Reply }).Timed(calendar, since));
        if (c.DueAt is { } due && c.BreachedAt is null)
        {
            // Answered before the watcher saw the deadline pass still counts as breached when it was late.
            entries.Add(new LedgerEntry(LedgerKind.Deadline, conversationId, now)
            {
                CounselorId = counselorId,
                Channel = channel,
                Line = c.DueLine,
                Outcome = now <= due ? Verdict.Met : Verdict.Breached,
                Reason = c.DueReason,
                DueAt = due,
                RefId = refId,
            }.Timed(calendar, c.WaitingSince ?? now));
        }
        await Ledger.AppendAsync(s, entries, ct);
        // Only a resident's message starts the clock: a call the counselor made before the resident ever wrote is not a first response.
        await s.ExecuteAsync(
            """
            UPDATE conversations
            SET first_response_at = CASE WHEN first_inbound_at IS NULL THEN first_response_at ELSE COALESCE(first_response_at, @now) END,
                waiting_since = NULL, due_at = NULL, due_reason = NULL, due_line = NULL, due_calendar_version = NULL, breached_at = NULL,
                acknowledged_at = NULL
            WHERE id = @conversationId
            """, new { conversationId, now }, ct);
    }

    /// <summary>A conversation resolved: timed from its opening (or latest reopening); a deadline still pending is withdrawn.</summary>
    public static async Task ResolvedAsync(
        DbSession s, BusinessCalendar calendar, Guid conversationId, Guid? counselorId, string outcome, DateTimeOffset now, CancellationToken ct)
    {
        await LockAsync(s, conversationId, ct);
        var c = await s.SingleOrDefaultAsync<ResolutionState>(
            """
            SELECT created_at, first_inbound_at, reopened_at, waiting_since, due_at, due_reason, due_line, breached_at
            FROM conversations WHERE id = @conversationId
            """, new { conversationId }, ct) ?? throw new InvalidOperationException("The conversation vanished inside its own transaction.");
        var entries = new List<LedgerEntry>
        {
            new LedgerEntry(LedgerKind.Resolved, conversationId, now) { CounselorId = counselorId, Outcome = outcome }
                .Timed(calendar, c.ReopenedAt ?? c.FirstInboundAt ?? c.CreatedAt),
        };
        if (c.DueAt is { } due && c.BreachedAt is null)
        {
            entries.Add(new LedgerEntry(LedgerKind.Deadline, conversationId, now)
            {
                CounselorId = counselorId,
                Line = c.DueLine,
                Outcome = now <= due ? Verdict.Withdrawn : Verdict.Breached,
                Reason = c.DueReason,
                DueAt = due,
            }.Timed(calendar, c.WaitingSince ?? now));
        }
        await Ledger.AppendAsync(s, entries, ct);
        await s.ExecuteAsync(
            """
            UPDATE conversations SET waiting_since = NULL, due_at = NULL, due_reason = NULL, due_line = NULL, due_calendar_version = NULL
            WHERE id = @conversationId
            """, new { conversationId }, ct);
    }

    /// <summary>The open conversations whose deadline has passed unanswered and is not recorded as breached yet, soonest first.</summary>
    public static Task<IReadOnlyList<Overdue>> OverdueAsync(DbSession s, DateTimeOffset now, CancellationToken ct) =>
        s.QueryAsync<Overdue>(
            """
            SELECT id, center_id, assignee_id, due_at, due_reason, due_line, due_calendar_version, waiting_since
            FROM conversations
            WHERE status <> 'resolved' AND due_at IS NOT NULL AND due_at <= @now AND breached_at IS NULL
            ORDER BY due_at
            """, new { now }, ct);

    /// <summary>
    /// Records the breach of an overdue deadline with its ledger verdict; false when another worker (or an answer) was first.
    /// The conditional update makes exactly one of them judge it, however many nodes watch.
    /// </summary>
    public static async Task<bool> BreachAsync(DbSession s, BusinessCalendar calendar, Overdue c, DateTimeOffset now, CancellationToken ct)
    {
        var won = await s.ExecuteAsync(
            "UPDATE conversations SET breached_at = @now WHERE id = @Id AND breached_at IS NULL AND due_at IS NOT NULL AND due_at <= @now",
            new { now, c.Id }, ct) == 1;
        if (!won)
            return false;
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.Deadline, c.Id, c.DueAt)
        {
            CounselorId = c.AssigneeId, Line = c.DueLine, Outcome = Verdict.Breached, Reason = c.DueReason, DueAt = c.DueAt,
        }.Timed(calendar, c.WaitingSince ?? c.DueAt), ct);
        return true;
    }

    /// <summary>
    /// Holds the conversation's row until the transaction ends before its deadline is read: the deadline watcher marks a
    /// breach with a conditional update of that row, so exactly one of the two judges the deadline.
    /// </summary>
    private static Task LockAsync(DbSession s, Guid conversationId, CancellationToken ct) =>
        s.ExecuteAsync("UPDATE conversations SET last_activity_at = last_activity_at WHERE id = @conversationId", new { conversationId }, ct);

    /// <summary>A deadline that passed unanswered, as the watcher reports it.</summary>
    public sealed record Overdue
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

    private sealed record ResponseState
    {
        public DateTimeOffset? FirstInboundAt { get; init; }
        public DateTimeOffset? FirstResponseAt { get; init; }
        public DateTimeOffset? WaitingSince { get; init; }
        public DateTimeOffset? DueAt { get; init; }
        public string? DueReason { get; init; }
        public string? DueLine { get; init; }
        public DateTimeOffset? BreachedAt { get; init; }
    }

    private sealed record ResolutionState
    {
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? FirstInboundAt { get; init; }
        public DateTimeOffset? ReopenedAt { get; init; }
        public DateTimeOffset? WaitingSince { get; init; }
        public DateTimeOffset? DueAt { get; init; }
        public string? DueReason { get; init; }
        public string? DueLine { get; init; }
        public DateTimeOffset? BreachedAt { get; init; }
    }
}
