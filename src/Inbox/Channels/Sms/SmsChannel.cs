using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Ingest;
using Inbox.Outbound;
using Microsoft.AspNetCore.WebUtilities;

namespace Inbox.Channels.Sms;

/// <summary>
/// SMS/LMS/MMS from residents, through a Twilio-compatible provider (form posts, X-Twilio-Signature) or a Korean
/// two-way gateway (JSON, Inbox HMAC). Both become the same inbound message on the sms channel.
/// </summary>
public sealed class SmsChannel(IngestService ingest, DeliveryReceipts receipts, CenterDirectory centers, IConfiguration configuration, TimeProvider clock, WebhookLimits limits) : IWebhookChannel
{
    private static readonly JsonSerializerOptions GatewayJson = new(JsonSerializerDefaults.Web);

    public void MapWebhooks(IEndpointRouteBuilder webhooks)
    {
        webhooks.MapPost("/sms/twilio", ReceiveTwilioAsync).WithName("SmsTwilioWebhook");
        webhooks.MapPost("/sms/gateway", ReceiveGatewayAsync).WithName("SmsGatewayWebhook");
        webhooks.MapPost("/sms/status", ReceiveTwilioStatusAsync).WithName("SmsTwilioStatusWebhook");
        webhooks.MapPost("/sms/gateway/status", ReceiveGatewayStatusAsync).WithName("SmsGatewayStatusWebhook");
    }

    private async Task<IResult> ReceiveTwilioAsync(HttpContext http, CancellationToken ct)
    {
        var form = await ReadTwilioFormAsync(http, ct);
        var sid = Webhooks.Required(form.GetValueOrDefault("MessageSid"), "MessageSid");
        var from = Routing.Phone(form.GetValueOrDefault("From"), "From");
        var to = Routing.Phone(form.GetValueOrDefault("To"), "To");
        var center = Routing.Center(centers, Channel.Sms, to, "To");
        var media = new List<InboundAttachment>();
        var numMedia = form.GetValueOrDefault("NumMedia");
        if (!string.IsNullOrEmpty(numMedia))
        {
            if (!int.TryParse(numMedia, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                throw WebhookRejectedException.Invalid("NumMedia", "'NumMedia' must be a whole number.");
            limits.Attachments(count, "NumMedia");
            for (var i = 0; i < count; i++)
            {
                var mediaUrl = Webhooks.Required(form.GetValueOrDefault($"MediaUrl{i}"), $"MediaUrl{i}");
                media.Add(new InboundAttachment(InboundAttachment.MediaPurpose, mediaUrl, form.GetValueOrDefault($"MediaContentType{i}"), null, null));
            }
        }
        var text = form.GetValueOrDefault("Body");
        if (string.IsNullOrEmpty(text) && media.Count == 0)
            throw WebhookRejectedException.Invalid("Body", "'Body' is required when the message carries no media.");

        await ingest.IngestAsync(new InboundMessage
        {
            CenterId = center.Id,
            Channel = Channel.Sms,
            CenterAddress = to,
            ResidentAddress = from,
            ResidentPhone = from,
            ProviderMessageId = sid,
            Kind = media.Count > 0 ? MessageKind.Media : MessageKind.Text,
            Body = string.IsNullOrEmpty(text) ? null : text,
            Attachments = media,
            Details = new SmsDetails(SmsDetails.Twilio),
        }, ct);
        // Twilio wants TwiML back; an empty <Response/> sends nothing to the resident.
        return Results.Text("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>", "text/xml", Encoding.UTF8);
    }

    private async Task<IResult> ReceiveGatewayAsync(HttpContext http, CancellationToken ct)
    {
        var body = await Webhooks.ReadBodyAsync(http.Request, "application/json", ct);
        Webhooks.VerifyInboxHmac(http.Request, body, configuration["Channels:Sms:Gateway:Secret"], "Channels:Sms:Gateway:Secret", clock.GetUtcNow());
        var m = Webhooks.ParseJson<GatewayMessage>(body, GatewayJson);

        var id = Webhooks.Required(m.MessageId, "messageId");
        var from = Routing.Phone(m.From, "from");
        var to = Routing.Phone(m.To, "to");
        var center = Routing.Center(centers, Channel.Sms, to, "to");
        limits.Attachments(m.Media?.Count ?? 0, "media");
        var receivedAt = limits.Time(m.ReceivedAt, "receivedAt");
        var media = (m.Media ?? []).Select((a, i) => new InboundAttachment(
            InboundAttachment.MediaPurpose, Webhooks.Required(a.Url, $"media[{i}].url"), a.ContentType, null, null)).ToList();
        if (string.IsNullOrEmpty(m.Text) && media.Count == 0)
            throw WebhookRejectedException.Invalid("text", "'text' is required when the message carries no media.");

        var result = await ingest.IngestAsync(new InboundMessage
        {
            CenterId = center.Id,
            Channel = Channel.Sms,
            CenterAddress = to,
            ResidentAddress = from,
            ResidentPhone = from,
            ProviderMessageId = id,
            Kind = media.Count > 0 ? MessageKind.Media : MessageKind.Text,
            Body = string.IsNullOrEmpty(m.Text) ? null : m.Text,
            Subject = string.IsNullOrWhiteSpace(m.Subject) ? null : m.Subject,
            ProviderAt = receivedAt,
            Attachments = media,
            Details = new SmsDetails(SmsDetails.Gateway),
        }, ct);
        return Webhooks.Accepted(result);
    }

    /// <summary>Twilio's delivery receipt (StatusCallback) for a reply we sent.</summary>
    private async Task<IResult> ReceiveTwilioStatusAsync(HttpContext http, CancellationToken ct)
    {
        var form = await ReadTwilioFormAsync(http, ct);
        var sid = Webhooks.Required(form.GetValueOrDefault("MessageSid"), "MessageSid");
        var twilioStatus = Webhooks.Required(form.GetValueOrDefault("MessageStatus"), "MessageStatus");
        string? status = twilioStatus switch
        {
            "queued" or "accepted" or "scheduled" => null,
            "sending" or "sent" => DeliveryStatus.Sent,
            "delivered" or "read" => DeliveryStatus.Delivered,
            "undelivered" or "failed" or "canceled" => DeliveryStatus.Failed,
            _ => throw WebhookRejectedException.Invalid("MessageStatus", $"'MessageStatus' {twilioStatus} is not a Twilio message status."),
        };
        if (status is not null)
        {
            var error = form.GetValueOrDefault("ErrorCode") is { Length: > 0 } code ? $"Twilio error {code} ({twilioStatus})" : twilioStatus;
            await receipts.ApplyAsync(Channel.Sms, sid, status, error, ct);
        }
        return Results.Text("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>", "text/xml", Encoding.UTF8);
    }

    /// <summary>The Korean gateway's delivery report (JSON, Inbox HMAC): messageId (the gateway's), status sent | delivered | failed, error.</summary>
    private async Task<IResult> ReceiveGatewayStatusAsync(HttpContext http, CancellationToken ct)
    {
        var body = await Webhooks.ReadBodyAsync(http.Request, "application/json", ct);
        Webhooks.VerifyInboxHmac(http.Request, body, configuration["Channels:Sms:Gateway:Secret"], "Channels:Sms:Gateway:Secret", clock.GetUtcNow());
        var report = Webhooks.ParseJson<GatewayStatus>(body, GatewayJson);
        var id = Webhooks.Required(report.MessageId, "messageId");
        var status = Webhooks.Required(report.Status, "status");
        if (status is not (DeliveryStatus.Sent or DeliveryStatus.Delivered or DeliveryStatus.Failed))
            throw WebhookRejectedException.Invalid("status", "'status' must be sent, delivered or failed.");
        var known = await receipts.ApplyAsync(Channel.Sms, id, status, report.Error, ct);
        return TypedResults.Ok(new WebhookAccepted(known ? "stored" : "ignored", null, null));
    }

    private async Task<Dictionary<string, string>> ReadTwilioFormAsync(HttpContext http, CancellationToken ct)
    {
        var body = await Webhooks.ReadBodyAsync(http.Request, "application/x-www-form-urlencoded", ct);
        var form = new FormReader(Encoding.UTF8.GetString(body)).ReadForm()
            .ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        var token = configuration["Channels:Sms:Twilio:AuthToken"];
        if (string.IsNullOrEmpty(token))
            throw WebhookRejectedException.Unauthorized("The server has no Channels:Sms:Twilio:AuthToken configured, so it refuses this webhook.");
        var url = TwilioUrl(http.Request);
        if (!TwilioSignature.Verify(token, url, form, http.Request.Headers[TwilioSignature.Header]))
            throw WebhookRejectedException.Unauthorized($"{TwilioSignature.Header} is missing or does not match (signed URL: {url}).");
        return form;
    }

    /// <summary>
    /// Refuses to start a Production server that would check Twilio signatures against the Host header a client sends:
    /// with Twilio on, Channels:Sms:Twilio:PublicBaseUrl must name the URL Twilio calls.
    /// </summary>
    public static void ValidateTwilio(IConfiguration configuration, IHostEnvironment environment)
    {
        if (string.IsNullOrEmpty(configuration["Channels:Sms:Twilio:AuthToken"]))
            return;
        var publicBase = configuration["Channels:Sms:Twilio:PublicBaseUrl"];
        if (string.IsNullOrEmpty(publicBase))
        {
            if (environment.IsProduction())
                throw new InvalidOperationException(
                    "Channels:Sms:Twilio:AuthToken is set but Channels:Sms:Twilio:PublicBaseUrl is not. In Production the Twilio signature is " +
                    "checked against the public URL Twilio calls, never against the Host header of the request: set " +
                    "Channels__Sms__Twilio__PublicBaseUrl (e.g. https://inbox.example.go.kr), or remove the auth token to turn Twilio off.");
            return;
        }
        if (!Uri.TryCreate(publicBase, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            throw new InvalidOperationException($"Channels:Sms:Twilio:PublicBaseUrl must be an absolute http(s) URL, not '{publicBase}'.");
    }

    /// <summary>The URL Twilio signed: the public one when the server sits behind a proxy, else the URL as called.</summary>
    private string TwilioUrl(HttpRequest request)
    {
        var publicBase = configuration["Channels:Sms:Twilio:PublicBaseUrl"];
        var pathAndQuery = request.PathBase + request.Path + request.QueryString;
        return string.IsNullOrEmpty(publicBase)
            ? $"{request.Scheme}://{request.Host}{pathAndQuery}"
            : publicBase.TrimEnd('/') + pathAndQuery;
    }
}

/// <summary>The Korean gateway's MO (mobile-originated) message.</summary>
public sealed record GatewayMessage(
    [property: JsonConverter(typeof(IdentifierConverter))] string? MessageId, string? From, string? To, string? Text, DateTimeOffset? ReceivedAt, string? Subject, IReadOnlyList<GatewayMedia>? Media);

public sealed record GatewayMedia(string? Url, string? ContentType);

public sealed record GatewayStatus([property: JsonConverter(typeof(IdentifierConverter))] string? MessageId, string? Status, string? Error);
