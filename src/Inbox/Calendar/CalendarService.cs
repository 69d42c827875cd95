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

public sealed record CalendarDay
{
    public Guid Id { get; init; }
    public string? CenterId { get; init; }
    public required string Day { get; init; }
    public required string Name { get; init; }
    public required string Kind { get; init; }
}

public sealed record Deadline(DateTimeOffset DueAt, string CalendarVersion);

/// <summary>
/// Each center's business calendar: the law's public holidays, the shipped election and temporary holidays, the
/// temporary holidays and closures administrators add at run time, and the center's working hours. Rebuilt when
/// an administrator changes a day (on this node at once, on others within half a minute); every version used is
/// stored with its full definition.
/// </summary>
public sealed class CalendarService(Database database, CenterDirectory centers, IOptionsMonitor<LineOptions> lines, TimeProvider clock)
{
    public const string Closure = "closure";
    public const string Temporary = "temporary";
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (BusinessCalendar Calendar, IReadOnlyList<CalendarDay> Days, DateTimeOffset LoadedAt)> _cache = new();

    public async Task<BusinessCalendar> ForCenterAsync(string centerId, CancellationToken ct) => (await LoadAsync(centerId, ct)).Calendar;

    /// <summary>When something arriving at <paramref name="at"/> on <paramref name="line"/> must be answered.</summary>
    public async Task<Deadline> DueAsync(string centerId, string line, DateTimeOffset at, CancellationToken ct)
    {
        var calendar = await ForCenterAsync(centerId, ct);
        return new Deadline(Due(calendar, line, at, lines.CurrentValue), calendar.Version);
    }

    public static DateTimeOffset Due(BusinessCalendar calendar, string line, DateTimeOffset at, LineOptions options) => line switch
    {
        // One business day: Tue 10:00 → Wed 10:00, Fri 17:00 → Mon 17:00, Sat 22:00 → Mon 18:00.
        Line.Text24 => calendar.AddBusinessTime(at, calendar.Hours.WorkingDay),
        // Minutes while the center is open; outside working hours the chat falls back to the text line's deadline.
        Line.Live => calendar.IsOpen(at)
            ? calendar.AddBusinessTime(at, TimeSpan.FromMinutes(options.Live.FirstResponseMinutes))
            : calendar.AddBusinessTime(at, calendar.Hours.WorkingDay),
        Deadlines.Callback => calendar.IsOpen(at)
            ? calendar.AddBusinessTime(at, TimeSpan.FromMinutes(options.Callback.DueMinutes))
            : calendar.NextOpening(at),
        _ => throw new ArgumentException($"There is no deadline rule for the line '{line}'.", nameof(line)),
    };

    /// <summary>The public holidays, temporary holidays and closures of the center in <paramref name="year"/>, by date.</summary>
    public async Task<IReadOnlyList<Holiday>> HolidaysAsync(string centerId, int year, CancellationToken ct)
    {
        var days = (await LoadAsync(centerId, ct)).Days;
        var added = days
            .Select(d => (Row: d, Date: DateOnly.ParseExact(d.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture)))
            .Where(d => d.Date.Year == year)
            .Select(d => new Holiday(d.Date, d.Row.Name, d.Row.Kind == Closure ? HolidayKind.Closure : HolidayKind.Temporary));
        return [.. KoreanHolidays.For(year).Concat(added).OrderBy(h => h.Date).ThenBy(h => h.Kind)];
    }

    public async Task<IReadOnlyList<CalendarDay>> DaysAsync(string centerId, CancellationToken ct) => (await LoadAsync(centerId, ct)).Days;

    /// <summary>A closure of the center, or a temporary holiday of every center. Null when that day is already there.</summary>
    public async Task<CalendarDay?> AddDayAsync(string centerId, DateOnly day, string name, string kind, Guid? by, CancellationToken ct)
    {
        var row = new CalendarDay
        {
            Id = Ids.New(),
            CenterId = kind == Closure ? centerId : null,
            Day = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Name = name.Trim(),
            Kind = kind,
        };
        await using (var s = await database.BeginAsync(ct))
        {
            var exists = await s.ScalarAsync<long>(
                "SELECT COUNT(*) FROM calendar_days WHERE day = @Day AND kind = @Kind AND (center_id = @CenterId OR (center_id IS NULL AND @CenterId IS NULL))",
                row, ct);
            if (exists > 0)
                return null;
            await s.ExecuteAsync(
                "INSERT INTO calendar_days (id, center_id, day, name, kind, created_by, created_at) VALUES (@Id, @CenterId, @Day, @Name, @Kind, @by, @now)",
                new { row.Id, row.CenterId, row.Day, row.Name, row.Kind, by, now = clock.GetUtcNow() }, ct);
            await s.CommitAsync(ct);
        }
        _cache.Clear();
        return row;
    }

    /// <summary>Removes a closure of the center or a temporary holiday; false when there is no such day.</summary>
    public async Task<bool> RemoveDayAsync(string centerId, Guid id, CancellationToken ct)
    {
        int removed;
        await using (var s = await database.BeginAsync(ct))
        {
            removed = await s.ExecuteAsync("DELETE FROM calendar_days WHERE id = @id AND (center_id = @centerId OR center_id IS NULL)", new { id, centerId }, ct);
            await s.CommitAsync(ct);
        }
        _cache.Clear();
        return removed == 1;
    }

    private async Task<(BusinessCalendar Calendar, IReadOnlyList<CalendarDay> Days, DateTimeOffset LoadedAt)> LoadAsync(string centerId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(centerId, out var cached) && now - cached.LoadedAt < Freshness)
            return cached;
        var center = centers.Find(centerId) ?? throw new ArgumentException($"No center '{centerId}'.", nameof(centerId));

        IReadOnlyList<CalendarDay> days;
        await using (var s = await database.ReadAsync(ct))
        {
            days = await s.QueryAsync<CalendarDay>(
                $"SELECT id, center_id, day, name, kind FROM calendar_days WHERE center_id = @centerId OR center_id IS NULL ORDER BY day, kind, {s.Dialect.IdOrder("id")}",
                new { centerId }, ct);
        }
        var definition = JsonSerializer.Serialize(new
        {
            rules = KoreanHolidays.RulesVersion,
            specialDays = KoreanHolidays.SpecialDays.Select(h => $"{h.Date:yyyy-MM-dd} {h.Kind} {h.Name}"),
            zone = center.TimeZone.Id,
            open = center.WorkingHours.Open.ToString("HH:mm", CultureInfo.InvariantCulture),
            close = center.WorkingHours.Close.ToString("HH:mm", CultureInfo.InvariantCulture),
            lunchStart = center.WorkingHours.LunchStart?.ToString("HH:mm", CultureInfo.InvariantCulture),
            lunchEnd = center.WorkingHours.LunchEnd?.ToString("HH:mm", CultureInfo.InvariantCulture),
            workingDays = center.WorkingHours.Days.Order().Select(d => d.ToString()),
            days = days.Select(d => $"{d.Day} {d.Kind} {d.Name}"),
        }, ConversationStore.Json);
        var version = $"{KoreanHolidays.RulesVersion}+{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition)))[..12]}";
        await using (var s = await database.BeginAsync(ct))
        {
            await s.ExecuteAsync(
                s.Dialect.InsertIgnoringDuplicates("calendar_versions", "version, center_id, definition, created_at", "@version, @centerId, @definition, @now"),
                new { version, centerId, definition, now }, ct);
            await s.CommitAsync(ct);
        }

        var extra = days.Select(d => DateOnly.ParseExact(d.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture)).ToHashSet();
        var holidaysByYear = new ConcurrentDictionary<int, HashSet<DateOnly>>();
        bool IsClosed(DateOnly day) =>
            extra.Contains(day) || holidaysByYear.GetOrAdd(day.Year, y => KoreanHolidays.For(y).Select(h => h.Date).ToHashSet()).Contains(day);

        var loaded = (new BusinessCalendar(center.TimeZone, center.WorkingHours, IsClosed, version), days, now);
        _cache[centerId] = loaded;
        return loaded;
    }
}

public static class Deadlines
{
    /// <summary>The deadline kind of a resident's request to be called back (not a line of its own).</summary>
    public const string Callback = "callback";
}
