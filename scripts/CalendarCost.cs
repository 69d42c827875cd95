#:sdk Microsoft.NET.Sdk.Web
#:project ../src/Inbox/Inbox.csproj
#:property PublishAot=false

// What a calendar with many closures costs each webhook. Ingest asks the center's calendar for one deadline per message
// (BusinessCalendar.AddBusinessTime through CalendarService.Due); the calendar itself is rebuilt from the store at most
// every 30 s per center and node. This prints both, for a center with no closures, with 740 scattered closures, and
// with 740 closures in a row (no working time within the two-year horizon: every deadline takes the wall-clock rule,
// the longest scan there is, when --closures exceeds the 732-day horizon), on a fresh SQLite file. Medians, since the
// machine may be shared.
//
//   dotnet run --file scripts/CalendarCost.cs [-- --closures 740 --calls 20000]

using System.Diagnostics;
using System.Globalization;
using Inbox.Calendar;
using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

var closures = Arg("--closures", 740);
var calls = Arg("--calls", 20000);
var start = new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(9));
Console.WriteLine($"{closures} closures, {calls} deadlines per case, from {start:yyyy-MM-dd HH:mm zzz}");

var today = DateOnly.FromDateTime(start.DateTime);
foreach (var (name, days) in new (string, DateOnly[])[]
{
    ("no closures", []),
    ($"{closures} scattered (every other day)", [.. Enumerable.Range(0, closures).Select(i => today.AddDays(2 * i))]),
    ($"{closures} in a row (no working time left)", [.. Enumerable.Range(0, closures).Select(i => today.AddDays(i))]),
})
{
    var folder = Directory.CreateTempSubdirectory("inbox-calendar-cost");
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Inbox"] = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder.FullName, "inbox.db") }.ToString(),
    }).Build();
#pragma warning disable ASP0000 // a script with no host: this provider is the only one
    await using var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddInboxStorage(configuration, folder.FullName).BuildServiceProvider();
#pragma warning restore ASP0000
    var database = services.GetRequiredService<Database>();
    await services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);
    await using (var s = await database.BeginAsync(CancellationToken.None))
    {
        await s.ExecuteAsync("INSERT INTO calendar_closures (id, center_id, day, name, created_by, created_at) VALUES (@id, 'north', @day, '휴관', NULL, @now)",
            days.Select(d => new { id = Ids.New(), day = d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), now = DateTimeOffset.UtcNow }), CancellationToken.None);
        await s.CommitAsync(CancellationToken.None);
    }
    var clock = new FixedClock(start);
    var service = new CalendarService(database, new CenterDirectory([new CenterOptions { Id = "north", Name = "북부", SmsNumbers = ["1899-6808"] }]),
        new Fixed<LineOptions>(new LineOptions()), new Fixed<OperatorCalendarOptions>(new OperatorCalendarOptions()), clock, NullLogger<CalendarService>.Instance);

    // The rebuild (read the closures, hash the definition, record the version): the first call, then forced ones.
    var watch = Stopwatch.StartNew();
    await service.ForCenterAsync("north", CancellationToken.None);
    var first = watch.Elapsed;
    // Medians: the machine is shared, and a mean would report its other work.
    var rebuilds = new List<double>();
    for (var i = 0; i < 51; i++)
    {
        service.Changed("north");
        watch.Restart();
        await service.ForCenterAsync("north", CancellationToken.None);
        rebuilds.Add(watch.Elapsed.TotalMilliseconds);
    }
    var rebuild = Median(rebuilds);

    // The deadline of each message (text24 and live), on the cached calendar, one arrival a minute apart.
    var calendar = await service.ForCenterAsync("north", CancellationToken.None);
    var options = new LineOptions();
    Deadline last = null!;
    for (var i = 0; i < 5000; i++) // warm-up (the JIT)
        last = CalendarService.Due(calendar, Line.Text24, start.AddMinutes(i), options);
    var batches = new List<double>();
    const int batch = 1000;
    for (var b = 0; b < calls / batch; b++)
    {
        watch.Restart();
        for (var i = b * batch; i < (b + 1) * batch; i++)
            last = CalendarService.Due(calendar, i % 2 == 0 ? Line.Text24 : Line.Live, start.AddMinutes(i), options);
        batches.Add(watch.Elapsed.TotalMicroseconds / batch);
    }
    var perDeadline = Median(batches);

    Console.WriteLine($"  {name,-40} deadline {perDeadline,8:F1} µs   first build {first.TotalMilliseconds,6:F1} ms   rebuild {rebuild,6:F2} ms   {(last.Fallback is null ? "business time" : "wall-clock fallback")}");
    SqliteConnection.ClearAllPools();
    folder.Delete(recursive: true);
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

sealed class Fixed<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;
    public T Get(string? name) => value;
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
