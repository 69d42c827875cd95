using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Api;

public sealed class SqliteHeadersAndProxiesTests(ServerFixture<SqliteStore> fixture) : HeadersAndProxiesTests<SqliteStore>(fixture);

public sealed class PostgresHeadersAndProxiesTests(ServerFixture<PostgresStore> fixture) : HeadersAndProxiesTests<PostgresStore>(fixture);

public sealed class SqlServerHeadersAndProxiesTests(ServerFixture<SqlServerStore> fixture) : HeadersAndProxiesTests<SqlServerStore>(fixture);

/// <summary>The headers every answer carries, who may tell the server a client's address, and what Production refuses to start with.</summary>
public abstract class HeadersAndProxiesTests<TStore>(ServerFixture<TStore> fixture) : ServerSuite<TStore>(fixture), IClassFixture<ServerFixture<TStore>> where TStore : TestStore, new()
{
    private const string ForgedAddress = "203.0.113.77";

    [Fact]
    public async Task An_api_body_over_1_MiB_is_refused_413_before_it_is_read()
    {
        var counselor = await Server.ClientForNewUserAsync("counselor");
        var huge = new string('가', 600_000); // 1.8 MB of UTF-8
        var answer = await counselor.PostAsJsonAsync($"/api/conversations/{Guid.NewGuid()}/link-contact", new { phone = "010-1234-5678", reason = huge });
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        // Under the limit the same endpoint reads the body and answers about it (no such conversation here).
        var small = await counselor.PostAsJsonAsync($"/api/conversations/{Guid.NewGuid()}/link-contact", new { phone = "010-1234-5678", reason = "통화로 확인" });
        Assert.Equal(System.Net.HttpStatusCode.NotFound, small.StatusCode);
    }

    [Fact]
    public async Task Answers_with_personal_data_are_not_stored_and_no_answer_names_the_server_or_may_be_sniffed()
    {
        var conversation = await Server.SmsAsync(Payloads.RandomMobile().Dashed, "주거급여 문의");
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        foreach (var path in new[] { $"/api/conversations/{conversation}", "/api/conversations", "/api/users" })
        {
            var response = await admin.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{path}: Cache-Control {response.Headers.CacheControl}");
            AssertSafeHeaders(response, path);
        }
        var anonymous = await Server.Client.GetAsync("/api/conversations");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        AssertSafeHeaders(anonymous, "401");
        AssertSafeHeaders(await Server.Client.GetAsync("/health/live"), "/health/live");
        AssertSafeHeaders(await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "문의"), TestServer.GatewaySecret), "webhook");
        AssertSafeHeaders(await Server.Client.GetAsync("/no/such/page"), "404");
    }

    [Fact]
    public async Task The_openapi_document_needs_a_signed_in_account_outside_development()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client.GetAsync("/openapi/v1.json")).StatusCode);
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var openapi = await admin.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        Assert.True(openapi!["paths"]!.AsObject().ContainsKey("/api/conversations"));

        await using var production = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["Channels:Sms:Twilio:PublicBaseUrl"] = "https://inbox.example.go.kr",
        }, environment: "Production");
        Assert.Equal(HttpStatusCode.Unauthorized, (await production.Client.GetAsync("/openapi/v1.json")).StatusCode);

        await using var development = await TestServer.StartAsync(Store, environment: "Development");
        Assert.Equal(HttpStatusCode.OK, (await development.Client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task In_production_twilio_without_a_public_base_url_stops_start_up_with_a_clear_message()
    {
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(Store, environment: "Production"));
        Assert.Contains("Channels:Sms:Twilio:PublicBaseUrl", refused.Message);

        // Without Twilio there is nothing to sign, and nothing to refuse.
        await using var withoutTwilio = await TestServer.StartAsync(Store, new Dictionary<string, string?> { ["Channels:Sms:Twilio:AuthToken"] = null }, environment: "Production");
        Assert.Equal(HttpStatusCode.OK, (await withoutTwilio.Client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task A_forged_forwarded_for_from_a_peer_that_is_not_a_configured_proxy_changes_neither_the_audit_ip_nor_the_rate_limit()
    {
        // Even with the framework's switch on, only the configured proxy (not this loopback client) is believed.
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["FORWARDEDHEADERS_ENABLED"] = "true",
            ["ForwardedHeaders:KnownProxies:0"] = "10.9.8.7",
            ["Webhooks:RateLimitPerSecond"] = "2",
        });

        await ReadConversationAsync(server, ForgedAddress);
        Assert.Equal(0, await server.CountAsync("audit_log", "source_ip = @ip", new { ip = ForgedAddress }));
        Assert.True(await server.CountAsync("audit_log", "source_ip = '127.0.0.1' AND action = 'conversation.read'") >= 1);

        // Twenty requests, each naming another address: all from one peer, so one bucket of two a second.
        var responses = await BurstAsync(server, 20);
        Assert.Contains(responses, r => r == HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task From_a_configured_proxy_the_forwarded_address_is_the_clients_for_the_audit_log_and_the_rate_limit()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["Webhooks:RateLimitPerSecond"] = "2",
        });

        await ReadConversationAsync(server, ForgedAddress);
        Assert.True(await server.CountAsync("audit_log", "source_ip = @ip AND action = 'conversation.read'", new { ip = ForgedAddress }) >= 1);

        // One request per client address behind the proxy: each has its own bucket, none is refused.
        Assert.All(await BurstAsync(server, 20), r => Assert.Equal(HttpStatusCode.OK, r));

        // The proxy's scheme is believed as well: HTTPS answers carry HSTS.
        var https = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        https.Headers.Host = "inbox.example.go.kr";
        https.Headers.Add("X-Forwarded-Proto", "https");
        Assert.True((await server.Client.SendAsync(https)).Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Known_networks_are_configurable_too()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?> { ["ForwardedHeaders:KnownNetworks:0"] = "127.0.0.0/8" });
        await ReadConversationAsync(server, ForgedAddress);
        Assert.True(await server.CountAsync("audit_log", "source_ip = @ip", new { ip = ForgedAddress }) >= 1);
    }

    private static async Task ReadConversationAsync(TestServer server, string forwardedFor)
    {
        var conversation = await server.SmsAsync(Payloads.RandomMobile().Dashed, "문의");
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var read = new HttpRequestMessage(HttpMethod.Get, $"/api/conversations/{conversation}");
        read.Headers.Add("X-Forwarded-For", forwardedFor);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(read)).StatusCode);
    }

    private static async Task<HttpStatusCode[]> BurstAsync(TestServer server, int count)
    {
        var requests = Enumerable.Range(0, count).Select(async i =>
        {
            var body = System.Text.Encoding.UTF8.GetBytes(Payloads.Gateway(Payloads.RandomMobile().Dashed, $"문의 {i}"));
            var ts = server.Clock.GetUtcNow().ToUnixTimeSeconds();
            var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sms/gateway") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add(Inbox.Channels.InboxHmac.TimestampHeader, ts.ToString());
            request.Headers.Add(Inbox.Channels.InboxHmac.SignatureHeader, Inbox.Channels.InboxHmac.Sign(TestServer.GatewaySecret, ts, body));
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{i + 1}");
            return (await server.Client.SendAsync(request)).StatusCode;
        });
        return await Task.WhenAll(requests);
    }

    private static void AssertSafeHeaders(HttpResponseMessage response, string what)
    {
        Assert.False(response.Headers.Contains("Server"), $"{what}: Server {string.Join(",", response.Headers.Server)}");
        Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", $"{what}: X-Content-Type-Options");
        Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", $"{what}: Referrer-Policy");
    }
}
