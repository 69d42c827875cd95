using Inbox.Storage;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Inbox.Tests.Infrastructure;

/// <summary>A kind of database the suites run against. Each call to <see cref="CreateDatabaseAsync"/> gives a fresh, empty one.</summary>
public abstract class TestStore
{
    public abstract string Provider { get; }

    /// <summary>Why this store cannot run here, or null when it can.</summary>
    public virtual string? SkipReason => null;

    public abstract Task<string> CreateDatabaseAsync();

    /// <summary>The application's dialect for a database of this store.</summary>
    public abstract SqlDialect Dialect(string connectionString);

    /// <summary>Removes a database <see cref="CreateDatabaseAsync"/> made, ending its pooled connections first.</summary>
    public abstract Task DropDatabaseAsync(string connectionString);

    /// <summary>A fresh database whose availability the test controls.</summary>
    public abstract Task<StoreOutage> CreateInterruptibleDatabaseAsync();
}

/// <summary>A database a test can take away and give back, as a crashed disk or database server would.</summary>
public abstract class StoreOutage : IAsyncDisposable
{
    public abstract string ConnectionString { get; }

    public abstract void Cut();

    public abstract void Restore();

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class SqliteStore : TestStore
{
    public override string Provider => "sqlite";

    public override Task<string> CreateDatabaseAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "inbox-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return Task.FromResult(new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "inbox.db") }.ToString());
    }

    public override SqlDialect Dialect(string connectionString) => new SqliteDialect(connectionString);

    public override Task DropDatabaseAsync(string connectionString)
    {
        using (var connection = new SqliteConnection(connectionString))
            SqliteConnection.ClearPool(connection);
        try
        {
            Directory.Delete(Path.GetDirectoryName(new SqliteConnectionStringBuilder(connectionString).DataSource)!, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp file left behind is harmless.
        }
        return Task.CompletedTask;
    }

    public override async Task<StoreOutage> CreateInterruptibleDatabaseAsync() => new FolderOutage(await CreateDatabaseAsync());

    /// <summary>Moves the database's folder away: new connections cannot open the file.</summary>
    private sealed class FolderOutage(string connectionString) : StoreOutage
    {
        private readonly string _folder = Path.GetDirectoryName(new SqliteConnectionStringBuilder(connectionString).DataSource)!;

        public override string ConnectionString => connectionString;

        public override void Cut()
        {
            Directory.Move(_folder, _folder + ".away");
            // Pooled connections keep the moved file open; a connection in use right now (a background worker's) returns
            // to the pool a few milliseconds later, so clear once more after that.
            SqliteConnection.ClearAllPools();
            Thread.Sleep(250);
            SqliteConnection.ClearAllPools();
        }

        public override void Restore() => Directory.Move(_folder + ".away", _folder);
    }
}

/// <summary>PostgreSQL from INBOX_TEST_POSTGRES (scripts/test.sh starts one); a new database per call.</summary>
public sealed class PostgresStore : TestStore
{
    public const string Variable = "INBOX_TEST_POSTGRES";
    private static readonly string? AdminConnection = Environment.GetEnvironmentVariable(Variable);

    public override string Provider => "postgres";

    public override string? SkipReason => string.IsNullOrWhiteSpace(AdminConnection)
        ? $"PostgreSQL is not configured: {Variable} is not set (scripts/test.sh starts a server and sets it)."
        : null;

    public override async Task<string> CreateDatabaseAsync()
    {
        var name = "inbox_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(AdminConnection))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnection) { Database = name, Pooling = true }.ToString();
    }

    public override SqlDialect Dialect(string connectionString) => new PostgresDialect(connectionString);

    public override async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(AdminConnection);
        await connection.OpenAsync();
        // FORCE ends the pooled connections of the dialect too, so test databases do not use up max_connections.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public override async Task<StoreOutage> CreateInterruptibleDatabaseAsync()
    {
        var direct = new NpgsqlConnectionStringBuilder(await CreateDatabaseAsync());
        var proxy = new TcpProxy(direct.Port);
        proxy.Start();
        direct.Host = "127.0.0.1";
        direct.Port = proxy.Port;
        direct.Timeout = 3;
        return new ProxyOutage(proxy, direct.ToString());
    }

    /// <summary>Stops the relay in front of PostgreSQL: open connections break, new ones are refused.</summary>
    private sealed class ProxyOutage(TcpProxy proxy, string connectionString) : StoreOutage
    {
        public override string ConnectionString => connectionString;

        public override void Cut() => proxy.Stop();

        public override void Restore() => proxy.Start();

        public override ValueTask DisposeAsync() => proxy.DisposeAsync();
    }
}

/// <summary>
/// SQL Server from INBOX_TEST_SQLSERVER (a connection string whose login may create databases); a new database per call.
/// Nothing here starts a SQL Server: without the variable every SQL Server suite is reported as skipped with the reason.
/// </summary>
public sealed class SqlServerStore : TestStore
{
    public const string Variable = "INBOX_TEST_SQLSERVER";
    public const string NotSet = $"{Variable} is not set: no SQL Server to test against";
    private static readonly string? AdminConnection = Environment.GetEnvironmentVariable(Variable);

    public override string Provider => "sqlserver";

    public override string? SkipReason => string.IsNullOrWhiteSpace(AdminConnection) ? NotSet : null;

    public override async Task<string> CreateDatabaseAsync()
    {
        var name = "inbox_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new SqlConnection(AdminConnection))
        {
            await connection.OpenAsync();
            // Row versioning for reads, as docs/sqlserver.md asks of production databases: readers do not wait for writers.
            await using var create = new SqlCommand($"CREATE DATABASE [{name}]; ALTER DATABASE [{name}] SET READ_COMMITTED_SNAPSHOT ON;", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new SqlConnectionStringBuilder(AdminConnection) { InitialCatalog = name, Pooling = true }.ConnectionString;
    }

    public override SqlDialect Dialect(string connectionString) => new SqlServerDialect(connectionString);

    public override async Task DropDatabaseAsync(string connectionString)
    {
        var name = new SqlConnectionStringBuilder(connectionString).InitialCatalog;
        SqlConnection.ClearAllPools();
        await using var connection = new SqlConnection(AdminConnection);
        await connection.OpenAsync();
        await using var drop = new SqlCommand(
            $"IF DB_ID(N'{name}') IS NOT NULL BEGIN ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{name}]; END", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A relay on loopback in front of the server's TCP port (Server=host,port; 1433 when no port is given).</summary>
    public override async Task<StoreOutage> CreateInterruptibleDatabaseAsync()
    {
        var direct = new SqlConnectionStringBuilder(await CreateDatabaseAsync());
        var server = direct.DataSource.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? direct.DataSource[4..] : direct.DataSource;
        var comma = server.LastIndexOf(',');
        var port = comma < 0 ? 1433 : int.Parse(server[(comma + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var proxy = new TcpProxy(port);
        proxy.Start();
        direct.DataSource = $"tcp:127.0.0.1,{proxy.Port}";
        direct.ConnectTimeout = 3;
        return new ProxyOutage(proxy, direct.ConnectionString);
    }

    private sealed class ProxyOutage(TcpProxy proxy, string connectionString) : StoreOutage
    {
        public override string ConnectionString => connectionString;

        public override void Cut()
        {
            proxy.Stop();
            SqlConnection.ClearAllPools();
        }

        public override void Restore() => proxy.Start();

        public override ValueTask DisposeAsync() => proxy.DisposeAsync();
    }
}
