using System.Net;
using Inbox.Accounts;
using Inbox.Live;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Live;

public sealed class SqliteSessionTests : SessionTests<SqliteStore>;

public sealed class PostgresSessionTests : SessionTests<PostgresStore>;

public sealed class SqlServerSessionTests : SessionTests<SqlServerStore>;

/// <summary>A hub connection lives no longer than its session: it closes when its token expires and soon after its account
/// is disabled, and no invocation gets through once that has happened. Each test owns its server (and clock).</summary>
public abstract class SessionTests<TStore> : StoreSuite<TStore>, IAsyncDisposable where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    // One second between looks at the accounts, so the tests need not wait the production interval.
    private static readonly Dictionary<string, string?> FastChecks = new() { ["Auth:Sessions:CheckSeconds"] = "1" };

    private TestServer? _server;

    private async Task<TestServer> StartAsync(TimeProvider? clock = null) => _server = await TestServer.StartAsync(Store, FastChecks, clock: clock);

    [Fact]
    public async Task A_disabled_accounts_hub_connection_is_closed_and_refused_without_any_call_of_its_own()
    {
        var server = await StartAsync();
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var closed = Closed(counselor.Hub);
        await counselor.Hub.InvokeAsync<QueueSnapshot>("GetQueue"); // works while the account is active

        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/users/{counselor.AccountId}/disable", null)).StatusCode);

        await closed.WaitAsync(Wait); // the sweep closes it: the counselor invoked nothing
        Assert.Equal(HubConnectionState.Disconnected, counselor.Hub.State);
        Assert.Equal(HttpStatusCode.Unauthorized, (await counselor.Http.GetAsync("/api/conversations")).StatusCode);
        var again = await Assert.ThrowsAsync<HttpRequestException>(() => counselor.ReconnectAsync(server));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Contains(server.Logs.Lines, l => l.Contains($"Closed a hub connection of account {counselor.AccountId}"));
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("Could not check the hub sessions"));
    }

    [Fact]
    public async Task Enabling_a_disabled_account_again_does_not_bring_its_old_tokens_back()
    {
        var server = await StartAsync();
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var closed = Closed(counselor.Hub);
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await counselor.Http.GetAsync("/api/conversations")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/users/{counselor.AccountId}/disable", null)).StatusCode);
        await closed.WaitAsync(Wait);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/users/{counselor.AccountId}/enable", null)).StatusCode);

        // Signing in anew works once the account's cached state (a second here) is the enabled one: a fresh token accepted
        // is the proof that the old token is now judged by the state after the enable, not by a cached disable.
        var fresh = await server.TokenAsync(counselor.Username, TestServer.UserPassword);
        using var freshHttp = new HttpClient { BaseAddress = server.BaseAddress };
        freshHttp.DefaultRequestHeaders.Authorization = new("Bearer", fresh);
        await Eventually.UntilAsync(async () => (await freshHttp.GetAsync("/api/conversations")).StatusCode == HttpStatusCode.OK, Wait, "a fresh token accepted after the enable");
        await using var connection = await Inbox.Client.HubClient.ConnectAsync(server.BaseAddress, fresh);
        await connection.InvokeAsync<QueueSnapshot>("GetQueue");

        // The old token stays ended, on REST and on the hub.
        Assert.Equal(HttpStatusCode.Unauthorized, (await counselor.Http.GetAsync("/api/conversations")).StatusCode);
        var again = await Assert.ThrowsAsync<HttpRequestException>(() => counselor.ReconnectAsync(server));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task Once_an_account_is_disabled_its_next_invocation_is_refused_with_one_log_line_and_the_connection_closed()
    {
        var server = await StartAsync();
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var closed = Closed(counselor.Hub);
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/users/{counselor.AccountId}/disable", null)).StatusCode);

        // Whichever comes first, the invocation's own check or the sweep, nothing gets through.
        var refused = await Eventually.ThrowsAsync(() => counselor.Hub.InvokeAsync<QueueSnapshot>("GetQueue"), "GetQueue refused after the disable");
        Assert.True(refused is HubException && refused.Message.Contains(HubSessionFilter.SessionEnded) || counselor.Hub.State == HubConnectionState.Disconnected,
            $"refused with {refused.GetType().Name}: {refused.Message}");
        await closed.WaitAsync(Wait);

        // A refusal is an answer, not a fault: one information line, no framework error with a stack trace.
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("DefaultHubDispatcher"));
        Assert.DoesNotContain(server.Logs.Lines, l => l.StartsWith("Error") && l.Contains("Hub"));
        await Assert.ThrowsAsync<HubException>(() => manager.Hub.InvokeAsync("SetPresence", "busy")); // an ordinary refusal
        Assert.Contains(server.Logs.Lines, l => l.StartsWith("Information") && l.Contains($"Hub SetPresence refused for account {manager.AccountId}"));
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("Presence must be"));
    }

    [Fact]
    public async Task A_hub_connection_closes_by_itself_when_its_token_expires()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var server = await StartAsync(clock);
        await using var counselor = await HubUser.CreateAsync(server, "counselor"); // an 8-hour token issued at the clock's now
        var closed = Closed(counselor.Hub);

        // Connect again when the token has three seconds left: SignalR's own expiry closes the connection.
        clock.Advance(TimeSpan.FromHours(8) + TokenService.ClockSkew - TimeSpan.FromSeconds(3));
        await using var late = await counselor.ReconnectAsync(server);
        var lateClosed = Closed(late.Hub);
        await late.Hub.InvokeAsync<QueueSnapshot>("GetQueue");
        await lateClosed.WaitAsync(Wait);
        Assert.Equal(HubConnectionState.Disconnected, late.Hub.State);
        Assert.False(closed.IsCompleted); // the first connection's ticket has hours left: only the late one closed
        Assert.Equal(HubConnectionState.Connected, counselor.Hub.State);
    }

    [Fact]
    public async Task Past_its_tokens_expiry_a_connection_gets_no_invocation_through()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var server = await StartAsync(clock);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var closed = Closed(counselor.Hub);
        await counselor.Hub.InvokeAsync<QueueSnapshot>("GetQueue");

        clock.Advance(TimeSpan.FromHours(8) + TokenService.ClockSkew + TimeSpan.FromSeconds(1));

        var refused = await Assert.ThrowsAsync<HubException>(() => counselor.Hub.InvokeAsync<QueueSnapshot>("GetQueue"));
        Assert.Contains(HubSessionFilter.SessionEnded, refused.Message);
        await closed.WaitAsync(Wait);
        Assert.Equal(HttpStatusCode.Unauthorized, (await counselor.Http.GetAsync("/api/conversations")).StatusCode);
        Assert.Contains(server.Logs.Lines, l => l.Contains($"Hub GetQueue refused for account {counselor.AccountId}: session ended (token expired)"));
    }

    private static Task Closed(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        return closed.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
