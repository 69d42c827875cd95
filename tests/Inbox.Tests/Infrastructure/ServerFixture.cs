using Inbox.Storage;

namespace Inbox.Tests.Infrastructure;

/// <summary>One server with a fresh database per test class; skipped (with the reason) when the store is not available here.</summary>
public class ServerFixture<TStore> : IAsyncLifetime where TStore : TestStore, new()
{
    private TestServer? _server;

    /// <summary>What this fixture's server runs with on top of <see cref="TestServer.Settings"/>.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public TStore Store { get; } = new();

    public TestServer Server => _server ?? throw new InvalidOperationException(Store.SkipReason ?? "The server did not start.");

    public async ValueTask InitializeAsync()
    {
        if (Store.SkipReason is null)
            _server = await TestServer.StartAsync(Store, Settings);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

public static class StoreQueries
{
    public static async Task<long> CountAsync(this TestServer server, string table, string? where = null, object? args = null)
    {
        var database = server.Services.GetRequiredService<Database>();
        await using var s = await database.ReadAsync(CancellationToken.None);
        return await s.ScalarAsync<long>($"SELECT COUNT(*) FROM {table}" + (where is null ? "" : " WHERE " + where), args, CancellationToken.None);
    }

    /// <summary>The one value (or row) a query answers, read through the server's own store.</summary>
    public static async Task<T> SingleAsync<T>(this TestServer server, string sql, object? args)
    {
        var database = server.Services.GetRequiredService<Database>();
        await using var s = await database.ReadAsync(CancellationToken.None);
        return (await s.SingleOrDefaultAsync<T>(sql, args, CancellationToken.None))!;
    }

    /// <summary>Waits until every reply and automatic message has left (or failed for good): the outbox holds nothing open.</summary>
    public static Task OutboxEmptyAsync(this TestServer server) =>
        Eventually.UntilAsync(async () => await server.CountAsync("outbox", "completed_at IS NULL") == 0, "the outbox emptied");

    /// <summary>Row counts of everything a webhook may write, to prove a refused request changed nothing.</summary>
    public static async Task<string> SnapshotAsync(this TestServer server)
    {
        // Automatic replies leave after the commit and add their delivery events: let that finish first.
        await server.OutboxEmptyAsync();
        string[] tables = ["contacts", "channel_identities", "conversations", "messages", "attachments", "transcript_segments", "conversation_events"];
        var counts = new List<string>();
        foreach (var table in tables)
            counts.Add($"{table}={await server.CountAsync(table)}");
        return string.Join(", ", counts);
    }
}
