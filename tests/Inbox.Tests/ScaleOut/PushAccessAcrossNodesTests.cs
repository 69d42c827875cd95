using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.ScaleOut;

/// <summary>What a push shows is recorded once per account, resident and day, whichever nodes the account is connected to.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PushAccessAcrossNodesTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly ITestOutputHelper _output;

    public PushAccessAcrossNodesTests(ITestOutputHelper output)
    {
        if (Cluster.SkipReason is { } reason)
            Assert.Skip(reason);
        _output = output;
    }

    [Fact]
    public async Task A_counselor_connected_to_both_nodes_has_one_access_record_for_a_resident_pushed_by_both_that_day()
    {
        await using var cluster = await Cluster.StartAsync(_output);
        await using var onA = await HubUser.CreateAsync(cluster.A, "counselor");
        await using var onB = await onA.ReconnectAsync(cluster.B);
        await using var onlyA = await HubUser.CreateAsync(cluster.A, "counselor");
        await using var onlyB = await HubUser.CreateAsync(cluster.B, "counselor");
        var resident = Payloads.RandomMobile();
        Guid conversationId = default;
        for (var i = 0; i < 3; i++)
        {
            var body = $"양 노드 문의 {i}";
            conversationId = await TextAsync(i % 2 == 0 ? cluster.A : cluster.B, resident.Dashed, body);
            foreach (var connection in new[] { onA, onB })
                await connection.Events.WaitForAsync("MessageAdded", m => m.GetProperty("body").GetString() == body, Wait);
        }

        // Each node writes its records in order: once a later resident's record of an account connected only there is in,
        // that node has written (or been refused by the unique key) everything before it.
        var marker = await TextAsync(cluster.A, Payloads.RandomMobile().Dashed, "다른 주민");
        var markerContact = await ContactAsync(cluster, marker);
        await Eventually.UntilAsync(async () => await RecordsAsync(cluster, onlyA.AccountId, markerContact) > 0 && await RecordsAsync(cluster, onlyB.AccountId, markerContact) > 0,
            Wait, "both nodes recorded the marker resident's push");

        var contact = await ContactAsync(cluster, conversationId);
        var records = await RecordsAsync(cluster, onA.AccountId, contact);
        _output.WriteLine($"one account on both nodes, 3 messages pushed by both: {records} access record(s) of that resident");
        Assert.Equal(1, records);
    }

    private static Task<long> RecordsAsync(Cluster cluster, Guid accountId, Guid contactId) =>
        cluster.ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE account_id = @accountId AND contact_id = @contactId AND action = 'conversation.pushed'",
            new { accountId, contactId });

    private static async Task<Guid> ContactAsync(Cluster cluster, Guid conversationId) =>
        Guid.Parse((await cluster.StringsAsync("SELECT contact_id FROM conversations WHERE id = @conversationId", new { conversationId })).Single());

    private static async Task<Guid> TextAsync(NodeProcess node, string from, string body)
    {
        var answer = await node.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(from, body), TestServer.GatewaySecret);
        answer.EnsureSuccessStatusCode();
        return Guid.Parse((await answer.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
    }
}
