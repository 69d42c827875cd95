namespace Inbox.Calendar;

/// <summary>A center's working hours: which weekdays, from when to when, and an optional lunch break (local time).</summary>
public sealed record WorkingHours(TimeOnly Open, TimeOnly Close, TimeOnly? LunchStart, TimeOnly? LunchEnd, IReadOnlySet<DayOfWeek> Days)
{
    public static readonly WorkingHours Default = new(new TimeOnly(9, 0), new TimeOnly(18, 0), null, null,
        new HashSet<DayOfWeek> { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday });

    /// <summary>One business day: the working time of a full working day, lunch excluded (9 h by default).</summary>
    public TimeSpan WorkingDay => Close - Open - (LunchStart is { } s && LunchEnd is { } e ? e - s : TimeSpan.Zero);

    /// <summary>The day's working periods in local time, in order.</summary>
    public IEnumerable<(TimeOnly From, TimeOnly To)> Periods()
    {
        if (LunchStart is { } s && LunchEnd is { } e)
        {
            yield return (Open, s);
            yield return (e, Close);
        }
        else
        {
            yield return (Open, Close);
        }
    }

    public void Validate(string where)
    {
        if (Open >= Close)
            throw new InvalidOperationException($"{where}: Open ({Open}) must be before Close ({Close}).");
        if (LunchStart.HasValue != LunchEnd.HasValue)
            throw new InvalidOperationException($"{where}: set both LunchStart and LunchEnd, or neither.");
        if (LunchStart is { } s && LunchEnd is { } e && !(Open < s && s < e && e < Close))
            throw new InvalidOperationException($"{where}: the lunch break must lie inside the working hours.");
        if (Days.Count == 0)
            throw new InvalidOperationException($"{where}: at least one working day is needed.");
    }
}

/// <summary>
/// Business-time arithmetic for one center: its time zone, working hours and the days it is closed (public holidays,
/// temporary holidays, its own closures; <paramref name="isClosed"/> must not change for the calendar's lifetime). Immutable; <see cref="Version"/> names exactly the inputs it was built from,
/// so a deadline can be re-derived in an audit.
/// </summary>
public sealed class BusinessCalendar(TimeZoneInfo zone, WorkingHours hours, Func<DateOnly, bool> isClosed, string version)
{
    // Long enough for any real calendar (a week of holidays, weekends); a guard against a calendar with no working time at all.
    private const int MaxDaysAhead = 366 * 2;

    public string Version => version;

    public TimeZoneInfo Zone => zone;

    public WorkingHours Hours => hours;

    public bool IsWorkingDay(DateOnly day) => hours.Days.Contains(day.DayOfWeek) && !isClosed(day);

    public bool IsOpen(DateTimeOffset at) => Intervals(at).FirstOrDefault() is { } first && first.Start <= at;

    /// <summary>The first instant at or after <paramref name="at"/> when the center is open.</summary>
    public DateTimeOffset NextOpening(DateTimeOffset at)
    {
        at = at.ToUniversalTime();
        var first = Intervals(at).First();
        return first.Start > at ? first.Start : at;
    }

    /// <summary>The instant when <paramref name="duration"/> of working time has passed after <paramref name="start"/>.
    /// A deadline that runs out exactly at closing time is closing time (Sat 22:00 + 9 h → Mon 18:00).</summary>
    public DateTimeOffset AddBusinessTime(DateTimeOffset start, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        start = start.ToUniversalTime(); // results are always UTC, as the store keeps them
        var left = duration;
        foreach (var (from, to) in Intervals(start))
        {
            var begin = from > start ? from : start;
            var available = to - begin;
            if (left <= available)
                return begin + left;
            left -= available;
        }
        throw new InvalidOperationException("The calendar has no working time in the next two years.");
    }

    /// <summary>Working time between two instants (zero when <paramref name="to"/> is not after <paramref name="from"/>).</summary>
    public TimeSpan BusinessTimeBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var total = TimeSpan.Zero;
        if (to <= from)
            return total;
        foreach (var (start, end) in Intervals(from))
        {
            if (start >= to)
                break;
            var begin = start > from ? start : from;
            var finish = end < to ? end : to;
            if (finish > begin)
                total += finish - begin;
        }
        return total;
    }

    /// <summary>Working intervals (as instants) that end after <paramref name="from"/>, in order.</summary>
    private IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> Intervals(DateTimeOffset from)
    {
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime);
        for (var i = 0; i < MaxDaysAhead; i++, day = day.AddDays(1))
        {
            if (!IsWorkingDay(day))
                continue;
            foreach (var (open, close) in hours.Periods())
            {
                var start = Local(day, open);
                var end = Local(day, close);
                if (end > from)
                    yield return (start, end);
            }
        }
    }

    private DateTimeOffset Local(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
