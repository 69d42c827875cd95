using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Inbox.Calendar.Holidays;
using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Storage;
using Microsoft.Extensions.Options;

namespace Inbox.Calendar;

/// <summary>The <c>Lines</c> configuration section: deadlines that are not "one business day".</summary>
public sealed class LineOptions
{
    public Text24Options Text24 { get; set; } = new();
    public LiveOptions Live { get; set; } = new();
    public CallbackOptions Callback { get; set; } = new();
    public UrgentOptions Urgent { get; set; } = new();

    public sealed class UrgentOptions
    {
        /// <summary>Minutes (wall-clock, at any hour) to answer a message that signals danger to life.</summary>
        public int DueMinutes { get; set; } = 10;
    }

    public sealed class Text24Options
    {
        /// <summary>The automatic acknowledgement of the 24-hour text line; {center} and {due} are filled in.</summary>
        public string Acknowledgement { get; set; } = "[{center}] 문의가 접수되었습니다. {due}까지 답변드리겠습니다.";
    }

    public sealed class LiveOptions
    {
        /// <summary>Working minutes to the first answer on the live chat line.</summary>
        public int FirstResponseMinutes { get; set; } = 3;

        /// <summary>The automatic reply outside working hours, once per closed period; {center} and {opening} are filled in.</summary>
        public string ClosedReply { get; set; } = "[{center}] 지금은 상담 시간이 아닙니다. {opening}부터 상담사가 답변드립니다. 남겨주신 문의는 순서대로 확인합니다.";
    }

    public sealed class CallbackOptions
    {
        /// <summary>Working minutes to call a resident back who asked for it.</summary>
        public int DueMinutes { get; set; } = 30;

        /// <summary>The Kakao button payload (<c>extra</c>) that asks for a call.</summary>
        public string KakaoButtonExtra { get; set; } = "CALL_REQUEST";

        /// <summary>Words that ask to be called, matched ignoring spaces; configured ones replace <see cref="DefaultPhrases"/>.
        /// A question about a number ("전화번호 알려주세요") is not one.</summary>
        public List<string> Phrases { get; set; } = [];

        public IReadOnlyList<string> EffectivePhrases => Phrases.Count > 0 ? Phrases : DefaultPhrases;

        public static readonly IReadOnlyList<string> DefaultPhrases =
        [
            "전화주세요", "전화주실수있", "전화부탁", "전화좀주", "전화좀해주", "전화해주세요", "전화해주실", "전화로상담", "전화상담원해",
            "전화로얘기", "통화하고싶", "통화가능할까", "통화부탁", "연락주세요", "연락부탁", "콜백", "callme",
        ];

        /// <summary>Sent when a Kakao resident without a known number asks to be called.</summary>
        public string AskForNumber { get; set; } = "[{center}] 전화 상담을 도와드리겠습니다. 연락받으실 전화번호를 남겨주세요.";
    }
}

/// <summary>The <c>Calendar</c> configuration section: the operator's nationwide days.</summary>
public sealed class OperatorCalendarOptions
{
    /// <summary>
    /// 임시공휴일 (and election days) of every center announced after the release, on top of the shipped
    /// special-holidays.json: the operator's data, never a center's. A date the shipped file already lists keeps the file's entry.
    /// </summary>
    public List<TemporaryHolidayOptions> TemporaryHolidays { get; set; } = [];

    public sealed class TemporaryHolidayOptions
    {
        /// <summary>yyyy-MM-dd, within the calendar's supported range.</summary>
        public string? Date { get; set; }

        /// <summary>The name shown in the calendar, e.g. "임시공휴일" or "제22대 대통령선거".</summary>
        public string? Name { get; set; }
    }

    /// <summary>Every problem of the configured days, each naming its key; empty when they are fine.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        var seen = new HashSet<DateOnly>();
        for (var i = 0; i < TemporaryHolidays.Count; i++)
        {
            var entry = TemporaryHolidays[i];
            var key = $"Calendar:TemporaryHolidays:{i}";
            if (!DateOnly.TryParseExact(entry.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || date < CalendarService.FirstDay || date > CalendarService.LastDay)
                problems.Add($"{key}:Date must be a date like 2026-12-24 within {CalendarService.SupportedRange} (is '{entry.Date}').");
            else if (!seen.Add(date))
                problems.Add($"{key}:Date {entry.Date} is configured twice.");
            if (string.IsNullOrWhiteSpace(entry.Name) || entry.Name.Trim().Length > CalendarService.MaxNameLength)
                problems.Add($"{key}:Name is required (at most {CalendarService.MaxNameLength} characters).");
        }
        return problems;
    }

    /// <summary>The configured days as holidays (call only once <see cref="Problems"/> is empty).</summary>
    public IEnumerable<Holiday> Days() => TemporaryHolidays.Select(d =>
        new Holiday(DateOnly.ParseExact(d.Date!, "yyyy-MM-dd", CultureInfo.InvariantCulture), d.Name!.Trim(), HolidayKind.Temporary));
}

/// <summary>A closure of one center: a day it is closed besides the public holidays.</summary>
public sealed record CalendarDay
{
    public Guid Id { get; init; }
    public required string CenterId { get; init; }
    public required string Day { get; init; }
    public required string Name { get; init; }
    public string Kind => CalendarService.Closure;
}

/// <summary>When something is due and the calendar version that said so; <paramref name="Fallback"/> says why, when the calendar
/// had no working time to count on and the wall-clock rule gave it (the version then ends in <see cref="BusinessCalendar.WallClockSuffix"/>).</summary>
public sealed record Deadline(DateTimeOffset DueAt, string CalendarVersion, string? Fallback = null);

public static class CalendarSetup
{
    /// <summary>The calendars and the operator's nationwide days, checked at start-up.</summary>
    public static IServiceCollection AddInboxCalendar(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OperatorCalendarOptions>().Bind(configuration.GetSection("Calendar")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OperatorCalendarOptions>, CalendarOptionsValidator>();
        services.AddSingleton<CalendarService>();
        return services;
    }

    private sealed class CalendarOptionsValidator : IValidateOptions<OperatorCalendarOptions>
    {
        public ValidateOptionsResult Validate(string? name, OperatorCalendarOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}

/// <summary>
/// Each center's business calendar: the law's public holidays, the election and temporary holidays of the shipped data and
/// of the operator's configuration (every center), the center's own closures (its admins add them at run time), and the
/// center's working hours. Rebuilt when the center's admin changes a closure (on this node at once, on others within half
/// a minute) and when the configuration changes; every version used is stored with its full definition.
/// </summary>
public sealed class CalendarService(
    Database database, CenterDirectory centers, IOptionsMonitor<LineOptions> lines, IOptionsMonitor<OperatorCalendarOptions> options,
    TimeProvider clock, ILogger<CalendarService> logger)
{
    public const string Closure = "closure";
    public const int MaxNameLength = 100;

    /// <summary>The days the calendar knows: the years <see cref="KoreanHolidays"/> computes.</summary>
    public static readonly DateOnly FirstDay = new(KoreanHolidays.FirstSupportedYear, 1, 1);

    public static readonly DateOnly LastDay = new(KoreanHolidays.LastSupportedYear, 12, 31);

    public static readonly string SupportedRange = $"the calendar's supported range, {FirstDay:yyyy-MM-dd} to {LastDay:yyyy-MM-dd}";

    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, Loaded> _cache = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<Loaded>>> _loading = new();
    private readonly ConcurrentDictionary<string, long> _generation = new();
    private readonly ConcurrentDictionary<string, bool> _warned = new();
    private (OperatorCalendarOptions Options, IReadOnlyList<Holiday> Days)? _specialDays;
    private string? _badConfiguration;

    public async Task<BusinessCalendar> ForCenterAsync(string centerId, CancellationToken ct) => (await LoadAsync(centerId, ct)).Calendar;

    /// <summary>When something arriving at <paramref name="at"/> on <paramref name="line"/> must be answered.</summary>
    public async Task<Deadline> DueAsync(string centerId, string line, DateTimeOffset at, CancellationToken ct) =>
        Due(await ForCenterAsync(centerId, ct), line, at, lines.CurrentValue);

    /// <summary>The deadline rule of each line. Never fails on a calendar: without working time it falls back to wall-clock time.</summary>
    public static Deadline Due(BusinessCalendar calendar, string line, DateTimeOffset at, LineOptions options) => line switch
    {
        // One business day: Tue 10:00 → Wed 10:00, Fri 17:00 → Mon 17:00, Sat 22:00 → Mon 18:00.
        Line.Text24 => calendar.AddBusinessTime(at, calendar.Hours.WorkingDay),
        // Minutes while the center is open; outside working hours the chat falls back to the text line's deadline.
        Line.Live => calendar.IsOpen(at)
            ? calendar.AddBusinessTime(at, TimeSpan.FromMinutes(options.Live.FirstResponseMinutes))
            : calendar.AddBusinessTime(at, calendar.Hours.WorkingDay),
        // Minutes while open, else the next opening; with no opening at all, the minutes in wall-clock time.
        Deadlines.Callback => calendar.IsOpen(at)
            ? calendar.AddBusinessTime(at, TimeSpan.FromMinutes(options.Callback.DueMinutes))
            : calendar.NextOpening(at) is { } opening
                ? new Deadline(opening, calendar.Version)
                : calendar.WallClock(at, TimeSpan.FromMinutes(options.Callback.DueMinutes)),
        _ => throw new ArgumentException($"There is no deadline rule for the line '{line}'.", nameof(line)),
    };

    /// <summary>The public holidays, temporary holidays and closures of the center in <paramref name="year"/>, by date.</summary>
    public async Task<IReadOnlyList<Holiday>> HolidaysAsync(string centerId, int year, CancellationToken ct)
    {
        var loaded = await LoadAsync(centerId, ct);
        var closures = loaded.Days
            .Select(d => (Row: d, Date: ParseDay(d.Day)))
            .Where(d => d.Date?.Year == year)
            .Select(d => new Holiday(d.Date!.Value, d.Row.Name, HolidayKind.Closure));
        return [.. KoreanHolidays.For(year, loaded.SpecialDays).Concat(closures).OrderBy(h => h.Date).ThenBy(h => h.Kind)];
    }

    /// <summary>The center's closures, by day.</summary>
    public async Task<IReadOnlyList<CalendarDay>> DaysAsync(string centerId, CancellationToken ct) => (await LoadAsync(centerId, ct)).Days;

    /// <summary>A closure of the center. Null when the center already has that day.</summary>
    public async Task<CalendarDay?> AddDayAsync(DbSession s, string centerId, DateOnly day, string name, Guid? by, CancellationToken ct)
    {
        var row = new CalendarDay { Id = Ids.New(), CenterId = centerId, Day = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Name = name.Trim() };
        if (await s.ScalarAsync<long>("SELECT COUNT(*) FROM calendar_closures WHERE center_id = @CenterId AND day = @Day", row, ct) > 0)
            return null;
        var inserted = await s.ExecuteAsync(
            s.Dialect.InsertIgnoringDuplicates("calendar_closures", "id, center_id, day, name, created_by, created_at", "@Id, @CenterId, @Day, @Name, @by, @now"),
            new { row.Id, row.CenterId, row.Day, row.Name, by, now = clock.GetUtcNow() }, ct);
        return inserted == 1 ? row : null;
    }

    /// <summary>Removes a closure of the center (never another center's); null when the center has no such day.</summary>
    public async Task<CalendarDay?> RemoveDayAsync(DbSession s, string centerId, Guid id, CancellationToken ct)
    {
        var row = await s.SingleOrDefaultAsync<CalendarDay>(
            "SELECT id, center_id, day, name FROM calendar_closures WHERE id = @id AND center_id = @centerId", new { id, centerId }, ct);
        if (row is null || await s.ExecuteAsync("DELETE FROM calendar_closures WHERE id = @id AND center_id = @centerId", new { id, centerId }, ct) != 1)
            return null;
        return row;
    }

    /// <summary>Rebuilds the center's calendar on its next use (after a committed change of its closures).</summary>
    public void Changed(string centerId)
    {
        _generation.AddOrUpdate(centerId, 1, (_, g) => g + 1);
        _cache.TryRemove(centerId, out _);
        _loading.TryRemove(centerId, out _); // a load that started before the change must not be the one callers wait for
    }

    /// <summary>The shipped election and temporary holidays with the operator's configured ones, sorted (a shipped date wins).</summary>
    private IReadOnlyList<Holiday> SpecialDays()
    {
        OperatorCalendarOptions current;
        try
        {
            current = options.CurrentValue;
        }
        catch (OptionsValidationException e)
        {
            // Start-up refuses bad days; a configuration reloaded with bad ones keeps the days last read (intake must go on).
            var problems = string.Join(" ", e.Failures);
            if (!string.Equals(Interlocked.Exchange(ref _badConfiguration, problems), problems, StringComparison.Ordinal))
                Log.TemporaryHolidaysInvalid(logger, problems);
            return _specialDays?.Days ?? KoreanHolidays.SpecialDays;
        }
        _badConfiguration = null;
        if (_specialDays is { } cached && ReferenceEquals(cached.Options, current))
            return cached.Days;
        var shipped = KoreanHolidays.SpecialDays;
        var dates = shipped.Select(h => h.Date).ToHashSet();
        IReadOnlyList<Holiday> merged = [.. shipped.Concat(current.Days().Where(h => !dates.Contains(h.Date))).OrderBy(h => h.Date)];
        _specialDays = (current, merged);
        return merged;
    }

    /// <summary>The center's calendar, rebuilt when older than <see cref="Freshness"/>. However many requests find it stale at once,
    /// one rebuild runs and they all wait for that one (a rebuild reads every closure of the center and records the version).</summary>
    private async Task<Loaded> LoadAsync(string centerId, CancellationToken ct)
    {
        // A load writes the calendar's version in a session of its own, and callers wait for it: inside a transaction that
        // waits for the transaction itself on SQLite. Refused always, not only on a cache miss, so a test finds the mistake.
        if (database.InTransaction)
        {
            throw new InvalidOperationException(
                "Read the center's calendar before the transaction begins: loading it writes its version in a session of its own.");
        }
        var now = clock.GetUtcNow();
        var specialDays = SpecialDays();
        if (_cache.TryGetValue(centerId, out var cached) && now - cached.LoadedAt < Freshness && ReferenceEquals(cached.SpecialDays, specialDays))
            return cached;
        var load = _loading.GetOrAdd(centerId, id => new Lazy<Task<Loaded>>(() => BuildAsync(id, specialDays)));
        _ = load.Value.ContinueWith(_ => _loading.TryRemove(new KeyValuePair<string, Lazy<Task<Loaded>>>(centerId, load)), TaskScheduler.Default);
        return await load.Value.WaitAsync(ct);
    }

    private async Task<Loaded> BuildAsync(string centerId, IReadOnlyList<Holiday> specialDays)
    {
        await Task.Yield(); // run apart from the first caller, whose cancellation must not cancel the others' load
        var ct = CancellationToken.None;
        var generation = _generation.GetValueOrDefault(centerId);
        var now = clock.GetUtcNow();
        var center = centers.Find(centerId) ?? throw new ArgumentException($"No center '{centerId}'.", nameof(centerId));

        IReadOnlyList<CalendarDay> rows;
        await using (var s = await database.ReadAsync(ct))
        {
            rows = await s.QueryAsync<CalendarDay>(
                $"SELECT id, center_id, day, name FROM calendar_closures WHERE center_id = @centerId ORDER BY day, {s.Dialect.IdOrder("id")}",
                new { centerId }, ct);
        }
        // A row that is not a date (written by hand, or by an older version) closes nothing; it must not stop the calendar.
        var days = rows.Where(d => ParseDay(d.Day) is not null).ToList();
        if (days.Count < rows.Count)
            Log.ClosureRowsIgnored(logger, centerId, rows.Count - days.Count, SupportedRange);

        var definition = JsonSerializer.Serialize(new
        {
            rules = KoreanHolidays.RulesVersion,
            specialDays = specialDays.Select(h => $"{h.Date:yyyy-MM-dd} {h.Kind} {h.Name}"),
            zone = center.TimeZone.Id,
            open = center.WorkingHours.Open.ToString("HH:mm", CultureInfo.InvariantCulture),
            close = center.WorkingHours.Close.ToString("HH:mm", CultureInfo.InvariantCulture),
            lunchStart = center.WorkingHours.LunchStart?.ToString("HH:mm", CultureInfo.InvariantCulture),
            lunchEnd = center.WorkingHours.LunchEnd?.ToString("HH:mm", CultureInfo.InvariantCulture),
            workingDays = center.WorkingHours.Days.Order().Select(d => d.ToString()),
            days = days.Select(d => $"{d.Day} {Closure} {d.Name}"),
        }, ConversationStore.Json);
        var version = $"{KoreanHolidays.RulesVersion}+{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition)))[..12]}";
        await using (var s = await database.BeginAsync(ct))
        {
            await s.ExecuteAsync(
                s.Dialect.InsertIgnoringDuplicates("calendar_versions", "version, center_id, definition, created_at", "@version, @centerId, @definition, @now"),
                new { version, centerId, definition, now }, ct);
            await s.CommitAsync(ct);
        }

        var closed = days.Select(d => ParseDay(d.Day)!.Value).ToHashSet();
        var holidaysByYear = new ConcurrentDictionary<int, HashSet<DateOnly>>();
        bool IsClosed(DateOnly day) =>
            closed.Contains(day) || holidaysByYear.GetOrAdd(day.Year, y => KoreanHolidays.For(y, specialDays).Select(h => h.Date).ToHashSet()).Contains(day);

        var calendar = new BusinessCalendar(center.TimeZone, center.WorkingHours, IsClosed, version, (FirstDay, LastDay));
        if (calendar.NextOpening(now) is null && _warned.TryAdd(version, true))
            Log.NoWorkingTime(logger, centerId, version, BusinessCalendar.HorizonDays);
        var loaded = new Loaded(calendar, days, specialDays, now);
        // A load that a change overtook (Changed) serves its own waiters only; it must not stay in the cache.
        _cache[centerId] = loaded;
        if (_generation.GetValueOrDefault(centerId) != generation)
            _cache.TryRemove(new KeyValuePair<string, Loaded>(centerId, loaded));
        return loaded;
    }

    private sealed record Loaded(BusinessCalendar Calendar, IReadOnlyList<CalendarDay> Days, IReadOnlyList<Holiday> SpecialDays, DateTimeOffset LoadedAt);

    private static DateOnly? ParseDay(string day) =>
        DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date >= FirstDay && date <= LastDay
            ? date
            : null;
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Calendar:TemporaryHolidays is not valid after a configuration change ({Problems}); the days read before stay in force")]
    public static partial void TemporaryHolidaysInvalid(ILogger logger, string problems);

    [LoggerMessage(LogLevel.Warning, "Center {Center}: {Count} closure rows are not dates (yyyy-MM-dd within {Range}) and are ignored")]
    public static partial void ClosureRowsIgnored(ILogger logger, string center, int count, string range);

    [LoggerMessage(LogLevel.Warning, "Center {Center}: calendar {Version} has no working time in the next {Days} days; deadlines are counted in wall-clock time until it has")]
    public static partial void NoWorkingTime(ILogger logger, string center, string version, int days);
}
