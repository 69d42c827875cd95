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
/// temporary holidays, its own closures; <paramref name="isClosed"/> must not change for the calendar's lifetime, and is
/// asked only about days inside <paramref name="covers"/>, the range of days it knows). Immutable; <see cref="Version"/>
/// names exactly the inputs it was built from, so a deadline can be re-derived in an audit.
/// </summary>
/// <remarks>
/// This is the one owner of "add business time". When the calendar has no working time to count on — closed for
/// longer than <see cref="HorizonDays"/> days (a long closure, bad data), or running past the last day it covers —
/// the duration is counted as wall-clock time instead (9 business hours → 9 hours), and the deadline's version ends in
/// <see cref="WallClockSuffix"/>, so every record of it says which rule produced it. Intake never fails on a calendar.
/// The work per deadline is bounded by the horizon: at most <see cref="HorizonDays"/> days are looked at, each a
/// set lookup, however many closures the calendar has.
/// </remarks>
public sealed class BusinessCalendar(TimeZoneInfo zone, WorkingHours hours, Func<DateOnly, bool> isClosed, string version, (DateOnly First, DateOnly Last)? covers = null)
{
    /// <summary>How far ahead working time is looked for (two years): longer than any real run of holidays and weekends.</summary>
    public const int HorizonDays = 366 * 2;

    /// <summary>Ends the version of a deadline that the calendar could not give in business time (counted in wall-clock time).</summary>
    public const string WallClockSuffix = "/wall-clock";

    private readonly DateOnly _first = covers?.First ?? DateOnly.MinValue;
    private readonly DateOnly _last = covers?.Last ?? DateOnly.MaxValue;

    public string Version => version;

    public TimeZoneInfo Zone => zone;

    public WorkingHours Hours => hours;

    /// <summary>Whether <paramref name="at"/> falls on a day the calendar knows (in the center's time zone).</summary>
    public bool Covers(DateTimeOffset at)
    {
        if (covers is null)
            return true;
        return at >= Local(_first, TimeOnly.MinValue) && at < Local(_last.AddDays(1), TimeOnly.MinValue);
    }

    public bool IsWorkingDay(DateOnly day) => day >= _first && day <= _last && hours.Days.Contains(day.DayOfWeek) && !isClosed(day);

    public bool IsOpen(DateTimeOffset at)
    {
        foreach (var (start, _) in Intervals(at, 1))
            return start <= at;
        return false;
    }

    /// <summary>The first instant at or after <paramref name="at"/> when the center is open; null when there is none within the horizon.</summary>
    public DateTimeOffset? NextOpening(DateTimeOffset at)
    {
        at = at.ToUniversalTime();
        foreach (var (start, _) in Intervals(at, HorizonDays))
            return start > at ? start : at;
        return null;
    }

    /// <summary>The instant when <paramref name="duration"/> of working time has passed after <paramref name="start"/>, with the version
    /// that gave it. A deadline that runs out exactly at closing time is closing time (Sat 22:00 + 9 h → Mon 18:00). Without
    /// enough working time within the horizon, the duration is counted as wall-clock time (see the remarks).</summary>
    public Deadline AddBusinessTime(DateTimeOffset start, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        start = start.ToUniversalTime(); // results are always UTC, as the store keeps them
        var left = duration;
        foreach (var (from, to) in Intervals(start, HorizonDays))
        {
            var begin = from > start ? from : start;
            var available = to - begin;
            if (left <= available)
                return new Deadline(begin + left, version);
            left -= available;
        }
        return WallClock(start, duration);
    }

    /// <summary>The wall-clock rule: <paramref name="duration"/> after <paramref name="start"/>, at any hour.</summary>
    public Deadline WallClock(DateTimeOffset start, TimeSpan duration)
    {
        start = start.ToUniversalTime();
        var local = LocalDay(start);
        var last = Clamp(local.DayNumber + HorizonDays - 1L);
        var until = last < _last ? last : _last;
        return new Deadline(start + duration, version + WallClockSuffix,
            $"The calendar has no working time from {local:yyyy-MM-dd} to {until:yyyy-MM-dd} (it covers {_first:yyyy-MM-dd} to {_last:yyyy-MM-dd}): the business time was counted as wall-clock time.");
    }

    /// <summary>Working time between two instants (zero when <paramref name="to"/> is not after <paramref name="from"/>; days
    /// outside what the calendar covers count as closed).</summary>
    public TimeSpan BusinessTimeBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var total = TimeSpan.Zero;
        if (to <= from)
            return total;
        foreach (var (start, end) in Intervals(from, LocalDay(to).DayNumber - (long)LocalDay(from).DayNumber + 1))
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

    /// <summary>Working intervals (as instants) that end after <paramref name="from"/>, in order, on at most <paramref name="days"/>
    /// days from the day of <paramref name="from"/> and never past the last day covered.</summary>
    private IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> Intervals(DateTimeOffset from, long days)
    {
        var first = LocalDay(from);
        var last = Clamp(first.DayNumber + days - 1);
        if (last > _last)
            last = _last;
        if (first < _first)
            first = _first;
        for (var number = first.DayNumber; number <= last.DayNumber; number++)
        {
            var day = DateOnly.FromDayNumber(number);
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

    private DateOnly LocalDay(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    private static DateOnly Clamp(long dayNumber) => DateOnly.FromDayNumber((int)Math.Clamp(dayNumber, DateOnly.MinValue.DayNumber, DateOnly.MaxValue.DayNumber));

    private DateTimeOffset Local(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
