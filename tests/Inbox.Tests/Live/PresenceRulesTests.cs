using Inbox.Accounts;
using Inbox.Live;
using Inbox.Storage;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Inbox.Tests.Live;

public sealed class SqlitePresenceRulesTests : PresenceRulesTests<SqliteStore>;

public sealed class PostgresPresenceRulesTests : PresenceRulesTests<PostgresStore>;

public sealed class SqlServerPresenceRulesTests : PresenceRulesTests<SqlServerStore>;

/// <summary>
/// <see cref="PresenceService"/>'s rules against a cluster bus that answers, or fails the way Redis does when it is
/// away (a substitute: the failure is the point, and a real Redis cannot be made to fail at one chosen call). Whatever
/// the bus does, a counselor is never marked offline on a guess: only a bus that answered "connected nowhere" does it.
/// </summary>
public abstract class PresenceRulesTests<TStore> : StoreSuite<TStore>, IAsyncLifetime where TStore : TestStore, new()
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private StoreHarness? _harness;

    private StoreHarness H => _harness ?? throw new InvalidOperationException("The store did not start.");

    public async ValueTask InitializeAsync() => _harness = await StoreHarness.CreateAsync(Store, Ct);

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
            await _harness.DisposeAsync();
    }

    [Fact]
    public async Task A_last_connection_closing_marks_offline_only_when_the_bus_answers_that_none_is_left_elsewhere()
    {
        var bus = Substitute.For<IClusterBus>();
        var presence = Presence(bus);
        var kim = await AvailableCounselorAsync(presence);

        // Redis away: the bus cannot say. Nothing is thrown to the hub, and the counselor stays available.
        bus.IsConnectedElsewhereAsync(kim.AccountId, Arg.Any<CancellationToken>()).ThrowsAsync(new TimeoutException("redis is away"));
        await presence.LastConnectionClosedAsync(kim);
        Assert.Equal(Inbox.Live.Presence.Available, await PresenceOfAsync(kim));

        // Connected on another node: still available.
        bus.IsConnectedElsewhereAsync(kim.AccountId, Arg.Any<CancellationToken>()).Returns(true);
        await presence.LastConnectionClosedAsync(kim);
        Assert.Equal(Inbox.Live.Presence.Available, await PresenceOfAsync(kim));

        // Connected nowhere: offline, with its event.
        bus.IsConnectedElsewhereAsync(kim.AccountId, Arg.Any<CancellationToken>()).Returns(false);
        await presence.LastConnectionClosedAsync(kim);
        Assert.Equal(Inbox.Live.Presence.Offline, await PresenceOfAsync(kim));
        bus.Received(3).ConnectionsChanged(kim.AccountId);
        Assert.Equal(2, await EventCountAsync(kim)); // available, then offline
    }

    [Fact]
    public async Task The_sweep_marks_nobody_offline_when_the_bus_fails_and_sweeps_again_at_the_next_ring()
    {
        var bus = Substitute.For<IClusterBus>();
        var ring = new ClusterConnectionsSignal();
        var logs = new LogCapture();
        using var logging = LoggerFactory.Create(b => b.AddProvider(logs));
        var presence = new PresenceService(H.Database, H.Conversations, new EventSignal(), bus, ring, H.Clock, logging.CreateLogger<PresenceService>());
        var kim = await AvailableCounselorAsync(presence);
        H.Clock.Advance(TimeSpan.FromMinutes(5)); // long past any expiry: only the bus's answer keeps kim available
        var asked = 0;
        bus.ConnectedAccountsAsync(Arg.Any<CancellationToken>()).Returns(
            _ => { Interlocked.Increment(ref asked); return Task.FromException<ClusterConnections>(new TimeoutException("redis is away")); },
            _ => { Interlocked.Increment(ref asked); return Task.FromResult(new ClusterConnections(new HashSet<Guid>(), H.Clock.GetUtcNow())); });

        await presence.StartAsync(Ct);
        try
        {
            ring.Ring();
            await Eventually.UntilAsync(() => logs.Lines.Any(l => l.Contains("presence sweep failed", StringComparison.Ordinal)), "the first sweep failed and said so");
            Assert.Equal(Inbox.Live.Presence.Available, await PresenceOfAsync(kim));

            // The service survived the failure: the next heartbeat's ring sweeps, and now the bus has answered.
            ring.Ring();
            await Eventually.UntilAsync(async () => await PresenceOfAsync(kim) == Inbox.Live.Presence.Offline, "kim marked offline by the second sweep");
            Assert.Equal(2, Volatile.Read(ref asked));
        }
        finally
        {
            await presence.StopAsync(CancellationToken.None);
        }
    }

    private PresenceService Presence(IClusterBus bus) =>
        new(H.Database, H.Conversations, new EventSignal(), bus, new ClusterConnectionsSignal(), H.Clock, NullLogger<PresenceService>.Instance);

    private async Task<Caller> AvailableCounselorAsync(PresenceService presence)
    {
        var account = new Account
        {
            Id = Guid.CreateVersion7(),
            CenterId = "north",
            Username = "presence-" + Guid.NewGuid().ToString("N")[..8],
            DisplayName = "테스트 상담사",
            Role = Roles.Counselor,
            PasswordHash = "test-hash-not-a-real-password",
            CreatedAt = StoreHarness.Start,
        };
        Assert.True(await H.Accounts.InsertAsync(account, Ct));
        var caller = new Caller(account.Id, account.Username, account.Role, account.CenterId);
        await presence.SetAsync(caller, Inbox.Live.Presence.Available, Ct);
        Assert.Equal(Inbox.Live.Presence.Available, await PresenceOfAsync(caller));
        return caller;
    }

    private async Task<string?> PresenceOfAsync(Caller caller)
    {
        await using var s = await H.Database.ReadAsync(Ct);
        return await s.ScalarAsync<string>("SELECT presence FROM accounts WHERE id = @AccountId", new { caller.AccountId }, Ct);
    }

    private async Task<long> EventCountAsync(Caller caller)
    {
        await using var s = await H.Database.ReadAsync(Ct);
        return await s.ScalarAsync<long>("SELECT COUNT(*) FROM conversation_events WHERE actor_id = @AccountId AND type = 'presence.changed'", new { caller.AccountId }, Ct);
    }
}
