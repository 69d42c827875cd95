#:sdk Microsoft.NET.Sdk.Web
#:project ../src/Inbox/Inbox.csproj
#:property PublishAot=false

// Reports at the scale of a busy center.
//
//   seed   fills a store with one year of a busy center (default 300,000 conversations, about 1.5 million messages,
//          the metrics ledger rows they make) for the demo center of appsettings.Development.json;
//   bench  starts the real server on that store and times a month's reports through the HTTP API, beside the raw
//          scan of that month's ledger rows measured in the same run (the least any report must read); then asks for
//          eight 400-day reports at once, to show the per-center limit on concurrent reports at work.
//
//   dotnet run --file scripts/ReportsAtScale.cs -- seed  --store sqlite|postgres --connection "<connection string>" [--conversations N] [--year 2025]
//   dotnet run --file scripts/ReportsAtScale.cs -- bench --store sqlite|postgres --connection "<connection string>" [--month 2025-11] [--runs 5]
//
// scripts/seed-year.sh and scripts/bench-reports.sh are the friendly entry points. Residents, numbers and texts are made up.

using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox;
using Inbox.Calendar;
using Inbox.Channels;
using Inbox.Conversations;
using Inbox.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

return await Cli.RunAsync(args);

internal static class Cli
{
    public const string Center = "demo";
    public const string AdminUser = "admin";
    public const string AdminPassword = "harbor-lantern-dev-2026";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("seed" or "bench") || args.Contains("--help"))
        {
            Console.Error.WriteLine("usage: ReportsAtScale.cs seed  --store sqlite|postgres --connection \"...\" [--conversations 300000] [--year 2025]");
            Console.Error.WriteLine("       ReportsAtScale.cs bench --store sqlite|postgres --connection \"...\" [--month 2025-11] [--runs 5]");
            return args.Contains("--help") ? 0 : 2;
        }
        var options = new Dictionary<string, string>();
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                return Fail($"unexpected argument '{args[i]}'");
            options[args[i][2..]] = args[i + 1];
        }
        if (!options.TryGetValue("store", out var store) || store is not ("sqlite" or "postgres"))
            return Fail("--store must be sqlite or postgres");
        if (!options.TryGetValue("connection", out var connection))
            return Fail("--connection is required");
        try
        {
            return args[0] == "seed"
                ? await Seeder.RunAsync(store, connection, int.Parse(options.GetValueOrDefault("conversations", "300000"), CultureInfo.InvariantCulture),
                    int.Parse(options.GetValueOrDefault("year", "2025"), CultureInfo.InvariantCulture))
                : await Bench.RunAsync(store, connection, options.GetValueOrDefault("month", "2025-11"),
                    int.Parse(options.GetValueOrDefault("runs", "5"), CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or DbException)
        {
            return Fail(e.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"ReportsAtScale: {message}");
        return 2;
    }

    /// <summary>The real application (development settings: the demo center and its admin) on the given store.</summary>
    public static WebApplication BuildApp(string store, string connection) =>
        InboxApp.Build(["--environment=Development", $"--contentRoot={Path.Combine(RepoRoot(), "src", "Inbox")}"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:Provider"] = store,
                ["ConnectionStrings:Inbox"] = connection,
                ["Auth:Jwt:AccessTokenMinutes"] = "60",
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        });

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Inbox.sln")))
                return dir.FullName;
        throw new InvalidOperationException("run this from inside the repository (Inbox.sln not found above the current folder)");
    }

    public static DbConnection Open(string store, string connection)
    {
        DbConnection c = store == "sqlite" ? new SqliteConnection(connection) : new NpgsqlConnection(connection);
        c.Open();
        return c;
    }
}

/// <summary>One year of a busy center, written in bulk straight into the tables, as the application would have left them.</summary>
internal static class Seeder
{
    private const int Counselors = 40;
    private const int Batch = 5_000;

    private static readonly string[] ResidentTexts =
    [
        "기초연금 신청 자격이 궁금합니다", "긴급복지 지원 문의드려요", "주거급여 서류 안내 부탁드립니다", "장애인 활동지원 신청하고 싶어요",
        "한부모 가족 지원 받을 수 있나요", "의료비 지원 대상인지 알고 싶어요", "노인 일자리 신청은 어디서 하나요", "바우처 사용처 문의합니다",
    ];

    private static readonly string[] CounselorTexts =
    [
        "안녕하세요, 복지콜센터입니다. 확인해 드리겠습니다.", "신분증과 통장 사본을 준비해 주세요.", "주소지 동주민센터에서 신청하실 수 있습니다.",
        "소득 기준은 기준 중위소득 50% 이하입니다.", "담당 부서로 연계해 드리겠습니다.",
    ];

    private static readonly (string? Category, double Weight)[] Categories =
        [("복지일반", 30), ("저소득층지원", 25), ("여성과가족", 12), ("장애인복지", 10), ("보건의료", 13), ("기타", 5), (null, 5)];

    public static async Task<int> RunAsync(string store, string connection, int conversations, int year)
    {
        var clock = Stopwatch.StartNew();
        var app = Cli.BuildApp(store, connection);
        await InboxApp.InitializeAsync(app); // migrations and the bootstrap admin
        var calendar = await app.Services.GetRequiredService<CalendarService>().ForCenterAsync(Cli.Center, CancellationToken.None);
        var lines = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LineOptions>>().Value;
        await app.DisposeAsync();

        await using var db = Cli.Open(store, connection);
        if (await CountAsync(db, "SELECT COUNT(*) FROM conversations") > 0)
            throw new InvalidOperationException("the store already holds conversations: seed an empty database");
        var random = new Random(20251122);
        var world = new World(calendar, lines, random, year);

        Console.WriteLine($"seeding {conversations:N0} conversations of {year} into {store} …");
        var counselors = Enumerable.Range(1, Counselors).Select(_ => Ids.New()).ToArray();
        var tables = new Tables();
        for (var i = 0; i < counselors.Length; i++)
            tables.Accounts.Add([counselors[i], Cli.Center, $"seed-counselor-{i + 1:00}", $"상담사 {i + 1:00}", "counselor", "seeded: cannot sign in", 0, null, null,
                world.Start, "offline", null, null]);
        await Writer.FlushAsync(db, tables);

        var arrivals = world.Arrivals(conversations);
        var contacts = Math.Max(1, conversations * 2 / 3);
        long messages = 0, ledger = 0;
        for (var i = 0; i < conversations; i++)
        {
            // Residents come back: contact c has conversation c and, for a third of them, c + contacts later in the year.
            var contact = i % contacts;
            var latest = i >= conversations - contacts;
            world.Conversation(tables, i, arrivals[i], contact, i < contacts, latest, counselors);
            if ((i + 1) % Batch == 0 || i == conversations - 1)
            {
                messages += tables.Messages.Count;
                ledger += tables.Ledger.Count;
                await Writer.FlushAsync(db, tables);
                Console.Write($"\r  {i + 1:N0} / {conversations:N0} conversations, {messages:N0} messages, {ledger:N0} ledger rows ({clock.Elapsed.TotalSeconds:0} s)   ");
            }
        }
        Console.WriteLine();
        if (store == "postgres")
        {
            await using var analyze = db.CreateCommand();
            analyze.CommandText = "VACUUM ANALYZE"; // what autovacuum would do before long: statistics and the visibility map
            await analyze.ExecuteNonQueryAsync();
        }
        Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:0} s: {conversations:N0} conversations, {contacts:N0} residents, {messages:N0} messages, {ledger:N0} ledger rows");
        return 0;
    }

    private static async Task<long> CountAsync(DbConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The center's year: when residents write, how fast counselors answer, and what each conversation leaves behind.</summary>
    private sealed class World(BusinessCalendar calendar, LineOptions lines, Random random, int year)
    {
        private static readonly ChannelRegistry Lines = new(BuiltInChannels.All);

        private static readonly double[] HourWeights = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 12, 14, 13, 9, 11, 13, 12, 10, 8, 5, 4, 3.5, 3, 2.5, 1.5];

        public DateTimeOffset Start { get; } = Local(new DateTime(year, 1, 1));

        private DateTimeOffset End => Local(new DateTime(year + 1, 1, 1));

        private static DateTimeOffset Local(DateTime local) => new(local, TimeSpan.FromHours(9));

        /// <summary>Arrival times over the year, sorted: busy weekday mornings and afternoons, quiet nights and weekends.</summary>
        public DateTimeOffset[] Arrivals(int count)
        {
            var days = (int)(End - Start).TotalDays;
            var dayWeights = Enumerable.Range(0, days).Select(d =>
            {
                var day = DateOnly.FromDateTime(Start.AddDays(d).DateTime);
                return calendar.IsWorkingDay(day) ? 1.0 : 0.25;
            }).ToArray();
            var result = new DateTimeOffset[count];
            for (var i = 0; i < count; i++)
            {
                var day = Pick(dayWeights);
                var hour = Pick(HourWeights);
                result[i] = Start.AddDays(day).AddHours(hour).AddSeconds(random.Next(3600));
            }
            Array.Sort(result);
            return result;
        }

        public void Conversation(Tables t, int index, DateTimeOffset arrival, int contact, bool firstOfContact, bool latestOfContact, Guid[] counselors)
        {
            var roll = random.NextDouble();
            var channel = roll < 0.45 ? Channel.Sms : roll < 0.8 ? Channel.Kakao : Channel.Phone;
            var line = Lines.Get(channel).Line;
            var counselor = counselors[Math.Min(counselors.Length - 1, (int)(counselors.Length * Math.Pow(random.NextDouble(), 1.3)))];
            var category = Categories[Pick(Categories.Select(c => c.Weight).ToArray())].Category;
            var contactId = ContactId(contact);
            var conversationId = Ids.New();
            var phone = string.Create(CultureInfo.InvariantCulture, $"+82105{contact:D7}"); // 010-5xxx-xxxx: made up
            if (firstOfContact)
            {
                t.Contacts.Add([contactId, Cli.Center, null, phone, arrival, arrival]);
                t.Identities.Add([Ids.New(), Cli.Center, contactId, channel == Channel.Kakao ? Channel.Kakao : Channel.Sms,
                    channel == Channel.Kakao ? $"seed-kakao-{contact}" : phone, null, arrival]);
            }

            var ledger = new List<object?[]>();
            void Ledger(string kind, DateTimeOffset at, Guid? by = null, string? outcome = null, string? reason = null, DateTimeOffset? started = null, DateTimeOffset? due = null,
                string? ledgerLine = null, string? ledgerChannel = null)
            {
                double? wall = started is { } s ? (at - s).TotalSeconds : null;
                double? business = started is { } b ? calendar.BusinessTimeBetween(b, at).TotalSeconds : null;
                ledger.Add([Ids.New(), Cli.Center, kind, at, conversationId, by, ledgerChannel ?? channel, ledgerLine ?? line, category, outcome, reason, started, due,
                    wall, business, started is null ? null : calendar.Version, null]);
            }
            void Message(string direction, string kind, DateTimeOffset at, string? body, Guid? author, string? provider = null, string? metadata = null) =>
                t.Messages.Add([Ids.New(), Cli.Center, conversationId, contactId, channel, direction, kind, body, null, "+8218996808", provider, author, null, at,
                    direction == "out" ? "delivered" : null, null, metadata, null, 0]);

            Ledger("opened", arrival);
            DateTimeOffset last;
            DateTimeOffset? firstResponse = null;
            if (channel == Channel.Phone)
            {
                var answered = random.NextDouble() < 0.75;
                Message("in", "transcript", arrival, answered ? "[통화 녹취] 기초연금 문의" : null, null, $"seed-call-{index}",
                    $$"""{"status":"{{(answered ? "answered" : "missed")}}","direction":"inbound"}""");
                Ledger("call", arrival, outcome: answered ? "answered" : "missed", reason: "inbound");
                if (answered)
                {
                    Ledger("assigned", arrival, counselor, reason: "call");
                    Ledger("first_response", arrival, counselor, started: arrival);
                    firstResponse = last = arrival.AddMinutes(3 + random.Next(10));
                }
                else
                {
                    var due = CalendarService.Due(calendar, Deadlines.Callback, arrival, lines).DueAt;
                    Ledger("callback_requested", arrival, reason: "missed_call", due: due);
                    var call = Answer(arrival, medianMinutes: 20, slowChance: 0.08);
                    Message("out", "transcript", call, "[통화 녹취] 전화 드렸습니다", counselor, $"seed-callback-{index}",
                        """{"status":"answered","direction":"outbound"}""");
                    Ledger("call", call, counselor, outcome: "answered", reason: "outbound");
                    Ledger("assigned", call, counselor, reason: "call");
                    Ledger("first_response", call, counselor, started: arrival);
                    Ledger("deadline", call <= due ? call : due, counselor, call <= due ? "met" : "breached", "callback", arrival, due, "phone");
                    Ledger("callback_completed", call, counselor, call <= due ? "met" : "breached", started: arrival, due: due);
                    firstResponse = call;
                    last = call.AddMinutes(5);
                }
            }
            else
            {
                var rounds = 1 + Geometric(0.58, 6);
                var inbound = arrival;
                last = arrival;
                for (var r = 0; r < rounds; r++)
                {
                    Message("in", "text", inbound, ResidentTexts[random.Next(ResidentTexts.Length)], null, $"seed-{index}-{r}");
                    Ledger("message_in", inbound);
                    var reason = r == 0 ? "first_response" : "next_response";
                    var due = line == Line.Live && r > 0 && calendar.IsOpen(inbound) ? calendar.AddBusinessTime(inbound, TimeSpan.FromMinutes(lines.Live.FirstResponseMinutes)).DueAt
                        : CalendarService.Due(calendar, line, inbound, lines).DueAt;
                    if (line == Line.Text24)
                    {
                        Message("out", "text", inbound, "[복지콜센터] 문의가 접수되었습니다.", null, metadata: """{"automatic":"acknowledgement"}""");
                        Ledger("automatic_out", inbound, reason: "acknowledgement");
                    }
                    else if (!calendar.IsOpen(inbound) && r == 0)
                    {
                        Message("out", "text", inbound, "[복지콜센터] 지금은 상담 시간이 아닙니다.", null, metadata: """{"automatic":"closed_hours"}""");
                        Ledger("automatic_out", inbound, reason: "closed_hours");
                    }
                    var answer = line == Line.Live && calendar.IsOpen(inbound)
                        ? Answer(inbound, medianMinutes: r == 0 ? 1.5 : 1, slowChance: 0.06)
                        : Answer(inbound, medianMinutes: r == 0 ? 45 : 20, slowChance: 0.07);
                    if (r == 0)
                        Ledger("assigned", answer.AddSeconds(-30) < inbound ? inbound : answer.AddSeconds(-30), counselor, reason: "claim");
                    // A deadline that passed was recorded when it passed; one met is recorded with the answer.
                    if (answer > due)
                        Ledger("deadline", due, counselor, "breached", reason, inbound, due, line);
                    Message("out", "text", answer, CounselorTexts[random.Next(CounselorTexts.Length)], counselor);
                    Ledger("message_out", answer, counselor);
                    Ledger(r == 0 ? "first_response" : "reply", answer, counselor, started: inbound);
                    if (answer <= due)
                        Ledger("deadline", answer, counselor, "met", reason, inbound, due, line);
                    firstResponse ??= answer;
                    last = answer;
                    inbound = answer.AddMinutes(line == Line.Live ? 1 + random.Next(5) : 10 + random.Next(240));
                }
            }
            if (random.NextDouble() < 0.06)
            {
                var at = last.AddMinutes(2);
                t.Referrals.Add([Ids.New(), Cli.Center, conversationId, ReferralKind.All[random.Next(3)], "행복1동 주민센터", null, counselor, at]);
                Ledger("referral", at, counselor, reason: "community_center");
            }

            // Most conversations are resolved within the day; the last fortnight's and a few older ones stay open.
            var resolvedAt = Answer(last, medianMinutes: 60, slowChance: 0.1);
            var open = latestOfContact && (resolvedAt > End.AddDays(-14) ? random.NextDouble() < 0.3 : random.NextDouble() < 0.002);
            if (resolvedAt >= End)
                open = latestOfContact;
            if (!open)
                Ledger("resolved", resolvedAt, counselor, "resolved", started: arrival);
            t.Conversations.Add([conversationId, Cli.Center, contactId, open ? "open" : "resolved", line, channel, channel, "normal", counselor, arrival, category,
                arrival, firstResponse, null, null, null, null, null, null, null, null, open ? null : resolvedAt, open ? last : resolvedAt, arrival, null, null,
                category is null ? null : "기초생활보장"]);
            t.Ledger.AddRange(ledger);
        }

        private static Guid ContactId(int contact)
        {
            Span<byte> bytes = stackalloc byte[16];
            BitConverter.TryWriteBytes(bytes, contact);
            bytes[15] = 0x5e;
            return new Guid(bytes);
        }

        /// <summary>
        /// When a counselor answers something that came in at <paramref name="from"/>: within working hours a log-normal
        /// wait around the median (of working minutes); outside them, soon after the next opening; now and then much later.
        /// </summary>
        private DateTimeOffset Answer(DateTimeOffset from, double medianMinutes, double slowChance)
        {
            var minutes = medianMinutes * Math.Exp(0.8 * Gaussian());
            if (random.NextDouble() < slowChance)
                minutes += 60 * (3 + random.Next(12));
            return calendar.AddBusinessTime(from, TimeSpan.FromMinutes(Math.Max(0.2, minutes))).DueAt;
        }

        private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

        private int Geometric(double p, int max)
        {
            var n = 0;
            while (n < max && random.NextDouble() < p)
                n++;
            return n;
        }

        private int Pick(double[] weights)
        {
            var x = random.NextDouble() * weights.Sum();
            for (var i = 0; i < weights.Length; i++)
                if ((x -= weights[i]) < 0)
                    return i;
            return weights.Length - 1;
        }
    }
}

/// <summary>Rows waiting to be written, per table, in the order foreign keys need.</summary>
internal sealed class Tables
{
    public List<object?[]> Accounts { get; } = [];
    public List<object?[]> Contacts { get; } = [];
    public List<object?[]> Identities { get; } = [];
    public List<object?[]> Conversations { get; } = [];
    public List<object?[]> Messages { get; } = [];
    public List<object?[]> Referrals { get; } = [];
    public List<object?[]> Ledger { get; } = [];

    public IEnumerable<(string Table, string[] Columns, List<object?[]> Rows)> InOrder() =>
    [
        ("accounts", ["id", "center_id", "username", "display_name", "role", "password_hash", "failed_logins", "locked_until", "disabled_at", "created_at", "presence", "presence_at", "last_assigned_at"], Accounts),
        ("contacts", ["id", "center_id", "display_name", "phone", "created_at", "last_seen_at"], Contacts),
        ("channel_identities", ["id", "center_id", "contact_id", "channel", "address", "source", "created_at"], Identities),
        ("conversations", ["id", "center_id", "contact_id", "status", "line", "origin_channel", "last_inbound_channel", "priority", "assignee_id", "assigned_at", "category",
            "created_at", "first_response_at", "waiting_since", "due_at", "due_reason", "due_calendar_version", "breached_at", "acknowledged_at", "closed_reply_until",
            "triage_phrase", "resolved_at", "last_activity_at", "first_inbound_at", "reopened_at", "due_line", "program"], Conversations),
        ("messages", ["id", "center_id", "conversation_id", "contact_id", "channel", "direction", "kind", "body", "subject", "center_address", "provider_message_id",
            "author_id", "provider_at", "received_at", "delivery_status", "delivery_error", "metadata", "client_message_id", "part"], Messages),
        ("referrals", ["id", "center_id", "conversation_id", "kind", "target", "note", "referred_by", "referred_at"], Referrals),
        ("report_events", ["id", "center_id", "kind", "at", "conversation_id", "counselor_id", "channel", "line", "category", "outcome", "reason", "started_at", "due_at",
            "wall_seconds", "business_seconds", "calendar_version", "ref_id"], Ledger),
    ];
}

/// <summary>Bulk writes: binary COPY on PostgreSQL; one transaction of prepared inserts on SQLite (values bound as the application binds them).</summary>
internal static class Writer
{
    public static async Task FlushAsync(DbConnection db, Tables tables)
    {
        foreach (var (table, columns, rows) in tables.InOrder())
        {
            if (rows.Count == 0)
                continue;
            if (db is NpgsqlConnection pg)
                await CopyAsync(pg, table, columns, rows);
            else
                await InsertAsync((SqliteConnection)db, table, columns, rows);
            rows.Clear();
        }
    }

    private static async Task CopyAsync(NpgsqlConnection db, string table, string[] columns, List<object?[]> rows)
    {
        await using var copy = await db.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            await copy.StartRowAsync();
            foreach (var value in row)
            {
                switch (value)
                {
                    case null: await copy.WriteNullAsync(); break;
                    case Guid g: await copy.WriteAsync(g, NpgsqlDbType.Uuid); break;
                    case DateTimeOffset t: await copy.WriteAsync(t.ToUniversalTime(), NpgsqlDbType.TimestampTz); break;
                    case double d: await copy.WriteAsync(d, NpgsqlDbType.Double); break;
                    case int n: await copy.WriteAsync(n, NpgsqlDbType.Integer); break;
                    case string s: await copy.WriteAsync(s, NpgsqlDbType.Text); break;
                    default: throw new InvalidOperationException($"cannot copy a {value.GetType().Name}");
                }
            }
        }
        await copy.CompleteAsync();
    }

    private static async Task InsertAsync(SqliteConnection db, string table, string[] columns, List<object?[]> rows)
    {
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync();
        await using var command = db.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";
        var parameters = columns.Select((_, i) => command.Parameters.Add(new SqliteParameter("@p" + i, null))).ToArray();
        command.Prepare();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
                parameters[i].Value = row[i] switch { null => DBNull.Value, DateTimeOffset t => t.ToUniversalTime(), var v => v };
            await command.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }
}

/// <summary>A month's reports through the real server and its HTTP API, beside the raw scan of the month's ledger rows.</summary>
internal static class Bench
{
    public static async Task<int> RunAsync(string store, string connection, string month, int runs)
    {
        var first = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var app = Cli.BuildApp(store, connection);
        await InboxApp.InitializeAsync(app);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };
            var token = await http.PostAsJsonAsync("/api/auth/token", new { username = Cli.AdminUser, password = Cli.AdminPassword });
            token.EnsureSuccessStatusCode();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());

            var start = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(9));
            var end = start.AddMonths(1);
            long ledgerRows;
            await using (var db = Cli.Open(store, connection))
            {
                await using var all = db.CreateCommand();
                all.CommandText = "SELECT COUNT(*) FROM report_events";
                ledgerRows = Convert.ToInt64(await all.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            }
            // The yardsticks, on a connection of our own: the least any month's report does (find the month's rows in the index)
            // and the most a report could need from the store (every month row with every column a report reads).
            var count = await TimeAsync(runs, () => ScanAsync(store, connection, start, end, "COUNT(*)"));
            var scan = await TimeAsync(runs, () => ScanAsync(store, connection, start, end,
                "kind, at, channel, line, category, outcome, reason, counselor_id, wall_seconds, business_seconds"));
            Console.WriteLine($"{store}: {ledgerRows:N0} ledger rows in all; month {month}: {scan.Rows:N0} rows; {runs} timed runs after one warm-up, median (max)");
            Console.WriteLine($"  {"yardstick: count the month's ledger rows",-44} {count.Median,8:0.0} ms ({count.Max:0.0})");
            Console.WriteLine($"  {"yardstick: read all the month's ledger rows",-44} {scan.Median,8:0.0} ms ({scan.Max:0.0})");
            string[] reports =
            [
                "volume", "volume&groupBy=counselor", "response-times", "response-times&groupBy=counselor", "response-times&groupBy=category",
                "compliance", "compliance&groupBy=line", "breaches", "resolution", "callbacks", "daily", "backlog", "backlog&groupBy=counselor",
            ];
            var worst = 0.0;
            foreach (var report in reports)
            {
                var name = report.Split('&')[0];
                var query = report.Contains('&') ? report[report.IndexOf('&')..] : "";
                var path = name == "backlog" ? $"/api/reports/backlog?{query.TrimStart('&')}" : $"/api/reports/{name}?period=month&date={first:yyyy-MM-dd}{query}";
                var timing = await TimeAsync(runs, async () =>
                {
                    using var response = await http.GetAsync(path);
                    var body = await response.Content.ReadAsStringAsync();
                    if (!response.IsSuccessStatusCode)
                        throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
                    return JsonDocument.Parse(body).RootElement.GetProperty("rows").GetArrayLength();
                });
                worst = Math.Max(worst, timing.Median);
                Console.WriteLine($"  {"GET " + report,-44} {timing.Median,8:0.0} ms ({timing.Max:0.0})  {timing.Rows} rows");
            }
            Console.WriteLine($"  slowest report median: {worst:0.0} ms — target < 1000 ms: {(worst < 1000 ? "met" : "NOT met")}");
            await ConcurrentLongReportsAsync(http, app, first);
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// Eight managers of one center ask for a 400-day report at the same moment: the center's limit
    /// (Reports:MaxConcurrentPerCenter) runs that many, the others are answered 429 with Retry-After at once; meanwhile a
    /// counselor's plain API call is timed, to show the rest of the server still answers.
    /// </summary>
    private static async Task ConcurrentLongReportsAsync(HttpClient http, WebApplication app, DateOnly month)
    {
        var to = month.AddMonths(1).AddDays(-1);
        var from = to.AddDays(-399);
        var path = $"/api/reports/response-times?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&groupBy=counselor";
        var limit = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Inbox.Reports.ReportOptions>>().Value.MaxConcurrentPerCenter;
        using var done = new CancellationTokenSource();
        var probe = Task.Run(async () =>
        {
            var times = new List<double>();
            while (!done.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.GetAsync("/api/conversations?limit=1");
                response.EnsureSuccessStatusCode();
                times.Add(watch.Elapsed.TotalMilliseconds);
                await Task.Delay(100);
            }
            return times;
        });
        var started = Stopwatch.StartNew();
        var reports = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(path);
            await response.Content.ReadAsStringAsync();
            return (Status: (int)response.StatusCode, Ms: watch.Elapsed.TotalMilliseconds, RetryAfter: response.Headers.RetryAfter?.Delta?.TotalSeconds);
        }));
        var wall = started.Elapsed.TotalMilliseconds;
        await done.CancelAsync();
        var probes = (await probe).Order().ToList();
        var ran = reports.Where(r => r.Status == 200).Select(r => r.Ms).Order().ToList();
        var refused = reports.Where(r => r.Status == 429).ToList();
        Console.WriteLine($"  8 concurrent 400-day reports ({from:yyyy-MM-dd}..{to:yyyy-MM-dd}, response-times by counselor), limit {limit} per center:");
        Console.WriteLine($"    ran: {ran.Count}, {(ran.Count == 0 ? "-" : $"{ran[0]:0} to {ran[^1]:0} ms")}; refused 429: {refused.Count}"
            + (refused.Count == 0 ? "" : $" after {refused.Min(r => r.Ms):0} to {refused.Max(r => r.Ms):0} ms, Retry-After {refused[0].RetryAfter:0} s")
            + $"; other answers: {reports.Count(r => r.Status is not (200 or 429))}; all answered within {wall:0} ms");
        if (probes.Count > 0)
            Console.WriteLine($"    meanwhile GET /api/conversations?limit=1: {probes.Count} calls, median {probes[probes.Count / 2]:0.0} ms, max {probes[^1]:0.0} ms");
    }

    /// <summary>Selects <paramref name="columns"/> of the month's ledger rows and reads them all; returns the rows read.</summary>
    private static async Task<int> ScanAsync(string store, string connection, DateTimeOffset start, DateTimeOffset end, string columns)
    {
        await using var db = Cli.Open(store, connection);
        await using var command = db.CreateCommand();
        var kinds = string.Join(", ", typeof(Inbox.Reports.LedgerKind).GetFields().Select(f => $"'{f.GetValue(null)}'"));
        command.CommandText = $"SELECT {columns} FROM report_events WHERE center_id = @center AND kind IN ({kinds}) AND at >= @start AND at < @end";
        foreach (var (name, value) in new (string, object)[] { ("@center", Cli.Center), ("@start", start.ToUniversalTime()), ("@end", end.ToUniversalTime()) })
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        var values = new object[reader.FieldCount];
        while (await reader.ReadAsync())
        {
            reader.GetValues(values);
            rows++;
        }
        return columns == "COUNT(*)" ? Convert.ToInt32(values[0], CultureInfo.InvariantCulture) : rows;
    }

    private static async Task<(double Median, double Max, int Rows)> TimeAsync(int runs, Func<Task<int>> run)
    {
        var rows = await run(); // warm-up: caches, JIT, connection pool
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            rows = await run();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2, times[^1], rows);
    }
}
