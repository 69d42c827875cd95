using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Live;

public sealed class SqliteAutoAssignTests : AutoAssignTests<SqliteStore>;

public sealed class PostgresAutoAssignTests : AutoAssignTests<PostgresStore>;

public sealed class SqlServerAutoAssignTests : AutoAssignTests<SqlServerStore>;

public abstract class AutoAssignTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task New_conversations_go_to_available_counselors_under_capacity_and_freed_capacity_takes_the_oldest_waiting()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["Centers:0:AutoAssign:Enabled"] = "true",
            ["Centers:0:AutoAssign:Capacity"] = "1",
        });
        await using var a = await HubUser.CreateAsync(server, "counselor");
        await using var b = await HubUser.CreateAsync(server, "counselor");
        await using var away = await HubUser.CreateAsync(server, "counselor");
        var gone = await HubUser.CreateAsync(server, "counselor");
        await a.Hub.InvokeAsync("SetPresence", "available");
        await b.Hub.InvokeAsync("SetPresence", "available");
        await away.Hub.InvokeAsync("SetPresence", "away");
        await gone.Hub.InvokeAsync("SetPresence", "available");
        await gone.DisposeAsync(); // the last connection closing makes a counselor offline
        await Eventually.UntilAsync(async () => await server.CountAsync("accounts", "id = @AccountId AND presence = 'offline'", new { gone.AccountId }) == 1, Wait, "the departed counselor offline");

        var first = await server.SmsAsync(Payloads.RandomMobile().Dashed, "첫 번째");
        var second = await server.SmsAsync(Payloads.RandomMobile().Dashed, "두 번째");
        var third = await server.SmsAsync(Payloads.RandomMobile().Dashed, "세 번째");

        var firstOwner = await AssigneeAsync(server, first);
        var secondOwner = await AssigneeAsync(server, second);
        Assert.Equal(new[] { a.AccountId, b.AccountId }.Order(), new[] { firstOwner, secondOwner }.Order());
        // Both are at capacity: the third waits, and neither the away nor the offline counselor gets it.
        Assert.Equal(1, await server.CountAsync("conversations", "id = @third AND assignee_id IS NULL", new { third }));

        var owner = firstOwner == a.AccountId ? a : b;
        await owner.Hub.InvokeAsync("Resolve", first);
        await owner.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == third
            && c.GetProperty("assigneeId").ValueKind == JsonValueKind.String && c.GetProperty("assigneeId").GetGuid() == owner.AccountId, Wait);
        Assert.Equal(0, await server.CountAsync("conversations", "assignee_id = @AccountId", new { away.AccountId }));
        Assert.Equal(0, await server.CountAsync("conversations", "assignee_id = @AccountId", new { gone.AccountId }));
    }

    [Fact]
    public async Task Ties_take_turns()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["Centers:0:AutoAssign:Enabled"] = "true",
            ["Centers:0:AutoAssign:Capacity"] = "2",
        });
        await using var a = await HubUser.CreateAsync(server, "counselor");
        await using var b = await HubUser.CreateAsync(server, "counselor");
        await a.Hub.InvokeAsync("SetPresence", "available");
        await b.Hub.InvokeAsync("SetPresence", "available");

        var owners = new List<Guid>();
        for (var i = 0; i < 4; i++)
            owners.Add(await AssigneeAsync(server, await server.SmsAsync(Payloads.RandomMobile().Dashed, $"문의 {i}")));

        Assert.NotEqual(owners[0], owners[1]);
        Assert.Equal(owners[0], owners[2]);
        Assert.Equal(owners[1], owners[3]);
    }

    [Fact]
    public async Task Without_the_setting_nothing_is_assigned_automatically()
    {
        await using var server = await TestServer.StartAsync(Store);
        await using var a = await HubUser.CreateAsync(server, "counselor");
        await a.Hub.InvokeAsync("SetPresence", "available");
        var conversation = await server.SmsAsync(Payloads.RandomMobile().Dashed, "문의");
        var marker = await server.SmsAsync(Payloads.RandomMobile().Dashed, "다음 문의");
        await a.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == marker, Wait);
        Assert.Equal(1, await server.CountAsync("conversations", "id = @conversation AND assignee_id IS NULL", new { conversation }));
    }

    private static async Task<Guid> AssigneeAsync(TestServer server, Guid conversationId)
    {
        return await Eventually.ValueAsync(() => server.SingleAsync<Guid?>("SELECT assignee_id FROM conversations WHERE id = @conversationId", new { conversationId }),
            $"conversation {conversationId} assigned");
    }
}
