namespace Inbox.Accounts;

/// <summary>
/// Who sees what of a center, written once. Nobody sees another center. Managers and admins see every conversation and
/// event of their center and may act on every conversation; a counselor sees the queue (unassigned conversations and
/// presence) and the conversations assigned to them. The hub's groups, pushes, catch-up, typing, the queue query, the
/// conversation actions and the Manager policy all ask here; a guard test keeps the manager check from being written
/// anywhere else.
/// </summary>
public static class Visibility
{
    /// <summary>The roles that see, and may act on, every conversation of their center (also the Manager policy's roles).</summary>
    public static readonly IReadOnlyList<string> ManagerRoles = [Roles.Manager, Roles.Admin];

    public static bool IsManager(Caller caller) => ManagerRoles.Contains(caller.Role);

    /// <summary>Who sees a conversation: its center's managers, and its assignee or, while it has none, every counselor of the center.</summary>
    public static Audience OfConversation(string centerId, Guid? assigneeId) =>
        assigneeId is { } owner ? new(centerId, Queue: false, [owner]) : new(centerId, Queue: true, []);

    /// <summary>
    /// Who sees an event: its center's managers, and every counselor of the center when it concerns no conversation
    /// (presence), when its conversation is unassigned after it, or when it took an unassigned conversation out of the
    /// queue (<paramref name="leftTheQueue"/>: the queue learns it is taken); otherwise the assignee after it, and the one
    /// before when the event took the conversation from them.
    /// </summary>
    public static Audience OfEvent(string centerId, Guid? conversationId, Guid? assigneeId, Guid? previousAssigneeId, bool leftTheQueue)
    {
        if (conversationId is null || assigneeId is not { } owner || leftTheQueue)
            return new(centerId, Queue: true, []);
        return previousAssigneeId is { } previous && previous != owner
            ? new(centerId, Queue: false, [owner, previous])
            : new(centerId, Queue: false, [owner]);
    }

    /// <summary>
    /// <see cref="OfConversation"/> as a SQL condition on the conversations row <paramref name="alias"/>, for what the
    /// caller may see; the query passes the caller's <c>@CenterId</c> and <c>@AccountId</c>.
    /// </summary>
    public static string ConversationSql(Caller caller, string alias) =>
        $"{alias}.center_id = @CenterId" + (IsManager(caller) ? "" : $" AND ({alias}.assignee_id IS NULL OR {alias}.assignee_id = @AccountId)");
}

/// <summary>
/// Who sees a conversation or an event of <paramref name="CenterId"/>: always its managers; every counselor of the
/// center when <paramref name="Queue"/>; and the counselors in <paramref name="Accounts"/>.
/// </summary>
public sealed record Audience(string CenterId, bool Queue, IReadOnlyList<Guid> Accounts)
{
    public bool Includes(Caller caller) =>
        caller.CenterId == CenterId && (Visibility.IsManager(caller) || Queue || Accounts.Contains(caller.AccountId));
}
