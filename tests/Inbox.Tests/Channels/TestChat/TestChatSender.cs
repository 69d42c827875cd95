using System.Collections.Concurrent;
using Inbox.Outbound;

namespace Inbox.Tests.Channels.TestChat;

/// <summary>The test chat's provider: records what it is handed (as a provider would receive it) and accepts it.</summary>
public sealed class TestChatSender : IChannelSender
{
    private readonly ConcurrentQueue<OutboundMessage> _sent = new();

    public string Channel => TestChatDefinition.ChannelName;

    public string Name => "recorder";

    public IReadOnlyList<OutboundMessage> Sent => [.. _sent];

    public Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        _sent.Enqueue(message);
        return Task.FromResult<SendResult>(new SendResult.Accepted($"tc-{message.MessageId:N}"));
    }
}
