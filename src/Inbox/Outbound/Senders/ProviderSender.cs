namespace Inbox.Outbound.Senders;

/// <summary>What every provider's sender does around the call itself: check the channel, time it, log the outcome.</summary>
public abstract class ProviderSender(TimeProvider clock, ILogger logger) : IChannelSender
{
    protected TimeProvider Clock => clock;

    public abstract string Channel { get; }

    public abstract string Name { get; }

    public async Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct)
    {
        Senders.EnsureChannel(this, message);
        var started = clock.GetTimestamp();
        var result = await SendCoreAsync(message, ct);
        ProviderCall.LogOutcome(logger, this, message, result, clock.GetElapsedTime(started));
        return result;
    }

    protected abstract Task<SendResult> SendCoreAsync(OutboundMessage message, CancellationToken ct);
}
