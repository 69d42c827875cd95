using System.Text.Json;
using Inbox.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;

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
