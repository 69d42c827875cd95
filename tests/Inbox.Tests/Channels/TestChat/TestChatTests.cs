using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Channels;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Channels.TestChat;

public sealed class SqliteTestChatTests() : TestChatTests<SqliteStore>(new SqliteStore());

public sealed class PostgresTestChatTests() : TestChatTests<PostgresStore>(new PostgresStore());

public sealed class SqlServerTestChatTests() : TestChatTests<SqlServerStore>(new SqlServerStore());

/// <summary>
/// A new channel is its folder and one registration line: the test chat, registered on this server alone, goes the whole
/// way through the generic code — webhook, conversation, queue, reply addressing and sizing, its own sender, reports.
/// </summary>
public abstract class TestChatTests<TStore> where TStore : TestStore
{
    private const string NorthWidget = "widget-north-7f3a";
    private const string Secret = "test-chat-secret";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly TStore _store;

    protected TestChatTests(TStore store)
    {
        if (store.SkipReason is { } reason)
            Assert.Skip(reason);
        _store = store;
    }

    [Fact]
    public async Task A_channel_registered_in_one_line_is_received_queued_answered_through_its_sender_and_named_in_reports()
    {
        await using var server = await TestServer.StartAsync(_store, new Dictionary<string, string?>
        {
            ["Centers:0:Addresses:testchat:0"] = NorthWidget,
            [TestChatDefinition.Outbound] = "recorder",
            [TestChatDefinition.SecretKey] = Secret,
        },
            services: s => s.AddChannel(new TestChatDefinition()));
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var session = $"session-{Guid.NewGuid():N}";

        // The webhook: a conversation on the channel's line, routed to the center by its widget key.
        var posted = await server.PostSignedAsync("/webhooks/testchat/message",
            JsonSerializer.Serialize(new { id = "m-1", session, widget = NorthWidget, text = "긴급복지 지원을 받을 수 있을까요?" }), Secret);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var accepted = await posted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("stored", accepted.GetProperty("status").GetString());
        var conversationId = accepted.GetProperty("conversationId").GetGuid();

        // The queue.
        var opened = await counselor.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == conversationId, Wait);
        Assert.Equal(("testchat", "live"), (opened.GetProperty("channel").GetString(), opened.GetProperty("line").GetString()));
        var queue = await counselor.Hub.InvokeAsync<JsonElement>("GetQueue");
        Assert.Contains(queue.GetProperty("conversations").EnumerateArray(),
            c => c.GetProperty("id").GetGuid() == conversationId && c.GetProperty("channel").GetString() == "testchat");
        var manager = await server.ClientForNewUserAsync("manager");
        var listed = await manager.GetFromJsonAsync<JsonElement>("/api/conversations?channel=testchat");
        Assert.Equal(conversationId, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());

        // The reply: addressed to the chat session from the widget, cut by the channel's rule, sent by its sender.
        await counselor.Hub.InvokeAsync("Claim", conversationId);
        const string reply = "네, 가능합니다. 가까운 주민센터나 129로 문의해 주세요.";
        var ids = await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, reply, "tc-reply-1");
        Assert.Equal(2, ids.Length);
        foreach (var id in ids)
            await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == id && m.GetProperty("deliveryStatus").GetString() == "sent", Wait);
        var sent = server.Services.GetRequiredService<TestChatSender>().Sent.Where(m => ids.Contains(m.MessageId)).OrderBy(m => Array.IndexOf(ids, m.MessageId)).ToList();
        Assert.Equal(ids, sent.Select(m => m.MessageId));
        Assert.All(sent, m => Assert.Equal(("testchat", session, NorthWidget), (m.Channel, m.ResidentAddress, m.CenterAddress)));
        Assert.Equal(reply, string.Concat(sent.Select(m => m.Body)));
        Assert.All(sent, m => Assert.True(m.Body.Length <= 20));

        // Reports name it as its definition does.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(server.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul")).DateTime);
        var volume = await manager.GetFromJsonAsync<JsonElement>($"/api/reports/volume?period=day&date={today:yyyy-MM-dd}&groupBy=channel");
        var row = Assert.Single(volume.GetProperty("rows").EnumerateArray(), r => r.GetProperty("group").GetString() == "testchat");
        Assert.Equal("테스트 채팅", row.GetProperty("label").GetString());
        Assert.Equal(1, row.GetProperty("conversationsOpened").GetInt64());
        var daily = await manager.GetFromJsonAsync<JsonElement>($"/api/reports/daily?period=day&date={today:yyyy-MM-dd}");
        Assert.Contains(daily.GetProperty("columns").EnumerateArray(), c => c.GetProperty("key").GetString() == "testchat" && c.GetProperty("label").GetString() == "테스트 채팅");
        var total = daily.GetProperty("rows").EnumerateArray().Last();
        Assert.Equal((1, 1), (total.GetProperty("testchat").GetInt64(), total.GetProperty("text").GetInt64()));
    }

    [Fact]
    public async Task A_server_without_the_registration_line_knows_no_such_channel()
    {
        await using var server = await TestServer.StartAsync(_store, new Dictionary<string, string?> { ["Centers:0:Addresses:testchat:0"] = NorthWidget, [TestChatDefinition.SecretKey] = Secret });

        var posted = await server.PostSignedAsync("/webhooks/testchat/message",
            JsonSerializer.Serialize(new { id = "m-1", session = "s-1", widget = NorthWidget, text = "안녕하세요" }), Secret);

        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        var manager = await server.ClientForNewUserAsync("manager");
        Assert.Equal(HttpStatusCode.BadRequest, (await manager.GetAsync("/api/conversations?channel=testchat")).StatusCode);
        Assert.DoesNotContain("testchat", server.Services.GetRequiredService<ChannelRegistry>().Names);
    }
}
