using Inbox.Calendar;
using Inbox.Storage;

namespace Inbox.Reports;

/// <summary>What a ledger row counts. Stored as these exact strings.</summary>
public static class LedgerKind
{
    public const string Opened = "opened";
    public const string Reopened = "reopened";
    public const string Resolved = "resolved";
    public const string Assigned = "assigned";
    public const string MessageIn = "message_in";
    public const string MessageOut = "message_out";
    public const string AutomaticOut = "automatic_out";
    public const string Call = "call";
    public const string CallbackRequested = "callback_requested";
    public const string CallbackCompleted = "callback_completed";
    public const string Referral = "referral";
    public const string FirstResponse = "first_response";
    public const string Reply = "reply";
    public const string Deadline = "deadline";
}

/// <summary>A deadline's verdict: answered in time, passed unanswered (or answered late), or closed without an answer.</summary>
public static class Verdict
{
    public const string Met = "met";
    public const string Breached = "breached";
    public const string Withdrawn = "withdrawn";
}

public static class ResolutionOutcome
{
    /// <summary>Resolved by a counselor.</summary>
    public const string Resolved = "resolved";

    /// <summary>Folded into the resident's other conversation (a chat whose number the center knew): not timed in reports.</summary>
    public const string Merged = "merged";
}

/// <summary>One countable fact. Channel and line default to the conversation's; the category is always the conversation's.</summary>
public sealed record LedgerEntry(string Kind, Guid ConversationId, DateTimeOffset At)
{
    public Guid? CounselorId { get; init; }
    public string? Channel { get; init; }
    public string? Line { get; init; }
    public string? Outcome { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public double? WallSeconds { get; init; }
    public double? BusinessSeconds { get; init; }
    public string? CalendarVersion { get; init; }
    public Guid? RefId { get; init; }

    /// <summary>
    /// The entry measuring <paramref name="from"/> → <see cref="At"/> in wall-clock and in business time, with the version
    /// of the calendar that measured it (a deadline's own version stays on its conversation and breach event).
    /// </summary>
    public LedgerEntry Timed(BusinessCalendar calendar, DateTimeOffset from) => this with
    {
        StartedAt = from,
        WallSeconds = Math.Max(0, (At - from).TotalSeconds),
        BusinessSeconds = At > from ? calendar.BusinessTimeBetween(from, At).TotalSeconds : 0,
        CalendarVersion = calendar.Version,
    };
}

/// <summary>
/// The metrics ledger. Every first response, reply, resolution, callback, referral and deadline verdict is written here
/// in the same transaction as the change it counts; every report reads from here only, so the figures agree.
/// </summary>
public static class Ledger
{
    public static async Task AppendAsync(DbSession s, IReadOnlyList<LedgerEntry> entries, CancellationToken ct)
    {
        foreach (var e in entries)
        {
            await s.ExecuteAsync(
                """
                INSERT INTO report_events (id, center_id, kind, at, conversation_id, counselor_id, channel, line, category, outcome, reason,
                    started_at, due_at, wall_seconds, business_seconds, calendar_version, ref_id)
                SELECT @Id, c.center_id, @Kind, @At, c.id, @CounselorId, COALESCE(@Channel, c.last_inbound_channel), COALESCE(@Line, c.line),
                    c.category, @Outcome, @Reason, @StartedAt, @DueAt, @WallSeconds, @BusinessSeconds, @CalendarVersion, @RefId
                FROM conversations c WHERE c.id = @ConversationId
                """,
                new
                {
                    Id = Ids.New(), e.Kind, e.At, e.CounselorId, e.Channel, e.Line, e.Outcome, e.Reason, e.StartedAt, e.DueAt,
                    e.WallSeconds, e.BusinessSeconds, e.CalendarVersion, e.RefId, e.ConversationId,
                }, ct);
        }
    }

    public static Task AppendAsync(DbSession s, LedgerEntry entry, CancellationToken ct) => AppendAsync(s, [entry], ct);

    /// <summary>
    /// A counselor's message to the resident or an answered call: the first response (timed from the resident's first
    /// message) or a reply (timed from the oldest message still waiting), the verdict on the deadline it meets, and the
    /// conversation no longer waiting. Automatic messages and notes never come here.
    /// </summary>
    public static async Task RecordResponseAsync(
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
        await AppendAsync(s, entries, ct);
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
    public static async Task RecordResolutionAsync(
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
        await AppendAsync(s, entries, ct);
        await s.ExecuteAsync(
            """
            UPDATE conversations SET waiting_since = NULL, due_at = NULL, due_reason = NULL, due_line = NULL, due_calendar_version = NULL
            WHERE id = @conversationId
            """, new { conversationId }, ct);
    }

    /// <summary>
    /// Holds the conversation's row until the transaction ends before its deadline is read: the deadline watcher marks a
    /// breach with a conditional update of that row, so exactly one of the two judges the deadline.
    /// </summary>
    private static Task LockAsync(DbSession s, Guid conversationId, CancellationToken ct) =>
        s.ExecuteAsync("UPDATE conversations SET last_activity_at = last_activity_at WHERE id = @conversationId", new { conversationId }, ct);

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
