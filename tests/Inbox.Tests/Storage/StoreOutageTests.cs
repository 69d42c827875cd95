using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Storage;

public sealed class SqliteStoreOutageTests : StoreOutageTests<SqliteStore>;

public sealed class PostgresStoreOutageTests : StoreOutageTests<PostgresStore>;

public sealed class SqlServerStoreOutageTests : StoreOutageTests<SqlServerStore>;

/// <summary>When the store is gone, webhooks get 503 (never 2xx), nothing is half-written, and service resumes by itself.</summary>
public abstract class StoreOutageTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    [Fact]
    public async Task Webhooks_get_503_while_the_store_is_down_and_are_stored_once_it_is_back()
    {
        await using var outage = await Store.CreateInterruptibleDatabaseAsync();
        await using var server = await TestServer.StartAsync(Store, connectionString: outage.ConnectionString);
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var before = Payloads.Gateway(Payloads.RandomMobile().Dashed, "장애 전");
        Assert.Equal(HttpStatusCode.OK, (await server.PostSignedAsync("/webhooks/sms/gateway", before, TestServer.GatewaySecret)).StatusCode);

        outage.Cut();
        var during = Payloads.Gateway(Payloads.RandomMobile().Dashed, "장애 중");
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var refused = await server.PostSignedAsync("/webhooks/sms/gateway", during, TestServer.GatewaySecret);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter is not null, "a 503 says when to retry");
            Assert.Equal("The store is unavailable.", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["title"]!.GetValue<string>());
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await admin.GetAsync("/api/conversations")).StatusCode);

        outage.Restore();
        // The provider retries the request it was refused: it is new to the store, so nothing of it was written before.
        var retried = await RetryUntilAnsweredAsync(() => server.PostSignedAsync("/webhooks/sms/gateway", during, TestServer.GatewaySecret));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("stored", (await retried.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(2, await server.CountAsync("messages", "direction = 'in'"));
        Assert.Equal(2, await server.CountAsync("conversations"));
    }

    // Pooled connections broken by the outage are dropped on first use; the service must come back without a restart.
    private static async Task<HttpResponseMessage> RetryUntilAnsweredAsync(Func<Task<HttpResponseMessage>> send)
    {
        HttpResponseMessage? response = null;
        await Eventually.UntilAsync(async () => (response = await send()).StatusCode != HttpStatusCode.ServiceUnavailable, "an answer other than 503");
        return response!;
    }
}
