using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Inbox.Channels;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Caching.Memory;

namespace Inbox.Tests.Infrastructure;

/// <summary>
/// The real application on Kestrel, on a free loopback port, with a fresh database of the given store.
/// Two centers: "north" owns the numbers and Kakao key the samples are sent to, "south" is the neighbour that must see none of it.
/// </summary>
public sealed class TestServer : IInboxEndpoint, IAsyncDisposable
{
    /// <summary>North's admin (Auth:Bootstrap:0).</summary>
    public const string AdminUser = "admin";
    public const string AdminPassword = "river-lantern-test-4821";
    /// <summary>South's admin (Auth:Bootstrap:1): each center's accounts are created by that center's admin.</summary>
    public const string SouthAdminUser = "south-admin";
    public const string SouthAdminPassword = "maple-harbor-test-5930";
    /// <summary>The password of every account the helpers create.</summary>
    public const string UserPassword = "counsel-test-pass-2048";
    public const string NorthSms = "+8218996808";
    public const string NorthKakaoKey = "9f3c1a7e5b2d4c6a8e0f1b3d5c7a9e1f2b4d6c8a";
    public const string SouthSms = "+8215880000";
    public const string SouthKakaoKey = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f";
    public const string GatewaySecret = "dev-gateway-secret";
    public const string KakaoSecret = "dev-kakao-secret";
    public const string PhoneSecret = "dev-phone-secret";
    public const string TwilioToken = "dev-twilio-auth-token";
    public const string SigningKey = "test-signing-key-0123456789-0123456789-0123456789";

    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri baseAddress, string connectionString, LogCapture logs)
    {
        _app = app;
        BaseAddress = baseAddress;
        ConnectionString = connectionString;
        Logs = logs;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public string ConnectionString { get; }

    public LogCapture Logs { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The server's clock: the system clock, or the settable one a test passed in.</summary>
    public TimeProvider Clock => _app.Services.GetRequiredService<TimeProvider>();

    /// <param name="services">More services for this server alone, e.g. a test-only channel (<c>s => s.AddChannel(new TestChatDefinition())</c>).</param>
    public static async Task<TestServer> StartAsync(TestStore store, IDictionary<string, string?>? overrides = null, string? connectionString = null, TimeProvider? clock = null,
        string environment = "Testing", Action<IServiceCollection>? services = null)
    {
        connectionString ??= await store.CreateDatabaseAsync();
        var settings = Settings(store.Provider, connectionString);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            settings[key] = value;

        var logs = new LogCapture();
        // The real content root, so the shipped appsettings.json (log levels included) is what runs.
        var app = InboxApp.Build([$"--environment={environment}", $"--contentRoot={Path.Combine(RepoPaths.Root, "src", "Inbox")}"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
                // The memory cache (the account-status cache) expires by the same clock: a test moves past it, not waits it out.
                builder.Services.Configure<MemoryCacheOptions>(o => o.Clock = new CacheClock(clock));
            }
            services?.Invoke(builder.Services);
            builder.Logging.AddProvider(logs);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        });
        await InboxApp.InitializeAsync(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new TestServer(app, new Uri(address), connectionString, logs);
    }

    /// <summary>The two centers, secrets and each center's bootstrap admin every test server runs with (also the nodes started as processes).</summary>
    public static Dictionary<string, string?> Settings(string provider, string connectionString) => new()
    {
        ["Storage:Provider"] = provider,
        ["ConnectionStrings:Inbox"] = connectionString,
        ["Centers:0:Id"] = "north",
        ["Centers:0:Name"] = "북부 복지콜센터",
        ["Centers:0:SmsNumbers:0"] = "1899-6808",
        ["Centers:0:KakaoSenderKeys:0"] = NorthKakaoKey,
        ["Centers:0:PhoneNumbers:0"] = "1899-6808",
        ["Centers:1:Id"] = "south",
        ["Centers:1:Name"] = "남부 복지콜센터",
        ["Centers:1:SmsNumbers:0"] = "1588-0000",
        ["Centers:1:KakaoSenderKeys:0"] = SouthKakaoKey,
        ["Centers:1:PhoneNumbers:0"] = "02-2100-0000",
        ["Channels:Sms:Twilio:AuthToken"] = TwilioToken,
        ["Channels:Sms:Gateway:Secret"] = GatewaySecret,
        ["Channels:Kakao:Secret"] = KakaoSecret,
        ["Channels:Phone:Secret"] = PhoneSecret,
        ["Auth:Jwt:SigningKey"] = SigningKey,
        ["Auth:Bootstrap:0:CenterId"] = "north",
        ["Auth:Bootstrap:0:Username"] = AdminUser,
        ["Auth:Bootstrap:0:Password"] = AdminPassword,
        ["Auth:Bootstrap:1:CenterId"] = "south",
        ["Auth:Bootstrap:1:Username"] = SouthAdminUser,
        ["Auth:Bootstrap:1:Password"] = SouthAdminPassword,
        // The samples and many payloads carry fixed dates (November 2026) and some tests set the clock elsewhere: the
        // window of provider times around the clock is tested on its own (InputBoundsTests), with the defaults.
        ["Webhooks:ProviderTimeDaysBack"] = "36500",
        ["Webhooks:ProviderTimeDaysAhead"] = "36500",
    };

    /// <summary>The bootstrap admin of a center.</summary>
    public static (string Username, string Password) AdminOf(string center) => center switch
    {
        "north" => (AdminUser, AdminPassword),
        "south" => (SouthAdminUser, SouthAdminPassword),
        _ => throw new ArgumentException($"No admin for center '{center}'.", nameof(center)),
    };

    public async Task<string> TokenAsync(string username, string password)
    {
        var response = await Client.PostAsJsonAsync("/api/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenAnswer>())!.AccessToken;
    }

    /// <summary>A client signed in as a new account of the given role and center.</summary>
    public async Task<HttpClient> ClientForNewUserAsync(string role, string center = "north")
    {
        var (adminUser, adminPassword) = AdminOf(center);
        var admin = await ClientAsAsync(adminUser, adminPassword);
        var username = $"{role}-{Guid.NewGuid():N}"[..24];
        var created = await admin.PostAsJsonAsync("/api/users", new { username, password = UserPassword, displayName = "테스트 상담사", role });
        created.EnsureSuccessStatusCode();
        return await ClientAsAsync(username, UserPassword);
    }

    public async Task<HttpClient> ClientAsAsync(string username, string password)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(username, password));
        return client;
    }

    /// <summary>An anonymous client whose connections come from another loopback address (127.0.0.0/8 all reaches this server).</summary>
    public HttpClient ClientFrom(string localAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = BaseAddress };

    /// <summary>Posts a JSON body signed with Inbox HMAC, exactly as a provider would.</summary>
    public Task<HttpResponseMessage> PostSignedAsync(string path, string json, string secret, long? timestamp = null) =>
        PostSignedAsync(path, Encoding.UTF8.GetBytes(json), secret, timestamp);

    public Task<HttpResponseMessage> PostSignedAsync(string path, byte[] body, string secret, long? timestamp = null)
    {
        var ts = timestamp ?? Clock.GetUtcNow().ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(InboxHmac.TimestampHeader, ts.ToString());
        request.Headers.Add(InboxHmac.SignatureHeader, InboxHmac.Sign(secret, ts, body));
        return Client.SendAsync(request);
    }

    /// <summary>Posts a Twilio form, signed over the URL as called.</summary>
    public Task<HttpResponseMessage> PostTwilioAsync(IReadOnlyList<KeyValuePair<string, string>> form, string? token = TwilioToken, string? signedUrl = null)
    {
        var url = new Uri(BaseAddress, "/webhooks/sms/twilio").ToString();
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        if (token is not null)
            request.Headers.Add(TwilioSignature.Header, TwilioSignature.Compute(token, signedUrl ?? url, form));
        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        // A shared SQL Server keeps what is not dropped; the throwaway SQLite files and PostgreSQL cluster do not need it.
        var sqlServer = _app.Services.GetRequiredService<Inbox.Storage.SqlDialect>() is Inbox.Storage.SqlServerDialect;
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (sqlServer)
            await new SqlServerStore().DropDatabaseAsync(ConnectionString);
    }

    private sealed record TokenAnswer(string AccessToken, DateTimeOffset ExpiresAt);

    private sealed class CacheClock(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
