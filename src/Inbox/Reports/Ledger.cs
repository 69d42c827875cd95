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
/// in the same transaction as the change it counts; every report reads from here only, so the figures agree. The ledger
/// only appends rows: deadline verdicts and the conversation's response state are decided by <see cref="Conversations.Deadlines"/>.
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
}
