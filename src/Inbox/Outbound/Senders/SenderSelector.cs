using Inbox.Conversations;

namespace Inbox.Outbound.Senders;

/// <summary>
/// Picks the sender of a channel from configuration, read on every call so a provider can be switched without a
/// restart: <c>Channels:Sms:Outbound</c> = <c>twilio</c> | <c>gateway</c> | <c>loopback</c> (the default) and
/// <c>Channels:Kakao:Outbound</c> = <c>dealer</c> | <c>loopback</c> (the default).
/// </summary>
public sealed class SenderSelector(IConfiguration configuration, IEnumerable<IChannelSender> senders)
{
    public const string SmsOutboundKey = "Channels:Sms:Outbound";
    public const string KakaoOutboundKey = "Channels:Kakao:Outbound";
    public const string Loopback = "loopback";

    /// <summary>The channels replies can be sent on.</summary>
    public static readonly IReadOnlyList<string> TextChannels = [Channel.Sms, Channel.Kakao];

    private static readonly IReadOnlyList<Choice> SmsChoices =
    [
        new("twilio", "twilio", TwilioSmsSender.ConfigurationProblem),
        new("gateway", "gateway", GatewaySmsSender.ConfigurationProblem),
        new(Loopback, Loopback, _ => null),
    ];

    private static readonly IReadOnlyList<Choice> KakaoChoices =
    [
        new("dealer", "kakao-dealer", KakaoDealerSender.ConfigurationProblem),
        new(Loopback, Loopback, _ => null),
    ];

    private readonly IReadOnlyList<IChannelSender> _senders = senders.ToList();

    /// <summary>The setting that chooses the provider of <paramref name="channel"/>; null for a channel without replies.</summary>
    public static string? OutboundKey(string channel) => channel switch
    {
        Channel.Sms => SmsOutboundKey,
        Channel.Kakao => KakaoOutboundKey,
        _ => null,
    };

    /// <summary>The sender configured for <paramref name="channel"/>.</summary>
    /// <exception cref="ArgumentException">The channel cannot carry text replies (phone) or is unknown.</exception>
    /// <exception cref="InvalidOperationException">
    /// The setting names no known provider, or a setting the chosen provider needs is missing (the message names the key
    /// and its environment variable).
    /// </exception>
    public IChannelSender For(string channel)
    {
        var (key, choices) = channel switch
        {
            Channel.Sms => (SmsOutboundKey, SmsChoices),
            Channel.Kakao => (KakaoOutboundKey, KakaoChoices),
            _ => throw new ArgumentException(
                $"The '{channel}' channel cannot carry text replies; replies go out on {string.Join(" and ", TextChannels)} only.", nameof(channel)),
        };

        var configured = configuration[key]?.Trim();
        var wanted = string.IsNullOrEmpty(configured) ? Loopback : configured;
        var choice = choices.FirstOrDefault(c => string.Equals(c.Setting, wanted, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"{key} (environment variable {ProviderCall.EnvironmentVariable(key)}) is '{configured}', which is not a provider of the {channel} channel. " +
                $"Allowed values: {string.Join(", ", choices.Select(c => c.Setting))} (unset means {Loopback}).");

        if (choice.Problem(configuration) is { } problem)
            throw new InvalidOperationException($"{key} is '{choice.Setting}', but {problem}");

        return _senders.LastOrDefault(s => s.Channel == channel && s.Name == choice.SenderName)
            ?? throw new InvalidOperationException(
                $"{key} is '{choice.Setting}', but no '{choice.SenderName}' sender of the {channel} channel is registered (services.AddChannelSenders()).");
    }

    /// <summary>Resolves every text channel once, so a wrong or incomplete setting is reported at start-up rather than at the first reply.</summary>
    public void Validate()
    {
        foreach (var channel in TextChannels)
            For(channel);
    }

    private sealed record Choice(string Setting, string SenderName, Func<IConfiguration, string?> Problem);
}
