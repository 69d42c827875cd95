using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Api;

public sealed class SqliteSignInTests : SignInTests<SqliteStore>;

public sealed class PostgresSignInTests : SignInTests<PostgresStore>;

public sealed class SqlServerSignInTests : SignInTests<SqlServerStore>;

/// <summary>Sign-in limits, lock-out and the password rules, over real HTTP, with limits made small by configuration.</summary>
public abstract class SignInTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static Task<HttpResponseMessage> SignInAsync(HttpClient client, string username, string password) =>
        client.PostAsJsonAsync("/api/auth/token", new { username, password });

    private static async Task CreateAsync(TestServer server, string username, string password = TestServer.UserPassword)
    {
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var created = await admin.PostAsJsonAsync("/api/users", new { username, password, role = "counselor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Failed_sign_ins_from_one_address_are_limited_and_answered_429_with_retry_after()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?> { ["Auth:SignIn:FailuresPerAddress"] = "4" });
        using var attacker = server.ClientFrom("127.0.0.3");

        for (var i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(attacker, $"guess-{i}", "not-the-password-at-all")).StatusCode);
        var refused = await SignInAsync(attacker, TestServer.AdminUser, TestServer.AdminPassword);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, refused.Headers.ToString());
        // Another address is not affected.
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(server.Client, TestServer.AdminUser, TestServer.AdminPassword)).StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_lock_a_username_for_that_address_only_so_nobody_can_lock_out_the_admin()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?> { ["Auth:SignIn:FailuresPerUsernameAndAddress"] = "3" });
        using var attacker = server.ClientFrom("127.0.0.4");

        for (var i = 0; i < 10; i++)
        {
            var attempt = await SignInAsync(attacker, TestServer.AdminUser, $"guess-number-{i}-wrong");
            Assert.Equal(i < 3 ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, attempt.StatusCode);
        }
        // Locked for the attacker's address, even with the right password …
        var locked = await SignInAsync(attacker, TestServer.AdminUser, TestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
        // … but the admin at their own desk signs in, and the lock is on record in the account's center, with the address.
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/audit?action=account.locked")).EnumerateArray().ToList();
        var record = Assert.Single(audit);
        Assert.Equal(TestServer.AdminUser, record.GetProperty("username").GetString());
        Assert.Equal("127.0.0.4", record.GetProperty("sourceIp").GetString());
        Assert.Equal("north", record.GetProperty("centerId").GetString());
    }

    [Fact]
    public async Task Twenty_counselors_behind_one_address_sign_in_at_nine_without_being_throttled()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?> { ["Auth:SignIn:MaxConcurrentHashes"] = "1" });
        var names = Enumerable.Range(1, 20).Select(i => $"counselor.{i:00}").ToList();
        foreach (var name in names)
            await CreateAsync(server, name);
        using var office = server.ClientFrom("127.0.0.5");
        // Monday morning: a few typos first …
        foreach (var name in names.Take(3))
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(office, name, "counsel-test-pass-2049")).StatusCode);

        // … then everyone at once.
        var answers = await Task.WhenAll(names.Select(name => SignInAsync(office, name, TestServer.UserPassword)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
    }

    [Fact]
    public async Task Password_hashes_beyond_the_server_wide_cap_and_its_queue_are_answered_429_with_retry_after()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["Auth:SignIn:MaxConcurrentHashes"] = "1",
            ["Auth:SignIn:HashQueueLimit"] = "0",
        });
        HttpResponseMessage? refused = null;
        // Concurrent sign-ins (right passwords, so no failure budget is spent) until one finds the only hash slot taken;
        // each from its own address, since the attempts of one username from one address take turns.
        var clients = Enumerable.Range(0, 16).Select(i => server.ClientFrom($"127.0.1.{i + 1}")).ToList();
        for (var round = 0; round < 20 && refused is null; round++)
        {
            var answers = await Task.WhenAll(clients.Select(c => SignInAsync(c, TestServer.AdminUser, TestServer.AdminPassword)));
            Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
            refused = answers.FirstOrDefault(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        }

        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("username", 65)]
    [InlineData("password", 129)]
    public async Task An_oversized_username_or_password_is_refused_with_400_naming_the_field(string field, int length)
    {
        await using var server = await TestServer.StartAsync(Store);
        var big = new string('a', length);

        var response = await server.Client.PostAsJsonAsync("/api/auth/token", field == "username"
            ? new { username = big, password = "whatever-password" }
            : new { username = TestServer.AdminUser, password = big });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), errors.ToJsonString());
    }

    [Theory]
    [InlineData("username", 1024 * 1024)]
    [InlineData("password", 100_000)]
    public async Task A_sign_in_body_over_4_KiB_is_refused_413_unread(string field, int length)
    {
        await using var server = await TestServer.StartAsync(Store);
        var big = new string('a', length);

        var response = await server.Client.PostAsJsonAsync("/api/auth/token", field == "username"
            ? new { username = big, password = "whatever-password" }
            : new { username = TestServer.AdminUser, password = big });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsJsonAsync("/api/auth/token",
            new { username = TestServer.AdminUser, password = TestServer.AdminPassword })).StatusCode); // and nothing was counted against the admin
    }

    [Theory]
    [InlineData("elevenchars", "shorter than 12")]
    [InlineData("my-kim.rule-is-kim.rule", "contains the username")]
    [InlineData("KIM.RULE-my-password", "contains the username")]
    [InlineData("zzzzzzzzzzzzzzzz", "one repeated character")]
    [InlineData("123456789012", "digits in order")]
    [InlineData("987654321098", "digits backwards")]
    [InlineData("abcdefghijklmn", "letters in order")]
    [InlineData("qwertyuiopasdf", "a keyboard row")]
    [InlineData("mnbvcxzlkjhgfd", "a keyboard row backwards")]
    [InlineData("password1234", "common password")]
    [InlineData("QWERTY123456", "common password, any case")]
    [InlineData("iseedeadpeople", "common password")]
    [InlineData("1qaz2wsx3edc", "common keyboard walk")]
    public async Task A_weak_password_is_refused_naming_the_password_field(string password, string why)
    {
        await using var server = await TestServer.StartAsync(Store);
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        var response = await admin.PostAsJsonAsync("/api/users", new { username = "kim.rule", password, role = "counselor" });

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey("password"), why);
        Assert.Equal(0, await server.CountAsync("accounts", "username = 'kim.rule'"));
    }

    [Theory]
    [InlineData("correct-horse-battery")]
    [InlineData("상담센터비밀번호2026")]
    [InlineData("Tr0ub4dor&3xyz")]
    public async Task A_long_uncommon_password_is_accepted(string password)
    {
        await using var server = await TestServer.StartAsync(Store);
        await CreateAsync(server, "lee.fine", password);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(server.Client, "lee.fine", password)).StatusCode);
    }
}
