using System.Text.Json;
using System.Text.Json.Serialization;
using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Ingest;

namespace Inbox.Channels.Phone;

/// <summary>
/// Calls as the CTI / speech-to-text system reports them: one transcript message per call, with its segments.
/// Inbound calls come from the resident to a center line; outbound calls are a counselor calling a resident.
/// </summary>
public sealed class PhoneChannel(IngestService ingest, CenterDirectory centers, IConfiguration configuration, TimeProvider clock, WebhookLimits limits) : IWebhookChannel
{
    private static readonly string[] Statuses = ["answered", "missed", "voicemail"];
    private static readonly string[] Speakers = ["resident", "counselor", "system"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new FiniteDoubleConverter() } };

    public void MapWebhooks(IEndpointRouteBuilder webhooks) =>
        webhooks.MapPost("/phone/transcripts", ReceiveTranscriptAsync).WithName("PhoneTranscriptWebhook");

    private async Task<IResult> ReceiveTranscriptAsync(HttpContext http, CancellationToken ct)
    {
        var body = await Webhooks.ReadBodyAsync(http.Request, "application/json", ct);
        Webhooks.VerifyInboxHmac(http.Request, body, configuration["Channels:Phone:Secret"], "Channels:Phone:Secret", clock.GetUtcNow());
        var t = Webhooks.ParseJson<CallTranscript>(body, Json);

        var callId = Webhooks.Required(t.CallId, "callId");
        var direction = Webhooks.Required(t.Direction, "direction");
        if (direction is not ("inbound" or "outbound"))
            throw WebhookRejectedException.Invalid("direction", "'direction' must be inbound or outbound.");
        var status = Webhooks.Required(t.Status, "status");
        if (!Statuses.Contains(status))
            throw WebhookRejectedException.Invalid("status", $"'status' must be one of {string.Join(", ", Statuses)}.");
        var startedAt = limits.Time(t.StartedAt, "startedAt") ?? throw WebhookRejectedException.Invalid("startedAt", "'startedAt' is required.");
        limits.Time(t.EndedAt, "endedAt");
        if (t.EndedAt < startedAt)
            throw WebhookRejectedException.Invalid("endedAt", "'endedAt' is before 'startedAt'.");

        var caller = Routing.Phone(t.CallerNumber, "callerNumber");
        var called = Routing.Phone(t.CalledNumber, "calledNumber");
        var inbound = direction == "inbound";
        var (resident, line, lineField) = inbound ? (caller, called, "calledNumber") : (called, caller, "callerNumber");
        var center = Routing.Center(centers, Channel.Phone, line, lineField);

        limits.Segments(t.Segments?.Count ?? 0, "segments");
        var segments = new List<InboundSegment>();
        foreach (var (s, i) in (t.Segments ?? []).Select((s, i) => (s, i)))
        {
            var speaker = Webhooks.Required(s.Speaker, $"segments[{i}].speaker");
            if (!Speakers.Contains(speaker))
                throw WebhookRejectedException.Invalid($"segments[{i}].speaker", $"'segments[{i}].speaker' must be one of {string.Join(", ", Speakers)}.");
            if (s.StartMs is not >= 0 || s.EndMs is not { } end || end < s.StartMs)
                throw WebhookRejectedException.Invalid($"segments[{i}].startMs", $"'segments[{i}]' needs startMs >= 0 and endMs >= startMs.");
            segments.Add(new InboundSegment(speaker, s.StartMs.Value, end, Webhooks.Required(s.Text, $"segments[{i}].text"), s.Confidence));
        }

        var result = await ingest.IngestAsync(new InboundMessage
        {
            CenterId = center.Id,
            Channel = Channel.Phone,
            CenterAddress = line,
            ResidentAddress = resident,
            ResidentPhone = resident,
            ProviderMessageId = callId,
            Direction = inbound ? Direction.In : Direction.Out,
            Kind = MessageKind.Transcript,
            // The readable text of the call; the segments keep who said what and when.
            Body = segments.Count == 0 ? null : string.Join('\n', segments.Select(s => $"[{s.Speaker}] {s.Text}")),
            ProviderAt = startedAt,
            Segments = segments,
            Details = new CallDetails
            {
                CallId = callId,
                Direction = direction,
                Status = status,
                StartedAt = startedAt,
                EndedAt = t.EndedAt,
                AgentId = t.AgentId,
                RecordingUrl = t.RecordingUrl,
                Language = t.Language,
                CallbackId = t.CallbackId,
            },
        }, ct);
        return Webhooks.Accepted(result);
    }
}

public sealed record CallTranscript(
    [property: JsonConverter(typeof(IdentifierConverter))] string? CallId, string? Direction, string? CallerNumber, string? CalledNumber,
    [property: JsonConverter(typeof(IdentifierConverter))] string? AgentId, string? Status,
    DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? RecordingUrl, string? Language, IReadOnlyList<CallSegment>? Segments,
    [property: JsonConverter(typeof(IdentifierConverter))] string? CallbackId = null);

public sealed record CallSegment(string? Speaker, int? StartMs, int? EndMs, string? Text, double? Confidence);
