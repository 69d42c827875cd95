using Inbox.Channels;

namespace Inbox.Outbound.Senders;

/// <summary>
/// Picks the sender of a channel from its outbound setting (<see cref="ChannelDefinition.OutboundKey"/>, e.g.
/// <c>Channels:Sms:Outbound</c> = <c>twilio</c> | <c>gateway</c> | <c>loopback</c>), read on every call so a provider can
/// be switched without a restart. Unset means loopback.
/// </summary>
public sealed class SenderSelector(IConfiguration configuration, ChannelRegistry channels, IEnumerable<IChannelSender> senders)
{
    public const string Loopback = "loopback";

    private readonly IReadOnlyList<IChannelSender> _senders = senders.ToList();

    /// <summary>The sender configured for <paramref name="channel"/>.</summary>
    /// <exception cref="ArgumentException">The channel cannot carry text replies (phone) or is unknown.</exception>
    /// <exception cref="InvalidOperationException">
    /// The setting names no known provider, or a setting the chosen provider needs is missing (the message names the key
    /// and its environment variable).
    /// </exception>
    public IChannelSender For(string channel)
    {
        var definition = channels.Find(channel);
        if (definition is not { Address: not null, OutboundKey: { } key })
            throw new ArgumentException(
                $"The '{channel}' channel cannot carry text replies; replies go out on {string.Join(" and ", channels.TextChannels.Select(c => c.Name))} only.", nameof(channel));
        IReadOnlyList<ProviderChoice> choices = [.. definition.Providers, new(Loopback, typeof(LoopbackSender), _ => null)];

        var configured = configuration[key]?.Trim();
        var wanted = string.IsNullOrEmpty(configured) ? Loopback : configured;
        var choice = choices.FirstOrDefault(c => string.Equals(c.Setting, wanted, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"{key} (environment variable {ProviderCall.EnvironmentVariable(key)}) is '{configured}', which is not a provider of the {channel} channel. " +
                $"Allowed values: {string.Join(", ", choices.Select(c => c.Setting))} (unset means {Loopback}).");

        if (choice.Problem(configuration) is { } problem)
            throw new InvalidOperationException($"{key} is '{choice.Setting}', but {problem}");

        return _senders.LastOrDefault(s => s.Channel == channel && s.GetType() == choice.Sender)
            ?? throw new InvalidOperationException(
                $"{key} is '{choice.Setting}', but no {choice.Sender.Name} of the {channel} channel is registered (services.AddChannel(...)).");
    }

    /// <summary>Resolves every text channel once, so a wrong or incomplete setting is reported at start-up rather than at the first reply.</summary>
    public void Validate()
    {
        foreach (var channel in channels.TextChannels)
            For(channel.Name);
    }
}
