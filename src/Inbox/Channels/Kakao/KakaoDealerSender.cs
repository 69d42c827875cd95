using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Inbox.Outbound;
using Inbox.Outbound.Senders;

namespace Inbox.Channels.Kakao;

/// <summary>
/// KakaoTalk 상담톡 replies through the dealer: <c>POST {BaseUrl}/chat/write</c> with
/// <c>{"user_key","sender_key","serial_number","message_type":"TX","message"}</c>, signed with Inbox HMAC
/// (<c>Channels:Kakao:Secret</c>) and <c>Idempotency-Key: {MessageId}</c>. <c>serial_number</c> is our message id in
/// "N" form (32 hex digits): the dealer deduplicates on it, and it is the provider id returned on success.
/// A 2xx answer whose <c>code</c> is not <c>"0000"</c> is the dealer refusing the message (blocked user, session over).
/// </summary>
public sealed class KakaoDealerSender(IHttpClientFactory httpClients, IConfiguration configuration, TimeProvider clock, ILogger<KakaoDealerSender> logger)
    : ProviderSender(clock, logger)
{
    public const string BaseUrlKey = "Channels:Kakao:Dealer:BaseUrl";
    public const string SecretKey = "Channels:Kakao:Secret";
    public const string SuccessCode = "0000";

    public override string Channel => Conversations.Channel.Kakao;

    public override string Name => "kakao-dealer";

    public static string? ConfigurationProblem(IConfiguration configuration)
    {
        Read(configuration, out var problem);
        return problem;
    }

    protected override async Task<SendResult> SendCoreAsync(OutboundMessage message, CancellationToken ct)
    {
        if (Read(configuration, out var problem) is not { } settings)
            return new SendResult.Retry(problem!);

        var serial = message.MessageId.ToString("N");
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new ChatWrite(message.ResidentAddress, message.CenterAddress, serial, "TX", message.Body), ProviderCall.Json);

        using var request = new HttpRequestMessage(HttpMethod.Post, settings.BaseUrl + "/chat/write") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var timestamp = Clock.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Add(InboxHmac.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(InboxHmac.SignatureHeader, InboxHmac.Sign(settings.Secret, timestamp, body));
        request.Headers.Add(Senders.IdempotencyKeyHeader, message.MessageId.ToString());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        return await ProviderCall.PostAsync(httpClients.CreateClient(Senders.HttpClientName), request, Name, message, answer =>
        {
            var json = ProviderCall.ParseObject(answer);
            var code = ProviderCall.Text(json, "code");
            if (code is null or SuccessCode or "0")
                return new SendResult.Accepted(serial);
            var text = ProviderCall.Text(json, "message");
            return new SendResult.Failed(text is null
                ? $"{Name} refused the message: code {ProviderCall.Clean(code, message)}."
                : $"{Name} refused the message: code {ProviderCall.Clean(code, message)}: {ProviderCall.Clean(text, message)}.");
        }, ct);
    }

    private static Settings? Read(IConfiguration configuration, out string? problem)
    {
        var problems = new List<string>();
        var baseUrl = ProviderCall.BaseUrl(configuration, BaseUrlKey, null, problems);
        var secret = ProviderCall.Required(configuration, SecretKey, problems);
        problem = problems.Count == 0 ? null : ProviderCall.Problem("the KakaoTalk dealer", problems);
        return problem is null ? new Settings(baseUrl!, secret!) : null;
    }

    private sealed record Settings(string BaseUrl, string Secret);

    private sealed record ChatWrite(
        [property: JsonPropertyName("user_key")] string UserKey,
        [property: JsonPropertyName("sender_key")] string SenderKey,
        [property: JsonPropertyName("serial_number")] string SerialNumber,
        [property: JsonPropertyName("message_type")] string MessageType,
        [property: JsonPropertyName("message")] string Message);
}
