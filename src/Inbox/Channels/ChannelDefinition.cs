using Inbox.Outbound;
using Inbox.Outbound.Senders;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inbox.Channels;

/// <summary>
/// Everything the generic code needs to know about one channel: its stored name, how reports name it, its line, its
/// webhooks, and for a channel that carries text replies how a reply is addressed, cut into parts and sent. One
/// instance per channel, registered with <see cref="ChannelRegistration.AddChannel"/>; generic code asks
/// <see cref="ChannelRegistry"/> rather than naming channels. See docs/channels.md.
/// </summary>
public abstract class ChannelDefinition
{
    /// <summary>The name stored in every table and sent on the wire (<c>messages.channel</c>, events, the API): lowercase, at most 20 characters, never renamed once stored.</summary>
    public abstract string Name { get; }

    /// <summary>How reports and the daily sheet name the channel (Korean).</summary>
    public abstract string DisplayName { get; }

    /// <summary>The line a conversation that starts on this channel is on, and whose response rule a resident's message on it is held to.</summary>
    public abstract string Line { get; }

    /// <summary>The adapter that maps the channel's webhooks under <c>/webhooks</c> (created once, from the server's services); null for none.</summary>
    public virtual Type? Webhooks => null;

    /// <summary>How a reply finds the resident on this channel; null when the channel carries no text replies (phone).</summary>
    public virtual ReplyAddress? Address => null;

    /// <summary>The channel a reply goes out on when the resident last wrote here: this one, or another for a channel without text replies (after a call: SMS).</summary>
    public virtual string? ReplyChannel => Address is null ? null : Name;

    /// <summary>The setting that chooses the provider replies leave through (unset: loopback); null for a channel without text replies.</summary>
    public virtual string? OutboundKey => null;

    /// <summary>The providers <see cref="OutboundKey"/> may name (loopback is always allowed too).</summary>
    public virtual IReadOnlyList<ProviderChoice> Providers => [];

    /// <summary>
    /// Cuts a reply (or an automatic message) into the parts the provider sends, concatenating to the text.
    /// </summary>
    /// <exception cref="ArgumentException">The text cannot go on this channel; the message says why, for the counselor.</exception>
    public virtual IReadOnlyList<ReplyPart> Split(string text) =>
        throw new NotSupportedException($"The {Name} channel carries no text replies.");

    /// <summary>Start-up checks of the channel's own settings (the server refuses to start with the message).</summary>
    public virtual void Validate(IConfiguration configuration, IHostEnvironment environment)
    {
    }
}

/// <summary>Where the resident's address for a reply comes from.</summary>
public enum ReplyAddressSource
{
    /// <summary>The contact's own phone number (E.164).</summary>
    ContactPhone,

    /// <summary>The address of the contact's most recent identity on the channel (a Kakao user key, a chat session).</summary>
    LatestIdentity,
}

/// <param name="Unreachable">Shown to the counselor when the contact has no such address.</param>
public sealed record ReplyAddress(ReplyAddressSource Source, string Unreachable);

/// <summary>One part of a reply as it is stored and sent; <paramref name="Type"/> is what the provider is told (SMS: "SMS" or "LMS").</summary>
public sealed record ReplyPart(string Text, string? Type = null);

/// <summary>A value of a channel's outbound setting and the sender it chooses; <paramref name="Problem"/> says what that provider's settings lack (null: complete).</summary>
public sealed record ProviderChoice(string Setting, Type Sender, Func<IConfiguration, string?> Problem);

/// <summary>The channels the server ships with, one line each.</summary>
public static class BuiltInChannels
{
    public static IReadOnlyList<ChannelDefinition> All =>
    [
        new Sms.SmsDefinition(),
        new Kakao.KakaoDefinition(),
        new Phone.PhoneDefinition(),
    ];
}

public static class ChannelRegistration
{
    /// <summary>
    /// The channel machinery (registry, sender selector, the providers' HttpClient) and the built-in channels.
    /// </summary>
    public static IServiceCollection AddInboxChannels(this IServiceCollection services)
    {
        services.AddProviderHttpClient();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ChannelRegistry(sp.GetServices<ChannelDefinition>()));
        services.TryAddSingleton<SenderSelector>();
        foreach (var channel in BuiltInChannels.All)
            services.AddChannel(channel);
        return services;
    }

    /// <summary>
    /// Registers one channel: its definition, each of its providers' senders (as <see cref="IChannelSender"/>) and, for a
    /// channel with text replies, its loopback sender. Its webhooks are mapped when the server starts.
    /// </summary>
    public static IServiceCollection AddChannel(this IServiceCollection services, ChannelDefinition channel)
    {
        services.AddSingleton(channel);
        foreach (var provider in channel.Providers)
        {
            services.TryAddSingleton(provider.Sender);
            services.AddSingleton(typeof(IChannelSender), sp => sp.GetRequiredService(provider.Sender));
        }
        if (channel.Address is not null)
            services.AddSingleton<IChannelSender>(sp => new LoopbackSender(channel.Name, channel.OutboundKey, sp.GetRequiredService<ILogger<LoopbackSender>>()));
        return services;
    }

    /// <summary>Maps the webhooks of every registered channel.</summary>
    public static void MapChannelWebhooks(this IEndpointRouteBuilder webhooks, IServiceProvider services)
    {
        foreach (var channel in services.GetRequiredService<ChannelRegistry>().All)
        {
            if (channel.Webhooks is { } type)
                ((IWebhookChannel)ActivatorUtilities.CreateInstance(services, type)).MapWebhooks(webhooks);
        }
    }
}
