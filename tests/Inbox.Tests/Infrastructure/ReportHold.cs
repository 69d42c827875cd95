using Inbox.Storage;
using Microsoft.Data.Sqlite;

namespace Inbox.Tests.Infrastructure;

/// <summary>
/// Holds the reports' ledger table so that a report query waits on the store until disposed, as a long report would:
/// PostgreSQL an exclusive table lock, SQL Server a schema change left open, SQLite an exclusive lock on the file.
/// </summary>
public sealed class ReportHold : IAsyncDisposable
{
    private readonly IAsyncDisposable _holder;

    private ReportHold(IAsyncDisposable holder) => _holder = holder;

    public static async Task<ReportHold> TakeAsync(TestServer server)
    {
        var database = server.Services.GetRequiredService<Database>();
        switch (database.Dialect)
        {
            case SqliteDialect:
                var connection = new SqliteConnection(new SqliteConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ToString()); // the lock ends with it
                await connection.OpenAsync();
                await using (var command = connection.CreateCommand())
                {
                    command.CommandText = "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE report_events SET at = at WHERE 0 = 1;";
                    await command.ExecuteNonQueryAsync();
                }
                return new ReportHold(connection);
            default:
                var s = await database.BeginAsync(CancellationToken.None);
                await s.ExecuteAsync(database.Dialect is SqlServerDialect
                    ? "ALTER TABLE report_events ADD held_by_test INT NULL"
                    : "LOCK TABLE report_events IN ACCESS EXCLUSIVE MODE", null, CancellationToken.None);
                return new ReportHold(s);
        }
    }

    public ValueTask DisposeAsync() => _holder.DisposeAsync();
}
