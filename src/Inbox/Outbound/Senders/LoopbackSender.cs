namespace Inbox.Outbound.Senders;

/// <summary>
/// The sender of a channel with no provider configured (development, demos): nothing leaves the machine, the reply
/// counts as delivered, and the log says so, so nobody mistakes it for a message the resident received.
/// </summary>
public sealed class LoopbackSender(string channel, string? outboundKey, ILogger<LoopbackSender> logger) : IChannelSender
{
    public string Channel { get; } = channel;

    public string Name => "loopback";

    public Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        Senders.EnsureChannel(this, message);
        ct.ThrowIfCancellationRequested();
        Log.ReplyKeptLocal(logger, message.MessageId, ProviderCall.MaskAddress(message.ResidentAddress), Channel, outboundKey ?? "a provider");
        return Task.FromResult<SendResult>(new SendResult.Accepted(null, Delivered: true));
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Reply {MessageId} to {To} did not leave this machine: no provider is configured for the {Channel} channel (set {OutboundKey})")]
    public static partial void ReplyKeptLocal(ILogger logger, Guid messageId, string to, string channel, string outboundKey);
}
