using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Calendar;
using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Ingest;
using Inbox.Storage;
using Inbox.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inbox.Tests.Storage;

/// <summary>
/// A fresh, migrated database of one store with the store classes wired exactly as the application wires them,
/// but without HTTP. Disposing it drops the database (PostgreSQL) or deletes the file (SQLite).
/// </summary>
public sealed class StoreHarness : IAsyncDisposable
{
    /// <summary>
    /// Where every clock of the contract tests starts: Monday 2025-03-03 00:00 UTC, 09:00 in Seoul. That Monday is a
    /// 대체공휴일 (삼일절 fell on a Saturday), so the centers are closed: the live line answers with its closed-hours reply,
    /// and a text's one-business-day deadline runs to Tuesday 18:00.
    /// </summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 3, 0, 0, 0, TimeSpan.Zero);

    private StoreHarness(TestStore store, string connectionString, SqlDialect dialect, int appliedOnCreate)
    {
        Store = store;
        ConnectionString = connectionString;
        Dialect = dialect;
        Database = new Database(dialect);
        AppliedOnCreate = appliedOnCreate;
        Conversations = new ConversationStore();
        var centers = new CenterDirectory(
        [
            new CenterOptions { Id = "north", Name = "북부", SmsNumbers = ["1899-6808"], PhoneNumbers = ["1899-6808"] },
            new CenterOptions { Id = "south", Name = "남부", SmsNumbers = ["1588-0000"] },
        ]);
        var lines = new FixedOptions<LineOptions>(new LineOptions());
        Calendars = new CalendarService(Database, centers, lines, new FixedOptions<OperatorCalendarOptions>(new OperatorCalendarOptions()), Clock, NullLogger<CalendarService>.Instance);
        var channels = new Inbox.Channels.ChannelRegistry(Inbox.Channels.BuiltInChannels.All);
        var automatic = new AutomaticMessages(Conversations, channels);
        Ingest = new IngestService(Database, Conversations, channels, Calendars, new ResponseRules(automatic, centers, channels, lines, new FixedOptions<TriageOptions>(new TriageOptions())),
            new Inbox.Callbacks.CallbackRules(automatic, centers, channels, lines), new Inbox.Live.EventSignal(), new Inbox.Live.OutboxSignal(), Clock);
        Queries = new ConversationQueries(Database);
        Accounts = new AccountStore(Database);
        Audit = new AuditLog(Database, Clock);
    }

    public TestStore Store { get; }

    public string ConnectionString { get; }

    public SqlDialect Dialect { get; }

    public Database Database { get; }

    /// <summary>How many scripts the first <see cref="Migrator.MigrateAsync"/> on the empty database applied.</summary>
    public int AppliedOnCreate { get; }

    /// <summary>The clock of ingest and audit; migrations run on the system clock, as in the application.</summary>
    public ManualClock Clock { get; } = new(Start);

    public ConversationStore Conversations { get; }

    /// <summary>The calendars ingest computes deadlines and closed hours with.</summary>
    public CalendarService Calendars { get; }

    public IngestService Ingest { get; }

    public ConversationQueries Queries { get; }

    public AccountStore Accounts { get; }

    public AuditLog Audit { get; }

    /// <param name="lastVersion">Migrate only up to this script (to test a later migration on the schema before it).</param>
    public static async Task<StoreHarness> CreateAsync(TestStore store, CancellationToken ct, int lastVersion = int.MaxValue)
    {
        DapperTypeHandlers.Register();
        var connectionString = await store.CreateDatabaseAsync();
        var dialect = store.Dialect(connectionString);
        var applied = await NewMigrator(new Database(dialect)).MigrateAsync(lastVersion, ct);
        return new StoreHarness(store, connectionString, dialect, applied);
    }

    public Migrator NewMigrator() => NewMigrator(Database);

    private static Migrator NewMigrator(Database database) => new(database, TimeProvider.System, NullLogger<Migrator>.Instance);

    /// <summary>Runs one statement in its own committed transaction.</summary>
    public async Task<int> ExecuteAsync(string sql, object? args = null)
    {
        await using var s = await Database.BeginAsync(CancellationToken.None);
        var changed = await s.ExecuteAsync(sql, args, CancellationToken.None);
        await s.CommitAsync(CancellationToken.None);
        return changed;
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var s = await Database.ReadAsync(CancellationToken.None);
        return await s.QueryAsync<T>(sql, args, CancellationToken.None);
    }

    public async Task<T?> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var s = await Database.ReadAsync(CancellationToken.None);
        return await s.ScalarAsync<T>(sql, args, CancellationToken.None);
    }

    public async Task<long> CountAsync(string table, string? where = null, object? args = null) =>
        await ScalarAsync<long>($"SELECT COUNT(*) FROM {table}" + (where is null ? "" : " WHERE " + where), args);

    /// <summary>Row counts of everything ingest may write, to prove an operation changed nothing.</summary>
    public async Task<string> SnapshotAsync()
    {
        string[] tables = ["contacts", "channel_identities", "conversations", "messages", "attachments", "transcript_segments", "conversation_events", "outbox"];
        var counts = new List<string>();
        foreach (var table in tables)
            counts.Add($"{table}={await CountAsync(table)}");
        counts.Add($"event_sequence={await ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1")}");
        return string.Join(", ", counts);
    }

    /// <summary>Every table, index and trigger of the schema with its definition, one line each, sorted.</summary>
    public async Task<IReadOnlyList<string>> SchemaAsync() => Store.Provider switch
    {
        "sqlite" => await QueryAsync<string>(
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name"),
        "sqlserver" => await QueryAsync<string>(
            """
            SELECT 'table ' + name FROM sys.tables
            UNION ALL SELECT 'index ' + i.name + ' on ' + OBJECT_NAME(i.object_id) + ' unique=' + CAST(i.is_unique AS VARCHAR(1)) + ' ' + COALESCE(i.filter_definition, '')
                FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id WHERE i.name IS NOT NULL
            UNION ALL SELECT 'trigger ' + name + ' on ' + OBJECT_NAME(parent_id) FROM sys.triggers WHERE parent_class = 1
            ORDER BY 1
            """),
        _ => await QueryAsync<string>(
            """
            SELECT 'table ' || tablename FROM pg_tables WHERE schemaname = 'public'
            UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal
            ORDER BY 1
            """),
    };

    public async ValueTask DisposeAsync() => await Store.DropDatabaseAsync(ConnectionString);
}

/// <summary>A clock the test sets by hand. With a <see cref="Step"/>, every reading moves it on by that much.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public TimeSpan Step { get; set; }

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow()
    {
        var step = Step.Ticks;
        return new DateTimeOffset(Interlocked.Add(ref _ticks, step) - step, TimeSpan.Zero);
    }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Options that never change, for wiring services by hand.</summary>
public sealed class FixedOptions<T>(T value) : Microsoft.Extensions.Options.IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
