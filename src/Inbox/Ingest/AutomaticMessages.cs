using Inbox.Channels;
using Inbox.Conversations;
using Inbox.Reports;
using Inbox.Storage;

namespace Inbox.Ingest;

/// <summary>Messages the system sends to a resident on its own (acknowledgements, out-of-hours replies, asking for a
/// number): stored as outbound text without an author, queued, and never counted as a counselor's response.</summary>
public sealed class AutomaticMessages(ConversationStore store, ChannelRegistry channels)
{
    public async Task<List<NewEvent>> QueueAsync(
        DbSession s, string centerId, Guid conversationId, Guid contactId, string channel, string residentAddress, string centerAddress,
        string text, string purpose, Guid? assigneeId, DateTimeOffset now, CancellationToken ct)
    {
        var parts = channels.Get(channel).Split(text).Select(p => p.Text).ToList();
        var events = new List<NewEvent>();
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.AutomaticOut, conversationId, now) { Channel = channel, Reason = purpose }, ct);
        foreach (var part in parts)
        {
            var id = Ids.New();
            await store.InsertMessageAsync(s, new NewMessage
            {
                Id = id, CenterId = centerId, ConversationId = conversationId, ContactId = contactId, Channel = channel,
                Direction = Direction.Out, Kind = MessageKind.Text, Body = part, CenterAddress = centerAddress, ReceivedAt = now,
                DeliveryStatus = DeliveryStatus.Queued,
                Metadata = System.Text.Json.JsonSerializer.Serialize(new { to = residentAddress, automatic = purpose }, ConversationStore.Json),
            }, ct);
            await store.QueueOutboundAsync(s, id, centerId, channel, now, ct);
            events.Add(new NewEvent(centerId, conversationId, EventType.MessageAdded,
                new { messageId = id, channel, direction = Direction.Out, kind = MessageKind.Text, automatic = purpose }, null, assigneeId));
        }
        return events;
    }
}
