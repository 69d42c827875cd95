namespace Inbox.Calendar.Holidays;

/// <summary>Where a day off comes from.</summary>
public enum HolidayKind
{
    /// <summary>A holiday on a fixed solar date (신정, 삼일절, 노동절, 어린이날, 현충일, 제헌절, 광복절, 개천절, 한글날, 기독탄신일).</summary>
    Fixed,

    /// <summary>A holiday on a lunar date (설날 연휴, 부처님오신날, 추석 연휴).</summary>
    Lunar,

    /// <summary>대체공휴일 under 관공서의 공휴일에 관한 규정 제3조.</summary>
    Substitute,

    /// <summary>An election day (공직선거법 선거일), from the special-days data file.</summary>
    Election,

    /// <summary>임시공휴일 designated by the government (규정 제2조제11호), from the special-days data file.</summary>
    Temporary,

    /// <summary>A center's own closure; not a public holiday and never part of the substitute rules.</summary>
    Closure,
}

/// <summary>One day off. <paramref name="Name"/> is Korean, e.g. "설날", "추석 연휴", "대체공휴일(어린이날)".</summary>
public sealed record Holiday(DateOnly Date, string Name, HolidayKind Kind);
