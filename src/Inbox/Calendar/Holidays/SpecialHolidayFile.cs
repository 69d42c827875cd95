using System.Globalization;
using System.Text.Json;

namespace Inbox.Calendar.Holidays;

/// <summary>
/// Reads the embedded special-holidays.json: a JSON array of
/// <c>{"date":"yyyy-MM-dd","name":"…","kind":"election"|"temporary","source":"…","note":"…"?}</c>.
/// Every entry must say where it comes from ("source"); "note" is free text for doubts.
/// </summary>
internal static class SpecialHolidayFile
{
    internal const string ResourceFileName = "special-holidays.json";

    private static readonly Lazy<IReadOnlyList<Holiday>> Loaded = new(Load);

    public static IReadOnlyList<Holiday> Entries => Loaded.Value;

    private static IReadOnlyList<Holiday> Load()
    {
        var assembly = typeof(SpecialHolidayFile).Assembly;
        var resource = assembly.GetManifestResourceNames()
            .SingleOrDefault(n => n.EndsWith("." + ResourceFileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"The embedded resource {ResourceFileName} is missing: Inbox.csproj needs <EmbeddedResource Include=\"Calendar/Holidays/{ResourceFileName}\" />.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        return Parse(stream);
    }

    /// <summary>Parses and checks the file; throws <see cref="InvalidDataException"/> naming the bad entry.</summary>
    internal static IReadOnlyList<Holiday> Parse(Stream json)
    {
        Entry[] entries;
        try
        {
            entries = JsonSerializer.Deserialize<Entry[]>(json, Options)
                ?? throw new InvalidDataException($"{ResourceFileName} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ResourceFileName} is not valid: {e.Message}", e);
        }

        var holidays = new List<Holiday>(entries.Length);
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            string Where() => $"{ResourceFileName}, entry {i} ({entry.Date ?? "no date"})";
            if (!DateOnly.TryParseExact(entry.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                throw new InvalidDataException($"{Where()}: \"date\" must be yyyy-MM-dd.");
            if (string.IsNullOrWhiteSpace(entry.Name))
                throw new InvalidDataException($"{Where()}: \"name\" is required.");
            if (string.IsNullOrWhiteSpace(entry.Source))
                throw new InvalidDataException($"{Where()}: \"source\" is required.");
            var kind = entry.Kind switch
            {
                "election" => HolidayKind.Election,
                "temporary" => HolidayKind.Temporary,
                _ => throw new InvalidDataException($"{Where()}: \"kind\" must be \"election\" or \"temporary\"."),
            };
            holidays.Add(new Holiday(date, entry.Name.Trim(), kind));
        }

        var duplicate = holidays.GroupBy(h => h.Date).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidDataException($"{ResourceFileName} lists {duplicate.Key:yyyy-MM-dd} more than once.");
        return holidays.OrderBy(h => h.Date).ToList().AsReadOnly();
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private sealed record Entry(string? Date, string? Name, string? Kind, string? Source, string? Note);
}
