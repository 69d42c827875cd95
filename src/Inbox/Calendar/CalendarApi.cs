using System.Globalization;
using System.Text.RegularExpressions;
using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Calendar.Holidays;
using Inbox.Conversations;
using Inbox.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Inbox.Calendar;

public sealed record HolidayView(DateOnly Date, string Name, string Kind);

public sealed record AddDayRequest(string? Date, string? Name, string? Kind);

public static partial class CalendarApi
{
    public static void MapCalendar(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/calendar").WithTags("Calendar").RequireAuthorization();
        api.MapGet("/holidays", HolidaysAsync).WithName("ListHolidays")
            .WithSummary("Public holidays, election and temporary holidays (shipped data and the operator's configuration) and the center's closures of a year (kind: fixed, lunar, substitute, election, temporary, closure).");
        api.MapGet("/due", DueAsync).WithName("ComputeDue")
            .WithSummary("When something arriving at 'at' (ISO 8601 with offset; now when omitted) on a line (text24, live, callback) is due, the calendar version used, and why when the wall-clock rule gave it.");
        api.MapGet("/days", DaysAsync).WithName("ListCalendarDays").RequireAuthorization(Policies.Manager)
            .WithSummary("The closures of the caller's center, with their ids.");
        api.MapPost("/days", AddDayAsync).WithName("AddCalendarDay").RequireAuthorization(Policies.Admin)
            .WithSummary("Adds a closure of the admin's own center. Temporary holidays of every center are the operator's (configuration), not a center's.");
        api.MapDelete("/days/{id:guid}", RemoveDayAsync).WithName("RemoveCalendarDay").RequireAuthorization(Policies.Admin)
            .WithSummary("Removes a closure of the admin's own center (404 for any other).");
    }

    private static async Task<Results<Ok<IReadOnlyList<HolidayView>>, ValidationProblem>> HolidaysAsync(
        int? year, HttpContext http, CalendarService calendars, TimeProvider clock, CancellationToken ct)
    {
        var y = year ?? clock.GetUtcNow().Year;
        if (y < CalendarService.FirstDay.Year || y > CalendarService.LastDay.Year)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["year"] = [$"'year' must be from {CalendarService.FirstDay.Year} to {CalendarService.LastDay.Year}: {CalendarService.SupportedRange}."],
            });
        var holidays = await calendars.HolidaysAsync(Caller.From(http.User).CenterId, y, ct);
        return TypedResults.Ok<IReadOnlyList<HolidayView>>([.. holidays.Select(h => new HolidayView(h.Date, h.Name, h.Kind.ToString().ToLowerInvariant()))]);
    }

    private static async Task<Results<Ok<Deadline>, ValidationProblem>> DueAsync(
        string? line, string? at, HttpContext http, CalendarService calendars, IOptionsMonitor<LineOptions> options, TimeProvider clock, CancellationToken ct)
    {
        string[] lines = [Line.Text24, Line.Live, Deadlines.Callback];
        var errors = new Dictionary<string, string[]>();
        if (line is null || !lines.Contains(line))
            errors["line"] = [$"'line' must be one of {string.Join(", ", lines)}."];
        var centerId = Caller.From(http.User).CenterId;
        var calendar = await calendars.ForCenterAsync(centerId, ct);
        var instant = clock.GetUtcNow();
        if (at is not null && !(ExplicitOffset().IsMatch(at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant) && calendar.Covers(instant)))
            errors["at"] = [$"'at' must be ISO 8601 with an offset, e.g. 2026-11-24T10:00:00+09:00 (write + as %2B in a URL), within {CalendarService.SupportedRange} (the center's time zone)."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(CalendarService.Due(calendar, line!, instant, options.CurrentValue));
    }

    private static async Task<Ok<IReadOnlyList<CalendarDay>>> DaysAsync(HttpContext http, CalendarService calendars, CancellationToken ct) =>
        TypedResults.Ok(await calendars.DaysAsync(Caller.From(http.User).CenterId, ct));

    private static async Task<Results<Created<CalendarDay>, ValidationProblem, Conflict<ProblemDetails>>> AddDayAsync(
        AddDayRequest request, HttpContext http, CalendarService calendars, Database database, AuditLog audit, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var errors = new Dictionary<string, string[]>();
        if (!DateOnly.TryParseExact(request.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            || day < CalendarService.FirstDay || day > CalendarService.LastDay)
            errors["date"] = [$"'date' must be a date like 2026-12-31, within {CalendarService.SupportedRange}."];
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > CalendarService.MaxNameLength)
            errors["name"] = [$"'name' is required (at most {CalendarService.MaxNameLength} characters)."];
        if (request.Kind is not (null or CalendarService.Closure))
            errors["kind"] = ["'kind' must be closure (a day this center is closed). Temporary holidays of every center are set by the operator in configuration (Calendar:TemporaryHolidays), not by a center."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        // The closure and its audit record commit together: no change of a center's calendar goes unrecorded in that center.
        await using var s = await database.BeginAsync(ct);
        var added = await calendars.AddDayAsync(s, caller.CenterId, day, request.Name!, caller.AccountId, ct);
        if (added is null)
            return TypedResults.Conflict(new ProblemDetails { Status = 409, Title = "That day is already there.", Detail = $"{request.Date} is already a closure of this center." });
        await audit.WriteAsync(s, [AuditEntry.For(caller, http, AuditActions.CalendarDayAdded, detail: $"{added.Day} {added.Kind} {added.Name}")], ct);
        await s.CommitAsync(ct);
        calendars.Changed(caller.CenterId);
        return TypedResults.Created($"/api/calendar/days/{added.Id}", added);
    }

    private static async Task<Results<NoContent, NotFound>> RemoveDayAsync(
        Guid id, HttpContext http, CalendarService calendars, Database database, AuditLog audit, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        await using var s = await database.BeginAsync(ct);
        if (await calendars.RemoveDayAsync(s, caller.CenterId, id, ct) is not { } removed)
            return TypedResults.NotFound();
        await audit.WriteAsync(s, [AuditEntry.For(caller, http, AuditActions.CalendarDayRemoved, detail: $"{removed.Day} {removed.Kind} {removed.Name} ({removed.Id})")], ct);
        await s.CommitAsync(ct);
        calendars.Changed(caller.CenterId);
        return TypedResults.NoContent();
    }

    [GeneratedRegex(@"T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")]
    private static partial Regex ExplicitOffset();
}
