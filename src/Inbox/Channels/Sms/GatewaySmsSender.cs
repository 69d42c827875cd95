using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Inbox.Contacts;
using Inbox.Outbound;
using Inbox.Outbound.Senders;

namespace Inbox.Channels.Sms;

/// <summary>
/// SMS/LMS through the Korean two-way gateway: <c>POST {BaseUrl}/messages</c> with
/// <c>{"messageId","to","from","text","type","subject"}</c>, signed with Inbox HMAC (<c>Channels:Sms:Gateway:Secret</c>)
/// over the exact bytes sent, and <c>Idempotency-Key: {MessageId}</c>; the gateway deduplicates on <c>messageId</c>.
/// <c>type</c> is <c>SMS</c> for a text of at most 90 EUC-KR (CP949) bytes, else <c>LMS</c>; a subject is sent with
/// LMS only (SMS has none). Numbers go out in the national form the gateway itself writes (<c>01012345678</c>).
/// </summary>
public sealed class GatewaySmsSender(IHttpClientFactory httpClients, IConfiguration configuration, TimeProvider clock, ILogger<GatewaySmsSender> logger)
    : ProviderSender(clock, logger)
{
    public const string BaseUrlKey = "Channels:Sms:Gateway:BaseUrl";
    public const string SecretKey = "Channels:Sms:Gateway:Secret";

    public override string Channel => Conversations.Channel.Sms;

    public override string Name => "gateway";

    public static string? ConfigurationProblem(IConfiguration configuration)
    {
        Read(configuration, out var problem);
        return problem;
    }

    /// <summary>"SMS" when the text fits in one SMS, else "LMS". Replies were checked for SMS-safe characters before they were stored.</summary>
    public static string MessageType(string text) =>
        KoreanText.CharactersSmsCannotCarry(text).Count == 0 && KoreanText.EucKrByteCount(text) <= KoreanText.SmsMaxBytes ? KoreanText.Sms : KoreanText.Lms;

    protected override async Task<SendResult> SendCoreAsync(OutboundMessage message, CancellationToken ct)
    {
        if (Read(configuration, out var problem) is not { } settings)
            return new SendResult.Retry(problem!);

        var type = MessageType(message.Body);
        var body = JsonSerializer.SerializeToUtf8Bytes(new GatewayOutbound(
            message.MessageId.ToString(),
            NationalNumber(message.ResidentAddress),
            NationalNumber(message.CenterAddress),
            message.Body,
            type,
            type == "LMS" && !string.IsNullOrWhiteSpace(message.Subject) ? message.Subject : null), ProviderCall.Json);

        using var request = new HttpRequestMessage(HttpMethod.Post, settings.BaseUrl + "/messages") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var timestamp = Clock.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Add(InboxHmac.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(InboxHmac.SignatureHeader, InboxHmac.Sign(settings.Secret, timestamp, body));
        request.Headers.Add(Senders.IdempotencyKeyHeader, message.MessageId.ToString());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        return await ProviderCall.PostAsync(httpClients.CreateClient(Senders.HttpClientName), request, Name, message, answer =>
        {
            var id = ProviderCall.Text(ProviderCall.ParseObject(answer), "messageId");
            if (string.IsNullOrEmpty(id))
                Log.GatewayAnswerWithoutId(logger, message.MessageId);
            return new SendResult.Accepted(string.IsNullOrEmpty(id) ? null : id);
        }, ct);
    }

    /// <summary>"+821012345678" → "01012345678", "+8218996808" → "18996808"; a foreign number stays E.164.</summary>
    private static string NationalNumber(string e164) => KoreanPhoneNumber.Format(e164).Replace("-", "", StringComparison.Ordinal);

    private static Settings? Read(IConfiguration configuration, out string? problem)
    {
        var problems = new List<string>();
        var baseUrl = ProviderCall.BaseUrl(configuration, BaseUrlKey, null, problems);
        var secret = ProviderCall.Required(configuration, SecretKey, problems);
        problem = problems.Count == 0 ? null : ProviderCall.Problem("the SMS gateway", problems);
        return problem is null ? new Settings(baseUrl!, secret!) : null;
    }

    private sealed record Settings(string BaseUrl, string Secret);

    private sealed record GatewayOutbound(string MessageId, string To, string From, string Text, string Type, string? Subject);
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "The SMS gateway accepted reply {MessageId} but its answer carries no messageId")]
    public static partial void GatewayAnswerWithoutId(ILogger logger, Guid messageId);
}
