using System.Data.Common;

namespace Inbox.Storage;

/// <summary>
/// Everything that differs between the databases Inbox runs on. Shared SQL stays in the portable subset;
/// a dialect overrides only the pieces that cannot be written portably.
/// </summary>
public abstract class SqlDialect : IDisposable
{
    /// <summary>Folder name under Storage/Migrations holding this dialect's numbered scripts.</summary>
    public abstract string Name { get; }

    public abstract DbConnection CreateConnection();

    /// <summary>The database accepts one writer at a time (SQLite): writers queue in-process instead of spinning on busy errors.</summary>
    public virtual bool SingleWriter => false;

    /// <summary>An INSERT that silently does nothing when it would break a unique key.</summary>
    public virtual string InsertIgnoringDuplicates(string table, string columns, string values) =>
        $"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING";

    /// <summary>Reserves <c>@count</c> numbers from the one event sequence and returns the last one.
    /// The counter row stays locked until commit, so sequence order is commit order.</summary>
    public virtual string ReserveEventSequence =>
        "UPDATE event_sequence SET value = value + @count WHERE id = 1 RETURNING value";

    /// <summary>Appended to a SELECT of rows to work on: rows another transaction holds are skipped, not waited for.
    /// Use it together with <see cref="SkipLockedTable"/> in the FROM clause: each database says it in one of the two places.</summary>
    public virtual string SkipLocked => "";

    /// <summary>The table of a SELECT of rows to work on, with whatever hint skips the rows other transactions hold
    /// (SQL Server's <c>WITH (UPDLOCK, READPAST, ROWLOCK)</c>; PostgreSQL says it with <see cref="SkipLocked"/> instead).</summary>
    public virtual string SkipLockedTable(string table) => table;

    /// <summary>An expression that orders ids (UUIDv7) by their bytes, which is creation order. Use it wherever ids break ties
    /// in ORDER BY or keyset comparisons, on both sides of a comparison.</summary>
    public virtual string IdOrder(string expression) => expression;

    /// <summary>An id as lower-case canonical text (8-4-4-4-12), for grouping keys handed back to callers.</summary>
    public virtual string IdAsText(string expression) => $"LOWER(CAST({expression} AS TEXT))"; // SQLite keeps ids as upper-case text

    /// <summary>"column is one of the list parameter". Dapper expands a list into (@p1, @p2, …) except where the driver takes arrays.</summary>
    public virtual string InList(string column, string parameter) => $"{column} IN {parameter}";

    /// <summary>Row limit appended to a query; it must follow an ORDER BY (SQL Server's OFFSET/FETCH needs one).</summary>
    public virtual string Limit(string parameter) => $"LIMIT {parameter}";

    /// <summary>Held while migrations run, so two nodes starting together do not both migrate.</summary>
    public virtual string? MigrationLock => null;

    public virtual string? MigrationUnlock => null;

    /// <summary>Creates the migration journal when it is missing.</summary>
    public virtual string CreateMigrationJournal =>
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL)";

    /// <summary>A migration script as the batches the server takes one at a time (SQL Server: split on GO lines).</summary>
    public virtual IReadOnlyList<string> SplitBatches(string script) => [script];

    /// <summary>True when the exception means the store cannot be reached or cannot take writes right now (answer 503).</summary>
    public abstract bool IsUnavailable(Exception exception);

    /// <summary>Whether the exception is a unique key refusing a row (another transaction took the value first).</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>Closes pooled connections (the container disposes the dialect with the application).</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>Runs once at start-up before migrations (file creation, pragmas).</summary>
    public virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
