using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Api;

public sealed class SqliteAccountTests : AccountTests<SqliteStore>;

public sealed class PostgresAccountTests : AccountTests<PostgresStore>;

public sealed class SqlServerAccountTests : AccountTests<SqlServerStore>;

/// <summary>The tenant boundary of accounts: each center's admin, seeded from configuration, manages that center's accounts only.</summary>
public abstract class AccountTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    [Theory]
    [InlineData("admin")]
    [InlineData("counselor")]
    public async Task An_admin_cannot_create_an_account_in_another_center(string role)
    {
        await using var server = await TestServer.StartAsync(Store);
        var north = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        var response = await north.PostAsJsonAsync("/api/users", new { username = $"intruder-{role}", password = TestServer.UserPassword, role, centerId = "south" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("centerId", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await server.CountAsync("accounts", "username = @username", new { username = $"intruder-{role}" }));
        // Naming its own center is fine.
        Assert.Equal(HttpStatusCode.Created, (await north.PostAsJsonAsync("/api/users",
            new { username = $"own-{role}", password = TestServer.UserPassword, role, centerId = "north" })).StatusCode);
    }

    [Fact]
    public async Task Each_center_has_its_own_bootstrap_admin_and_account_changes_are_audited_in_the_accounts_center()
    {
        await using var server = await TestServer.StartAsync(Store);
        var south = await server.ClientAsAsync(TestServer.SouthAdminUser, TestServer.SouthAdminPassword);
        var north = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        var created = await south.PostAsJsonAsync("/api/users", new { username = "south.kim", password = TestServer.UserPassword, displayName = "남부 김상담", role = "counselor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var account = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("south", account["centerId"]!.GetValue<string>());
        var id = account["id"]!.GetValue<string>();

        // North's admin can neither see nor change it.
        var northList = await north.GetFromJsonAsync<JsonElement>("/api/users");
        Assert.DoesNotContain(northList.EnumerateArray(), u => u.GetProperty("username").GetString() == "south.kim");
        Assert.All(northList.EnumerateArray(), u => Assert.Equal("north", u.GetProperty("centerId").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await north.PostAsync($"/api/users/{id}/disable", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await south.PostAsync($"/api/users/{id}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await south.PostAsync($"/api/users/{id}/enable", null)).StatusCode);

        var southAudit = (await south.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).EnumerateArray().ToList();
        foreach (var action in new[] { "account.created", "account.disabled", "account.enabled" })
            Assert.Contains(southAudit, r => r.GetProperty("action").GetString() == action && r.GetProperty("detail").GetString()!.Contains(id));
        // The bootstrap admin's own creation is on record in its center too.
        Assert.Contains(southAudit, r => r.GetProperty("action").GetString() == "account.created" && r.GetProperty("username").GetString() == "system");
        var northAudit = (await north.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).EnumerateArray().ToList();
        Assert.DoesNotContain(northAudit, r => (r.GetProperty("detail").GetString() ?? "").Contains(id));
    }

    [Fact]
    public async Task A_taken_username_is_answered_409_naming_no_center()
    {
        await using var server = await TestServer.StartAsync(Store);
        var north = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var south = await server.ClientAsAsync(TestServer.SouthAdminUser, TestServer.SouthAdminPassword);
        Assert.Equal(HttpStatusCode.Created, (await north.PostAsJsonAsync("/api/users", new { username = "park.shared", password = TestServer.UserPassword, role = "counselor" })).StatusCode);

        var taken = await south.PostAsJsonAsync("/api/users", new { username = "Park.Shared", password = TestServer.UserPassword, role = "counselor" });

        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        var body = await taken.Content.ReadAsStringAsync();
        Assert.DoesNotContain("north", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("북부", body);
        Assert.Equal(1, await server.CountAsync("accounts", "username = 'park.shared'"));
    }

    [Theory]
    [InlineData("Auth:Bootstrap:0:Password", "admin1234567", "Auth:Bootstrap:0:Password")]
    [InlineData("Auth:Bootstrap:1:Password", "short-pw", "Auth:Bootstrap:1:Password")]
    [InlineData("Auth:Bootstrap:1:CenterId", "nowhere", "Auth:Bootstrap:1:CenterId")]
    public async Task Start_up_refuses_a_bootstrap_admin_whose_password_or_center_is_not_acceptable(string key, string value, string named)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?> { [key] = value });
        });
        Assert.Contains(named, failure.Message);
    }

    [Fact]
    public async Task Start_up_refuses_the_old_single_bootstrap_keys_with_a_message_naming_the_new_ones()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
            {
                ["Auth:Bootstrap:Username"] = "legacy-admin",
                ["Auth:Bootstrap:Password"] = "legacy-lantern-test-7730",
            });
        });
        Assert.Contains("Auth:Bootstrap:0:Username", failure.Message);
    }
}
