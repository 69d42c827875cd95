using Dapper;
using Inbox.Tests.Infrastructure;
using Npgsql;

namespace Inbox.Tests.ScaleOut;

/// <summary>
/// Two server processes (A and B) sharing one PostgreSQL database and one Redis, all on loopback. The database is
/// reached directly, or through a <see cref="TcpProxy"/> the test can cut to stop PostgreSQL for the nodes.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    public const int PresenceExpirySeconds = 6;

    private readonly TcpProxy? _proxy;

    private Cluster(RedisServer redis, string channelPrefix, string databaseConnection, TcpProxy? proxy, NodeProcess a, NodeProcess b)
    {
        ChannelPrefix = channelPrefix;
        Redis = redis;
        DatabaseConnection = databaseConnection;
        _proxy = proxy;
        A = a;
        B = b;
    }

    public RedisServer Redis { get; }

    /// <summary>Redis:ChannelPrefix of this cluster's nodes.</summary>
    public string ChannelPrefix { get; }

    /// <summary>The test's own way into the database (never through the proxy).</summary>
    public string DatabaseConnection { get; }

    public NodeProcess A { get; }

    public NodeProcess B { get; }

    /// <summary>Why the cluster cannot run here (no PostgreSQL or no redis-server), or null.</summary>
    public static string? SkipReason => new PostgresStore().SkipReason ?? RedisServer.SkipReason;

    public static async Task<Cluster> StartAsync(ITestOutputHelper output, IDictionary<string, string?>? overrides = null, bool databaseBehindProxy = false)
    {
        var redis = await RedisServer.StartAsync();
        var direct = await new PostgresStore().CreateDatabaseAsync();
        TcpProxy? proxy = null;
        var nodeConnection = direct;
        if (databaseBehindProxy)
        {
            var builder = new NpgsqlConnectionStringBuilder(direct);
            proxy = new TcpProxy(builder.Port);
            proxy.Start();
            builder.Host = "127.0.0.1";
            builder.Port = proxy.Port;
            builder.Timeout = 3;
            nodeConnection = builder.ToString();
        }

        var settings = TestServer.Settings("postgres", nodeConnection);
        settings["ConnectionStrings:Redis"] = redis.ConnectionString;
        var prefix = "inbox-test-" + Guid.NewGuid().ToString("N")[..8];
        settings["Redis:ChannelPrefix"] = prefix;
        settings["Redis:PresenceExpirySeconds"] = PresenceExpirySeconds.ToString();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            settings[key] = value;

        // Both at once on an empty database: the migrations run under a lock, once.
        var a = NodeProcess.Start("A", settings);
        var b = NodeProcess.Start("B", settings);
        var cluster = new Cluster(redis, prefix, direct, proxy, a, b);
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(TimeSpan.FromSeconds(90)), b.WaitReadyAsync(TimeSpan.FromSeconds(90)));
        }
        catch (Exception)
        {
            output.WriteLine($"--- node A ---\n{a.Tail()}\n--- node B ---\n{b.Tail()}");
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Cuts the nodes off PostgreSQL: open connections break, new ones are refused.</summary>
    public void StopDatabase() => (_proxy ?? throw new InvalidOperationException("Start the cluster with databaseBehindProxy.")).Stop();

    public void StartDatabase() => _proxy!.Start();

    public async Task<long> ScalarAsync(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnection);
        return Convert.ToInt64(await connection.ExecuteScalarAsync(sql, args));
    }

    /// <summary>The first column of every row, as text ("" for NULL).</summary>
    public async Task<List<string>> StringsAsync(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnection);
        await using var reader = await connection.ExecuteReaderAsync(sql, args);
        var values = new List<string>();
        while (await reader.ReadAsync())
            values.Add(reader.IsDBNull(0) ? "" : reader.GetValue(0).ToString()!);
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Redis.DisposeAsync();
        if (_proxy is not null)
            await _proxy.DisposeAsync();
    }
}
