using System.Globalization;
using System.Text;

namespace Inbox.Reports;

/// <summary>A column of a report: its JSON key and the Korean header of its CSV download.</summary>
public sealed record ReportColumn(string Key, string Label);

/// <summary>The days a report covers, in the center's time zone: [From, To] inclusive, and the instants they span.</summary>
public sealed record ReportPeriod(DateOnly From, DateOnly To, string TimeZone, DateTimeOffset Start, DateTimeOffset End);

/// <summary>Every report is one table: JSON rows keyed by column, and the same rows as CSV.</summary>
public sealed record ReportTable(string Report, ReportPeriod? Period, string? GroupBy, DateTimeOffset GeneratedAt,
    IReadOnlyList<ReportColumn> Columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows)
{
    /// <summary>
    /// UTF-8 with a byte order mark, so Excel shows the Korean headers; numbers in invariant culture; times in the
    /// center's zone (<paramref name="zone"/>), ISO 8601 with their offset and full precision.
    /// </summary>
    public byte[] ToCsv(TimeZoneInfo zone)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', Columns.Select(c => Quote(c.Label))).Append("\r\n");
        foreach (var row in Rows)
            csv.AppendJoin(',', Columns.Select(c => Quote(Format(row.GetValueOrDefault(c.Key), zone)))).Append("\r\n");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }

    private static string Format(object? value, TimeZoneInfo zone) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // RFC 4180; a leading =, +, -, @, tab or carriage return is prefixed with ' so a spreadsheet never runs a cell as a
    // formula (negative numbers stay numbers).
    private static string Quote(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '@' or '-' or '\t' or '\r' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}

/// <summary>Median, 90th percentile and maximum, as the reports define them.</summary>
public static class Stats
{
    /// <summary>The middle value; for an even count the mean of the two middle values. Null for no values.</summary>
    public static double? Median(IReadOnlyList<double> sorted) => sorted.Count == 0 ? null
        : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
        : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>Nearest rank: the smallest value with at least 90% of the values at or below it.</summary>
    public static double? P90(IReadOnlyList<double> sorted) => sorted.Count == 0 ? null : sorted[(int)Math.Ceiling(0.9 * sorted.Count) - 1];

    public static double? Max(IReadOnlyList<double> sorted) => sorted.Count == 0 ? null : sorted[^1];

    /// <summary>met / (met + breached); null when nothing was judged.</summary>
    public static double? Ratio(long met, long breached) => met + breached == 0 ? null : (double)met / (met + breached);
}
