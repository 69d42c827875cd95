using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Ingest;

namespace Inbox.Channels.Kakao;

/// <summary>
/// KakaoTalk counsel talk (상담톡) through a dealer: chat messages, session starts (reference) and session expiries,
/// all signed with Inbox HMAC using Channels:Kakao:Secret. A resident is known by their user key; the center by its sender key.
/// </summary>
public sealed class KakaoChannel(IngestService ingest, CenterDirectory centers, IConfiguration configuration, TimeProvider clock, WebhookLimits limits) : IWebhookChannel
{
    public const int MaxTextLength = 1000;
    private static readonly string[] MessageTypes = ["text", "photo", "video", "audio", "file"];
    // Numbers may come as strings ("time": "1795054804318"); identifiers as numbers or strings (IdentifierConverter).
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public void MapWebhooks(IEndpointRouteBuilder webhooks)
    {
        webhooks.MapPost("/kakao/message", ReceiveMessageAsync).WithName("KakaoMessageWebhook");
        webhooks.MapPost("/kakao/reference", ReceiveReferenceAsync).WithName("KakaoReferenceWebhook");
        webhooks.MapPost("/kakao/expired_session", ReceiveExpiredSessionAsync).WithName("KakaoExpiredSessionWebhook");
    }

    private async Task<IResult> ReceiveMessageAsync(HttpContext http, CancellationToken ct)
    {
        var m = await ReadAsync<KakaoMessage>(http, ct);
        var (center, senderKey, userKey) = Route(m.SenderKey, m.UserKey);
        var serial = Webhooks.Required(m.SerialNumber, "serial_number");
        var type = Webhooks.Required(m.Type, "type");
        if (!MessageTypes.Contains(type))
            throw WebhookRejectedException.Invalid("type", $"'type' must be one of {string.Join(", ", MessageTypes)}.");

        var attachments = new List<InboundAttachment>();
        if (type == "text")
        {
            var content = Webhooks.Required(m.Content, "content");
            // Counted as a reader counts (an emoji is one character): text over the limit arrives cut, with an attachment.
            if (new StringInfo(content).LengthInTextElements > MaxTextLength)
                throw WebhookRejectedException.Invalid("content",
                    $"'content' is longer than {MaxTextLength:N0} characters; KakaoTalk sends a longer text cut short, with the whole text as 'attachment'.");
            // Text over 1,000 characters arrives cut short, with the whole text as a file: keep the reference to it.
            if (!string.IsNullOrWhiteSpace(m.Attachment))
                attachments.Add(new InboundAttachment(InboundAttachment.FullTextPurpose, m.Attachment.Trim(), "text/plain", null, null));
        }
        else
        {
            limits.Attachments(m.Contents?.Count ?? 0, "contents");
            foreach (var (item, i) in (m.Contents ?? []).Select((c, i) => (c, i)))
                attachments.Add(new InboundAttachment(InboundAttachment.MediaPurpose, Webhooks.Required(item.Url, $"contents[{i}].url"), item.Type ?? type, item.Name, item.Size));
            if (attachments.Count == 0 && !string.IsNullOrWhiteSpace(m.Attachment))
                attachments.Add(new InboundAttachment(InboundAttachment.MediaPurpose, m.Attachment.Trim(), type, null, null));
            if (attachments.Count == 0)
                throw WebhookRejectedException.Invalid("contents", $"A {type} message needs 'contents' (or 'attachment') with the file's URL.");
        }

        var result = await ingest.IngestAsync(new InboundMessage
        {
            CenterId = center.Id,
            Channel = Channel.Kakao,
            CenterAddress = senderKey,
            ResidentAddress = userKey,
            // Serial numbers are unique per sender key; a center may have several keys.
            ProviderMessageId = $"{senderKey}/{serial}",
            Kind = type == "text" ? MessageKind.Text : MessageKind.Media,
            Body = string.IsNullOrEmpty(m.Content) ? null : m.Content,
            ProviderAt = Time(m.Time),
            Attachments = attachments,
            Details = new KakaoDetails { SerialNumber = serial, Type = type, Extra = string.IsNullOrWhiteSpace(m.Extra) ? null : m.Extra },
        }, ct);
        return Webhooks.Accepted(result);
    }

    private async Task<IResult> ReceiveReferenceAsync(HttpContext http, CancellationToken ct)
    {
        var r = await ReadAsync<KakaoReference>(http, ct);
        var (center, senderKey, userKey) = Route(r.SenderKey, r.UserKey);
        var sessionId = Webhooks.Required(r.SessionId, "session_id");
        // A resident opening the counsel chat is asking for a counselor: it starts (or joins) their conversation.
        var result = await ingest.IngestAsync(new InboundMessage
        {
            CenterId = center.Id,
            Channel = Channel.Kakao,
            CenterAddress = senderKey,
            ResidentAddress = userKey,
            ProviderMessageId = $"{senderKey}/session/{sessionId}/start",
            Kind = MessageKind.System,
            Body = "카카오톡 상담 세션 시작",
            ProviderAt = Time(r.Time),
            Details = new KakaoSessionDetails { Event = KakaoSessionDetails.Started, SessionId = sessionId, AppUserId = r.AppUserId, Reference = r.Reference },
        }, ct);
        return Webhooks.Accepted(result);
    }

    private async Task<IResult> ReceiveExpiredSessionAsync(HttpContext http, CancellationToken ct)
    {
        var e = await ReadAsync<KakaoExpiredSession>(http, ct);
        var (center, senderKey, userKey) = Route(e.SenderKey, e.UserKey);
        var sessionId = Webhooks.Required(e.SessionId, "session_id");
        var result = await ingest.IngestAsync(new InboundMessage
        {
            CenterId = center.Id,
            Channel = Channel.Kakao,
            CenterAddress = senderKey,
            ResidentAddress = userKey,
            ProviderMessageId = $"{senderKey}/session/{sessionId}/expired",
            Kind = MessageKind.System,
            Body = "카카오톡 상담 세션 만료",
            ProviderAt = Time(e.Time),
            Details = new KakaoSessionDetails { Event = KakaoSessionDetails.Expired, SessionId = sessionId },
            OnlyIfOpen = true,
        }, ct);
        return Webhooks.Accepted(result);
    }

    private async Task<T> ReadAsync<T>(HttpContext http, CancellationToken ct)
    {
        var body = await Webhooks.ReadBodyAsync(http.Request, "application/json", ct);
        Webhooks.VerifyInboxHmac(http.Request, body, configuration["Channels:Kakao:Secret"], "Channels:Kakao:Secret", clock.GetUtcNow());
        return Webhooks.ParseJson<T>(body, Json);
    }

    private (Center Center, string SenderKey, string UserKey) Route(string? senderKey, string? userKey)
    {
        var key = Webhooks.Required(senderKey, "sender_key");
        var user = Webhooks.Required(userKey, "user_key");
        return (Routing.Center(centers, Channel.Kakao, key, "sender_key"), key, user);
    }

    private DateTimeOffset? Time(long? unixMilliseconds) => limits.UnixMilliseconds(unixMilliseconds, "time");
}

public sealed record KakaoMessage(
    [property: JsonConverter(typeof(IdentifierConverter))] string? UserKey,
    [property: JsonConverter(typeof(IdentifierConverter))] string? SenderKey,
    [property: JsonConverter(typeof(IdentifierConverter))] string? SerialNumber,
    long? Time, string? Type, string? Content,
    IReadOnlyList<KakaoContent>? Contents, string? Attachment, string? Extra);

public sealed record KakaoContent(string? Type, string? Url, string? Name, long? Size);

public sealed record KakaoReference(
    [property: JsonConverter(typeof(IdentifierConverter))] string? UserKey,
    [property: JsonConverter(typeof(IdentifierConverter))] string? SenderKey,
    [property: JsonConverter(typeof(IdentifierConverter))] string? SessionId,
    [property: JsonConverter(typeof(IdentifierConverter))] string? AppUserId,
    long? Time, IReadOnlyDictionary<string, string?>? Reference);

public sealed record KakaoExpiredSession(
    [property: JsonConverter(typeof(IdentifierConverter))] string? UserKey,
    [property: JsonConverter(typeof(IdentifierConverter))] string? SenderKey,
    [property: JsonConverter(typeof(IdentifierConverter))] string? SessionId,
    long? Time);
