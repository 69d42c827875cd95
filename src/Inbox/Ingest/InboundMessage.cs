using Inbox.Privacy;

namespace Inbox.Ingest;

/// <summary>
/// A message as a channel adapter hands it to ingest: already verified, parsed, normalized and routed to its center.
/// Phone calls may be outbound (a counselor calling back); everything else arrives from the resident.
/// </summary>
/// <remarks>
/// The texts people read (body, subject, transcript segments, attachment file names) hold registration numbers masked
/// from the moment they are set, so no channel and no rule can pass one on in full. Identifiers and URLs (provider message
/// id, addresses, attachment URLs) stay as the provider sent them: they deduplicate, route and fetch. The channel details stay
/// as sent for the rules that read them (call status, callback id); ingest masks its stored copy.
/// </remarks>
public sealed record InboundMessage
{
    public required string CenterId { get; init; }
    public required string Channel { get; init; }
    /// <summary>The center's own address the message reached: SMS number, Kakao sender key or phone line.</summary>
    public required string CenterAddress { get; init; }
    /// <summary>The resident's address on the channel: E.164 number, or the Kakao user key.</summary>
    public required string ResidentAddress { get; init; }
    /// <summary>The resident's phone number in E.164 when the channel identifies them by it (SMS, phone).</summary>
    public string? ResidentPhone { get; init; }
    public required string ProviderMessageId { get; init; }
    public string Direction { get; init; } = Conversations.Direction.In;
    public required string Kind { get; init; }
    public string? Body { get; init => field = ResidentRegistrationNumber.Mask(value); }
    public string? Subject { get; init => field = ResidentRegistrationNumber.Mask(value); }
    public DateTimeOffset? ProviderAt { get; init; }
    public IReadOnlyList<InboundAttachment> Attachments
    {
        get;
        init => field = [.. value.Select(a => a with { FileName = ResidentRegistrationNumber.Mask(a.FileName) })];
    } = [];

    public IReadOnlyList<InboundSegment> Segments
    {
        get;
        init => field = [.. value.Select(s => s with { Text = ResidentRegistrationNumber.Mask(s.Text) })];
    } = [];

    /// <summary>What the channel says beyond the common fields (<see cref="CallDetails"/>, <see cref="KakaoDetails"/>…),
    /// kept with the message as JSON.</summary>
    public ChannelDetails? Details { get; init; }
    /// <summary>Store only on an open conversation, never start one (e.g. a chat session expiring).</summary>
    public bool OnlyIfOpen { get; init; }
}

public sealed record InboundAttachment(string Purpose, string Url, string? ContentType, string? FileName, long? SizeBytes)
{
    public const string MediaPurpose = "media";
    /// <summary>The whole text of a message too long for the channel, delivered as a file.</summary>
    public const string FullTextPurpose = "full_text";
}

public sealed record InboundSegment(string Speaker, int StartMs, int EndMs, string Text, double? Confidence);

public enum IngestOutcome
{
    Stored,
    Duplicate,
    /// <summary>A notice that only makes sense on an open conversation arrived when none was open: acknowledged, nothing stored.</summary>
    Ignored,
}

public sealed record IngestResult(IngestOutcome Outcome, Guid? ConversationId, Guid? MessageId, long? LastSequence);
