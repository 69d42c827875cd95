using System.Text.Json.Serialization;

namespace Inbox.Ingest;

/// <summary>
/// What a channel says about a message beyond the common fields: kept with the message as JSON (property names as written
/// here, camel-cased) for counselors to read, and read by the rules where they need it (<see cref="CallDetails"/>,
/// <see cref="KakaoDetails.Extra"/>).
/// </summary>
public abstract record ChannelDetails;

/// <summary>A call as the CTI reports it. An answered call is a response; a missed call or a voicemail asks for a callback.</summary>
public sealed record CallDetails : ChannelDetails
{
    public const string Answered = "answered";
    public const string Missed = "missed";
    public const string Voicemail = "voicemail";

    public required string CallId { get; init; }
    /// <summary>As the CTI says it: <c>inbound</c> or <c>outbound</c>.</summary>
    public required string Direction { get; init; }
    /// <summary><see cref="Answered"/>, <see cref="Missed"/> or <see cref="Voicemail"/>.</summary>
    public required string Status { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    /// <summary>The username of the counselor the phone system says took or made the call.</summary>
    public string? AgentId { get; init; }
    public string? RecordingUrl { get; init; }
    public string? Language { get; init; }
    /// <summary>The callback request a counselor's call was made for, when the phone system names it.</summary>
    public string? CallbackId { get; init; }
}

/// <summary>A KakaoTalk chat message.</summary>
public sealed record KakaoDetails : ChannelDetails
{
    public required string SerialNumber { get; init; }
    public required string Type { get; init; }
    /// <summary>The payload of the button the resident tapped, if any (the call button asks for a callback).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Extra { get; init; }
}

/// <summary>A KakaoTalk counsel session starting (with the dealer's reference) or expiring.</summary>
public sealed record KakaoSessionDetails : ChannelDetails
{
    public const string Started = "session_started";
    public const string Expired = "session_expired";

    public required string Event { get; init; }
    public required string SessionId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AppUserId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string?>? Reference { get; init; }
}

/// <summary>An SMS, and which kind of provider delivered it.</summary>
public sealed record SmsDetails(string Provider) : ChannelDetails
{
    public const string Twilio = "twilio";
    public const string Gateway = "gateway";
}
