using Inbox.Accounts;
using Inbox.Conversations;
using Inbox.Storage;

namespace Inbox.Live;

public static class Presence
{
    public const string Available = "available";
    public const string Away = "away";
    public const string Offline = "offline";

    public static readonly IReadOnlyList<string> All = [Available, Away, Offline];
}

/// <summary>
/// The owner of presence. A counselor's presence is stored (accounts.presence and presence_at, with a PresenceChanged
/// event), so auto-assignment on every node sees it. The counselor sets it (SetPresence); it becomes offline when their
/// last hub connection on every node closes, and when the node holding their connections dies: after each heartbeat that
/// makes the cluster's connections known the bus rings <see cref="ClusterConnectionsSignal"/>, and this sweeps. The bus
/// only carries which accounts hold connections where; what that means for presence is decided here.
/// </summary>
public sealed partial class PresenceService(
    Database database, ConversationStore store, EventSignal events, IClusterBus bus, ClusterConnectionsSignal connectionsKnown,
    TimeProvider clock, ILogger<PresenceService> logger)
    : BackgroundService
{
    public async Task SetAsync(Caller caller, string presence, CancellationToken ct)
    {
        if (!Presence.All.Contains(presence))
            throw new ConversationActionException($"Presence must be one of {string.Join(", ", Presence.All)}.");
        // Consoles re-announce their presence on every (re)connect: the same value again is a read, never a write transaction.
        await using (var read = await database.ReadAsync(ct))
        {
            if (await read.ScalarAsync<string>("SELECT presence FROM accounts WHERE id = @AccountId", new { caller.AccountId }, ct) == presence)
                return;
        }
        await using var s = await database.BeginAsync(ct);
        var now = clock.GetUtcNow();
        var changed = await s.ExecuteAsync(
            "UPDATE accounts SET presence = @presence, presence_at = @now WHERE id = @AccountId AND presence <> @presence",
            new { presence, now, caller.AccountId }, ct);
        if (changed == 0)
            return;
        await store.AppendEventsAsync(s, [new NewEvent(caller.CenterId, null, EventType.PresenceChanged, new { presence }, caller.AccountId)], now, ct);
        await s.CommitAsync(ct);
        events.Ring();
    }

    /// <summary>A hub connection of the account opened on this node (the count is in <see cref="ConnectionCounter"/>).</summary>
    public void Connected(Guid accountId) => bus.ConnectionsChanged(accountId);

    /// <summary>
    /// The account's last hub connection on this node closed: offline (no auto-assignment to them) unless they hold one on
    /// another live node. A node that dies cannot say so: the sweep does it for it.
    /// </summary>
    public async Task LastConnectionClosedAsync(Caller caller)
    {
        bus.ConnectionsChanged(caller.AccountId);
        try
        {
            if (!await bus.IsConnectedElsewhereAsync(caller.AccountId, CancellationToken.None))
                await SetAsync(caller, Presence.Offline, CancellationToken.None);
        }
        catch (Exception e) { LogOfflineFailed(logger, caller.AccountId, e.GetType().Name); }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await connectionsKnown.WaitAsync(Timeout.InfiniteTimeSpan, stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogSweepFailed(logger, e.GetType().Name); // the store or Redis may be away: the next ring tries again
            }
        }
    }

    /// <summary>Marks offline whoever is not offline in the store but holds no connection on any live node.</summary>
    private async Task SweepAsync(CancellationToken ct)
    {
        var connected = await bus.ConnectedAccountsAsync(ct);
        IReadOnlyList<PresentAccount> present;
        await using (var s = await database.ReadAsync(ct))
            present = await s.QueryAsync<PresentAccount>(
                "SELECT id, username, role, center_id AS CenterId FROM accounts WHERE presence <> 'offline' AND (presence_at IS NULL OR presence_at < @cutoff)",
                new { cutoff = connected.CompleteBefore }, ct);
        foreach (var account in present.Where(a => !connected.Accounts.Contains(a.Id)))
        {
            LogMarkedOffline(logger, account.Id);
            await SetAsync(new Caller(account.Id, account.Username, account.Role, account.CenterId), Presence.Offline, ct);
        }
    }

    private sealed record PresentAccount(Guid Id, string Username, string Role, string CenterId);

    [LoggerMessage(LogLevel.Warning, "Could not mark account {AccountId} offline ({Error})")]
    private static partial void LogOfflineFailed(ILogger logger, Guid accountId, string error);

    [LoggerMessage(LogLevel.Information, "Account {AccountId} holds no hub connection on any live node: marked offline")]
    private static partial void LogMarkedOffline(ILogger logger, Guid accountId);

    [LoggerMessage(LogLevel.Warning, "The presence sweep failed ({Error}); trying again after the next heartbeat")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
