using Inbox.Storage;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Storage;

public sealed class SqliteNestedSessionTests : NestedSessionTests<SqliteStore>;

public sealed class PostgresNestedSessionTests : NestedSessionTests<PostgresStore>;

public sealed class SqlServerNestedSessionTests : NestedSessionTests<SqlServerStore>;

/// <summary>
/// A write session begun inside another on the same async flow would wait for itself for ever on SQLite (one writer), and
/// commit apart from it elsewhere: it fails at once instead, on every store. So does reading a center's calendar inside a
/// transaction, cached or not (a load writes the calendar's version in a session of its own). Other flows wait their turn.
/// </summary>
public abstract class NestedSessionTests<TStore> : IAsyncLifetime where TStore : TestStore, new()
{
    private readonly TStore _store = new();
    private StoreHarness? _harness;

    protected NestedSessionTests()
    {
        if (_store.SkipReason is { } reason)
            Assert.Skip(reason);
    }

    private StoreHarness H => _harness ?? throw new InvalidOperationException("The store did not start.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _harness = await StoreHarness.CreateAsync(_store, Ct);

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
            await _harness.DisposeAsync();
    }

    [Fact]
    public async Task A_second_write_session_on_the_same_flow_fails_before_it_waits_and_the_first_still_commits()
    {
        await using (var outer = await H.Database.BeginAsync(Ct))
        {
            Assert.True(H.Database.InTransaction);
            // Thrown by the call itself, before it could wait for anything.
            var e = Assert.Throws<InvalidOperationException>(() => { _ = H.Database.BeginAsync(Ct); });
            Assert.Contains("already open on this async flow", e.Message);

            await outer.ExecuteAsync("UPDATE event_sequence SET value = value + 1 WHERE id = 1", null, Ct);
            await outer.CommitAsync(Ct);
        }
        Assert.False(H.Database.InTransaction);
        Assert.Equal(1, await H.ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1"));

        // Disposed, the flow may begin again.
        await using var again = await H.Database.BeginAsync(Ct);
        await again.CommitAsync(Ct);
    }

    [Fact]
    public async Task Another_flow_begins_its_own_session_after_the_open_one_ends()
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var other = Task.Run(async () =>
        {
            await go.Task;
            await using var s = await H.Database.BeginAsync(Ct);
            await s.ExecuteAsync("UPDATE event_sequence SET value = value + 10 WHERE id = 1", null, Ct);
            await s.CommitAsync(Ct);
        }, Ct);
        await using (var outer = await H.Database.BeginAsync(Ct))
        {
            go.SetResult();
            await outer.ExecuteAsync("UPDATE event_sequence SET value = value + 1 WHERE id = 1", null, Ct);
            await outer.CommitAsync(Ct);
        }
        await other;
        Assert.Equal(11, await H.ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1"));
    }

    [Fact]
    public async Task Reading_a_calendar_inside_a_transaction_fails_at_once_whether_it_is_cached_or_not()
    {
        var north = await H.Calendars.ForCenterAsync("north", Ct); // cached from here on
        await using (await H.Database.BeginAsync(Ct))
        {
            var cached = H.Calendars.ForCenterAsync("north", Ct);
            var uncached = H.Calendars.ForCenterAsync("south", Ct); // never loaded: loading it writes its version
            Assert.True(cached.IsFaulted && uncached.IsFaulted, "The calendar must refuse at once inside a transaction.");
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => uncached);
            Assert.Contains("before the transaction", e.Message);
        }
        Assert.Equal(north.Version, (await H.Calendars.ForCenterAsync("north", Ct)).Version);
        var south = await H.Calendars.ForCenterAsync("south", Ct);
        Assert.Equal(1, await H.CountAsync("calendar_versions", "version = @Version", new { south.Version }));
    }
}
