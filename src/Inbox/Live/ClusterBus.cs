using Inbox.Accounts;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Live;

/// <summary>
/// What the nodes of one deployment tell each other. The store stays the source of truth: the bus carries doorbells
/// (a sequence number), typing notices (never stored) and which accounts hold hub connections on which node, and no
/// resident's data. It only carries: it rings this node's signals (<see cref="EventSignal"/>,
/// <see cref="ClusterConnectionsSignal"/>) and their owners do the work. <see cref="LocalBus"/> is one node on its own;
/// <see cref="RedisBus"/> is chosen by ConnectionStrings:Redis.
/// </summary>
public interface IClusterBus
{
    /// <summary>This node committed events up to <paramref name="lastSeq"/>: the other nodes should read and push them.</summary>
    void AnnounceEvents(long lastSeq);

    /// <summary>Shows a typing notice to everyone who may see the conversation, on every node.</summary>
    Task SendTypingAsync(TypingNotice notice);

    /// <summary>The account's hub connections on this node changed (the count is in <see cref="ConnectionCounter"/>).</summary>
    void ConnectionsChanged(Guid accountId);

    /// <summary>Whether the account holds a hub connection on another live node.</summary>
    Task<bool> IsConnectedElsewhereAsync(Guid accountId, CancellationToken ct);

    /// <summary>The accounts holding a hub connection on any live node, this one included.</summary>
    Task<ClusterConnections> ConnectedAccountsAsync(CancellationToken ct);
}

/// <summary>The accounts holding a hub connection on a live node: complete for connections opened before
/// <paramref name="CompleteBefore"/> (one opened since may not have reached the bus yet).</summary>
public sealed record ClusterConnections(IReadOnlySet<Guid> Accounts, DateTimeOffset CompleteBefore);

/// <summary>Rung by a bus that spans nodes after each heartbeat once every live node has had a whole expiry to tell its
/// connections: whoever is in none of them has no connection anywhere (see <see cref="PresenceService"/>).</summary>
public sealed class ClusterConnectionsSignal : Doorbell;

/// <summary>A counselor is typing: everyone who sees the conversation sees it, but the typing connection itself.</summary>
public sealed record TypingNotice(string CenterId, Guid? AssigneeId, string ExceptConnectionId, TypingPayload Payload)
{
    public async Task DeliverAsync(IHubContext<InboxHub, IInboxClient> hub)
    {
        var except = new[] { ExceptConnectionId };
        foreach (var group in HubGroups.Of(Visibility.OfConversation(CenterId, AssigneeId)))
            await hub.Clients.GroupExcept(group, except).Typing(Payload);
    }
}

/// <summary>One node: nothing to tell anyone. Presence is this node's connections, exactly as without a cluster.</summary>
public sealed class LocalBus(IHubContext<InboxHub, IInboxClient> hub, ConnectionCounter connections, TimeProvider clock) : IClusterBus
{
    public void AnnounceEvents(long lastSeq)
    {
    }

    public Task SendTypingAsync(TypingNotice notice) => notice.DeliverAsync(hub);

    public void ConnectionsChanged(Guid accountId)
    {
    }

    public Task<bool> IsConnectedElsewhereAsync(Guid accountId, CancellationToken ct) => Task.FromResult(false);

    public Task<ClusterConnections> ConnectedAccountsAsync(CancellationToken ct) =>
        Task.FromResult(new ClusterConnections(connections.Accounts.ToHashSet(), clock.GetUtcNow()));
}

public sealed class RedisOptions
{
    /// <summary>Channel and key prefix: one per deployment, so several deployments can share a Redis.</summary>
    public string ChannelPrefix { get; set; } = "inbox";

    /// <summary>How long a node's presence outlives its last heartbeat; heartbeats come three times as often.</summary>
    public int PresenceExpirySeconds { get; set; } = 15;
}

public static class ClusterSetup
{
    /// <summary>ConnectionStrings:Redis turns on the Redis bus; without it one node works on its own.</summary>
    public static IServiceCollection AddClusterBus(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ClusterConnectionsSignal>();
        var redis = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<IClusterBus, LocalBus>();
            return services;
        }
        var options = configuration.GetSection("Redis").Get<RedisOptions>() ?? new RedisOptions();
        if (string.IsNullOrWhiteSpace(options.ChannelPrefix))
            throw new InvalidOperationException("Redis:ChannelPrefix must not be empty.");
        if (options.PresenceExpirySeconds < 3)
            throw new InvalidOperationException("Redis:PresenceExpirySeconds must be at least 3.");
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RedisBus>(sp, redis, options));
        services.AddSingleton<IClusterBus>(sp => sp.GetRequiredService<RedisBus>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisBus>());
        services.AddHealthChecks().AddCheck<RedisBusHealthCheck>("redis", tags: ["ready"]);
        return services;
    }
}
