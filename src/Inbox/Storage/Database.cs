using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;

namespace Inbox.Storage;

/// <summary>The one way the application talks to its store: sessions over pooled connections.</summary>
public sealed class Database(SqlDialect dialect)
{
    // SQLite takes one writer at a time; queueing here is fairer and faster than spinning on SQLITE_BUSY.
    private readonly SemaphoreSlim? _writeLock = dialect.SingleWriter ? new SemaphoreSlim(1, 1) : null;

    // The write session the current async flow has open, if any: a second one on the same flow would wait for the first
    // on SQLite (one writer) for ever, and elsewhere would commit apart from it. Set before the first await of BeginAsync,
    // so it is the caller's flow that holds it (and whatever that flow starts while the session is open).
    private readonly AsyncLocal<StrongBox<bool>?> _held = new();

    public SqlDialect Dialect => dialect;

    /// <summary>Whether the current async flow has a write session open (begun and not yet disposed).</summary>
    public bool InTransaction => _held.Value is { Value: true };

    /// <summary>
    /// A session with a transaction. Disposing it without <see cref="DbSession.CommitAsync"/> rolls back. One at a time per
    /// async flow: a second one while the first is open throws at once (work inside a transaction joins its session).
    /// </summary>
    public Task<DbSession> BeginAsync(CancellationToken cancellationToken)
    {
        if (InTransaction)
        {
            throw new InvalidOperationException(
                "A write session is already open on this async flow: a second one would wait for the first (SQLite has one writer) " +
                "or commit apart from it. Pass the open session down, or do this work (a calendar lookup, say) before the transaction begins.");
        }
        var held = new StrongBox<bool>(true);
        _held.Value = held;
        return BeginHeldAsync(held, cancellationToken);
    }

    private async Task<DbSession> BeginHeldAsync(StrongBox<bool> held, CancellationToken cancellationToken)
    {
        DbConnection? connection = null;
        var locked = false;
        try
        {
            if (_writeLock is not null)
            {
                await _writeLock.WaitAsync(cancellationToken);
                locked = true;
            }
            connection = dialect.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new DbSession(dialect, connection, transaction, _writeLock, held);
        }
        catch
        {
            if (connection is not null)
                await connection.DisposeAsync();
            if (locked)
                _writeLock!.Release();
            held.Value = false;
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

public sealed class DbSession(SqlDialect dialect, DbConnection connection, DbTransaction? transaction, SemaphoreSlim? writeLock, StrongBox<bool>? held = null)
    : IAsyncDisposable
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
            if (held is not null)
                held.Value = false; // the flow may begin another
        }
    }

    private CommandDefinition Command(string sql, object? args, CancellationToken ct) =>
        new(sql, args, transaction, cancellationToken: ct);
}
