using System.Globalization;
using Inbox.Accounts;
using Inbox.Centers;
using Inbox.Reports;
using Microsoft.Extensions.Options;

namespace Inbox.Audit;

/// <summary>Audit:* — how long the access log is kept and what the monthly review flags.</summary>
public sealed class AuditOptions
{
    /// <summary>The 개인정보의 안전성 확보조치 기준 (제8조) asks for at least one year of access records; two for sensitive data.</summary>
    public const int MinimumRetentionDays = 365;

    public int RetentionDays { get; set; } = 730;
    public double PurgeIntervalHours { get; set; } = 24;

    /// <summary>An account is flagged when it read more than this many times the median account's residents …</summary>
    public double UnusualFactor { get; set; } = 3;

    /// <summary>… and more than this many residents in the month.</summary>
    public int UnusualMinimumResidents { get; set; } = 50;
}

public sealed record AccountReview(
    Guid? AccountId, string Username, long Reads, long Residents, DateTimeOffset FirstAt, DateTimeOffset LastAt, bool Flagged, string? Reason);

/// <summary>A month of the access log: who read how many residents' records, the unusual volumes, every export and purge.</summary>
public sealed record AuditReview(
    string Month, string TimeZone, DateTimeOffset Start, DateTimeOffset End, double MedianResidents, double FlagAbove,
    IReadOnlyList<AccountReview> Accounts, IReadOnlyList<AuditRecord> Exports, IReadOnlyList<AuditRecord> Purges);

public static class AuditApi
{
    public const int MaxLimit = 1000;
    public const string NextBeforeHeader = "X-Next-Before";

    public static void MapAudit(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Policies.Manager);
        api.MapGet("/", ListAsync).WithName("ListAudit")
            .WithSummary("The access log of the caller's center, newest first, filtered by accountId, username, contactId (resident), action "
                + "and days from/to (yyyy-MM-dd, inclusive); before=<record id> pages on (a full page names it in the X-Next-Before header); format=csv downloads it.");
        api.MapGet("/review", ReviewAsync).WithName("AuditReview")
            .WithSummary("The monthly review (month=yyyy-MM): residents read per account with unusual volumes flagged, every export, every purge.");
        api.MapPost("/purge", PurgeAsync).RequireAuthorization(Policies.Admin).WithName("PurgeAudit")
            .WithSummary("Runs the retention purge now (it also runs on its own); the run is itself recorded in the log.");
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, AuditLog audit, ReportService reports, TimeProvider clock, Guid? accountId, string? username, Guid? contactId, string? action,
        string? from, string? to, Guid? before, int? limit, string? format, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 or > MaxLimit)
            errors["limit"] = [$"'limit' must be between 1 and {MaxLimit}."];
        if (format is not null and not ("json" or "csv"))
            errors["format"] = ["'format' must be json or csv."];
        var start = Day(from, "from", errors);
        var end = Day(to, "to", errors);
        if (start is not null && end is not null && end < start)
            errors["to"] = ["'to' is before 'from'."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var query = new AuditQuery
        {
            CenterId = caller.CenterId, AccountId = accountId, Username = username, ContactId = contactId, Action = action,
            From = start is { } f ? (await reports.PeriodAsync(caller.CenterId, f, f, ct)).Start : null,
            To = end is { } t ? (await reports.PeriodAsync(caller.CenterId, t, t, ct)).End : null,
            Before = before, Limit = limit ?? 100,
        };
        var records = await audit.ListAsync(query, ct);
        // A full page may have more behind it: say where the next one starts (JSON and CSV alike).
        if (records.Count == query.Limit)
            http.Response.Headers[NextBeforeHeader] = records[^1].Id.ToString();
        var csv = format == "csv";
        // Reading the access log is itself an access worth recording.
        await audit.WriteAsync([AuditEntry.For(caller, http, csv ? AuditActions.AuditExported : AuditActions.AuditRead, contactId: contactId,
            detail: string.Create(CultureInfo.InvariantCulture, $"rows={records.Count}; from={from}; to={to}; action={action}; account={accountId?.ToString() ?? username}"))], ct);
        if (!csv)
            return TypedResults.Ok(records);
        ReportColumn[] columns =
        [
            new("at", "시각"), new("username", "계정"), new("accountId", "계정 ID"), new("sourceIp", "접속 IP"), new("action", "행위"),
            new("contactId", "정보주체(주민) ID"), new("conversationId", "대화 ID"), new("detail", "상세"),
        ];
        var table = new ReportTable("audit", null, null, clock.GetUtcNow(), columns,
        [
            .. records.Select(r => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["at"] = r.At, ["username"] = r.Username, ["accountId"] = r.AccountId, ["sourceIp"] = r.SourceIp, ["action"] = r.Action,
                ["contactId"] = r.ContactId, ["conversationId"] = r.ConversationId, ["detail"] = r.Detail,
            }),
        ]);
        return TypedResults.File(table.ToCsv(await reports.ZoneAsync(caller.CenterId, ct)), "text/csv; charset=utf-8", "inbox-audit.csv");
    }

    private static async Task<IResult> ReviewAsync(
        HttpContext http, AuditLog audit, ReportService reports, TimeProvider clock, IOptionsMonitor<AuditOptions> options, string? month, string? format, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var today = await reports.TodayAsync(caller.CenterId, ct);
        DateOnly first;
        if (month is null)
            first = new DateOnly(today.Year, today.Month, 1);
        else if (DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                 && parsed.Year is >= ReportsApi.MinYear and <= ReportsApi.MaxYear)
            first = parsed;
        else
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["month"] = [$"'month' must be written yyyy-MM, from {ReportsApi.MinYear} to {ReportsApi.MaxYear}."] });
        if (format is not null and not ("json" or "csv"))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["'format' must be json or csv."] });

        var period = await reports.PeriodAsync(caller.CenterId, first, first.AddMonths(1).AddDays(-1), ct);
        var reads = await audit.ReadsByAccountAsync(caller.CenterId, period.Start, period.End, ct);
        var sorted = reads.Select(r => (double)r.Residents).Order().ToList();
        var median = Stats.Median(sorted) ?? 0;
        var o = options.CurrentValue;
        var flagAbove = Math.Max(o.UnusualMinimumResidents, o.UnusualFactor * median);
        var accounts = reads.Select(r => new AccountReview(r.AccountId, r.Username, r.Reads, r.Residents, r.FirstAt, r.LastAt, r.Residents > flagAbove,
            r.Residents > flagAbove
                ? string.Create(CultureInfo.InvariantCulture, $"{r.Residents} residents read: more than {flagAbove:0.#} ({o.UnusualFactor:0.#} × the median {median:0.#}, at least {o.UnusualMinimumResidents})")
                : null)).ToList();
        var exports = new List<AuditRecord>();
        foreach (var action in AuditActions.Exports)
            exports.AddRange(await audit.ListAsync(new AuditQuery { CenterId = caller.CenterId, Action = action, From = period.Start, To = period.End, Limit = int.MaxValue }, ct));
        var purges = await audit.ListAsync(new AuditQuery { CenterId = caller.CenterId, Action = AuditActions.AuditPurged, From = period.Start, To = period.End, Limit = int.MaxValue }, ct);
        var review = new AuditReview(first.ToString("yyyy-MM", CultureInfo.InvariantCulture), period.TimeZone, period.Start, period.End, median, flagAbove,
            accounts, [.. exports.OrderBy(e => e.At).ThenBy(e => e.Id)], purges);

        var csv = format == "csv";
        await audit.WriteAsync([AuditEntry.For(caller, http, csv ? AuditActions.AuditExported : AuditActions.AuditReviewed,
            detail: $"review={review.Month}; accounts={accounts.Count}; flagged={accounts.Count(a => a.Flagged)}")], ct);
        if (!csv)
            return TypedResults.Ok(review);
        ReportColumn[] columns =
        [
            new("username", "계정"), new("accountId", "계정 ID"), new("reads", "열람 건수"), new("residents", "열람한 주민 수"),
            new("firstAt", "첫 열람"), new("lastAt", "마지막 열람"), new("flagged", "이상 징후"), new("reason", "사유"),
        ];
        var table = new ReportTable("audit-review", period, null, clock.GetUtcNow(), columns,
        [
            .. accounts.Select(a => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["username"] = a.Username, ["accountId"] = a.AccountId, ["reads"] = a.Reads, ["residents"] = a.Residents,
                ["firstAt"] = a.FirstAt, ["lastAt"] = a.LastAt, ["flagged"] = a.Flagged, ["reason"] = a.Reason,
            }),
        ]);
        return TypedResults.File(table.ToCsv(await reports.ZoneAsync(caller.CenterId, ct)), "text/csv; charset=utf-8", $"inbox-audit-review-{review.Month}.csv");
    }

    private static async Task<IResult> PurgeAsync(HttpContext http, AuditRetention retention, AuditLog audit, CancellationToken ct)
    {
        var result = await retention.PurgeAsync(ct);
        // The job's own records say what went; this one says who asked for it, from where.
        await audit.WriteAsync([AuditEntry.For(Caller.From(http.User), http, AuditActions.AuditPurged,
            detail: string.Create(CultureInfo.InvariantCulture, $"run by hand; cutoff={result.Cutoff:yyyy-MM-dd'T'HH:mm:ssK}; deleted={result.Centers.Sum(c => c.Deleted)}"))], ct);
        return TypedResults.Ok(new { cutoff = result.Cutoff, centers = result.Centers.Select(c => new { centerId = c.CenterId, deleted = c.Deleted }) });
    }

    private static DateOnly? Day(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null)
            return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= ReportsApi.MinYear and <= ReportsApi.MaxYear)
            return day;
        errors[field] = [$"'{field}' must be a date written yyyy-MM-dd, from {ReportsApi.MinYear} to {ReportsApi.MaxYear}."];
        return null;
    }
}

/// <summary>Deletes access records older than Audit:RetentionDays, every Audit:PurgeIntervalHours; each run leaves its own record.</summary>
public sealed class AuditRetention(AuditLog audit, CenterDirectory centers, IOptionsMonitor<AuditOptions> options, TimeProvider clock, ILogger<AuditRetention> logger)
    : BackgroundService
{
    public async Task<(DateTimeOffset Cutoff, IReadOnlyList<(string CenterId, long Deleted)> Centers)> PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().AddDays(-options.CurrentValue.RetentionDays);
        var result = await audit.PurgeAsync(cutoff, centers.All.Select(c => c.Id), ct);
        Log.RetentionPurged(logger, result.Sum(r => r.Deleted), cutoff);
        return (cutoff, result);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.RetentionPurgeFailed(logger, e.GetType().Name);
            }
            await Task.Delay(TimeSpan.FromHours(options.CurrentValue.PurgeIntervalHours), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Audit retention purge: {Deleted} records older than {Cutoff:u} removed")]
    public static partial void RetentionPurged(ILogger logger, long deleted, DateTimeOffset cutoff);

    [LoggerMessage(LogLevel.Warning, "Audit retention purge failed ({Error}); trying again at the next interval")]
    public static partial void RetentionPurgeFailed(ILogger logger, string error);
}
