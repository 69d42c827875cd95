using Inbox.Accounts;

namespace Inbox.Live;

/// <summary>What the server pushes to connected counselors and managers. Every payload carries the sequence
/// number of the event it reports (Typing, which is not stored, carries the last committed one).</summary>
public interface IInboxClient
{
    Task ConversationChanged(ConversationChangedPayload payload);
    Task MessageAdded(MessageAddedPayload payload);
    Task MessageUpdated(MessageUpdatedPayload payload);
    Task PresenceChanged(PresenceChangedPayload payload);
    Task Typing(TypingPayload payload);
    Task SlaBreached(SlaBreachedPayload payload);
    Task CallbackRequested(CallbackPayload payload);
    Task CallbackChanged(CallbackPayload payload);
    Task CrisisFlagged(CrisisPayload payload);
}

/// <summary>A resident's message signalled danger to life: the phrase that triggered it, and who.</summary>
public sealed record CrisisPayload(long Seq, Guid ConversationId, string Phrase, string Channel, ContactDisplay Contact);

/// <summary>A request to be called back: the number (null while the resident has not given one), why, its state and deadline.
/// <paramref name="PhoneVerified"/> is false for a number typed in a chat: show it as "given in chat, not verified".</summary>
public sealed record CallbackPayload(
    long Seq, Guid Id, Guid ConversationId, string? Phone, string Source, string Status, DateTimeOffset RequestedAt, DateTimeOffset DueAt,
    string CalendarVersion, int Attempts, DateTimeOffset? CompletedAt, Guid? CompletedBy, string Change, bool PhoneVerified);

public sealed record ContactDisplay(Guid Id, string? DisplayName, string? Phone);

public sealed record ConversationChangedPayload(
    long Seq, Guid Id, string Status, string Line, string Channel, string Priority, Guid? AssigneeId,
    DateTimeOffset? DueAt, DateTimeOffset? WaitingSince, DateTimeOffset LastActivityAt, string? Category,
    ContactDisplay Contact, string Reason, string? TriagePhrase, string? Program);

public sealed record MessageAddedPayload(
    long Seq, Guid ConversationId, Guid Id, string Direction, string Channel, string Kind, string? Body,
    DateTimeOffset CreatedAt, string? DeliveryStatus, Guid? AuthorId, string? ClientMessageId, int Part);

public sealed record MessageUpdatedPayload(long Seq, Guid ConversationId, Guid Id, string? DeliveryStatus, string? DeliveryError);

public sealed record PresenceChangedPayload(long Seq, Guid AccountId, string DisplayName, string Presence);

/// <summary>A deadline passed unanswered: why it was set, when it was due, the calendar it was computed with, and how
/// long the resident had been waiting at that moment, in wall-clock and in business time.</summary>
public sealed record SlaBreachedPayload(
    long Seq, Guid ConversationId, string Reason, DateTimeOffset DueAt, string CalendarVersion, Guid? AssigneeId,
    DateTimeOffset? WaitingSince, double WaitedSeconds, double WaitedBusinessSeconds);

public sealed record TypingPayload(long Seq, Guid ConversationId, Guid AccountId, string Username);

/// <summary>One pushed event as CatchUp returns it: the client method it was pushed to, and the same payload.</summary>
public sealed record HubEvent(long Seq, string Method, object Payload);

/// <summary>What CatchUp found: the events; More = call again from UpTo (the last stored sequence read, visible or not);
/// Reload = too far behind, take GetQueue again.</summary>
public sealed record CatchUpResult(IReadOnlyList<HubEvent> Events, bool More, long UpTo, bool Reload);

/// <summary>A page of the queue, the sequence to catch up from, and the cursor of the next page (null on the last).</summary>
public sealed record QueueSnapshot(long Seq, IReadOnlyList<ConversationChangedPayload> Conversations, string? NextCursor);

/// <summary>SignalR group names, in one place.</summary>
public static class HubGroups
{
    /// <summary>Counselors of a center: events of unassigned conversations and presence.</summary>
    public static string Queue(string centerId) => $"center:{centerId}:queue";

    /// <summary>Managers and admins of a center: every event of the center.</summary>
    public static string Managers(string centerId) => $"center:{centerId}:managers";

    /// <summary>One counselor: events of the conversations assigned to them.</summary>
    public static string Account(Guid accountId) => $"account:{accountId}";

    /// <summary>The groups a connection of this caller joins: a send to <see cref="Of(Audience)"/> reaches it exactly when
    /// the audience includes the caller.</summary>
    public static IReadOnlyList<string> Of(Caller caller) => Visibility.IsManager(caller)
        ? [Managers(caller.CenterId)]
        : [Queue(caller.CenterId), Account(caller.AccountId)];

    /// <summary>The groups that reach an audience.</summary>
    public static IReadOnlyList<string> Of(Audience audience) =>
        [Managers(audience.CenterId), .. audience.Queue ? [Queue(audience.CenterId)] : Array.Empty<string>(), .. audience.Accounts.Select(Account)];
}
