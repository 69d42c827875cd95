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
}
