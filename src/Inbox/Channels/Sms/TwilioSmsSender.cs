using System.Net.Http.Headers;
using System.Text;
using Inbox.Outbound;
using Inbox.Outbound.Senders;

namespace Inbox.Channels.Sms;

/// <summary>
/// SMS through Twilio's Messages API: <c>POST {BaseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json</c>, a form of
/// <c>To</c>, <c>From</c>, <c>Body</c> (and <c>StatusCallback</c> when configured), basic auth AccountSid:AuthToken and
/// <c>Idempotency-Key: {MessageId}</c>. Settings are read on every send, so a rotated token takes effect at once.
/// SMS has no subject line; <see cref="OutboundMessage.Subject"/> is not sent.
/// </summary>
public sealed class TwilioSmsSender(IHttpClientFactory httpClients, IConfiguration configuration, TimeProvider clock, ILogger<TwilioSmsSender> logger)
    : ProviderSender(clock, logger)
{
    public const string BaseUrlKey = "Channels:Sms:Twilio:BaseUrl";
    public const string AccountSidKey = "Channels:Sms:Twilio:AccountSid";
    public const string AuthTokenKey = "Channels:Sms:Twilio:AuthToken";
    public const string StatusCallbackUrlKey = "Channels:Sms:Twilio:StatusCallbackUrl";
    public const string DefaultBaseUrl = "https://api.twilio.com";

    public override string Channel => Conversations.Channel.Sms;

    public override string Name => "twilio";

    /// <summary>Null when every setting a send needs is there; otherwise what is missing or wrong, naming each key.</summary>
    public static string? ConfigurationProblem(IConfiguration configuration)
    {
        Read(configuration, out var problem);
        return problem;
    }

    protected override async Task<SendResult> SendCoreAsync(OutboundMessage message, CancellationToken ct)
    {
        if (Read(configuration, out var problem) is not { } settings)
            return new SendResult.Retry(problem!);

        var form = new List<KeyValuePair<string, string>>
        {
            new("To", message.ResidentAddress),
            new("From", message.CenterAddress),
            new("Body", message.Body),
        };
        if (settings.StatusCallbackUrl is not null)
            form.Add(new("StatusCallback", settings.StatusCallbackUrl));

        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"{settings.BaseUrl}/2010-04-01/Accounts/{Uri.EscapeDataString(settings.AccountSid)}/Messages.json")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}")));
        request.Headers.Add(Senders.IdempotencyKeyHeader, message.MessageId.ToString());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        return await ProviderCall.PostAsync(httpClients.CreateClient(Senders.HttpClientName), request, Name, message, body =>
        {
            var sid = ProviderCall.Text(ProviderCall.ParseObject(body), "sid");
            if (string.IsNullOrEmpty(sid))
                Log.TwilioAnswerWithoutSid(logger, message.MessageId);
            return new SendResult.Accepted(string.IsNullOrEmpty(sid) ? null : sid);
        }, ct);
    }

    private static Settings? Read(IConfiguration configuration, out string? problem)
    {
        var problems = new List<string>();
        var baseUrl = ProviderCall.BaseUrl(configuration, BaseUrlKey, DefaultBaseUrl, problems);
        var accountSid = ProviderCall.Required(configuration, AccountSidKey, problems);
        var authToken = ProviderCall.Required(configuration, AuthTokenKey, problems);
        var callback = configuration[StatusCallbackUrlKey];
        if (string.IsNullOrWhiteSpace(callback))
            callback = null;
        else if (!Uri.TryCreate(callback.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            problems.Add($"{StatusCallbackUrlKey} (environment variable {ProviderCall.EnvironmentVariable(StatusCallbackUrlKey)}) must be an absolute http:// or https:// URL.");
        else
            callback = uri.ToString();

        problem = problems.Count == 0 ? null : ProviderCall.Problem("twilio", problems);
        return problem is null ? new Settings(baseUrl!, accountSid!, authToken!, callback) : null;
    }

    private sealed record Settings(string BaseUrl, string AccountSid, string AuthToken, string? StatusCallbackUrl);
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Twilio accepted reply {MessageId} but its answer carries no sid")]
    public static partial void TwilioAnswerWithoutSid(ILogger logger, Guid messageId);
}
