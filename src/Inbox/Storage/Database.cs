using System.Data.Common;
using Dapper;

namespace Inbox.Storage;

/// <summary>The one way the application talks to its store: sessions over pooled connections.</summary>
public sealed class Database(SqlDialect dialect)
{
    // SQLite takes one writer at a time; queueing here is fairer and faster than spinning on SQLITE_BUSY.
    private readonly SemaphoreSlim? _writeLock = dialect.SingleWriter ? new SemaphoreSlim(1, 1) : null;

    public SqlDialect Dialect => dialect;

    /// <summary>A session with a transaction. Disposing it without <see cref="DbSession.CommitAsync"/> rolls back.</summary>
    public async Task<DbSession> BeginAsync(CancellationToken cancellationToken)
    {
        if (_writeLock is not null)
            await _writeLock.WaitAsync(cancellationToken);
        DbConnection? connection = null;
        try
        {
            connection = dialect.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new DbSession(dialect, connection, transaction, _writeLock);
        }
        catch
        {
            if (connection is not null)
                await connection.DisposeAsync();
            _writeLock?.Release();
            throw;
        }
    }

    /// <summary>A session for reads only, without a transaction.</summary>
    public async Task<DbSession> ReadAsync(CancellationToken cancellationToken)
    {
        var connection = dialect.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return new DbSession(dialect, connection, null, null);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var session = await ReadAsync(cancellationToken);
            return await session.ScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations", null, cancellationToken) > 0;
        }
        catch (Exception e) when (dialect.IsUnavailable(e) || e is DbException)
        {
            return false;
        }
    }
}

public sealed class DbSession(SqlDialect dialect, DbConnection connection, DbTransaction? transaction, SemaphoreSlim? writeLock) : IAsyncDisposable
{
    private bool _done;
    private bool _disposed;

    public SqlDialect Dialect => dialect;

    public DbConnection Connection => connection;

    public Task<int> ExecuteAsync(string sql, object? args, CancellationToken ct) =>
        connection.ExecuteAsync(Command(sql, args, ct));

    public Task<T?> ScalarAsync<T>(string sql, object? args, CancellationToken ct) =>
        connection.ExecuteScalarAsync<T>(Command(sql, args, ct));

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args, CancellationToken ct) =>
        (await connection.QueryAsync<T>(Command(sql, args, ct))).AsList();

    public Task<T?> SingleOrDefaultAsync<T>(string sql, object? args, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<T>(Command(sql, args, ct));

    public async Task CommitAsync(CancellationToken ct)
    {
        if (transaction is null)
            throw new InvalidOperationException("A read session has nothing to commit.");
        await transaction.CommitAsync(ct);
        _done = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            if (transaction is not null)
            {
                if (!_done)
                {
                    try { await transaction.RollbackAsync(); }
                    catch (Exception) when (!_done) { /* the connection is gone; the server rolls back on its own */ }
                }
                await transaction.DisposeAsync();
            }
            await connection.DisposeAsync();
        }
        finally
        {
            writeLock?.Release();
        }
    }

    private CommandDefinition Command(string sql, object? args, CancellationToken ct) =>
        new(sql, args, transaction, cancellationToken: ct);
}
