namespace Inbox.Conversations;

// Stored as these exact strings in every database and on the wire.

public static class Channel
{
    public const string Sms = "sms";
    public const string Kakao = "kakao";
    public const string Phone = "phone";

    public static readonly IReadOnlyList<string> All = [Sms, Kakao, Phone];
}

public static class Line
{
    public const string Text24 = "text24";
    public const string Live = "live";
    public const string Phone = "phone";

    public static readonly IReadOnlyList<string> All = [Text24, Live, Phone];

    /// <summary>The line a conversation starts on when its first message comes in on <paramref name="channel"/>.</summary>
    public static string ForChannel(string channel) => channel switch
    {
        Channel.Kakao => Live,
        Channel.Phone => Phone,
        _ => Text24,
    };
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
}
