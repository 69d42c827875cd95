namespace Inbox.Outbound.Senders;

public static class Senders
{
    /// <summary>The named HttpClient every provider call goes through.</summary>
    public const string HttpClientName = "providers";

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>How long a provider has to answer before the send counts as a timeout (and is retried).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Registers the HttpClient "providers" (15 s timeout, no redirects) the channels' senders call their providers with.</summary>
    public static IServiceCollection AddProviderHttpClient(this IServiceCollection services)
    {
        services.AddHttpClient(HttpClientName, client =>
            {
                client.Timeout = Timeout;
                client.MaxResponseContentBufferSize = 1024 * 1024;
            })
            // A POST that is redirected comes back as a GET without its body: better refused (3xx → Failed) than half sent.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
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
