using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inbox.Outbound.Senders;

public static class Senders
{
    /// <summary>The named HttpClient every provider call goes through.</summary>
    public const string HttpClientName = "providers";

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>How long a provider has to answer before the send counts as a timeout (and is retried).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Registers the HttpClient "providers" (15 s timeout, no redirects), the Twilio, gateway and Kakao dealer senders,
    /// a loopback sender for sms and for kakao (all as <see cref="IChannelSender"/>), and <see cref="SenderSelector"/>.
    /// </summary>
    public static IServiceCollection AddChannelSenders(this IServiceCollection services)
    {
        services.AddHttpClient(HttpClientName, client =>
            {
                client.Timeout = Timeout;
                client.MaxResponseContentBufferSize = 1024 * 1024;
            })
            // A POST that is redirected comes back as a GET without its body: better refused (3xx → Failed) than half sent.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<TwilioSmsSender>();
        services.TryAddSingleton<GatewaySmsSender>();
        services.TryAddSingleton<KakaoDealerSender>();
        services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<TwilioSmsSender>());
        services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<GatewaySmsSender>());
        services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<KakaoDealerSender>());
        foreach (var channel in SenderSelector.TextChannels)
            services.AddSingleton<IChannelSender>(sp => new LoopbackSender(channel, sp.GetRequiredService<ILogger<LoopbackSender>>()));
        services.TryAddSingleton<SenderSelector>();
        return services;
    }

    /// <summary>A message handed to the sender of another channel is a bug in the caller, not a provider outcome.</summary>
    internal static void EnsureChannel(IChannelSender sender, OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Channel != sender.Channel)
            throw new ArgumentException($"The {sender.Name} sender sends on the {sender.Channel} channel, not '{message.Channel}'.", nameof(message));
    }
}
