using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Inbox.Live;

/// <summary>
/// The cross-node bus over Redis (StackExchange.Redis, kept behind <see cref="IClusterBus"/>).
/// <list type="bullet">
/// <item><c>{prefix}:events</c> — pub/sub doorbell "node|sequence" after a node's commits; every other node reads the
/// store after its own last pushed sequence and pushes to its clients. A lost doorbell costs at most the 1 s poll.</item>
/// <item><c>{prefix}:typing</c> — pub/sub typing notices (never stored).</item>
/// <item><c>{prefix}:nodes</c> — sorted set of node ids scored by their last heartbeat (Unix ms).</item>
/// <item><c>{prefix}:presence:{node}</c> — hash of the account ids holding hub connections on that node, expiring
/// unless the node's heartbeat renews it.</item>
/// </list>
/// Presence itself lives in the store and is <see cref="PresenceService"/>'s: once Redis has been reachable for a whole
/// expiry, each heartbeat rings <see cref="ClusterConnectionsSignal"/> and the presence service sweeps, asking
/// <see cref="ConnectedAccountsAsync"/> — a node that died takes its counselors' presence with it within the expiry. The
/// bus only carries: it rings this node's signals and calls no domain service. While Redis is unreachable the node keeps
/// working (pushes by polling, no sweep), health says Degraded, and the client reconnects by itself
/// (AbortOnConnectFail=false).
/// </summary>
public sealed class RedisBus : BackgroundService, IClusterBus
{
    private readonly string _nodeId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
    private readonly ConfigurationOptions _configuration;
    private readonly RedisOptions _options;
    private readonly EventSignal _signal;
    private readonly ClusterConnectionsSignal _connectionsKnown;
    private readonly IHubContext<InboxHub, IInboxClient> _hub;
    private readonly ConnectionCounter _connections;
    private readonly TimeProvider _clock;
    private readonly ILogger<RedisBus> _logger;
    private readonly RedisChannel _eventsChannel;
    private readonly RedisChannel _typingChannel;
    private readonly RedisKey _nodesKey;
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private ConnectionMultiplexer? _redis;
    private volatile bool _subscribed;
    private long _upSinceTicks; // 0 while Redis is away; written by the multiplexer's events too
    private bool _warned;

    public RedisBus(string connectionString, RedisOptions options, EventSignal signal, ClusterConnectionsSignal connectionsKnown,
        IHubContext<InboxHub, IInboxClient> hub, ConnectionCounter connections, TimeProvider clock, ILogger<RedisBus> logger)
    {
        _configuration = ConfigurationOptions.Parse(connectionString);
        _configuration.AbortOnConnectFail = false; // start and keep retrying while Redis is down
        _configuration.ClientName = "inbox";
        _options = options;
        _signal = signal;
        _connectionsKnown = connectionsKnown;
        _hub = hub;
        _connections = connections;
        _clock = clock;
        _logger = logger;
        _eventsChannel = new RedisChannel(options.ChannelPrefix + ":events", RedisChannel.PatternMode.Literal);
        _typingChannel = new RedisChannel(options.ChannelPrefix + ":typing", RedisChannel.PatternMode.Literal);
        _nodesKey = options.ChannelPrefix + ":nodes";
    }

    public string NodeId => _nodeId;

    public bool IsConnected => _redis?.IsConnected == true && _subscribed;

    private TimeSpan Expiry => TimeSpan.FromSeconds(_options.PresenceExpirySeconds);

    private RedisKey PresenceKey(string node) => $"{_options.ChannelPrefix}:presence:{node}";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(_configuration);
        _redis.ConnectionFailed += (_, e) =>
        {
            Volatile.Write(ref _upSinceTicks, 0);
            Log.RedisConnectionLost(_logger, e.FailureType);
        };
        _redis.ConnectionRestored += (_, _) =>
        {
            Log.RedisConnectionRestored(_logger);
            _ = SubscribeAsync();
        };
        Log.ClusterBusStarted(_logger, _redis.IsConnected ? "connected" : "not reachable yet", _nodeId, _options.ChannelPrefix);
        await SubscribeAsync();
        await base.StartAsync(cancellationToken);
    }

    private async Task SubscribeAsync()
    {
        await _subscribing.WaitAsync();
        try
        {
            if (_subscribed || _redis is null)
                return;
            var subscriber = _redis.GetSubscriber();
            await subscriber.SubscribeAsync(_eventsChannel, (_, value) => OnEvents(value));
            await subscriber.SubscribeAsync(_typingChannel, (_, value) => OnTyping(value));
            _subscribed = true; // the multiplexer restores these subscriptions itself after a reconnect
        }
        catch (Exception e)
        {
            Log.RedisSubscribeFailed(_logger, e.GetType().Name);
        }
        finally
        {
            _subscribing.Release();
        }
    }

    public void AnnounceEvents(long lastSeq) => Publish(_eventsChannel, $"{_nodeId}|{lastSeq}");

    public async Task SendTypingAsync(TypingNotice notice)
    {
        await notice.DeliverAsync(_hub); // this node's clients at once, Redis or not
        Publish(_typingChannel, JsonSerializer.Serialize(new TypingMessage(_nodeId, notice)));
    }

    private void Publish(RedisChannel channel, string message)
    {
        try
        {
            _redis?.GetSubscriber().Publish(channel, message, CommandFlags.FireAndForget);
        }
        catch (Exception e)
        {
            Log.RedisPublishFailed(_logger, e.GetType().Name);
        }
    }

    private void OnEvents(RedisValue value)
    {
        var text = (string?)value ?? "";
        if (!text.StartsWith(_nodeId + "|", StringComparison.Ordinal))
            _signal.RingFromPeer();
    }

    private void OnTyping(RedisValue value)
    {
        try
        {
            var message = JsonSerializer.Deserialize<TypingMessage>((string?)value ?? "");
            if (message is not null && message.Node != _nodeId)
                _ = message.Notice.DeliverAsync(_hub);
        }
        catch (JsonException)
        {
            Log.MalformedTypingNotice(_logger);
        }
    }

    public void ConnectionsChanged(Guid accountId)
    {
        try
        {
            var db = _redis?.GetDatabase();
            if (db is null)
                return;
            var key = PresenceKey(_nodeId);
            if (_connections.Count(accountId) > 0)
            {
                db.HashSet(key, accountId.ToString(), "1", flags: CommandFlags.FireAndForget);
                db.KeyExpire(key, Expiry, CommandFlags.FireAndForget);
            }
            else
            {
                db.HashDelete(key, accountId.ToString(), CommandFlags.FireAndForget);
            }
        }
        catch (Exception e)
        {
            Log.RedisPresenceWriteFailed(_logger, e.GetType().Name);
        }
    }

    public async Task<bool> IsConnectedElsewhereAsync(Guid accountId, CancellationToken ct)
    {
        try
        {
            var db = _redis!.GetDatabase();
            foreach (var node in await LiveNodesAsync(db))
            {
                if (node != _nodeId && await db.HashExistsAsync(PresenceKey(node), accountId.ToString()))
                    return true;
            }
            return false;
        }
        catch (Exception e)
        {
            Log.RedisConnectedElsewhereFailed(_logger, accountId, e.GetType().Name);
            return false;
        }
    }

    private async Task<IReadOnlyList<string>> LiveNodesAsync(IDatabase db)
    {
        var since = _clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)Expiry.TotalMilliseconds;
        return [.. (await db.SortedSetRangeByScoreAsync(_nodesKey, since, double.PositiveInfinity)).Select(v => (string)v!)];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromMilliseconds(Expiry.TotalMilliseconds / 3);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await HeartbeatAsync();
                if (_warned)
                    Log.RedisHeartbeatRestored(_logger);
                _warned = false;
                // The connections are known only once Redis has been reachable for a whole expiry: after a Redis restart
                // every node must have written its connections again before anyone's absence means anything.
                var now = _clock.GetUtcNow().UtcTicks;
                Interlocked.CompareExchange(ref _upSinceTicks, now, 0);
                if (now - Volatile.Read(ref _upSinceTicks) >= Expiry.Ticks)
                    _connectionsKnown.Ring();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Volatile.Write(ref _upSinceTicks, 0);
                if (!_warned)
                    Log.RedisHeartbeatFailed(_logger, e.GetType().Name);
                _warned = true;
            }
            await Task.Delay(every, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Says this node is alive and which accounts hold connections on it.</summary>
    private async Task HeartbeatAsync()
    {
        if (!_subscribed)
            await SubscribeAsync();
        var db = _redis!.GetDatabase();
        var key = PresenceKey(_nodeId);
        var accounts = _connections.Accounts.Select(a => new HashEntry(a.ToString(), "1")).ToArray();
        var transaction = db.CreateTransaction();
        _ = transaction.SortedSetAddAsync(_nodesKey, _nodeId, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        _ = transaction.KeyDeleteAsync(key);
        if (accounts.Length > 0)
        {
            _ = transaction.HashSetAsync(key, accounts);
            _ = transaction.KeyExpireAsync(key, Expiry);
        }
        if (!await transaction.ExecuteAsync())
            throw new InvalidOperationException("The Redis heartbeat transaction was not applied.");
    }

    /// <summary>Forgets the nodes whose heartbeat stopped, and reads the accounts connected to the live ones.</summary>
    public async Task<ClusterConnections> ConnectedAccountsAsync(CancellationToken ct)
    {
        var db = _redis!.GetDatabase();
        var now = _clock.GetUtcNow();
        var dead = now.ToUnixTimeMilliseconds() - (long)Expiry.TotalMilliseconds;
        await db.SortedSetRemoveRangeByScoreAsync(_nodesKey, double.NegativeInfinity, dead, Exclude.Stop);
        var connected = new HashSet<Guid>(_connections.Accounts);
        foreach (var node in await LiveNodesAsync(db))
            foreach (var account in await db.HashKeysAsync(PresenceKey(node)))
                if (Guid.TryParse((string?)account, out var id))
                    connected.Add(id);
        return new ClusterConnections(connected, now - Expiry);
    }

    public override void Dispose()
    {
        base.Dispose();
        try
        {
            _redis?.GetDatabase().SortedSetRemove(_nodesKey, _nodeId, CommandFlags.FireAndForget);
            _redis?.GetDatabase().KeyDelete(PresenceKey(_nodeId), CommandFlags.FireAndForget);
        }
        catch (Exception)
        {
            // the entries expire anyway
        }
        _redis?.Dispose();
    }

    private sealed record TypingMessage(string Node, TypingNotice Notice);
}

/// <summary>Redis unreachable is Degraded, not Unhealthy: the node still serves, pushing by polling the store.</summary>
internal sealed class RedisBusHealthCheck(RedisBus bus) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) => Task.FromResult(bus.IsConnected
        ? HealthCheckResult.Healthy("Redis bus connected")
        : HealthCheckResult.Degraded("Redis unreachable: other nodes' events reach this node's clients by polling (about 1 s); presence is not shared"));
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Redis connection lost ({Failure}); pushing by polling the store until it is back")]
    public static partial void RedisConnectionLost(ILogger logger, ConnectionFailureType failure);

    [LoggerMessage(LogLevel.Information, "Redis connection restored")]
    public static partial void RedisConnectionRestored(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Cluster bus: Redis {State}, node {Node}, prefix {Prefix}")]
    public static partial void ClusterBusStarted(ILogger logger, string state, string node, string prefix);

    [LoggerMessage(LogLevel.Warning, "Subscribing to Redis failed ({Error}); retrying on the next heartbeat")]
    public static partial void RedisSubscribeFailed(ILogger logger, string error);

    [LoggerMessage(LogLevel.Debug, "Publishing on Redis failed ({Error})")]
    public static partial void RedisPublishFailed(ILogger logger, string error);

    [LoggerMessage(LogLevel.Warning, "Ignored a malformed typing notice on Redis")]
    public static partial void MalformedTypingNotice(ILogger logger);

    [LoggerMessage(LogLevel.Debug, "Writing presence to Redis failed ({Error}); the next heartbeat writes it")]
    public static partial void RedisPresenceWriteFailed(ILogger logger, string error);

    [LoggerMessage(LogLevel.Warning, "Could not ask Redis whether account {AccountId} is connected elsewhere ({Error})")]
    public static partial void RedisConnectedElsewhereFailed(ILogger logger, Guid accountId, string error);

    [LoggerMessage(LogLevel.Information, "Redis heartbeat works again")]
    public static partial void RedisHeartbeatRestored(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Redis heartbeat failed ({Error}); presence is not shared until it works again")]
    public static partial void RedisHeartbeatFailed(ILogger logger, string error);
}
