using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace Inbox.Storage;

public sealed class PostgresDialect(string connectionString) : SqlDialect
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override string Name => "postgres";

    public override void Dispose()
    {
        _dataSource.Dispose();
        base.Dispose();
    }

    public override DbConnection CreateConnection() => _dataSource.CreateConnection();

    // Dapper hands Npgsql a list as one array parameter.
    public override string InList(string column, string parameter) => $"{column} = ANY({parameter})";

    public override string SkipLocked => "FOR UPDATE SKIP LOCKED";

    // Any fixed number works; it only has to be the same on every node.
    public override string MigrationLock => "SELECT pg_advisory_lock(4711001)";

    public override string MigrationUnlock => "SELECT pg_advisory_unlock(4711001)";

    public override bool IsUniqueViolation(Exception exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override bool IsUnavailable(Exception exception) => exception switch
    {
        // Class 08 connection exceptions, 53 insufficient resources, 57P0x shutdown / cannot connect now.
        PostgresException e => e.SqlState.StartsWith("08", StringComparison.Ordinal)
            || e.SqlState.StartsWith("53", StringComparison.Ordinal)
            || e.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException e => e.IsTransient || e.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        _ => false,
    };
}
