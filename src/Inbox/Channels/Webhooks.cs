using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Inbox.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Inbox.Channels;

/// <summary>A webhook channel: one folder under Channels/, found by scanning, mapping its own endpoints.</summary>
public interface IWebhookChannel
{
    void MapWebhooks(IEndpointRouteBuilder webhooks);
}

/// <summary>A refused webhook. Thrown anywhere in a webhook handler, answered as problem details, nothing stored.</summary>
public sealed class WebhookRejectedException(int status, string title, string detail, string? field = null) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Field { get; } = field;

    public static WebhookRejectedException Invalid(string field, string detail) =>
        new(StatusCodes.Status400BadRequest, "The webhook payload is invalid.", detail, field);

    public static WebhookRejectedException Unauthorized(string detail) =>
        new(StatusCodes.Status401Unauthorized, "The webhook signature was refused.", detail);

    public IResult ToResult()
    {
        if (Field is null)
            return TypedResults.Problem(statusCode: Status, title: Title, detail: Message);
        return TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [Field] = [Message] },
            detail: Message,
            title: Title);
    }
}

public static class Webhooks
{
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>The request body, refused when too large (413) or of the wrong content type (415).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, string contentType, CancellationToken ct)
    {
        var mediaType = request.ContentType?.Split(';', 2)[0].Trim();
        if (!string.Equals(mediaType, contentType, StringComparison.OrdinalIgnoreCase))
            throw new WebhookRejectedException(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type.",
                $"This webhook takes {contentType}, not {(string.IsNullOrEmpty(mediaType) ? "a body without a content type" : mediaType)}.");

        if (request.ContentLength > MaxBodyBytes)
            throw TooLarge();
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public static void VerifyInboxHmac(HttpRequest request, byte[] body, string? secret, string secretKey, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(secret))
            throw WebhookRejectedException.Unauthorized($"The server has no {secretKey} configured, so it refuses this webhook.");
        var failure = InboxHmac.Verify(secret, request.Headers[InboxHmac.TimestampHeader], request.Headers[InboxHmac.SignatureHeader], body, now);
        if (failure is not null)
            throw WebhookRejectedException.Unauthorized(failure);
    }

    /// <summary>Parses a JSON body; a malformed document or a value of the wrong type is refused naming the field.</summary>
    public static T ParseJson<T>(byte[] body, JsonSerializerOptions options)
    {
        try
        {
            using (JsonDocument.Parse(body)) { } // syntax first, so a broken document is not reported as a wrong-typed field
        }
        catch (JsonException)
        {
            throw WebhookRejectedException.Invalid("$", "The body is not valid JSON.");
        }
        try
        {
            return JsonSerializer.Deserialize<T>(body, options) ?? throw WebhookRejectedException.Invalid("$", "The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            if (e is RefusedJsonValueException refused)
                throw WebhookRejectedException.Invalid(field, $"'{field}' {refused.Message}");
            throw WebhookRejectedException.Invalid(field, field == "$" ? "The body is not valid JSON." : $"'{field}' has a value of the wrong type.");
        }
    }

    public static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw WebhookRejectedException.Invalid(field, $"'{field}' is required.") : value.Trim();

    /// <summary>The answer to an accepted webhook; a redelivery gets the same 200.</summary>
    public static Ok<WebhookAccepted> Accepted(IngestResult result) => TypedResults.Ok(new WebhookAccepted(
        result.Outcome switch { IngestOutcome.Stored => "stored", IngestOutcome.Duplicate => "duplicate", _ => "ignored" },
        result.ConversationId,
        result.MessageId));

    private static WebhookRejectedException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, "The webhook body is too large.", $"Webhook bodies are limited to {MaxBodyBytes / 1024} KiB.");
}

public sealed record WebhookAccepted(string Status, Guid? ConversationId, Guid? MessageId);

/// <summary>The Webhooks configuration section: how much one webhook may carry, and how far its provider time may be from the clock.</summary>
public sealed class WebhookOptions
{
    public int MaxAttachments { get; set; } = 10;
    public int MaxSegments { get; set; } = 2000;
    public int ProviderTimeDaysBack { get; set; } = 30;
    public int ProviderTimeDaysAhead { get; set; } = 1;
}

/// <summary>
/// Bounds on what one webhook may make the server store and work through, every channel asking the same rules:
/// list lengths, and provider times near the server's clock (never outside 2000–2100, whatever is configured).
/// </summary>
public sealed class WebhookLimits(IOptions<WebhookOptions> options, TimeProvider clock)
{
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Latest = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public void Attachments(int count, string field) => Count(count, options.Value.MaxAttachments, field, "attachments");

    public void Segments(int count, string field) => Count(count, options.Value.MaxSegments, field, "segments");

    /// <summary>The provider's time, refused (naming the field) when outside the configured window around the server's clock.</summary>
    public DateTimeOffset? Time(DateTimeOffset? value, string field)
    {
        if (value is not { } at)
            return null;
        var now = clock.GetUtcNow();
        var o = options.Value;
        var from = Max(Earliest, now.AddDays(-Math.Max(0, o.ProviderTimeDaysBack)));
        var to = Min(Latest, now.AddDays(Math.Max(0, o.ProviderTimeDaysAhead)));
        if (at < from || at > to)
            throw WebhookRejectedException.Invalid(field,
                $"'{field}' must lie between {from.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} and {to.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} " +
                $"({o.ProviderTimeDaysBack} days before and {o.ProviderTimeDaysAhead} after the server's clock).");
        return at;
    }

    /// <summary>Unix milliseconds as a time within the window.</summary>
    public DateTimeOffset? UnixMilliseconds(long? value, string field)
    {
        if (value is not { } ms)
            return null;
        if (ms < Earliest.ToUnixTimeMilliseconds() || ms > Latest.ToUnixTimeMilliseconds())
            throw WebhookRejectedException.Invalid(field, $"'{field}' must be Unix milliseconds between the years 2000 and 2100.");
        return Time(DateTimeOffset.FromUnixTimeMilliseconds(ms), field);
    }

    private static void Count(int count, int max, string field, string what)
    {
        if (count > max)
            throw WebhookRejectedException.Invalid(field, $"'{field}' holds {count} {what}; at most {max} are taken per message.");
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}

/// <summary>A JSON value of the right type that is still refused; its message completes "'field' …".</summary>
public sealed class RefusedJsonValueException(string message) : JsonException(message);

/// <summary>
/// Numbers as webhooks may carry them: finite only. 1e400 would otherwise arrive as infinity, be stored, and make the
/// conversation unreadable.
/// </summary>
public sealed class FiniteDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetDouble();
        return double.IsFinite(value) ? value : throw new RefusedJsonValueException("must be a finite number.");
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}

/// <summary>
/// An identifier sent as a JSON string or a JSON number (dealers differ: Happytalk documents some ids as numbers); a
/// number is kept as its digits exactly as sent, so 3812907744 and "3812907744" are the same id.
/// </summary>
public sealed class IdentifierConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number when reader.TryGetInt64(out var whole) => whole.ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
        _ => throw new JsonException(),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
