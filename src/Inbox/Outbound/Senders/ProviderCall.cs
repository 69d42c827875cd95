using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Inbox.Contacts;

namespace Inbox.Outbound.Senders;

/// <summary>
/// What the HTTP senders share: settings read per send, one POST whose answer is classified into
/// <see cref="SendResult"/>, and log-safe text (no bodies, no secrets, no whole numbers).
/// </summary>
internal static partial class ProviderCall
{
    /// <summary>Provider error texts are cut to this many characters before they become a reason.</summary>
    private const int MaxDetailLength = 200;

    /// <summary>JSON for providers: camelCase, nulls left out, Korean text as is (not \uXXXX).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    public static string EnvironmentVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    public static string MissingKey(string key) => $"{key} is not set (environment variable {EnvironmentVariable(key)}).";

    /// <summary>
    /// Posts <paramref name="request"/> and classifies the outcome: 2xx goes to <paramref name="onSuccess"/>;
    /// 408, 429, 5xx, a network error or a timeout are <see cref="SendResult.Retry"/>; any other status is
    /// <see cref="SendResult.Failed"/> with the provider's own code and message when its answer carries them.
    /// Cancellation by <paramref name="ct"/> (shutdown) is thrown, not turned into a result.
    /// </summary>
    public static async Task<SendResult> PostAsync(
        HttpClient client, HttpRequestMessage request, string provider, OutboundMessage message,
        Func<byte[], SendResult> onSuccess, CancellationToken ct)
    {
        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            body = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            // HttpClient.Timeout. The provider may have sent it already; the idempotency key makes the retry safe.
            var within = client.Timeout == Timeout.InfiniteTimeSpan ? "" : $" within {client.Timeout.TotalSeconds:0.#} s";
            return new SendResult.Retry($"{provider} did not answer{within}; the message may have been sent, a retry with the same idempotency key is safe.");
        }
        catch (HttpRequestException e)
        {
            return new SendResult.Retry($"{provider} could not be reached: {Scrub(e.Message, message)}");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and <= 299)
                return onSuccess(body);

            var detail = ErrorDetail(body, message);
            var statusText = $"{status} {ReasonPhrase(response.StatusCode)}".TrimEnd();
            if (IsRetryable(response.StatusCode))
                return new SendResult.Retry($"{provider} answered {statusText}{detail}{RetryAfter(response)}.");
            return new SendResult.Failed($"{provider} refused the message: {statusText}{detail}.");
        }
    }

    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The JSON object of an answer, or null when the answer is not one.</summary>
    public static JsonElement? ParseObject(byte[] body)
    {
        if (body.Length == 0)
            return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A string or number property (names compared ignoring case), as text; null when absent or of another kind.</summary>
    public static string? Text(JsonElement? answer, string name)
    {
        if (answer is not { } root)
            return null;
        foreach (var property in root.EnumerateObject())
        {
            if (!string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                continue;
            return property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number => property.Value.GetRawText(),
                _ => null,
            };
        }
        return null;
    }

    /// <summary>" (code 21211: Invalid 'To' Phone Number)" from a JSON error answer; "" when it carries neither.</summary>
    public static string ErrorDetail(byte[] body, OutboundMessage message)
    {
        var answer = ParseObject(body);
        var code = Text(answer, "code");
        var text = Text(answer, "message");
        return (code, text) switch
        {
            (null, null) => "",
            (not null, null) => $" (code {Clean(code, message)})",
            (null, not null) => $" ({Clean(text, message)})",
            _ => $" (code {Clean(code, message)}: {Clean(text, message)})",
        };
    }

    /// <summary>Provider text made safe for a reason and a log: one line, short, without the message body or whole phone numbers.</summary>
    public static string Clean(string text, OutboundMessage message)
    {
        text = Scrub(text.ReplaceLineEndings(" ").Trim(), message);
        // Providers quote numbers in their own forms ("Invalid 'To' Phone Number: +82 10-…"): anything with 9 or more digits is masked.
        text = PhoneLike().Replace(text, m => m.Value.Count(char.IsAsciiDigit) >= 9 ? KoreanPhoneNumber.Mask(m.Value) : m.Value);
        return text.Length <= MaxDetailLength ? text : text[..MaxDetailLength] + "…";
    }

    /// <summary>Removes the message text and the resident's address where they appear verbatim.</summary>
    public static string Scrub(string text, OutboundMessage message)
    {
        if (message.Body.Length >= 4)
            text = text.Replace(message.Body, "[message text]", StringComparison.Ordinal);
        if (message.ResidentAddress.Length >= 4)
            text = text.Replace(message.ResidentAddress, MaskAddress(message.ResidentAddress), StringComparison.Ordinal);
        return text;
    }

    /// <summary>
    /// A resident's address as logs may show it, whatever the channel: a phone number (E.164, as every channel stores one)
    /// masked (010-****-5678), any other address (a Kakao user key, a chat session) by its last four characters.
    /// </summary>
    public static string MaskAddress(string address)
    {
        if (address.StartsWith('+'))
            return KoreanPhoneNumber.Mask(address);
        return address.Length <= 8 ? "****" : "****" + address[^4..];
    }

    /// <summary>
    /// The base URL at <paramref name="key"/> (or <paramref name="fallback"/>), without a trailing slash; null, with the
    /// reason added to <paramref name="problems"/>, when it is missing or not an absolute http(s) URL.
    /// </summary>
    public static string? BaseUrl(IConfiguration configuration, string key, string? fallback, List<string> problems)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
            value = fallback;
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add(MissingKey(key));
            return null;
        }
        value = value.Trim();
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            problems.Add($"{key} (environment variable {EnvironmentVariable(key)}) must be an absolute http:// or https:// URL without a query.");
            return null;
        }
        return value.TrimEnd('/');
    }

    /// <summary>The value at <paramref name="key"/>; null, with the reason added to <paramref name="problems"/>, when it is unset or blank.</summary>
    public static string? Required(IConfiguration configuration, string key, List<string> problems)
    {
        var value = configuration[key];
        if (!string.IsNullOrWhiteSpace(value))
            return value;
        problems.Add(MissingKey(key));
        return null;
    }

    public static string Problem(string provider, List<string> problems) =>
        $"{provider} is not configured: {string.Join(" ", problems)}";

    /// <summary>One line per send: what happened to which message, never the text, the secret or the whole number.</summary>
    public static void LogOutcome(ILogger logger, IChannelSender sender, OutboundMessage message, SendResult result, TimeSpan elapsed)
    {
        var to = MaskAddress(message.ResidentAddress);
        var ms = elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        switch (result)
        {
            case SendResult.Accepted accepted:
                Log.ReplyAccepted(logger, message.MessageId, message.Attempt, to, sender.Name, sender.Channel, accepted.ProviderMessageId ?? "-", ms);
                break;
            case SendResult.Retry retry:
                Log.ReplyToRetry(logger, message.MessageId, message.Attempt, to, sender.Name, sender.Channel, retry.Reason, ms);
                break;
            case SendResult.Failed failed:
                Log.ReplyRefused(logger, message.MessageId, message.Attempt, to, sender.Name, sender.Channel, failed.Reason, ms);
                break;
        }
    }

    private static string RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
            return $"; Retry-After {delta.TotalSeconds:0} s";
        if (retryAfter?.Date is { } date)
            return $"; Retry-After {date.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
        return "";
    }

    private static string ReasonPhrase(HttpStatusCode status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase((int)status);

    // Runs of digits with the separators phone numbers are written with.
    [GeneratedRegex(@"\+?\d[\d\- ()]*\d")]
    private static partial Regex PhoneLike();
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Reply {MessageId} (attempt {Attempt}) to {To} accepted by {Provider} on {Channel} as {ProviderMessageId} in {ElapsedMs} ms")]
    public static partial void ReplyAccepted(ILogger logger, Guid messageId, int attempt, string to, string provider, string channel, string providerMessageId, string elapsedMs);

    [LoggerMessage(LogLevel.Warning, "Reply {MessageId} (attempt {Attempt}) to {To} not sent by {Provider} on {Channel}, to be retried: {Reason} ({ElapsedMs} ms)")]
    public static partial void ReplyToRetry(ILogger logger, Guid messageId, int attempt, string to, string provider, string channel, string reason, string elapsedMs);

    [LoggerMessage(LogLevel.Warning, "Reply {MessageId} (attempt {Attempt}) to {To} refused by {Provider} on {Channel}, not retried: {Reason} ({ElapsedMs} ms)")]
    public static partial void ReplyRefused(ILogger logger, Guid messageId, int attempt, string to, string provider, string channel, string reason, string elapsedMs);
}
