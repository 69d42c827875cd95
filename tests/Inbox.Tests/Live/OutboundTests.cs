using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Live;

public sealed class SqliteOutboundTests : OutboundTests<SqliteStore>;

public sealed class PostgresOutboundTests : OutboundTests<PostgresStore>;

public sealed class SqlServerOutboundTests : OutboundTests<SqlServerStore>;

/// <summary>Replies leave through the resident's channel to a fake provider on loopback: retries, idempotency, receipts.</summary>
public abstract class OutboundTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_reply_reaches_the_resident_once_though_the_gateways_first_answer_is_a_500_and_its_receipt_is_pushed()
    {
        await using var provider = await FakeProvider.StartAsync();
        await using var server = await StartAsync(provider, new() { ["Channels:Sms:Outbound"] = "gateway" });
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var resident = Payloads.RandomMobile();
        var conversationId = await TextAsync(server, resident.Dashed, FakeProvider.GatewaySecret);
        await counselor.Hub.InvokeAsync("Claim", conversationId);

        provider.FailNext(1, 500, afterProcessing: true); // it sent the reply, then failed to say so
        var id = Assert.Single(await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "신청서는 주민센터에서 받으실 수 있습니다.", "gw-1"));

        var sent = await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == id, Wait);
        Assert.Equal("sent", sent.GetProperty("deliveryStatus").GetString());
        Assert.Equal(2, provider.Requests.Count(r => r.IdempotencyKey == id.ToString()));
        var delivered = Assert.Single(provider.Delivered, d => d.Key == id.ToString());
        Assert.Equal(resident.Compact, delivered.To); // the gateway takes national digits
        Assert.Equal("18996808", delivered.From);
        Assert.Equal("신청서는 주민센터에서 받으실 수 있습니다.", delivered.Text);
        Assert.Equal(1, await server.CountAsync("outbox", "message_id = @id AND attempts = 2 AND completed_at IS NOT NULL", new { id }));

        var receipt = JsonSerializer.Serialize(new { messageId = delivered.ProviderId, status = "delivered" });
        Assert.Equal(HttpStatusCode.OK, (await server.PostSignedAsync("/webhooks/sms/gateway/status", receipt, FakeProvider.GatewaySecret)).StatusCode);
        var done = await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == id && m.GetProperty("deliveryStatus").GetString() == "delivered", Wait);
        Assert.True(done.GetProperty("seq").GetInt64() > sent.GetProperty("seq").GetInt64());

        // A late "sent" receipt does not undo "delivered".
        await server.PostSignedAsync("/webhooks/sms/gateway/status", JsonSerializer.Serialize(new { messageId = delivered.ProviderId, status = "sent" }), FakeProvider.GatewaySecret);
        Assert.Equal(1, await server.CountAsync("messages", "id = @id AND delivery_status = 'delivered'", new { id }));
    }

    [Fact]
    public async Task A_reply_through_twilio_uses_basic_auth_and_its_status_callback_marks_it_delivered()
    {
        await using var provider = await FakeProvider.StartAsync();
        await using var server = await StartAsync(provider, new() { ["Channels:Sms:Outbound"] = "twilio" });
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var conversationId = await TextAsync(server, Payloads.RandomMobile().Dashed, FakeProvider.GatewaySecret);
        await counselor.Hub.InvokeAsync("Claim", conversationId);

        var id = Assert.Single(await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "확인했습니다.", "tw-1"));
        await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == id, Wait);
        var request = Assert.Single(provider.Requests, r => r.IdempotencyKey == id.ToString());
        Assert.StartsWith("Basic ", request.Authorization);
        var sid = Assert.Single(provider.Delivered, d => d.Key == id.ToString()).ProviderId;

        KeyValuePair<string, string>[] callback = [new("MessageSid", sid), new("MessageStatus", "delivered"), new("AccountSid", FakeProvider.TwilioAccountSid)];
        var url = new Uri(server.BaseAddress, "/webhooks/sms/status").ToString();
        var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(callback) };
        post.Headers.Add(Inbox.Channels.TwilioSignature.Header, Inbox.Channels.TwilioSignature.Compute(FakeProvider.TwilioAuthToken, url, callback));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(post)).StatusCode);
        await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == id && m.GetProperty("deliveryStatus").GetString() == "delivered", Wait);
    }

    [Fact]
    public async Task A_long_sms_reply_goes_as_lms_parts_in_order_and_a_long_kakao_reply_in_parts_of_1000_characters()
    {
        await using var provider = await FakeProvider.StartAsync();
        await using var server = await StartAsync(provider, new() { ["Channels:Sms:Outbound"] = "gateway", ["Channels:Kakao:Outbound"] = "dealer" });
        await using var counselor = await HubUser.CreateAsync(server, "counselor");

        var sms = await TextAsync(server, Payloads.RandomMobile().Dashed, FakeProvider.GatewaySecret);
        await counselor.Hub.InvokeAsync("Claim", sms);
        var longText = string.Join(' ', Enumerable.Repeat("긴급복지지원은 위기 상황에 처한 가구에 생계비를 지원합니다.", 80)); // about 5,000 bytes
        var smsParts = await counselor.Hub.InvokeAsync<Guid[]>("Reply", sms, longText, "long-sms");
        Assert.Equal(3, smsParts.Length);
        var smsKeys = smsParts.Select(id => id.ToString()).ToHashSet();
        await provider.WaitUntilAsync(p => p.Delivered.Count(d => smsKeys.Contains(d.Key)) == 3, Wait, "three LMS parts");
        Assert.Equal(longText, string.Concat(smsParts.Select(id => provider.Delivered.Single(d => d.Key == id.ToString()).Text)));
        Assert.All(provider.Requests.Where(r => smsKeys.Contains(r.IdempotencyKey!)), r => Assert.Equal("LMS", JsonNode.Parse(r.BodyText)!["type"]!.GetValue<string>()));

        var kakaoBody = JsonSerializer.Serialize(new
        {
            user_key = "u-" + Guid.NewGuid().ToString("N")[..12], sender_key = TestServer.NorthKakaoKey,
            serial_number = Guid.NewGuid().ToString("N"), time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), type = "text", content = "상담 요청합니다"
        });
        var kakaoAnswer = await server.PostSignedAsync("/webhooks/kakao/message", kakaoBody, FakeProvider.KakaoSecret);
        var kakao = Guid.Parse((await kakaoAnswer.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
        await server.OutboxEmptyAsync(); // outside working hours the chat gets its automatic reply first
        await counselor.Hub.InvokeAsync("Claim", kakao);
        var kakaoText = new string('안', 1500);
        var kakaoParts = await counselor.Hub.InvokeAsync<Guid[]>("Reply", kakao, kakaoText, "long-kakao");
        Assert.Equal(2, kakaoParts.Length);
        var kakaoKeys = kakaoParts.Select(id => id.ToString("N")).ToHashSet(); // the dealer's key is serial_number
        await provider.WaitUntilAsync(p => p.Delivered.Count(d => kakaoKeys.Contains(d.Key)) == 2, Wait, "two Kakao parts");
        var sentToKakao = kakaoParts.Select(id => provider.Delivered.Single(d => d.Key == id.ToString("N"))).ToList();
        Assert.Equal([1000, 500], sentToKakao.Select(d => d.Text.Length));
        Assert.All(sentToKakao, d => Assert.Equal(TestServer.NorthKakaoKey, d.From));
    }

    [Fact]
    public async Task A_reply_the_provider_refuses_is_marked_failed_with_the_reason_and_pushed()
    {
        await using var provider = await FakeProvider.StartAsync();
        await using var server = await StartAsync(provider, new() { ["Channels:Sms:Outbound"] = "gateway" });
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var conversationId = await TextAsync(server, Payloads.RandomMobile().Dashed, FakeProvider.GatewaySecret);
        await counselor.Hub.InvokeAsync("Claim", conversationId);

        provider.FailNext(1, 400, message: "수신 거부된 번호");
        var id = Assert.Single(await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "안내드립니다.", "refused-1"));
        var failed = await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == id, Wait);
        Assert.Equal("failed", failed.GetProperty("deliveryStatus").GetString());
        Assert.Contains("수신 거부된 번호", failed.GetProperty("deliveryError").GetString());
        Assert.True(provider.Requests.Count(r => r.IdempotencyKey == id.ToString()) == 1, string.Join("\n", provider.Requests.Select(r => $"{r.Endpoint} {r.IdempotencyKey} {r.BodyText}"))); // a refusal is not retried
    }

    [Fact]
    public async Task A_providers_error_that_quotes_a_registration_number_is_stored_and_pushed_masked()
    {
        await using var provider = await FakeProvider.StartAsync();
        await using var server = await StartAsync(provider, new() { ["Channels:Sms:Outbound"] = "gateway" });
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var conversationId = await TextAsync(server, Payloads.RandomMobile().Dashed, FakeProvider.GatewaySecret);
        await counselor.Hub.InvokeAsync("Claim", conversationId);

        provider.FailNext(1, 400, message: "금칙어 포함: 850315-2345678");
        var refused = Assert.Single(await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "안내드립니다.", "rrn-refused"));
        var failed = await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == refused, Wait);
        Assert.DoesNotContain("2345678", failed.GetProperty("deliveryError").GetString()); // the sender's own scrubbing of long digit runs

        var sent = Assert.Single(await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "다시 안내드립니다.", "rrn-receipt"));
        await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == sent && m.GetProperty("deliveryStatus").GetString() == "sent", Wait);
        var delivered = Assert.Single(provider.Delivered, d => d.Key == sent.ToString());
        var receipt = JsonSerializer.Serialize(new { messageId = delivered.ProviderId, status = "failed", error = "단말기 오류 (수신자 850315 2345678)" });
        Assert.Equal(HttpStatusCode.OK, (await server.PostSignedAsync("/webhooks/sms/gateway/status", receipt, FakeProvider.GatewaySecret)).StatusCode);
        var receiptFailed = await counselor.Events.WaitForAsync("MessageUpdated", m => m.GetProperty("id").GetGuid() == sent && m.GetProperty("deliveryStatus").GetString() == "failed", Wait);

        Assert.Equal("단말기 오류 (수신자 850315 *******)", receiptFailed.GetProperty("deliveryError").GetString());
        Assert.Equal(0, await server.CountAsync("messages", "delivery_error LIKE '%2345678%'"));
        Assert.Equal(0, await server.CountAsync("outbox", "last_error LIKE '%2345678%'"));
        Assert.Equal(0, await server.CountAsync("conversation_events", "payload LIKE '%2345678%'"));
    }

    private async Task<TestServer> StartAsync(FakeProvider provider, Dictionary<string, string?> settings)
    {
        settings["Channels:Sms:Gateway:BaseUrl"] = provider.BaseUrl;
        settings["Channels:Sms:Gateway:Secret"] = FakeProvider.GatewaySecret;
        settings["Channels:Sms:Twilio:BaseUrl"] = provider.BaseUrl;
        settings["Channels:Sms:Twilio:AccountSid"] = FakeProvider.TwilioAccountSid;
        settings["Channels:Sms:Twilio:AuthToken"] = FakeProvider.TwilioAuthToken;
        settings["Channels:Kakao:Dealer:BaseUrl"] = provider.BaseUrl;
        settings["Channels:Kakao:Secret"] = FakeProvider.KakaoSecret;
        return await TestServer.StartAsync(Store, settings);
    }

    /// <summary>A resident's text; returns once its automatic acknowledgement has left, so the provider's failure plan applies to the reply.</summary>
    private static async Task<Guid> TextAsync(TestServer server, string from, string gatewaySecret)
    {
        var response = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(from, "문의드립니다"), gatewaySecret);
        response.EnsureSuccessStatusCode();
        await server.OutboxEmptyAsync();
        return Guid.Parse((await response.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
    }
}
