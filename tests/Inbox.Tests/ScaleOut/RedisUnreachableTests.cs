using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inbox.Live;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.ScaleOut;

/// <summary>The bus is chosen by configuration, and a node whose Redis is unreachable from the start still serves.</summary>
public sealed class RedisUnreachableTests
{
    [Fact]
    public async Task Without_a_Redis_connection_string_one_node_runs_on_the_local_bus_and_is_healthy()
    {
        await using var server = await TestServer.StartAsync(new SqliteStore());
        Assert.IsType<LocalBus>(server.Services.GetRequiredService<IClusterBus>());
        Assert.Equal("Healthy", await server.Client.GetStringAsync("/health/ready"));
    }

    [Fact]
    public async Task A_node_whose_Redis_is_unreachable_starts_reports_degraded_and_still_stores_and_pushes()
    {
        var closedPort = NodeProcess.FreePort(); // nothing listens there
        await using var server = await TestServer.StartAsync(new SqliteStore(), new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = $"127.0.0.1:{closedPort},connectTimeout=500",
        });
        Assert.IsType<RedisBus>(server.Services.GetRequiredService<IClusterBus>());
        var ready = await server.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync());

        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var answer = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "레디스 없이"), TestServer.GatewaySecret);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var conversationId = (await answer.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>();
        await counselor.Events.WaitForAsync("MessageAdded", m => m.GetProperty("conversationId").GetString() == conversationId, TimeSpan.FromSeconds(10));
        await Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync(counselor.Hub, "SetPresence", "available");
    }
}
