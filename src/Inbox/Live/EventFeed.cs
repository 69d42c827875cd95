using System.Globalization;
using Inbox.Accounts;
using Inbox.Conversations;
using Inbox.Storage;

namespace Inbox.Live;

public sealed record StoredEvent
{
    public long Seq { get; init; }
    public required string CenterId { get; init; }
    public Guid? ConversationId { get; init; }
    public required string Type { get; init; }
    public required string Payload { get; init; }
    public Guid? ActorId { get; init; }
    public Guid? AssigneeId { get; init; }
    public Guid? PreviousAssigneeId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>An unassigned conversation was given to someone: the whole queue learns it is taken.</summary>
    public bool LeftTheQueue => Type == EventType.ConversationAssigned && PreviousAssigneeId is null;

    /// <summary>Who sees this event (the same for pushes and catch-up).</summary>
    public Audience Audience => Visibility.OfEvent(CenterId, ConversationId, AssigneeId, PreviousAssigneeId, LeftTheQueue);
}

/// <summary>A hub event together with the stored event it came from (for routing).</summary>
public sealed record FeedItem(StoredEvent Source, HubEvent Event)
{
    /// <summary>The resident (contact) whose message or number the payload shows, if any: showing it is an access.</summary>
    public Guid? ResidentId { get; init; }
}

/// <summary>Turns stored events into what the hub pushes. Pushes and CatchUp both come from here, so they always agree.</summary>
public sealed class EventFeed(Database database)
{
    private static readonly HashSet<string> ConversationEvents =
    [
        EventType.ConversationOpened, EventType.MessageAdded, EventType.ConversationAssigned,
        EventType.ConversationResolved, EventType.ConversationReopened, EventType.CallbackRequested, EventType.CallbackChanged, EventType.ConversationFlagged,
        EventType.ConversationCategorized, EventType.ConversationReferred, EventType.ContactLinked,
    ];

    public async Task<long> LastSequenceAsync(CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1", null, ct);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string? centerId, long afterSeq, int limit, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.QueryAsync<StoredEvent>(
            $"""
            SELECT seq, center_id, conversation_id, type, payload, actor_id, assignee_id, previous_assignee_id, created_at
            FROM conversation_events
            WHERE seq > @afterSeq {(centerId is null ? "" : "AND center_id = @centerId")}
            ORDER BY seq
            {s.Dialect.Limit("@limit")}
            """,
            new { afterSeq, centerId, limit }, ct);
    }

    public async Task<IReadOnlyList<FeedItem>> BuildAsync(IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
            return [];
        await using var s = await database.ReadAsync(ct);
        var conversationIds = events.Where(e => e.ConversationId is not null).Select(e => e.ConversationId!.Value).Distinct().ToList();
        var summaries = conversationIds.Count == 0 ? [] : (await s.QueryAsync<ConversationRow>(
            $"""
            SELECT c.id, c.status, c.line, c.last_inbound_channel AS channel, c.priority, c.assignee_id, c.due_at, c.waiting_since,
                   c.last_activity_at, c.category, c.program, c.triage_phrase, c.contact_id, k.display_name AS contact_name, k.phone AS contact_phone
            FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE {s.Dialect.InList("c.id", "@conversationIds")}
            """, new { conversationIds }, ct)).ToDictionary(c => c.Id);

        var messageIds = events.Where(e => e.Type is EventType.MessageAdded or EventType.MessageUpdated)
            .Select(e => MessageIdOf(e.Payload)).Distinct().ToList();
        var messages = messageIds.Count == 0 ? [] : (await s.QueryAsync<MessageRow>(
            $"""
            SELECT id, conversation_id, direction, channel, kind, body, received_at, delivery_status, delivery_error, author_id, client_message_id, part
            FROM messages WHERE {s.Dialect.InList("id", "@messageIds")}
            """, new { messageIds }, ct)).ToDictionary(m => m.Id);

        var callbackIds = events.Where(e => e.Type is EventType.CallbackRequested or EventType.CallbackChanged)
            .Select(e => System.Text.Json.JsonDocument.Parse(e.Payload).RootElement.GetProperty("callbackId").GetGuid()).Distinct().ToList();
        var callbacks = callbackIds.Count == 0 ? [] : (await s.QueryAsync<Inbox.Callbacks.CallbackRow>(
            $"{Inbox.Callbacks.CallbackRules.ViewSql} WHERE {s.Dialect.InList("r.id", "@callbackIds")}", new { callbackIds }, ct)).ToDictionary(c => c.Id);

        var accountIds = events.Where(e => e.Type == EventType.PresenceChanged).Select(e => e.ActorId!.Value).Distinct().ToList();
        var accounts = accountIds.Count == 0 ? [] : (await s.QueryAsync<AccountRow>(
            $"SELECT id, display_name FROM accounts WHERE {s.Dialect.InList("id", "@accountIds")}", new { accountIds }, ct)).ToDictionary(a => a.Id, a => a.DisplayName);

        var items = new List<FeedItem>();
        foreach (var e in events)
        {
            if (e.Type == EventType.PresenceChanged)
            {
                var presence = System.Text.Json.JsonDocument.Parse(e.Payload).RootElement.GetProperty("presence").GetString()!;
                items.Add(new(e, new HubEvent(e.Seq, nameof(IInboxClient.PresenceChanged),
                    new PresenceChangedPayload(e.Seq, e.ActorId!.Value, accounts.GetValueOrDefault(e.ActorId.Value, ""), presence))));
                continue;
            }
            if (e.Type == EventType.SlaBreached)
            {
                var p = System.Text.Json.JsonSerializer.Deserialize<SlaBreachedPayload>(e.Payload, ConversationStore.Json)!;
                items.Add(new(e, new HubEvent(e.Seq, nameof(IInboxClient.SlaBreached), p with { Seq = e.Seq })));
                continue;
            }
            if (e.Type is EventType.CallbackRequested or EventType.CallbackChanged)
            {
                var payload = System.Text.Json.JsonDocument.Parse(e.Payload).RootElement;
                if (callbacks.TryGetValue(payload.GetProperty("callbackId").GetGuid(), out var cb))
                {
                    var change = payload.TryGetProperty("change", out var changed) ? changed.GetString()! : "requested";
                    items.Add(new(e, new HubEvent(e.Seq,
                        e.Type == EventType.CallbackRequested ? nameof(IInboxClient.CallbackRequested) : nameof(IInboxClient.CallbackChanged),
                        new CallbackPayload(e.Seq, cb.Id, cb.ConversationId, cb.Phone, cb.Source, cb.Status, cb.RequestedAt, cb.DueAt,
                            cb.DueCalendarVersion, cb.Attempts, cb.CompletedAt, cb.CompletedBy, change, cb.PhoneVerified))));
                }
            }
            if (e.Type is EventType.MessageAdded or EventType.MessageUpdated && messages.TryGetValue(MessageIdOf(e.Payload), out var m))
            {
                items.Add(e.Type == EventType.MessageAdded
                    ? new(e, new HubEvent(e.Seq, nameof(IInboxClient.MessageAdded), new MessageAddedPayload(
                        e.Seq, m.ConversationId, m.Id, m.Direction, m.Channel, m.Kind, m.Body, m.ReceivedAt, m.DeliveryStatus, m.AuthorId, m.ClientMessageId, m.Part)))
                    : new(e, new HubEvent(e.Seq, nameof(IInboxClient.MessageUpdated), new MessageUpdatedPayload(
                        e.Seq, m.ConversationId, m.Id, m.DeliveryStatus, m.DeliveryError))));
            }
            if (e.Type == EventType.ConversationFlagged && e.ConversationId is { } flagged && summaries.TryGetValue(flagged, out var f))
            {
                var payload = System.Text.Json.JsonDocument.Parse(e.Payload).RootElement;
                items.Add(new(e, new HubEvent(e.Seq, nameof(IInboxClient.CrisisFlagged), new CrisisPayload(
                    e.Seq, flagged, payload.GetProperty("phrase").GetString()!, payload.GetProperty("channel").GetString()!,
                    new ContactDisplay(f.ContactId, f.ContactName, f.ContactPhone)))));
            }
            if (ConversationEvents.Contains(e.Type) && e.ConversationId is { } cid && summaries.TryGetValue(cid, out var c))
            {
                items.Add(new(e, new HubEvent(e.Seq, nameof(IInboxClient.ConversationChanged), c.ToPayload(e.Seq, e.Type))));
            }
        }
        return [.. items.Select(i => ShowsResident.Contains(i.Event.Method) && i.Source.ConversationId is { } id && summaries.TryGetValue(id, out var c)
            ? i with { ResidentId = c.ContactId }
            : i)];
    }

    // What carries a resident's words or number (delivery updates, presence and breaches carry neither).
    private static readonly HashSet<string> ShowsResident =
    [
        nameof(IInboxClient.MessageAdded), nameof(IInboxClient.ConversationChanged), nameof(IInboxClient.CrisisFlagged),
        nameof(IInboxClient.CallbackRequested), nameof(IInboxClient.CallbackChanged),
    ];

    /// <summary>Whether more than <paramref name="count"/> events of the center follow <paramref name="afterSeq"/>; reads at
    /// most count + 1 index entries, and counts rows, not sequence numbers (those may have gaps).</summary>
    public async Task<bool> MoreThanAsync(string centerId, long afterSeq, int count, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.ScalarAsync<long>(
            $"""
            SELECT COUNT(*) FROM (
                SELECT seq FROM conversation_events WHERE center_id = @centerId AND seq > @afterSeq ORDER BY seq {s.Dialect.Limit("@take")}) later
            """, new { centerId, afterSeq, take = count + 1 }, ct) > count;
    }

    /// <summary>
    /// One page of the open conversations the caller may work, in queue order (urgent first, then earliest due, longest
    /// waiting, oldest), after <paramref name="after"/>; and the cursor of the next page when there may be one. The cursor
    /// holds the last row's sort key itself, so a conversation that moves meanwhile (its change is an event the caller
    /// catches up on) cannot shift the others across a page boundary.
    /// </summary>
    public async Task<(IReadOnlyList<ConversationChangedPayload> Page, string? Next)> QueueAsync(
        Caller caller, long seq, int limit, QueueCursor? after, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        const string rank = "CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END";
        const string noDue = "CASE WHEN c.due_at IS NULL THEN 1 ELSE 0 END";
        const string notWaiting = "CASE WHEN c.waiting_since IS NULL THEN 1 ELSE 0 END";
        // Lexicographic "after the cursor's key", one sort column at a time (NULL due/waiting times compare equal to each other).
        static string Then(string greater, string equal, string rest) => $"{greater} OR ({equal} AND ({rest}))";
        var keyset = after is null ? "" : "AND (" +
            Then($"{rank} > @Rank", $"{rank} = @Rank",
            Then($"{noDue} > @NoDue", $"{noDue} = @NoDue",
            Then("(@NoDue = 0 AND c.due_at > @DueAt)", "(@NoDue = 1 OR c.due_at = @DueAt)",
            Then($"{notWaiting} > @NotWaiting", $"{notWaiting} = @NotWaiting",
            Then("(@NotWaiting = 0 AND c.waiting_since > @WaitingSince)", "(@NotWaiting = 1 OR c.waiting_since = @WaitingSince)",
            Then("c.created_at > @CreatedAt", "c.created_at = @CreatedAt", $"{s.Dialect.IdOrder("c.id")} > {s.Dialect.IdOrder("@Id")}")))))) + ")";
        var rows = await s.QueryAsync<ConversationRow>(
            $"""
            SELECT c.id, c.status, c.line, c.last_inbound_channel AS channel, c.priority, c.assignee_id, c.due_at, c.waiting_since,
                   c.last_activity_at, c.category, c.program, c.triage_phrase, c.contact_id, k.display_name AS contact_name, k.phone AS contact_phone,
                   c.created_at
            FROM conversations c JOIN contacts k ON k.id = c.contact_id
            WHERE {Visibility.ConversationSql(caller, "c")} AND c.status <> 'resolved'
            {keyset}
            ORDER BY {rank}, {noDue}, c.due_at, {notWaiting}, c.waiting_since, c.created_at, {s.Dialect.IdOrder("c.id")}
            {s.Dialect.Limit("@Take")}
            """,
            new
            {
                caller.CenterId, caller.AccountId, Take = limit + 1,
                after?.Rank, after?.NoDue, after?.DueAt, after?.NotWaiting, after?.WaitingSince, after?.CreatedAt, after?.Id,
            }, ct);
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? QueueCursor.After(page[^1]).ToString() : null;
        return ([.. page.Select(r => r.ToPayload(seq, "queue"))], next);
    }

    private static Guid MessageIdOf(string payload) =>
        System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("messageId").GetGuid();

    internal sealed record ConversationRow
    {
        public Guid Id { get; init; }
        public required string Status { get; init; }
        public required string Line { get; init; }
        public required string Channel { get; init; }
        public required string Priority { get; init; }
        public Guid? AssigneeId { get; init; }
        public DateTimeOffset? DueAt { get; init; }
        public DateTimeOffset? WaitingSince { get; init; }
        public DateTimeOffset LastActivityAt { get; init; }
        public string? Category { get; init; }
        public string? Program { get; init; }
        public string? TriagePhrase { get; init; }
        public Guid ContactId { get; init; }
        public string? ContactName { get; init; }
        public string? ContactPhone { get; init; }
        public DateTimeOffset CreatedAt { get; init; }

        public ConversationChangedPayload ToPayload(long seq, string reason) => new(
            seq, Id, Status, Line, Channel, Priority, AssigneeId, DueAt, WaitingSince, LastActivityAt, Category,
            new ContactDisplay(ContactId, ContactName, ContactPhone), reason, TriagePhrase, Program);
    }

    private sealed record MessageRow
    {
        public Guid Id { get; init; }
        public Guid ConversationId { get; init; }
        public required string Direction { get; init; }
        public required string Channel { get; init; }
        public required string Kind { get; init; }
        public string? Body { get; init; }
        public DateTimeOffset ReceivedAt { get; init; }
        public string? DeliveryStatus { get; init; }
        public string? DeliveryError { get; init; }
        public Guid? AuthorId { get; init; }
        public string? ClientMessageId { get; init; }
        public int Part { get; init; }
    }

    private sealed record AccountRow
    {
        public Guid Id { get; init; }
        public required string DisplayName { get; init; }
    }
}

/// <summary>Where a queue page ended: the sort key of its last conversation, as an opaque text for the client.</summary>
public sealed record QueueCursor(int Rank, int NoDue, DateTimeOffset? DueAt, int NotWaiting, DateTimeOffset? WaitingSince, DateTimeOffset CreatedAt, Guid Id)
{
    internal static QueueCursor After(EventFeed.ConversationRow row) => new(
        row.Priority switch { "urgent" => 0, "high" => 1, _ => 2 },
        row.DueAt is null ? 1 : 0, row.DueAt, row.WaitingSince is null ? 1 : 0, row.WaitingSince, row.CreatedAt, row.Id);

    public override string ToString() => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(string.Join('|',
            Rank, NoDue, DueAt?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "", NotWaiting,
            WaitingSince?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "", CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), Id.ToString("N"))))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QueueCursor? cursor)
    {
        cursor = null;
        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            var parts = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='))).Split('|');
            if (parts.Length != 7 || !Guid.TryParseExact(parts[6], "N", out var id))
                return false;
            DateTimeOffset? Time(string p) => p.Length == 0 ? null : new DateTimeOffset(long.Parse(p, CultureInfo.InvariantCulture), TimeSpan.Zero);
            int Flag(string p) => int.Parse(p, CultureInfo.InvariantCulture) is var v and >= 0 and <= 2 ? v : throw new FormatException();
            var (noDue, notWaiting) = (Flag(parts[1]), Flag(parts[3]));
            var parsed = new QueueCursor(Flag(parts[0]), noDue, Time(parts[2]), notWaiting, Time(parts[4]), Time(parts[5]) ?? throw new FormatException(), id);
            if (noDue > 1 || notWaiting > 1 || (noDue == 1) != (parsed.DueAt is null) || (notWaiting == 1) != (parsed.WaitingSince is null))
                return false;
            cursor = parsed;
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }
}
