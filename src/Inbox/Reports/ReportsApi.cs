using System.Globalization;
using Inbox.Accounts;
using Inbox.Audit;

namespace Inbox.Reports;

public static class ReportsApi
{
    public const int MaxDays = 400;
    public const int MinYear = 2000;
    public const int MaxYear = 2100;

    public static void MapReports(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Policies.Manager);
        api.MapGet("/", () => TypedResults.Ok(ReportService.All)).WithName("ListReports").WithSummary("The names of the reports.");
        api.MapGet("/{name}", GetAsync).WithName("GetReport").RequireRateLimiting(ReportConcurrencyPolicy.Name)
            .WithSummary("A report of the caller's center for a period (period=day|week|month with date, or from and to), optionally grouped "
                + "(groupBy=channel|line|counselor|category); format=csv downloads it as CSV (UTF-8 with BOM).");
    }

    private static async Task<IResult> GetAsync(
        string name, HttpContext http, ReportService reports, AuditLog audit,
        string? period, string? date, string? from, string? to, string? groupBy, string? format, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var errors = new Dictionary<string, string[]>();
        if (!ReportService.All.Contains(name))
            return TypedResults.Problem($"There is no report '{name}'. Reports: {string.Join(", ", ReportService.All)}.", statusCode: 404, title: "No such report.");
        if (groupBy is not null && !ReportGrouping.All.Contains(groupBy))
            errors["groupBy"] = [$"'groupBy' must be one of {string.Join(", ", ReportGrouping.All)}."];
        if (format is not null and not ("json" or "csv"))
            errors["format"] = ["'format' must be json or csv."];
        var days = await DaysAsync(reports, caller.CenterId, period, date, from, to, errors, ct);
        if (errors.Count > 0 || days is null)
            return TypedResults.ValidationProblem(errors);

        var range = await reports.PeriodAsync(caller.CenterId, days.Value.From, days.Value.To, ct);
        var table = await reports.BuildAsync(name, caller.CenterId, range, groupBy, ct);
        var csv = format == "csv";
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"report={name}; from={range.From:yyyy-MM-dd}; to={range.To:yyyy-MM-dd}; groupBy={groupBy ?? "none"}; rows={table.Rows.Count}");
        await audit.WriteAsync([AuditEntry.For(caller, http, csv ? AuditActions.ReportExported : AuditActions.ReportRead, detail: detail)], ct);
        if (!csv)
            return TypedResults.Ok(table);
        var file = string.Create(CultureInfo.InvariantCulture, $"inbox-{name}-{range.From:yyyyMMdd}-{range.To:yyyyMMdd}.csv");
        return TypedResults.File(table.ToCsv(await reports.ZoneAsync(caller.CenterId, ct)), "text/csv; charset=utf-8", file);
    }

    /// <summary>
    /// The days asked for: period day|week (Monday to Sunday)|month around date (default today, in the center's zone),
    /// or from–to inclusive; at most <see cref="MaxDays"/> days.
    /// </summary>
    internal static async Task<(DateOnly From, DateOnly To)?> DaysAsync(
        ReportService reports, string centerId, string? period, string? date, string? from, string? to, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        DateOnly? Parse(string? value, string field)
        {
            if (value is null)
                return null;
            if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= MinYear and <= MaxYear)
                return day;
            errors[field] = [$"'{field}' must be a date written yyyy-MM-dd, from {MinYear} to {MaxYear}."];
            return null;
        }
        if (from is not null || to is not null)
        {
            if (period is not null || date is not null)
                errors["period"] = ["Give either period (with date) or from and to, not both."];
            var start = Parse(from, "from");
            var end = Parse(to, "to");
            if (from is null || to is null)
                errors[from is null ? "from" : "to"] = ["'from' and 'to' go together."];
            if (start is null || end is null || errors.Count > 0)
                return null;
            if (end < start)
            {
                errors["to"] = ["'to' is before 'from'."];
                return null;
            }
            if (end.Value.DayNumber - start.Value.DayNumber + 1 > MaxDays)
            {
                errors["to"] = [$"A report covers at most {MaxDays} days."];
                return null;
            }
            return (start.Value, end.Value);
        }
        var anchor = Parse(date, "date");
        if (date is not null && anchor is null)
            return null;
        var day = anchor ?? await reports.TodayAsync(centerId, ct);
        switch (period ?? "day")
        {
            case "day":
                return (day, day);
            case "week":
                var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
                return (monday, monday.AddDays(6));
            case "month":
                var first = new DateOnly(day.Year, day.Month, 1);
                return (first, first.AddMonths(1).AddDays(-1));
            default:
                errors["period"] = ["'period' must be day, week or month."];
                return null;
        }
    }
}
