using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;

namespace Inbox.Tests.Api;

public sealed class SqliteApiTests(ServerFixture<SqliteStore> fixture) : ApiTests<SqliteStore>(fixture);

public sealed class PostgresApiTests(ServerFixture<PostgresStore> fixture) : ApiTests<PostgresStore>(fixture);

public sealed class SqlServerApiTests(ServerFixture<SqlServerStore> fixture) : ApiTests<SqlServerStore>(fixture);

/// <summary>Accounts, sign-in, the read API, center isolation and the access log, over real HTTP, on each store.</summary>
public abstract class ApiTests<TStore>(ServerFixture<TStore> fixture) : ServerSuite<TStore>(fixture), IClassFixture<ServerFixture<TStore>> where TStore : TestStore, new()
{
    [Fact]
    public async Task Health_endpoints_are_served_without_signing_in_and_the_openapi_document_to_signed_in_accounts()
    {
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.GetAsync("/health/ready")).StatusCode);
        // Testing is not Development: as in Production, the document is for signed-in accounts (HeadersAndProxiesTests).
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client.GetAsync("/openapi/v1.json")).StatusCode);
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var openapi = await admin.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        Assert.True(openapi!["paths"]!.AsObject().ContainsKey("/api/conversations"));
        Assert.True(openapi["paths"]!.AsObject().ContainsKey("/webhooks/sms/gateway"));
        Assert.True(openapi["paths"]!.AsObject().ContainsKey("/api/reports/{name}"));
        Assert.True(openapi["paths"]!.AsObject().ContainsKey("/api/audit/review"));
    }

    [Theory]
    [InlineData("GET", "/api/conversations")]
    [InlineData("GET", "/api/conversations/01a20144-0b45-7e4f-9bf8-8f7c070d5e17")]
    [InlineData("GET", "/api/users")]
    [InlineData("POST", "/api/users")]
    [InlineData("GET", "/api/audit")]
    [InlineData("GET", "/api/audit/review")]
    [InlineData("POST", "/api/audit/purge")]
    [InlineData("GET", "/api/reports/volume")]
    [InlineData("PUT", "/api/conversations/01a20144-0b45-7e4f-9bf8-8f7c070d5e17/category")]
    [InlineData("POST", "/api/conversations/01a20144-0b45-7e4f-9bf8-8f7c070d5e17/referrals")]
    public async Task Nothing_is_readable_anonymously_or_with_a_forged_token(string method, string path)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode);

        var forged = new HttpRequestMessage(new HttpMethod(method), path);
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMWEyMDE0NC0wYjQ1LTdlNGYtOWJmOC04ZjdjMDcwZDVlMTciLCJyb2xlIjoiYWRtaW4iLCJjZW50ZXIiOiJub3J0aCJ9.c2lnbmF0dXJl");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client.SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_webhook_path_is_answered_404_with_a_clear_problem()
    {
        var response = await Server.PostSignedAsync("/webhooks/line/message", "{}", TestServer.KakaoSecret);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No such webhook", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Sign_in_returns_a_bearer_token_with_its_expiry_and_refuses_a_wrong_password()
    {
        var response = await Server.Client.PostAsJsonAsync("/api/auth/token", new { username = "ADMIN", password = TestServer.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(3, answer!["accessToken"]!.GetValue<string>().Split('.').Length);
        Assert.True(answer["expiresAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow.AddHours(1));

        var wrong = await Server.Client.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "not-the-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var unknown = await Server.Client.PostAsJsonAsync("/api/auth/token", new { username = "nobody", password = "not-the-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await wrong.Content.ReadFromJsonAsync<JsonObject>() is { } a ? a["detail"]!.GetValue<string>() : null,
            await unknown.Content.ReadFromJsonAsync<JsonObject>() is { } b ? b["detail"]!.GetValue<string>() : null);
    }

    [Fact]
    public async Task Admins_create_and_disable_users_and_a_disabled_users_token_stops_working()
    {
        // Its own server on a settable clock: the account-status cache (Auth:Sessions:CheckSeconds, 10 s) is moved past, not waited out.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var created = await admin.PostAsJsonAsync("/api/users", new { username = "kim.counselor", password = "counselor-pass-1", displayName = "김상담", role = "counselor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("counselor", user!["role"]!.GetValue<string>());
        Assert.Equal("north", user["centerId"]!.GetValue<string>());
        Assert.False(user.ContainsKey("passwordHash"));

        var again = await admin.PostAsJsonAsync("/api/users", new { username = "Kim.Counselor", password = "counselor-pass-1", role = "counselor" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var counselor = await server.ClientAsAsync("kim.counselor", "counselor-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await counselor.GetAsync("/api/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await counselor.PostAsJsonAsync("/api/users", new { username = "sneaky", password = "sneaky-pass-1", role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await counselor.GetAsync("/api/users")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/users/{user["id"]}/disable", null)).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(HttpStatusCode.Unauthorized, (await counselor.GetAsync("/api/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.PostAsJsonAsync("/api/auth/token", new { username = "kim.counselor", password = "counselor-pass-1" })).StatusCode);
    }

    [Theory]
    [InlineData("ab", "long-enough-pw", "counselor", "username")]
    [InlineData("has space", "long-enough-pw", "counselor", "username")]
    [InlineData("shortpw", "short", "counselor", "password")]
    [InlineData("badrole", "long-enough-pw", "superuser", "role")]
    public async Task Creating_a_user_with_bad_fields_is_refused_naming_the_field(string username, string password, string role, string field)
    {
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var response = await admin.PostAsJsonAsync("/api/users", new { username, password, role });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task Conversations_are_listed_most_recent_first_filtered_and_paged()
    {
        var residents = Enumerable.Range(0, 7).Select(_ => Payloads.RandomMobile()).ToList();
        foreach (var r in residents)
            Assert.Equal(HttpStatusCode.OK, (await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(r.Dashed, "문의드립니다"), TestServer.GatewaySecret)).StatusCode);
        var caller = Payloads.RandomMobile();
        Assert.Equal(HttpStatusCode.OK, (await Server.PostSignedAsync("/webhooks/phone/transcripts", Payloads.Transcript(caller.Compact, "missed"), TestServer.PhoneSecret)).StatusCode);

        var counselor = await Server.ClientForNewUserAsync("counselor");
        var seen = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await counselor.GetFromJsonAsync<JsonElement>($"/api/conversations?limit=3{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        var activity = seen.Select(c => c.GetProperty("lastActivityAt").GetDateTimeOffset()).ToList();
        Assert.Equal(activity.OrderByDescending(a => a), activity);
        Assert.Equal(seen.Count, seen.Select(c => c.GetProperty("id").GetString()).Distinct().Count());
        foreach (var r in residents.Append(caller))
            Assert.Contains(seen, c => c.GetProperty("contact").GetProperty("phone").GetString() == r.E164);

        var phoneLine = await counselor.GetFromJsonAsync<JsonElement>("/api/conversations?line=phone&limit=200");
        Assert.All(phoneLine.GetProperty("items").EnumerateArray(), c => Assert.Equal("phone", c.GetProperty("line").GetString()));
        Assert.Contains(phoneLine.GetProperty("items").EnumerateArray(), c => c.GetProperty("contact").GetProperty("phone").GetString() == caller.E164);

        var byPhone = await counselor.GetFromJsonAsync<JsonElement>($"/api/conversations?phone={Uri.EscapeDataString("+82 " + residents[3].Dashed[1..])}");
        var only = Assert.Single(byPhone.GetProperty("items").EnumerateArray());
        Assert.Equal(residents[3].E164, only.GetProperty("contact").GetProperty("phone").GetString());

        var unassigned = await counselor.GetFromJsonAsync<JsonElement>("/api/conversations?assignee=none&status=open&channel=sms&limit=200");
        Assert.Contains(unassigned.GetProperty("items").EnumerateArray(), c => c.GetProperty("contact").GetProperty("phone").GetString() == residents[0].E164);

        var bad = await counselor.GetAsync("/api/conversations?status=closed&phone=12&limit=0&cursor=zzz");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("status") && errors.ContainsKey("phone") && errors.ContainsKey("limit"), errors.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, (await counselor.GetAsync("/api/conversations?cursor=zzz")).StatusCode);
    }

    [Fact]
    public async Task A_conversation_shows_its_contact_with_identities_and_every_message_in_order()
    {
        var resident = Payloads.RandomMobile();
        string[] texts = ["첫 번째 문의", "두 번째 문의", "세 번째 문의"];
        foreach (var text in texts)
            await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, text), TestServer.GatewaySecret);
        await Server.PostSignedAsync("/webhooks/phone/transcripts", Payloads.Transcript(resident.Compact, "answered"), TestServer.PhoneSecret);

        var counselor = await Server.ClientForNewUserAsync("counselor");
        var list = await counselor.GetFromJsonAsync<JsonElement>($"/api/conversations?phone={resident.Compact}");
        var id = Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("id").GetString();
        var detail = await counselor.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}");

        var contact = detail.GetProperty("contact");
        Assert.Equal(resident.E164, contact.GetProperty("phone").GetString());
        Assert.Equal(new[] { "phone", "sms" }, contact.GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("channel").GetString()!).Order());
        var all = detail.GetProperty("messages").EnumerateArray().ToList();
        var messages = all.Where(m => m.GetProperty("direction").GetString() == "in").ToList();
        Assert.Equal([.. texts, "[resident] 기초연금 문의드려요"], messages.Select(m => m.GetProperty("body").GetString()!));
        Assert.Equal(new[] { "sms", "sms", "sms", "phone" }, messages.Select(m => m.GetProperty("channel").GetString()!));
        // Right after the first text: the text line's automatic acknowledgement, once.
        var acknowledgement = Assert.Single(all, m => m.GetProperty("direction").GetString() == "out");
        Assert.Equal(1, all.IndexOf(acknowledgement));
        Assert.Equal("acknowledgement", acknowledgement.GetProperty("metadata").GetProperty("automatic").GetString());
        Assert.Equal("phone", detail.GetProperty("conversation").GetProperty("channel").GetString());
        Assert.Equal("sms", detail.GetProperty("conversation").GetProperty("originChannel").GetString());
    }

    [Fact]
    public async Task A_center_sees_none_of_another_centers_conversations()
    {
        var northResident = Payloads.RandomMobile();
        var southResident = Payloads.RandomMobile();
        var north = await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(northResident.Dashed, "북부 문의"), TestServer.GatewaySecret);
        await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(southResident.Dashed, "남부 문의", to: "1588-0000"), TestServer.GatewaySecret);
        var northConversation = (await north.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>();

        var southCounselor = await Server.ClientForNewUserAsync("counselor", center: "south");
        var southList = await southCounselor.GetFromJsonAsync<JsonElement>("/api/conversations?limit=200");
        var southPhones = southList.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("contact").GetProperty("phone").GetString()).ToList();
        Assert.Contains(southResident.E164, southPhones);
        Assert.DoesNotContain(northResident.E164, southPhones);
        Assert.Empty((await southCounselor.GetFromJsonAsync<JsonElement>($"/api/conversations?phone={northResident.Compact}")).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await southCounselor.GetAsync($"/api/conversations/{northConversation}")).StatusCode);

        var southManager = await Server.ClientForNewUserAsync("manager", center: "south");
        var southAudit = await southManager.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000");
        Assert.All(southAudit.EnumerateArray(), r => Assert.Equal("south", r.GetProperty("centerId").GetString()));
    }

    [Fact]
    public async Task Every_read_of_a_residents_record_is_in_the_access_log_with_account_time_ip_resident_and_action()
    {
        var resident = Payloads.RandomMobile();
        var stored = await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, "기록 열람 확인"), TestServer.GatewaySecret);
        var conversationId = (await stored.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>();

        var counselor = await Server.ClientForNewUserAsync("counselor");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var list = await counselor.GetFromJsonAsync<JsonElement>($"/api/conversations?phone={resident.Compact}");
        var contactId = list.GetProperty("items")[0].GetProperty("contact").GetProperty("id").GetString();
        await counselor.GetAsync($"/api/conversations/{conversationId}");

        Assert.Equal(HttpStatusCode.Forbidden, (await counselor.GetAsync("/api/audit")).StatusCode);
        var manager = await Server.ClientForNewUserAsync("manager");
        var records = (await manager.GetFromJsonAsync<JsonElement>($"/api/audit?contactId={contactId}")).EnumerateArray().ToList();

        var read = Assert.Single(records, r => r.GetProperty("action").GetString() == "conversation.read");
        var listed = Assert.Single(records, r => r.GetProperty("action").GetString() == "conversation.list");
        foreach (var record in new[] { read, listed })
        {
            Assert.StartsWith("counselor-", record.GetProperty("username").GetString());
            Assert.NotEqual(JsonValueKind.Null, record.GetProperty("accountId").ValueKind);
            Assert.Equal("127.0.0.1", record.GetProperty("sourceIp").GetString());
            Assert.Equal(contactId, record.GetProperty("contactId").GetString());
            Assert.InRange(record.GetProperty("at").GetDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(1));
        }
        Assert.Equal(conversationId, read.GetProperty("conversationId").GetString());
    }
}
