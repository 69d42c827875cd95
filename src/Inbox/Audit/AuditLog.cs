using Inbox.Accounts;
using Inbox.Storage;

namespace Inbox.Audit;

public static class AuditActions
{
    public const string ConversationRead = "conversation.read";
    public const string ConversationList = "conversation.list";
    public const string QueueRead = "queue.read";
    public const string EventsRead = "events.read";
    public const string CalendarDayAdded = "calendar.day_added";
    public const string CalendarDayRemoved = "calendar.day_removed";
    public const string AccountCreated = "account.created";
    public const string AccountDisabled = "account.disabled";
    public const string AccountEnabled = "account.enabled";
    public const string AccountLocked = "account.locked";
}

/// <summary>Who did what to whose record (PIPA): the account, the source IP, the action, the resident.</summary>
public sealed record AuditEntry(
    string CenterId, Guid? AccountId, string Username, string? SourceIp, string Action,
    Guid? ContactId = null, Guid? ConversationId = null, string? Detail = null)
{
    public static AuditEntry For(Caller caller, HttpContext http, string action, Guid? contactId = null, Guid? conversationId = null, string? detail = null) =>
        new(caller.CenterId, caller.AccountId, caller.Username, http.Connection.RemoteIpAddress?.ToString(), action, contactId, conversationId, detail);
}

public sealed record AuditRecord
{
    public Guid Id { get; init; }
    public DateTimeOffset At { get; init; }
    public required string CenterId { get; init; }
    public Guid? AccountId { get; init; }
    public required string Username { get; init; }
    public string? SourceIp { get; init; }
    public required string Action { get; init; }
    public Guid? ContactId { get; init; }
    public Guid? ConversationId { get; init; }
    public string? Detail { get; init; }
}

/// <summary>The append-only access log. A read of a resident's record is written before the data is returned: no record, no data.</summary>
public sealed class AuditLog(Database database, TimeProvider clock)
{
    public async Task WriteAsync(IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
            return;
        var at = clock.GetUtcNow();
        await using var s = await database.BeginAsync(ct);
        await s.ExecuteAsync(
            """
            INSERT INTO audit_log (id, at, center_id, account_id, username, source_ip, action, contact_id, conversation_id, detail)
            VALUES (@Id, @At, @CenterId, @AccountId, @Username, @SourceIp, @Action, @ContactId, @ConversationId, @Detail)
            """,
            entries.Select(e => new { Id = Ids.New(), At = at, e.CenterId, e.AccountId, e.Username, e.SourceIp, e.Action, e.ContactId, e.ConversationId, e.Detail }),
            ct);
        await s.CommitAsync(ct);
    }

    /// <summary>The newest records of a center first, optionally about one resident.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ListAsync(string centerId, Guid? contactId, int limit, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.QueryAsync<AuditRecord>(
            $"""
            SELECT id, at, center_id, account_id, username, source_ip, action, contact_id, conversation_id, detail
            FROM audit_log
            WHERE center_id = @centerId AND (@contactId IS NULL OR contact_id = @contactId)
            ORDER BY at DESC, id DESC
            {s.Dialect.Limit("@limit")}
            """,
            new { centerId, contactId, limit }, ct);
    }
}
