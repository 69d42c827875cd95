using System.Text.Json;
using Inbox.Calendar;
using Inbox.Callbacks;
using Inbox.Channels;
using Inbox.Conversations;
using Inbox.Live;
using Inbox.Privacy;
using Inbox.Reports;
using Inbox.Storage;

namespace Inbox.Ingest;

/// <summary>Turns what the channel adapters hand over into the one conversation model, one transaction per webhook.</summary>
public sealed class IngestService(
    Database database, ConversationStore store, ChannelRegistry channels, CalendarService calendars, ResponseRules rules, CallbackRules callbacks, EventSignal signal, OutboxSignal outbox,
    TimeProvider clock)
{
    public async Task<IngestResult> IngestAsync(InboundMessage m, CancellationToken ct)
    {
        var calendar = await calendars.ForCenterAsync(m.CenterId, ct); // before the transaction: it may read the store
        await using var s = await database.BeginAsync(ct);
        if (await store.FindByProviderIdAsync(s, m.CenterId, m.Channel, m.ProviderMessageId, ct) is { } known)
            return new IngestResult(IngestOutcome.Duplicate, known.ConversationId, known.Id, null);

        var now = clock.GetUtcNow();
        // A counselor's call made for a request whose number was only given in a chat joins that chat, and the number stays
        // nobody's: the call neither reaches into a record of that number nor gives it to the chat.
        var forRequest = await CallbackRules.FindRequestForCallAsync(s, m, ct);
        var contactId = forRequest?.ContactId
            ?? await store.ResolveContactAsync(s, m.CenterId, m.Channel, m.ResidentAddress, m.ResidentPhone, now, ct);
        await store.LockContactAsync(s, contactId, now, ct);

        var events = new List<NewEvent>();
        var conversation = await store.FindOpenConversationAsync(s, contactId, ct);
        Guid conversationId;
        var assigneeId = conversation?.AssigneeId;
        var line = conversation?.Line ?? channels.Get(m.Channel).Line;
        if (conversation is null && m.OnlyIfOpen)
            return new IngestResult(IngestOutcome.Ignored, null, null, null);
        if (conversation is null)
        {
            conversationId = await store.InsertConversationAsync(s, m.CenterId, contactId, m.Channel, line, now, ct);
            events.Add(new NewEvent(m.CenterId, conversationId, EventType.ConversationOpened, new { contactId, channel = m.Channel, line }, null));
        }
        else
        {
            conversationId = conversation.Id;
        }

        var messageId = Ids.New();
        var stored = await store.InsertMessageAsync(s, new NewMessage
        {
            Id = messageId, CenterId = m.CenterId, ConversationId = conversationId, ContactId = contactId, Channel = m.Channel,
            Direction = m.Direction, Kind = m.Kind, Body = m.Body, Subject = m.Subject, CenterAddress = m.CenterAddress,
            ProviderMessageId = m.ProviderMessageId, ProviderAt = m.ProviderAt?.ToUniversalTime(), ReceivedAt = now,
            Metadata = StoredMetadata(m),
        }, ct);
        if (!stored)
        {
            // Delivered twice at once: the other request stored it. Roll back whatever this one created.
            return new IngestResult(IngestOutcome.Duplicate, null, null, null);
        }

        await store.InsertAttachmentsAsync(s, [.. m.Attachments.Select((a, i) => new NewAttachment(messageId, i, a.Purpose, a.Url, a.ContentType, a.FileName, a.SizeBytes))], ct);
        await store.InsertSegmentsAsync(s, [.. m.Segments.Select((g, i) => new NewSegment(messageId, i, g.Speaker, g.StartMs, g.EndMs, g.Text, g.Confidence))], ct);
        // A resident's own words make the conversation wait on the center; system notices and outbound calls do not.
        if (m.Direction == Direction.In && m.Kind != MessageKind.System)
            await Deadlines.ResidentWroteAsync(s, conversationId, m.Channel, now, ct);
        else
            await store.TouchConversationAsync(s, conversationId, now, ct);

        events.Add(new NewEvent(m.CenterId, conversationId, EventType.MessageAdded, new { messageId, channel = m.Channel, direction = m.Direction, kind = m.Kind }, null, assigneeId));
        await Ledger.AppendAsync(s, LedgerEntries(m, conversation is null, conversationId, messageId, now), ct);
        var (automatic, queued) = await rules.ApplyAsync(s, calendar, m, conversationId, contactId, messageId, conversation, assigneeId, now, ct);
        events.AddRange(automatic);
        var callbackEvents = await callbacks.OnMessageAsync(s, calendar, m, conversationId, contactId, messageId, assigneeId, now, ct);
        events.AddRange(callbackEvents);
        queued |= callbackEvents.Any(e => e.Type == EventType.MessageAdded);
        var last = await store.AppendEventsAsync(s, events, now, ct);
        await s.CommitAsync(ct);
        signal.Ring();
        if (queued)
            outbox.Ring();
        return new IngestResult(IngestOutcome.Stored, conversationId, messageId, last);
    }

    /// <summary>What the message counts as: a call (either way, with its outcome) or a resident's message; and a new conversation.</summary>
    private static List<LedgerEntry> LedgerEntries(InboundMessage m, bool opened, Guid conversationId, Guid messageId, DateTimeOffset now)
    {
        var entries = new List<LedgerEntry>();
        if (opened)
            entries.Add(new LedgerEntry(LedgerKind.Opened, conversationId, now) { Channel = m.Channel });
        if (m.Channel == Channel.Phone)
            entries.Add(new LedgerEntry(LedgerKind.Call, conversationId, now)
            {
                Channel = m.Channel, Outcome = (m.Details as CallDetails)?.Status, Reason = m.Direction, RefId = messageId,
            });
        else if (m.Direction == Direction.In && m.Kind != MessageKind.System)
            entries.Add(new LedgerEntry(LedgerKind.MessageIn, conversationId, now) { Channel = m.Channel, RefId = messageId });
        return entries;
    }

    /// <summary>The channel details as counselors will read them: registration numbers masked (URLs kept, they fetch the recording).</summary>
    private static string? StoredMetadata(InboundMessage m)
    {
        if (m.Details is null)
            return null;
        var node = JsonSerializer.SerializeToNode(m.Details, m.Details.GetType(), ConversationStore.Json);
        ResidentRegistrationNumber.MaskStrings(node);
        return node!.ToJsonString(ConversationStore.Json);
    }
}
