using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Storage;

namespace Inbox.Channels;

/// <summary>How a reply to a resident is addressed and cut into parts, asking the channel it goes out on.</summary>
public sealed class ReplyRouting(ChannelRegistry channels, CenterDirectory centers)
{
    /// <summary>The channel a reply goes out on: the one the counselor named, else the one the resident last wrote on (after a call: its reply channel).</summary>
    public string ChannelFor(string lastInboundChannel, string? named) =>
        named ?? channels.Find(lastInboundChannel)?.ReplyChannel ?? lastInboundChannel;

    /// <summary>The resident's address on <paramref name="channel"/> and the center's address to answer from.</summary>
    /// <exception cref="ConversationActionException">The channel carries no replies, or the resident or the center has no address on it.</exception>
    public async Task<(string Resident, string Center)> AddressesAsync(DbSession s, ConversationState state, string channel, CancellationToken ct)
    {
        var definition = channels.Find(channel);
        if (definition?.Address is not { } address)
            throw new ConversationActionException($"Replies go by {string.Join(" or ", channels.TextChannels.Select(c => c.Name))}, not {channel}.");
        var resident = address.Source switch
        {
            ReplyAddressSource.ContactPhone => state.ContactPhone,
            _ => await s.SingleOrDefaultAsync<string>(
                "SELECT address FROM channel_identities WHERE contact_id = @ContactId AND channel = @channel ORDER BY created_at DESC " + s.Dialect.Limit("1"),
                new { state.ContactId, channel }, ct),
        } ?? throw new ConversationActionException(address.Unreachable);
        // Answer from the address the resident wrote to, so the reply arrives in the same thread on their phone.
        var lastUsed = await s.SingleOrDefaultAsync<string>(
            $"SELECT center_address FROM messages WHERE contact_id = @ContactId AND channel = @channel AND direction = 'in' AND center_address IS NOT NULL ORDER BY received_at DESC {s.Dialect.Limit("1")}",
            new { state.ContactId, channel }, ct);
        var from = lastUsed ?? centers.Find(state.CenterId)!.AddressesOn(channel).FirstOrDefault()
            ?? throw new ConversationActionException($"The center has no {channel} address configured to send from.");
        return (resident, from);
    }

    /// <summary>The reply cut into the parts <paramref name="channel"/> sends.</summary>
    /// <exception cref="ConversationActionException">The text cannot go on that channel (the message says why).</exception>
    public IReadOnlyList<ReplyPart> Split(string channel, string text)
    {
        try
        {
            return channels.Get(channel).Split(text);
        }
        catch (ArgumentException e)
        {
            throw new ConversationActionException(e.Message);
        }
    }
}
