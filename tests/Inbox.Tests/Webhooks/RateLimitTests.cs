using System.Net;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Webhooks;

public sealed class RateLimitTests
{
    [Fact]
    public async Task A_burst_over_the_webhook_rate_limit_is_refused_with_429_and_stores_nothing_for_the_refused()
    {
        await using var server = await TestServer.StartAsync(new SqliteStore(), new Dictionary<string, string?> { ["Webhooks:RateLimitPerSecond"] = "3" });

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, $"문의 {i}"), TestServer.GatewaySecret)));

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(12, accepted + refused.Count);
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));
        Assert.Equal(accepted, await server.CountAsync("messages", "direction = 'in'"));
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/live")).StatusCode); // only webhooks are limited
    }
}
