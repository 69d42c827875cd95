using System.Net;
using Inbox.Centers;
using Inbox.Live;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.ScaleOut;

/// <summary>Two nodes' auto-assigners (two servers on one PostgreSQL database) running at the same moment.</summary>
public sealed class ConcurrentAssignerTests
{
    private readonly PostgresStore _store = new();

    public ConcurrentAssignerTests()
    {
        if (_store.SkipReason is { } reason)
            Assert.Skip(reason);
    }

    [Fact]
    public async Task Assigners_on_two_nodes_at_once_never_give_a_counselor_more_than_the_capacity_nor_one_conversation_twice()
    {
        var settings = new Dictionary<string, string?> { ["Centers:0:AutoAssign:Capacity"] = "5" }; // enabled: no, the test runs the assigners itself
        await using var a = await TestServer.StartAsync(_store, settings);
        await using var b = await TestServer.StartAsync(_store, settings, connectionString: a.ConnectionString);
        await using var first = await HubUser.CreateAsync(a, "counselor");
        await using var second = await HubUser.CreateAsync(b, "counselor");
        await first.Hub.InvokeAsync("SetPresence", "available");
        await second.Hub.InvokeAsync("SetPresence", "available");
        for (var i = 0; i < 30; i++)
            Assert.Equal(HttpStatusCode.OK, (await (i % 2 == 0 ? a : b).PostSignedAsync("/webhooks/sms/gateway",
                Payloads.Gateway(Payloads.RandomMobile().Dashed, $"동시 배정 {i}"), TestServer.GatewaySecret)).StatusCode);

        var center = a.Services.GetRequiredService<CenterDirectory>().Find("north")!;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = new[] { a, b, a, b, a, b }.Select(async server =>
        {
            await start.Task;
            return await server.Services.GetRequiredService<AutoAssigner>().AssignAsync(center, CancellationToken.None);
        }).ToList();
        start.SetResult();
        var given = (await Task.WhenAll(runs)).Sum();

        Assert.Equal(10, given);
        Assert.Equal(5, await a.CountAsync("conversations", "assignee_id = @id", new { id = first.AccountId }));
        Assert.Equal(5, await a.CountAsync("conversations", "assignee_id = @id", new { id = second.AccountId }));
        Assert.Equal(10, await a.CountAsync("conversation_events", "type = 'conversation.assigned'"));
    }
}
