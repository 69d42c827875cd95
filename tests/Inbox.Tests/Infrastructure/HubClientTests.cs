using System.Net;
using System.Text.Json;
using Inbox.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Hosting;

namespace Inbox.Tests.Infrastructure;

/// <summary>The test SignalR client against a throwaway hub, so it is proven independently of the Inbox hub.</summary>
public sealed class HubClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Invokes_a_hub_method_and_gets_its_result()
    {
        await using var server = await EchoServer.StartAsync();
        await using var connection = await Connect(server, "good");

        Assert.Equal(HubConnectionState.Connected, connection.State);
        Assert.Equal("echo:안녕", await connection.InvokeAsync<string>("Echo", "안녕"));
        Assert.Equal(5, await connection.InvokeAsync<int>("Add", 2, 3));
        var ex = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Fail"));
        Assert.Contains("nope", ex.Message);
    }

    [Fact]
    public async Task Records_server_pushes_and_waits_for_them()
    {
        await using var server = await EchoServer.StartAsync();
        await using var connection = await Connect(server, "good");
        var recorder = new EventRecorder();
        recorder.Record(connection, "Pushed");

        // Waiting before the push arrives.
        var first = recorder.WaitForAsync("Pushed", e => e.GetProperty("seq").GetInt32() == 1, Timeout);
        await connection.InvokeAsync("PushMe");
        var pushed = await first;
        Assert.Equal("안녕", pushed.GetProperty("text").GetString());

        // Many, in order; waiting for the last, then for one that has already arrived.
        await connection.InvokeAsync("PushMany", 50);
        await recorder.WaitForAsync("Pushed", e => e.GetProperty("seq").GetInt32() == 50, Timeout);
        var again = await recorder.WaitForAsync("Pushed", e => e.GetProperty("seq").GetInt32() == 25, TimeSpan.Zero);
        Assert.Equal("#25", again.GetProperty("text").GetString());
        var all = recorder.All("Pushed");
        Assert.Equal([1, .. Enumerable.Range(1, 50)], all.Select(e => e.GetProperty("seq").GetInt32()));

        // What never comes times out, saying what did.
        var timeout = await Assert.ThrowsAsync<TimeoutException>(
            () => recorder.WaitForAsync("Pushed", e => e.GetProperty("seq").GetInt32() == 999, TimeSpan.FromMilliseconds(200)));
        Assert.Contains("51 received", timeout.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => recorder.WaitForAsync("NotRecorded", Timeout));
    }

    [Fact]
    public async Task Records_typed_pushes_as_camel_case_json()
    {
        await using var server = await EchoServer.StartAsync();
        await using var connection = await Connect(server, "good");
        var recorder = new EventRecorder();
        recorder.Record<PushedDto>(connection, "Pushed");

        await connection.InvokeAsync("PushMe");

        var pushed = await recorder.WaitForAsync("Pushed", Timeout);
        Assert.Equal(1, pushed.GetProperty("seq").GetInt32());
        Assert.Equal("안녕", pushed.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bad")]
    public async Task A_refused_upgrade_fails_with_its_status_code(string? token)
    {
        await using var server = await EchoServer.StartAsync();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Connect(server, token));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Contains("401", ex.Message);
        Assert.DoesNotContain("access_token", ex.Message);
    }

    [Fact]
    public async Task A_missing_hub_fails_with_404()
    {
        await using var server = await EchoServer.StartAsync();

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => HubClient.ConnectAsync(server.BaseAddress, "good", "/hubs/nothing"));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("404", ex.Message);
    }

    [Fact]
    public async Task A_server_closing_the_connection_raises_Closed()
    {
        await using var server = await EchoServer.StartAsync();
        await using var connection = await Connect(server, "good");
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };

        await connection.SendAsync("Kick");

        await closed.Task.WaitAsync(Timeout);
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
        await Assert.ThrowsAnyAsync<Exception>(() => connection.InvokeAsync<string>("Echo", "x"));
    }

    [Fact]
    public async Task A_server_going_away_raises_Closed()
    {
        var server = await EchoServer.StartAsync();
        await using var connection = await Connect(server, "good");
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };

        await server.DisposeAsync();

        await closed.Task.WaitAsync(Timeout);
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
    }

    [Fact]
    public async Task Stopping_from_the_client_closes_cleanly()
    {
        await using var server = await EchoServer.StartAsync();
        var connection = await Connect(server, "good");
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };

        await connection.StopAsync().WaitAsync(Timeout);

        Assert.Null(await closed.Task.WaitAsync(Timeout));
        await connection.DisposeAsync();
        await server.WaitForDisconnectAsync(Timeout);
    }

    private static async Task<HubConnection> Connect(EchoServer server, string? token)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await HubClient.ConnectAsync(server.BaseAddress, token, "/hubs/echo", cts.Token);
    }

    private sealed record PushedDto(int Seq, string Text);
}

public sealed class EchoHub(EchoServer.Tracker tracker) : Hub
{
    public string Echo(string text) => "echo:" + text;

    public int Add(int a, int b) => a + b;

    public string Fail() => throw new HubException("nope");

    public Task PushMe() => Clients.Caller.SendAsync("Pushed", new { seq = 1, text = "안녕" });

    public async Task PushMany(int count)
    {
        for (var i = 1; i <= count; i++)
            await Clients.Caller.SendAsync("Pushed", new { seq = i, text = "#" + i });
    }

    public void Kick() => Context.Abort();

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        tracker.Disconnected.TrySetResult();
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>A minimal SignalR server on a free loopback port: <see cref="EchoHub"/> at /hubs/echo, 401 without the bearer token <c>good</c>.</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Tracker _tracker;
    private int _disposed;

    private EchoServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        _tracker = app.Services.GetRequiredService<Tracker>();
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<EchoServer> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<Tracker>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/hubs/echo") && context.Request.Headers.Authorization != "Bearer good")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        });
        app.MapHub<EchoHub>("/hubs/echo");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new EchoServer(app, new Uri(address));
    }

    public Task WaitForDisconnectAsync(TimeSpan timeout) => _tracker.Disconnected.Task.WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed class Tracker
    {
        public TaskCompletionSource Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
