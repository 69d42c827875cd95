using System.Data.Common;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Data.SqlClient;

namespace Inbox.Storage;

/// <summary>
/// SQL Server through Microsoft.Data.SqlClient. Ids are <c>uniqueidentifier</c>, times <c>datetimeoffset</c>, text
/// <c>nvarchar</c>. Only the pieces below differ from the shared SQL; the schema is in Migrations/sqlserver.
/// </summary>
public sealed partial class SqlServerDialect : SqlDialect
{
    private readonly string _connectionString;

    public SqlServerDialect(string connectionString)
    {
        var builder = new SqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource))
            throw new InvalidOperationException("Storage: the SQL Server connection string names no server (Server=…).");
        if (string.IsNullOrWhiteSpace(builder.InitialCatalog))
            throw new InvalidOperationException("Storage: the SQL Server connection string names no database (Database=…).");
        _connectionString = builder.ConnectionString;
    }

    public override string Name => "sqlserver";

    public override DbConnection CreateConnection() => new SqlConnection(_connectionString);

    public override void Dispose()
    {
        using var connection = new SqlConnection(_connectionString);
        SqlConnection.ClearPool(connection);
        base.Dispose();
    }

    // No ON CONFLICT: a unique-key violation (2601 duplicate index key, 2627 duplicate constraint key) is caught on the
    // server and the row is not inserted, whichever unique index it breaks, as with PostgreSQL's ON CONFLICT DO NOTHING.
    // The statement alone is rolled back; the transaction goes on (XACT_ABORT stays OFF, SqlClient's default).
    // Inserted: 1 row affected; ignored: no count at all, so callers comparing with 1 see the duplicate.
    public override string InsertIgnoringDuplicates(string table, string columns, string values) =>
        $"""
        BEGIN TRY
            INSERT INTO {table} ({columns}) VALUES ({values});
        END TRY
        BEGIN CATCH
            IF ERROR_NUMBER() NOT IN (2601, 2627) THROW;
        END CATCH
        """;

    // The updated row stays X-locked until commit, as in PostgreSQL, so sequence order is commit order.
    public override string ReserveEventSequence =>
        "UPDATE event_sequence SET value = value + @count OUTPUT inserted.value WHERE id = 1";

    // UPDLOCK holds the chosen rows until commit, READPAST skips rows other transactions hold, ROWLOCK keeps it to rows.
    public override string SkipLockedTable(string table) => $"{table} WITH (UPDLOCK, READPAST, ROWLOCK)";

    public override string Limit(string parameter) => $"OFFSET 0 ROWS FETCH NEXT {parameter} ROWS ONLY";

    // uniqueidentifier sorts by its last six bytes first, not in byte order. Its canonical text (fixed-width hex in byte
    // order) compared in a binary collation sorts exactly as the bytes do, i.e. as UUIDv7 creation order.
    public override string IdOrder(string expression) => $"(CONVERT(CHAR(36), {expression}) COLLATE Latin1_General_BIN2)";

    public override string IdAsText(string expression) => $"LOWER(CONVERT(NVARCHAR(36), {expression}))";

    // A session-owned application lock on the lock session; it ends with that connection at the latest.
    public override string MigrationLock =>
        "EXEC sp_getapplock @Resource = 'inbox-migrations', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = -1";

    public override string MigrationUnlock =>
        "EXEC sp_releaseapplock @Resource = 'inbox-migrations', @LockOwner = 'Session'";

    public override string CreateMigrationJournal =>
        """
        IF OBJECT_ID(N'schema_migrations', N'U') IS NULL
            CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL)
        """;

    /// <summary>Splits on lines holding only <c>GO</c> (any case, optional trailing comment-free spaces), as sqlcmd does;
    /// empty batches are dropped. CREATE TRIGGER must begin a batch, and a column added by ALTER TABLE is visible only
    /// to later batches.</summary>
    public override IReadOnlyList<string> SplitBatches(string script) =>
        [.. GoLine().Split(script).Where(b => !string.IsNullOrWhiteSpace(StripComments(b))).Select(b => b.Trim())];

    private static string StripComments(string batch) => LineComment().Replace(batch, "");

    [GeneratedRegex(@"^[ \t]*GO[ \t]*\r?$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex GoLine();

    [GeneratedRegex(@"--[^\n]*")]
    private static partial Regex LineComment();

    /// <summary>Error numbers that mean the server cannot be reached or cannot serve this database right now.</summary>
    public static readonly IReadOnlySet<int> UnavailableErrors = new HashSet<int>
    {
        -2,     // client timeout (connect or command)
        -1, 2, 35, 40, 53, 64, 121, 233, // network-related: server not found, no connection, pipe or session gone
        10053, 10054, 10060, 10061, 11001,   // socket: aborted, reset, timed out, refused, host unknown
        4060,   // cannot open the database (offline, restoring, not yet recovered)
        18401,  // login refused: the server is in script upgrade mode
        40197, 40501, 40613, 49918, 49919, 49920, // Azure SQL: reconfiguring, busy, database unavailable, too many operations
    };

    /// <summary>Wrong credentials (18456) are not counted: retrying cannot help, and a 503 would hide a configuration error.
    /// Deadlock victims (1205) are not counted either, as PostgreSQL's serialization failures are not.</summary>
    // 2601 duplicate index key, 2627 duplicate constraint key
    public override bool IsUniqueViolation(Exception exception) => exception is SqlException { Number: 2601 or 2627 };

    public override bool IsUnavailable(Exception exception) => exception switch
    {
        SqlException e => e.Errors.Cast<SqlError>().Any(error => UnavailableErrors.Contains(error.Number))
            || e.Class >= 20 // fatal severity: the server closed the connection
            || e.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        _ => false,
    };
}
