using System.Text.Json;
using Inbox.Privacy;
using Inbox.Storage;

namespace Inbox.Conversations;

/// <summary>A message to store, as its columns say.</summary>
public sealed record NewMessage
{
    public required Guid Id { get; init; }
    public required string CenterId { get; init; }
    public required Guid ConversationId { get; init; }
    public required Guid ContactId { get; init; }
    public required string Channel { get; init; }
    public required string Direction { get; init; }
    public required string Kind { get; init; }
    public string? Body { get; init; }
    public string? Subject { get; init; }
    /// <summary>The center's address it reached or goes out from.</summary>
    public string? CenterAddress { get; init; }
    public string? ProviderMessageId { get; init; }
    /// <summary>The counselor who wrote it; none for a resident's message or an automatic one.</summary>
    public Guid? AuthorId { get; init; }
    public DateTimeOffset? ProviderAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public string? DeliveryStatus { get; init; }
    /// <summary>JSON kept with the message (channel details, or where an outbound one goes).</summary>
    public string? Metadata { get; init; }
    /// <summary>The client's id of a counselor's reply, so a retried reply is stored once.</summary>
    public string? ClientMessageId { get; init; }
    /// <summary>Which part of a reply split for its channel (0 for the first).</summary>
    public int Part { get; init; }
}

public sealed record NewAttachment(Guid MessageId, int Ordinal, string Purpose, string Url, string? ContentType, string? FileName, long? SizeBytes);

public sealed record NewSegment(Guid MessageId, int Ordinal, string Speaker, int StartMs, int EndMs, string Text, double? Confidence);

/// <summary>An event to append. <paramref name="AssigneeId"/> is the conversation's assignee after the event and
/// <paramref name="PreviousAssigneeId"/> the one before, when it changed: together they say which counselors may see it.</summary>
public sealed record NewEvent(string CenterId, Guid? ConversationId, string Type, object Payload, Guid? ActorId, Guid? AssigneeId = null, Guid? PreviousAssigneeId = null);

public sealed record MessageRef
{
    public Guid Id { get; init; }
    public Guid ConversationId { get; init; }
}

public sealed record OpenConversation
{
    public Guid Id { get; init; }
    public required string Status { get; init; }
    public required string Line { get; init; }
    public Guid? AssigneeId { get; init; }
    public DateTimeOffset? WaitingSince { get; init; }
    public DateTimeOffset? FirstResponseAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public DateTimeOffset? ClosedReplyUntil { get; init; }
}

/// <summary>The writes of the conversation model. Every method joins the caller's transaction.</summary>
public sealed class ConversationStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Our JSON is read by programs, never pasted into HTML: Korean and quotes stay as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public Task<MessageRef?> FindByProviderIdAsync(DbSession s, string centerId, string channel, string providerMessageId, CancellationToken ct) =>
        s.SingleOrDefaultAsync<MessageRef>(
            "SELECT id, conversation_id FROM messages WHERE center_id = @centerId AND channel = @channel AND provider_message_id = @providerMessageId",
            new { centerId, channel, providerMessageId }, ct);

    public Task<Guid?> FindContactByIdentityAsync(DbSession s, string centerId, string channel, string address, CancellationToken ct) =>
        s.SingleOrDefaultAsync<Guid?>(
            "SELECT contact_id FROM channel_identities WHERE center_id = @centerId AND channel = @channel AND address = @address",
            new { centerId, channel, address }, ct);

    /// <summary>
    /// The contact behind a channel identity, created on first contact. Safe under concurrency: the unique keys on
    /// (center, phone) and (center, channel, address) decide, and every caller ends on the same contact.
    /// SMS and phone identities of the same number share one contact.
    /// </summary>
    public async Task<Guid> ResolveContactAsync(DbSession s, string centerId, string channel, string address, string? phone, DateTimeOffset now, CancellationToken ct)
    {
        if (await FindContactByIdentityAsync(s, centerId, channel, address, ct) is { } known)
            return known;

        var candidate = Ids.New();
        var contactArgs = new { id = candidate, centerId, phone, now };
        const string contactColumns = "id, center_id, phone, created_at, last_seen_at";
        const string contactValues = "@id, @centerId, @phone, @now, @now";
        Guid contactId;
        if (phone is not null)
        {
            await s.ExecuteAsync(s.Dialect.InsertIgnoringDuplicates("contacts", contactColumns, contactValues), contactArgs, ct);
            contactId = await s.SingleOrDefaultAsync<Guid>("SELECT id FROM contacts WHERE center_id = @centerId AND phone = @phone", new { centerId, phone }, ct);
        }
        else
        {
            await s.ExecuteAsync($"INSERT INTO contacts ({contactColumns}) VALUES ({contactValues})", contactArgs, ct);
            contactId = candidate;
        }

        await s.ExecuteAsync(
            s.Dialect.InsertIgnoringDuplicates("channel_identities", "id, center_id, contact_id, channel, address, created_at", "@id, @centerId, @contactId, @channel, @address, @now"),
            new { id = Ids.New(), centerId, contactId, channel, address, now }, ct);
        var winner = await FindContactByIdentityAsync(s, centerId, channel, address, ct)
            ?? throw new InvalidOperationException("The channel identity vanished inside its own transaction.");
        if (winner != contactId && contactId == candidate)
            await s.ExecuteAsync("DELETE FROM contacts WHERE id = @candidate", new { candidate }, ct); // lost the race: drop our orphan
        return winner;
    }

    /// <summary>Marks the contact as seen. Also takes the contact's row lock, so one resident's messages are threaded one at a time.</summary>
    public Task LockContactAsync(DbSession s, Guid contactId, DateTimeOffset now, CancellationToken ct) =>
        s.ExecuteAsync("UPDATE contacts SET last_seen_at = @now WHERE id = @contactId", new { contactId, now }, ct);

    public Task<OpenConversation?> FindOpenConversationAsync(DbSession s, Guid contactId, CancellationToken ct) =>
        s.SingleOrDefaultAsync<OpenConversation>(
            "SELECT id, status, line, assignee_id, waiting_since, first_response_at, acknowledged_at, closed_reply_until FROM conversations WHERE contact_id = @contactId AND status <> 'resolved'",
            new { contactId }, ct);

    public async Task<Guid> InsertConversationAsync(DbSession s, string centerId, Guid contactId, string channel, string line, DateTimeOffset now, CancellationToken ct)
    {
        var id = Ids.New();
        await s.ExecuteAsync(
            """
            INSERT INTO conversations (id, center_id, contact_id, status, line, origin_channel, last_inbound_channel, priority, created_at, last_activity_at)
            VALUES (@id, @centerId, @contactId, 'open', @line, @channel, @channel, 'normal', @now, @now)
            """,
            new { id, centerId, contactId, line, channel, now }, ct);
        return id;
    }

    /// <summary>Stores the message unless its provider id is already stored; false when it was a duplicate.</summary>
    public async Task<bool> InsertMessageAsync(DbSession s, NewMessage m, CancellationToken ct)
    {
        var sql = s.Dialect.InsertIgnoringDuplicates(
            "messages",
            "id, center_id, conversation_id, contact_id, channel, direction, kind, body, subject, center_address, provider_message_id, author_id, provider_at, received_at, delivery_status, metadata, client_message_id, part",
            "@Id, @CenterId, @ConversationId, @ContactId, @Channel, @Direction, @Kind, @Body, @Subject, @CenterAddress, @ProviderMessageId, @AuthorId, @ProviderAt, @ReceivedAt, @DeliveryStatus, @Metadata, @ClientMessageId, @Part");
        return await s.ExecuteAsync(sql, m, ct) == 1;
    }

    public async Task InsertAttachmentsAsync(DbSession s, IReadOnlyList<NewAttachment> attachments, CancellationToken ct)
    {
        if (attachments.Count == 0)
            return;
        await s.ExecuteAsync(
            "INSERT INTO attachments (message_id, ordinal, purpose, url, content_type, file_name, size_bytes) VALUES (@MessageId, @Ordinal, @Purpose, @Url, @ContentType, @FileName, @SizeBytes)",
            attachments, ct);
    }

    public async Task InsertSegmentsAsync(DbSession s, IReadOnlyList<NewSegment> segments, CancellationToken ct)
    {
        if (segments.Count == 0)
            return;
        await s.ExecuteAsync(
            "INSERT INTO transcript_segments (message_id, ordinal, speaker, start_ms, end_ms, text, confidence) VALUES (@MessageId, @Ordinal, @Speaker, @StartMs, @EndMs, @Text, @Confidence)",
            segments, ct);
    }

    /// <summary>Queues a stored outbound message for the outbox worker.</summary>
    public Task QueueOutboundAsync(DbSession s, Guid messageId, string centerId, string channel, DateTimeOffset now, CancellationToken ct) =>
        s.ExecuteAsync(
            "INSERT INTO outbox (id, message_id, center_id, channel, attempts, next_attempt_at, created_at) VALUES (@id, @messageId, @centerId, @channel, 0, @now, @now)",
            new { id = Ids.New(), messageId, centerId, channel, now }, ct);

    public Task TouchConversationAsync(DbSession s, Guid conversationId, DateTimeOffset now, CancellationToken ct) =>
        s.ExecuteAsync("UPDATE conversations SET last_activity_at = @now WHERE id = @conversationId", new { conversationId, now }, ct);

    /// <summary>Appends events with store-assigned sequence numbers, in list order. Call last in the transaction:
    /// the sequence counter stays locked until commit, which keeps sequence order equal to commit order.</summary>
    public async Task<long> AppendEventsAsync(DbSession s, IReadOnlyList<NewEvent> events, DateTimeOffset now, CancellationToken ct)
    {
        if (events.Count == 0)
            throw new ArgumentException("Nothing to append.", nameof(events));
        var last = await s.ScalarAsync<long>(s.Dialect.ReserveEventSequence, new { count = events.Count }, ct);
        var seq = last - events.Count;
        var rows = events.Select(e => new
        {
            seq = ++seq,
            e.CenterId,
            e.ConversationId,
            e.Type,
            payload = Payload(e.Payload),
            e.ActorId,
            e.AssigneeId,
            e.PreviousAssigneeId,
            now,
        }).ToList();
        await s.ExecuteAsync(
            """
            INSERT INTO conversation_events (seq, center_id, conversation_id, type, payload, actor_id, assignee_id, previous_assignee_id, created_at)
            VALUES (@seq, @CenterId, @ConversationId, @Type, @payload, @ActorId, @AssigneeId, @PreviousAssigneeId, @now)
            """,
            rows, ct);
        return last;
    }

    /// <summary>An event's payload as every subscriber will read it: any text in it has its registration numbers masked.</summary>
    private static string Payload(object payload)
    {
        var node = JsonSerializer.SerializeToNode(payload, Json);
        ResidentRegistrationNumber.MaskStrings(node);
        return node?.ToJsonString(Json) ?? "null";
    }
}
