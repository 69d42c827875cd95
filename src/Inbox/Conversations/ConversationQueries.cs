using System.Text;
using Inbox.Accounts;
using Inbox.Storage;

namespace Inbox.Conversations;

/// <summary>What a list asks for; <paramref name="Viewer"/> bounds it to what they may see (<see cref="Visibility"/>).</summary>
public sealed record ConversationFilter(Caller Viewer, string? Status, string? Channel, string? Line, Guid? AssigneeId, bool Unassigned, string? ContactPhone);

public sealed record ConversationSummary
{
    public Guid Id { get; init; }
    public required string Status { get; init; }
    public required string Line { get; init; }
    public required string Channel { get; init; }
    public required string OriginChannel { get; init; }
    public required string Priority { get; init; }
    public Guid? AssigneeId { get; init; }
    public string? Category { get; init; }
    public string? Program { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FirstResponseAt { get; init; }
    public DateTimeOffset? WaitingSince { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset LastActivityAt { get; init; }
    public string? TriagePhrase { get; init; }
    public Guid ContactId { get; init; }
    public string? ContactName { get; init; }
    public string? ContactPhone { get; init; }
}

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record IdentityRow
{
    public Guid ContactId { get; init; }
    public required string Channel { get; init; }
    public required string Address { get; init; }
    public string? Source { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public sealed record ContactRow
{
    public Guid Id { get; init; }
    public string? DisplayName { get; init; }
    public string? Phone { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastSeenAt { get; init; }
}

public sealed record MessageRow
{
    public Guid Id { get; init; }
    public required string Channel { get; init; }
    public required string Direction { get; init; }
    public required string Kind { get; init; }
    public string? Body { get; init; }
    public string? Subject { get; init; }
    public string? CenterAddress { get; init; }
    public string? ProviderMessageId { get; init; }
    public Guid? AuthorId { get; init; }
    public DateTimeOffset? ProviderAt { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public string? DeliveryStatus { get; init; }
    public string? DeliveryError { get; init; }
    public string? Metadata { get; init; }
}

public sealed record AttachmentRow
{
    public Guid MessageId { get; init; }
    public int Ordinal { get; init; }
    public required string Purpose { get; init; }
    public required string Url { get; init; }
    public string? ContentType { get; init; }
    public string? FileName { get; init; }
    public long? SizeBytes { get; init; }
}

public sealed record SegmentRow
{
    public Guid MessageId { get; init; }
    public int Ordinal { get; init; }
    public required string Speaker { get; init; }
    public int StartMs { get; init; }
    public int EndMs { get; init; }
    public required string Text { get; init; }
    public double? Confidence { get; init; }
}

public sealed record ConversationDetail(
    ConversationSummary Conversation, ContactRow Contact, IReadOnlyList<IdentityRow> Identities,
    IReadOnlyList<MessageRow> Messages, IReadOnlyList<AttachmentRow> Attachments, IReadOnlyList<SegmentRow> Segments,
    IReadOnlyList<Inbox.Callbacks.CallbackRow> Callbacks, IReadOnlyList<ReferralRow> Referrals);

public sealed record ReferralRow
{
    public Guid Id { get; init; }
    public required string Kind { get; init; }
    public required string Target { get; init; }
    public string? Note { get; init; }
    public Guid? ReferredBy { get; init; }
    public DateTimeOffset ReferredAt { get; init; }
}

/// <summary>The reads of the conversation model, always within one center.</summary>
public sealed class ConversationQueries(Database database)
{
    private const string SummarySelect = """
        SELECT c.id, c.status, c.line, c.last_inbound_channel AS channel, c.origin_channel, c.priority, c.assignee_id, c.category, c.program,
               c.created_at, c.first_response_at, c.waiting_since, c.due_at, c.resolved_at, c.last_activity_at, c.triage_phrase,
               c.contact_id, k.display_name AS contact_name, k.phone AS contact_phone
        FROM conversations c JOIN contacts k ON k.id = c.contact_id
        """;

    /// <summary>Most recent activity first, keyset-paged: the cursor is the last row of the previous page.</summary>
    public async Task<Page<ConversationSummary>> ListAsync(ConversationFilter f, int limit, string? cursor, CancellationToken ct)
    {
        var sql = new StringBuilder(SummarySelect).Append(" WHERE ").Append(Visibility.ConversationSql(f.Viewer, "c"));
        if (f.Status is not null) sql.Append(" AND c.status = @Status");
        if (f.Channel is not null) sql.Append(" AND c.last_inbound_channel = @Channel");
        if (f.Line is not null) sql.Append(" AND c.line = @Line");
        if (f.AssigneeId is not null) sql.Append(" AND c.assignee_id = @AssigneeId");
        if (f.Unassigned) sql.Append(" AND c.assignee_id IS NULL");
        if (f.ContactPhone is not null) sql.Append(" AND k.phone = @ContactPhone");
        var after = Cursor.Decode(cursor);
        await using var s = await database.ReadAsync(ct);
        if (after is not null)
            sql.Append(" AND (c.last_activity_at < @AfterAt OR (c.last_activity_at = @AfterAt AND ").Append(s.Dialect.IdOrder("c.id")).Append(" < ").Append(s.Dialect.IdOrder("@AfterId")).Append("))");
        sql.Append(" ORDER BY c.last_activity_at DESC, ").Append(s.Dialect.IdOrder("c.id")).Append(" DESC ").Append(s.Dialect.Limit("@Take"));

        var rows = await s.QueryAsync<ConversationSummary>(sql.ToString(), new
        {
            f.Viewer.CenterId, f.Viewer.AccountId, f.Status, f.Channel, f.Line, f.AssigneeId, f.ContactPhone,
            AfterAt = after?.At, AfterId = after?.Id, Take = limit + 1,
        }, ct);
        if (rows.Count <= limit)
            return new Page<ConversationSummary>(rows, null);
        var last = rows[limit - 1];
        return new Page<ConversationSummary>(rows.Take(limit).ToList(), Cursor.Encode(last.LastActivityAt, last.Id));
    }

    /// <summary>The conversation with its messages, if <paramref name="viewer"/> may see it (<see cref="Visibility"/>).</summary>
    public async Task<ConversationDetail?> GetAsync(Caller viewer, Guid id, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        var conversation = await s.SingleOrDefaultAsync<ConversationSummary>(
            SummarySelect + " WHERE c.id = @id AND " + Visibility.ConversationSql(viewer, "c"), new { id, viewer.CenterId, viewer.AccountId }, ct);
        if (conversation is null)
            return null;
        var contact = await s.SingleOrDefaultAsync<ContactRow>(
            "SELECT id, display_name, phone, created_at, last_seen_at FROM contacts WHERE id = @ContactId", new { conversation.ContactId }, ct);
        var identities = await s.QueryAsync<IdentityRow>(
            "SELECT contact_id, channel, address, source, created_at FROM channel_identities WHERE contact_id = @ContactId ORDER BY created_at, channel", new { conversation.ContactId }, ct);
        var messages = await s.QueryAsync<MessageRow>(
            $"""
            SELECT id, channel, direction, kind, body, subject, center_address, provider_message_id, author_id, provider_at, received_at, delivery_status, delivery_error, metadata
            FROM messages WHERE conversation_id = @id ORDER BY received_at, {s.Dialect.IdOrder("id")}
            """, new { id }, ct);
        var attachments = await s.QueryAsync<AttachmentRow>(
            """
            SELECT a.message_id, a.ordinal, a.purpose, a.url, a.content_type, a.file_name, a.size_bytes
            FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = @id ORDER BY a.message_id, a.ordinal
            """, new { id }, ct);
        var segments = await s.QueryAsync<SegmentRow>(
            """
            SELECT t.message_id, t.ordinal, t.speaker, t.start_ms, t.end_ms, t.text, t.confidence
            FROM transcript_segments t JOIN messages m ON m.id = t.message_id WHERE m.conversation_id = @id ORDER BY t.message_id, t.ordinal
            """, new { id }, ct);
        var callbacks = await s.QueryAsync<Inbox.Callbacks.CallbackRow>(
            $"{Inbox.Callbacks.CallbackRules.ViewSql} WHERE r.conversation_id = @id ORDER BY r.requested_at, {s.Dialect.IdOrder("r.id")}", new { id }, ct);
        var referrals = await s.QueryAsync<ReferralRow>(
            $"SELECT id, kind, target, note, referred_by, referred_at FROM referrals WHERE conversation_id = @id ORDER BY referred_at, {s.Dialect.IdOrder("id")}", new { id }, ct);
        return new ConversationDetail(conversation, contact!, identities, messages, attachments, segments, callbacks, referrals);

    }

    /// <summary>An opaque page cursor: the activity time and id of the last row seen.</summary>
    internal static class Cursor
    {
        public static string Encode(DateTimeOffset at, Guid id) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{at.UtcTicks}:{id:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static (DateTimeOffset At, Guid Id)? Decode(string? cursor)
        {
            if (string.IsNullOrEmpty(cursor))
                return null;
            try
            {
                var padded = cursor.Replace('-', '+').Replace('_', '/');
                padded += new string('=', (4 - padded.Length % 4) % 4);
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
                return (new DateTimeOffset(long.Parse(parts[0]), TimeSpan.Zero), Guid.ParseExact(parts[1], "N"));
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                throw new FormatException("The cursor is not one this server handed out.");
            }
        }
    }
}
