namespace Inbox.Conversations;

// Stored as these exact strings in every database and on the wire.

/// <summary>
/// The stored names of the built-in channels. What a channel is (its line, replies, senders, report name) is its
/// definition's (Channels/&lt;Name&gt;/); the registered channels are <see cref="Inbox.Channels.ChannelRegistry"/>'s.
/// </summary>
public static class Channel
{
    public const string Sms = "sms";
    public const string Kakao = "kakao";
    public const string Phone = "phone";
}

/// <summary>The lines; a channel's definition says which one it is on.</summary>
public static class Line
{
    public const string Text24 = "text24";
    public const string Live = "live";
    public const string Phone = "phone";

    public static readonly IReadOnlyList<string> All = [Text24, Live, Phone];
}

public static class ConversationStatus
{
    public const string Open = "open";
    public const string Pending = "pending";
    public const string Resolved = "resolved";

    public static readonly IReadOnlyList<string> All = [Open, Pending, Resolved];
}

public static class MessageKind
{
    public const string Text = "text";
    public const string Media = "media";
    public const string Transcript = "transcript";
    public const string Note = "note";
    public const string System = "system";
}

public static class Direction
{
    public const string In = "in";
    public const string Out = "out";
}

public static class EventType
{
    public const string ConversationOpened = "conversation.opened";
    public const string MessageAdded = "message.added";
    public const string MessageUpdated = "message.updated";
    public const string ConversationAssigned = "conversation.assigned";
    public const string ConversationResolved = "conversation.resolved";
    public const string ConversationReopened = "conversation.reopened";
    public const string PresenceChanged = "presence.changed";
    public const string SlaBreached = "sla.breached";
    public const string ConversationFlagged = "conversation.flagged";
    public const string CallbackRequested = "callback.requested";
    public const string CallbackChanged = "callback.changed";
    public const string ConversationCategorized = "conversation.categorized";
    public const string ConversationReferred = "conversation.referred";
    /// <summary>A counselor joined the conversation's contact with a resident's record after verifying the person.</summary>
    public const string ContactLinked = "contact.linked";
}

/// <summary>The welfare field a conversation is about (the center's own statistics use these five and 기타).</summary>
public static class Category
{
    public static readonly IReadOnlyList<string> All = ["복지일반", "저소득층지원", "여성과가족", "장애인복지", "보건의료", "기타"];
}

/// <summary>Where a resident was referred: another department, a community center (동주민센터), an outside agency.</summary>
public static class ReferralKind
{
    public const string Department = "department";
    public const string CommunityCenter = "community_center";
    public const string Agency = "agency";

    public static readonly IReadOnlyList<string> All = [Department, CommunityCenter, Agency];
}

public static class DeliveryStatus
{
    public const string Queued = "queued";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    /// <summary>Statuses only move forward: a late "sent" receipt never undoes "delivered".</summary>
    public static int Rank(string? status) => status switch
    {
        Queued => 0,
        Sent => 1,
        Delivered or Failed => 2,
        _ => -1,
    };
}
