using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inbox.Tests.Infrastructure;

/// <summary>
/// A made-up resident writing or calling the "north" center, as its providers would post it (signed, at the server's
/// clock); each returns the conversation the message joined and fails the test on anything but 2xx.
/// </summary>
public static class Residents
{
    public static Task<Guid> SmsAsync(this TestServer server, string from, string text) =>
        PostAsync(server, "/webhooks/sms/gateway", Payloads.Gateway(from, text), TestServer.GatewaySecret);

    public static Task<Guid> KakaoAsync(this TestServer server, string userKey, string text, string? extra = null) =>
        PostAsync(server, "/webhooks/kakao/message", JsonSerializer.Serialize(new
        {
            user_key = userKey, sender_key = TestServer.NorthKakaoKey, serial_number = Guid.NewGuid().ToString("N"),
            time = server.Clock.GetUtcNow().ToUnixTimeMilliseconds(), type = "text", content = text, extra,
        }), TestServer.KakaoSecret);

    /// <summary>A call of a minute starting now; <paramref name="agent"/> is the username the phone system names, if any.</summary>
    public static Task<Guid> CallAsync(this TestServer server, string direction, string resident, string status, string? agent = null)
    {
        var now = server.Clock.GetUtcNow();
        var inbound = direction == "inbound";
        return PostAsync(server, "/webhooks/phone/transcripts", JsonSerializer.Serialize(new
        {
            callId = "call-" + Guid.NewGuid().ToString("N"), direction, callerNumber = inbound ? resident : "1899-6808", calledNumber = inbound ? "1899-6808" : resident,
            agentId = agent, status, startedAt = now, endedAt = now.AddMinutes(1), language = "ko-KR",
            segments = status == "answered" ? new object[] { new { speaker = "counselor", startMs = 0, endMs = 1000, text = "전화드렸습니다", confidence = 0.9 } } : [],
        }), TestServer.PhoneSecret);
    }

    private static async Task<Guid> PostAsync(TestServer server, string path, string body, string secret)
    {
        var response = await server.PostSignedAsync(path, body, secret);
        response.EnsureSuccessStatusCode();
        return Guid.Parse((await response.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>());
    }
}
