using Inbox.Centers;
using Inbox.Contacts;

namespace Inbox.Channels;

/// <summary>Field checks shared by the adapters: phone numbers and the center an address belongs to.</summary>
public static class Routing
{
    public static string Phone(string? value, string field)
    {
        var raw = Webhooks.Required(value, field);
        return KoreanPhoneNumber.TryNormalize(raw, out var e164, out var error)
            ? e164
            : throw WebhookRejectedException.Invalid(field, $"'{field}' is not a valid phone number: {error}");
    }

    public static Center Center(CenterDirectory centers, string channel, string address, string field) =>
        centers.FindByAddress(channel, address)
        ?? throw WebhookRejectedException.Invalid(field, $"No center is configured for the {channel} address in '{field}'.");
}
