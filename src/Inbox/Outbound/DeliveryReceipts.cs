using Inbox.Conversations;
using Inbox.Live;
using Inbox.Privacy;
using Inbox.Storage;

namespace Inbox.Outbound;

/// <summary>Applies a provider's delivery receipt to the reply it names. Statuses only move forward.</summary>
public sealed class DeliveryReceipts(Database database, ConversationStore store, EventSignal events, TimeProvider clock)
{
    /// <summary>False when no reply of ours has that provider id (the receipt is acknowledged and ignored).</summary>
    public async Task<bool> ApplyAsync(string channel, string providerMessageId, string status, string? error, CancellationToken ct)
    {
        await using var s = await database.BeginAsync(ct);
        var message = await s.SingleOrDefaultAsync<ReceiptTarget>(
            """
            SELECT m.id, m.center_id, m.conversation_id, m.delivery_status, c.assignee_id
            FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.channel = @channel AND m.provider_message_id = @providerMessageId AND m.direction = 'out'
            """,
            new { channel, providerMessageId }, ct);
        if (message is null)
            return false;
        if (DeliveryStatus.Rank(status) <= DeliveryStatus.Rank(message.DeliveryStatus))
            return true;
        var now = clock.GetUtcNow();
        error = ResidentRegistrationNumber.Mask(error); // the provider's words, read by counselors
        await s.ExecuteAsync("UPDATE messages SET delivery_status = @status, delivery_error = @error WHERE id = @Id",
            new { status, error = status == DeliveryStatus.Failed ? error : null, message.Id }, ct);
        await store.AppendEventsAsync(s, [new NewEvent(message.CenterId, message.ConversationId, EventType.MessageUpdated,
            new { messageId = message.Id, status, error }, null, message.AssigneeId)], now, ct);
        await s.CommitAsync(ct);
        events.Ring();
        return true;
    }

    private sealed record ReceiptTarget
    {
        public Guid Id { get; init; }
        public required string CenterId { get; init; }
        public Guid ConversationId { get; init; }
        public string? DeliveryStatus { get; init; }
        public Guid? AssigneeId { get; init; }
    }
}
