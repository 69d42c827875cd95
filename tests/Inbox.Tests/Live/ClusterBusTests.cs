using Inbox.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace Inbox.Tests.Live;

/// <summary>
/// The cluster bus only carries signals between nodes: it rings this node's doorbells and delivers typing notices, and
/// never calls the conversation service, the presence service or the store back (presence subscribes to its signal).
/// </summary>
public sealed class ClusterBusTests
{
    private static readonly Type[] Carriers =
    [
        typeof(string), typeof(RedisOptions), typeof(EventSignal), typeof(ClusterConnectionsSignal),
        typeof(IHubContext<InboxHub, IInboxClient>), typeof(ConnectionCounter), typeof(TimeProvider),
    ];

    [Fact]
    public void A_cluster_bus_is_given_nothing_but_signals_the_hub_and_this_nodes_connections()
    {
        var buses = typeof(IClusterBus).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(IClusterBus).IsAssignableFrom(t)).ToList();
        Assert.Contains(typeof(RedisBus), buses);
        Assert.Contains(typeof(LocalBus), buses);
        var others = buses
            .SelectMany(bus => bus.GetConstructors().SelectMany(c => c.GetParameters())
                .Where(p => !Carriers.Contains(p.ParameterType) && !(p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(ILogger<>)))
                .Select(p => $"{bus.Name}({p.ParameterType.Name} {p.Name})"))
            .ToList();
        Assert.True(others.Count == 0, "A cluster bus takes a collaborator that does work; ring a signal its owner waits on instead: " + string.Join(", ", others));
    }
}
