using Inbox.Accounts;
using Inbox.Storage;

namespace Inbox.Audit;

public static class AuditActions
{
    public const string ConversationRead = "conversation.read";
    public const string ConversationList = "conversation.list";
    public const string QueueRead = "queue.read";
    public const string EventsRead = "events.read";
    public const string ConversationPushed = "conversation.pushed";
    public const string CalendarDayAdded = "calendar.day_added";
    public const string CalendarDayRemoved = "calendar.day_removed";
    public const string AccountCreated = "account.created";
    public const string AccountDisabled = "account.disabled";
    public const string AccountEnabled = "account.enabled";
    public const string AccountLocked = "account.locked";
    /// <summary>A counselor joined a chat contact with a resident's record after verifying the person (detail: why).</summary>
    public const string ContactLinked = "contact.linked";
    public const string ReportRead = "report.read";
    public const string ReportExported = "report.exported";
    public const string AuditRead = "audit.read";
    public const string AuditExported = "audit.exported";
    public const string AuditReviewed = "audit.reviewed";
    public const string AuditPurged = "audit.purged";

    /// <summary>Actions that read a resident's record (what the monthly review counts).</summary>
    public static readonly IReadOnlyList<string> ResidentReads = [ConversationRead, ConversationList, QueueRead, EventsRead, ConversationPushed];

    /// <summary>Actions that take data out of the system (listed in every monthly review).</summary>
    public static readonly IReadOnlyList<string> Exports = [ReportExported, AuditExported];
}

/// <summary>Who did what to whose record (PIPA): the account, the source IP, the action, the resident.</summary>
public sealed record AuditEntry(
    string CenterId, Guid? AccountId, string Username, string? SourceIp, string Action,
    Guid? ContactId = null, Guid? ConversationId = null, string? Detail = null)
{
    public static AuditEntry For(Caller caller, HttpContext http, string action, Guid? contactId = null, Guid? conversationId = null, string? detail = null) =>
        new(caller.CenterId, caller.AccountId, caller.Username, http.Connection.RemoteIpAddress?.ToString(), action, contactId, conversationId, detail);
}

/// <summary>An access recorded at most once per account, resident and day (the center's day).</summary>
public sealed record DailyAccess(AuditEntry Entry, DateTimeOffset At, DateOnly Day);

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
        await using var s = await database.BeginAsync(ct);
        await WriteAsync(s, entries, ct);
        await s.CommitAsync(ct);
    }

    /// <summary>Writes the records in the caller's transaction, so they commit (or not) with the change they record.</summary>
    public async Task WriteAsync(DbSession s, IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        var at = clock.GetUtcNow();
        await s.ExecuteAsync(
            """
            INSERT INTO audit_log (id, at, center_id, account_id, username, source_ip, action, contact_id, conversation_id, detail)
            VALUES (@Id, @At, @CenterId, @AccountId, @Username, @SourceIp, @Action, @ContactId, @ConversationId, @Detail)
            """,
            entries.Select(e => new { Id = Ids.New(), At = at, e.CenterId, e.AccountId, e.Username, e.SourceIp, e.Action, e.ContactId, e.ConversationId, e.Detail }),
            ct);
    }

    /// <summary>
    /// Writes each entry at its time unless its account already has a record of that resident on <c>Day</c>: the store's
    /// unique key on (account, resident, day) decides, so several nodes writing the same access leave one record.
    /// </summary>
    public async Task WriteOncePerDayAsync(IReadOnlyList<DailyAccess> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
            return;
        await using var s = await database.BeginAsync(ct);
        await s.ExecuteAsync(
            s.Dialect.InsertIgnoringDuplicates("audit_log",
                "id, at, center_id, account_id, username, source_ip, action, contact_id, conversation_id, detail, access_day",
                "@Id, @At, @CenterId, @AccountId, @Username, @SourceIp, @Action, @ContactId, @ConversationId, @Detail, @AccessDay"),
            entries.Select(d => new
            {
                Id = Ids.New(), d.At, d.Entry.CenterId, d.Entry.AccountId, d.Entry.Username, d.Entry.SourceIp, d.Entry.Action,
                d.Entry.ContactId, d.Entry.ConversationId, d.Entry.Detail,
                AccessDay = d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            }),
            ct);
        await s.CommitAsync(ct);
    }

    /// <summary>The records of a center matching the filter, newest first; <see cref="AuditQuery.Before"/> pages on from a record.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ListAsync(AuditQuery q, CancellationToken ct)
    {
        var where = new List<string> { "center_id = @CenterId" };
        if (q.AccountId is not null) where.Add("account_id = @AccountId");
        if (q.Username is not null) where.Add("username = @Username");
        if (q.ContactId is not null) where.Add("contact_id = @ContactId");
        if (q.Action is not null) where.Add("action = @Action");
        if (q.From is not null) where.Add("at >= @From");
        if (q.To is not null) where.Add("at < @To");
        await using var s = await database.ReadAsync(ct);
        if (q.Before is not null)
            where.Add($"(at < (SELECT at FROM audit_log WHERE id = @Before) OR (at = (SELECT at FROM audit_log WHERE id = @Before) AND {s.Dialect.IdOrder("id")} < {s.Dialect.IdOrder("@Before")}))");
        return await s.QueryAsync<AuditRecord>(
            $"""
            SELECT id, at, center_id, account_id, username, source_ip, action, contact_id, conversation_id, detail
            FROM audit_log
            WHERE {string.Join(" AND ", where)}
            ORDER BY at DESC, {s.Dialect.IdOrder("id")} DESC
            {s.Dialect.Limit("@Limit")}
            """, q, ct);
    }

    /// <summary>Per account over [start, end): how many resident reads and how many distinct residents.</summary>
    public async Task<IReadOnlyList<AccountReads>> ReadsByAccountAsync(string centerId, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.QueryAsync<AccountReads>(
            $"""
            SELECT account_id, username, COUNT(*) AS reads, COUNT(DISTINCT contact_id) AS residents, MIN(at) AS first_at, MAX(at) AS last_at
            FROM audit_log
            WHERE center_id = @centerId AND at >= @start AND at < @end AND contact_id IS NOT NULL AND {s.Dialect.InList("action", "@actions")}
            GROUP BY account_id, username
            ORDER BY COUNT(DISTINCT contact_id) DESC, username
            """, new { centerId, start, end, actions = AuditActions.ResidentReads.ToList() }, ct);
    }

    /// <summary>
    /// Deletes the records older than <paramref name="cutoff"/>. The purge is recorded first (the store only lets a record
    /// go when a recorded purge's cutoff is past it), and each center's log gets a record saying how many went.
    /// </summary>
    public async Task<IReadOnlyList<(string CenterId, long Deleted)>> PurgeAsync(DateTimeOffset cutoff, IEnumerable<string> centerIds, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var s = await database.BeginAsync(ct);
        await s.ExecuteAsync("INSERT INTO audit_purges (id, at, cutoff) VALUES (@id, @now, @cutoff)", new { id = Ids.New(), now, cutoff }, ct);
        var centers = (await s.QueryAsync<string>("SELECT DISTINCT center_id FROM audit_log WHERE at < @cutoff", new { cutoff }, ct))
            .Union(centerIds).Order(StringComparer.Ordinal).ToList();
        var result = new List<(string, long)>();
        foreach (var centerId in centers)
        {
            long deleted = await s.ExecuteAsync("DELETE FROM audit_log WHERE center_id = @centerId AND at < @cutoff", new { centerId, cutoff }, ct);
            await s.ExecuteAsync(
                """
                INSERT INTO audit_log (id, at, center_id, account_id, username, source_ip, action, contact_id, conversation_id, detail)
                VALUES (@id, @now, @centerId, NULL, 'system', NULL, @action, NULL, NULL, @detail)
                """,
                new
                {
                    id = Ids.New(), now, centerId, action = AuditActions.AuditPurged,
                    detail = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"cutoff={cutoff:yyyy-MM-dd'T'HH:mm:ssK}; deleted={deleted}"),
                }, ct);
            result.Add((centerId, deleted));
        }
        await s.CommitAsync(ct);
        return result;
    }
}

public sealed record AuditQuery
{
    public required string CenterId { get; init; }
    public Guid? AccountId { get; init; }
    public string? Username { get; init; }
    public Guid? ContactId { get; init; }
    public string? Action { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public Guid? Before { get; init; }
    public int Limit { get; init; } = 100;
}

public sealed record AccountReads
{
    public Guid? AccountId { get; init; }
    public required string Username { get; init; }
    public long Reads { get; init; }
    public long Residents { get; init; }
    public DateTimeOffset FirstAt { get; init; }
    public DateTimeOffset LastAt { get; init; }
}

