using System.Globalization;
using System.Text.RegularExpressions;
using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Calendar.Holidays;
using Inbox.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Inbox.Calendar;

public sealed record HolidayView(DateOnly Date, string Name, string Kind);

public sealed record AddDayRequest(string? Date, string? Name, string? Kind);

public static partial class CalendarApi
{
    public static void MapCalendar(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/calendar").WithTags("Calendar").RequireAuthorization();
        api.MapGet("/holidays", HolidaysAsync).WithName("ListHolidays")
            .WithSummary("Public holidays, temporary holidays and the center's closures of a year (kind: fixed, lunar, substitute, election, temporary, closure).");
        api.MapGet("/due", DueAsync).WithName("ComputeDue")
            .WithSummary("When something arriving at 'at' (ISO 8601 with offset; now when omitted) on a line (text24, live, callback) is due, and the calendar version used.");
        api.MapGet("/days", DaysAsync).WithName("ListCalendarDays").RequireAuthorization(Policies.Manager)
            .WithSummary("The closures and temporary holidays added by administrators, with their ids.");
        api.MapPost("/days", AddDayAsync).WithName("AddCalendarDay").RequireAuthorization(Policies.Admin)
            .WithSummary("Adds a closure of the admin's center (kind closure) or a temporary holiday of every center (kind temporary).");
        api.MapDelete("/days/{id:guid}", RemoveDayAsync).WithName("RemoveCalendarDay").RequireAuthorization(Policies.Admin)
            .WithSummary("Removes a closure or temporary holiday.");
    }

    private static async Task<Results<Ok<IReadOnlyList<HolidayView>>, ValidationProblem>> HolidaysAsync(
        int? year, HttpContext http, CalendarService calendars, TimeProvider clock, CancellationToken ct)
    {
        var y = year ?? clock.GetUtcNow().Year;
        if (y is < 2000 or > 2100)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["year"] = ["'year' must be between 2000 and 2100."] });
        var holidays = await calendars.HolidaysAsync(Caller.From(http.User).CenterId, y, ct);
        return TypedResults.Ok<IReadOnlyList<HolidayView>>([.. holidays.Select(h => new HolidayView(h.Date, h.Name, h.Kind.ToString().ToLowerInvariant()))]);
    }

    private static async Task<Results<Ok<Deadline>, ValidationProblem>> DueAsync(
        string? line, string? at, HttpContext http, CalendarService calendars, TimeProvider clock, CancellationToken ct)
    {
        string[] lines = [Line.Text24, Line.Live, Deadlines.Callback];
        var errors = new Dictionary<string, string[]>();
        if (line is null || !lines.Contains(line))
            errors["line"] = [$"'line' must be one of {string.Join(", ", lines)}."];
        var instant = clock.GetUtcNow();
        if (at is not null && !(ExplicitOffset().IsMatch(at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant)))
            errors["at"] = ["'at' must be ISO 8601 with an offset, e.g. 2026-11-24T10:00:00+09:00 (write + as %2B in a URL)."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await calendars.DueAsync(Caller.From(http.User).CenterId, line!, instant, ct));
    }

    private static async Task<Ok<IReadOnlyList<CalendarDay>>> DaysAsync(HttpContext http, CalendarService calendars, CancellationToken ct) =>
        TypedResults.Ok(await calendars.DaysAsync(Caller.From(http.User).CenterId, ct));

    private static async Task<Results<Created<CalendarDay>, ValidationProblem, Conflict<ProblemDetails>>> AddDayAsync(
        AddDayRequest request, HttpContext http, CalendarService calendars, AuditLog audit, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var errors = new Dictionary<string, string[]>();
        if (!DateOnly.TryParseExact(request.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            errors["date"] = ["'date' must be a date like 2026-12-31."];
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
            errors["name"] = ["'name' is required (at most 100 characters)."];
        if (request.Kind is not (CalendarService.Closure or CalendarService.Temporary))
            errors["kind"] = ["'kind' must be closure (this center) or temporary (a temporary public holiday, every center)."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var added = await calendars.AddDayAsync(caller.CenterId, day, request.Name!, request.Kind!, caller.AccountId, ct);
        if (added is null)
            return TypedResults.Conflict(new ProblemDetails { Status = 409, Title = "That day is already there.", Detail = $"{request.Date} is already a {request.Kind}." });
        await audit.WriteAsync([AuditEntry.For(caller, http, AuditActions.CalendarDayAdded, detail: $"{added.Day} {added.Kind} {added.Name}")], ct);
        return TypedResults.Created($"/api/calendar/days/{added.Id}", added);
    }

    private static async Task<Results<NoContent, NotFound>> RemoveDayAsync(
        Guid id, HttpContext http, CalendarService calendars, AuditLog audit, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (!await calendars.RemoveDayAsync(caller.CenterId, id, ct))
            return TypedResults.NotFound();
        await audit.WriteAsync([AuditEntry.For(caller, http, AuditActions.CalendarDayRemoved, detail: id.ToString())], ct);
        return TypedResults.NoContent();
    }

    [GeneratedRegex(@"T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")]
    private static partial Regex ExplicitOffset();
}
