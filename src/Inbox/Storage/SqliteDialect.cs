using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Inbox.Storage;

public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;

    public SqliteDialect(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            DefaultTimeout = 30,
            Pooling = true,
        };
        if (builder.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(builder.DataSource) || builder.DataSource == ":memory:")
            throw new InvalidOperationException("Storage: the SQLite store needs a file (ConnectionStrings:Inbox = \"Data Source=data/inbox.db\").");
        _connectionString = builder.ToString();
        FilePath = Path.GetFullPath(builder.DataSource);
    }

    public string FilePath { get; }

    public override string Name => "sqlite";

    public override bool SingleWriter => true;

    public override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
    public override bool IsUniqueViolation(Exception exception) => exception is SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };

    public override bool IsUnavailable(Exception exception) => exception switch
    {
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_READONLY
        SqliteException e => e.SqliteErrorCode is 5 or 6 or 10 or 13 or 14 or 8,
        IOException or UnauthorizedAccessException => true,
        _ => false,
    };

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        // WAL is a property of the file: set once, it stays. Readers never block the writer.
        await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL", cancellationToken: cancellationToken));
    }
}
