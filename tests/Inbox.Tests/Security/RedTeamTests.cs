using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Security;

public sealed class SqliteRedTeamTests : RedTeamTests<SqliteStore>;

public sealed class PostgresRedTeamTests : RedTeamTests<PostgresStore>;

public sealed class SqlServerRedTeamTests : RedTeamTests<SqlServerStore>;

/// <summary>
/// An attacker with an account in one of two centers on one server, against the trust boundary of issue 11: what it tried
/// that found a hole (fixed) and the boundaries that held and must keep holding.
/// </summary>
public abstract class RedTeamTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    [Fact]
    public async Task Addresses_of_one_IPv6_network_share_one_sign_in_budget()
    {
        // Behind a proxy (or on IPv6 directly) one client holds a whole /64: 2^64 addresses, each a budget of its own
        // would make the per-address limit no limit.
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["Auth:SignIn:FailuresPerAddress"] = "4",
            ["Auth:SignIn:FailuresPerUsernameAndAddress"] = "2",
        });

        var answers = new List<HttpStatusCode>();
        for (var i = 1; i <= 12; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/token")
            {
                Content = JsonContent.Create(new { username = TestServer.AdminUser, password = $"wrong-guess-number-{i}" }),
            };
            request.Headers.Add("X-Forwarded-For", $"2001:db8:17:2a::{i:x}");
            answers.Add((await server.Client.SendAsync(request)).StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, answers);
        Assert.Equal(2, answers.Count(a => a == HttpStatusCode.Unauthorized)); // the username+address budget, over the /64

        // Another network is not affected: the admin signs in from it.
        var other = new HttpRequestMessage(HttpMethod.Post, "/api/auth/token")
        {
            Content = JsonContent.Create(new { username = TestServer.AdminUser, password = TestServer.AdminPassword }),
        };
        other.Headers.Add("X-Forwarded-For", "2001:db8:99:1::1");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(other)).StatusCode);
    }

    [Fact]
    public async Task Addresses_of_one_IPv6_network_share_one_webhook_rate_limit()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["Webhooks:RateLimitPerSecond"] = "2",
        });
        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sms/gateway") { Content = JsonContent.Create(new { unsigned = true }) };
            request.Headers.Add("X-Forwarded-For", $"2001:db8:17:2a::{i:x}");
            return (await server.Client.SendAsync(request)).StatusCode;
        }));
        Assert.Contains(HttpStatusCode.TooManyRequests, answers);
    }

    [Fact]
    public async Task Failed_sign_ins_sent_all_at_once_spend_the_budget_like_ones_sent_in_turn()
    {
        // The budget is checked before the hash and spent after it: guesses sent together must not all pass the check
        // while none has been counted yet.
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["Auth:SignIn:FailuresPerAddress"] = "100",
            ["Auth:SignIn:FailuresPerUsernameAndAddress"] = "3",
            ["Auth:SignIn:HashQueueLimit"] = "100",
        });
        using var attacker = server.ClientFrom("127.0.0.3");
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
            (await attacker.PostAsJsonAsync("/api/auth/token", new { username = TestServer.AdminUser, password = $"parallel-guess-{i}" })).StatusCode));
        Assert.True(answers.Count(a => a == HttpStatusCode.Unauthorized) <= 3, $"{answers.Count(a => a == HttpStatusCode.Unauthorized)} of 40 guesses were checked");
        Assert.All(answers, a => Assert.True(a is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"answered {a}"));
    }

    [Fact]
    public async Task Case_and_whitespace_variants_of_a_username_spend_the_same_budget_and_never_lock_it_elsewhere()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?>
        {
            ["Auth:SignIn:FailuresPerAddress"] = "100",
            ["Auth:SignIn:FailuresPerUsernameAndAddress"] = "3",
        });
        using var attacker = server.ClientFrom("127.0.0.2");
        string[] variants = ["admin", "ADMIN", " Admin", "admin\t", "\u00A0aDmIn\u2003", "ADMIN "];
        var answers = new List<HttpStatusCode>();
        foreach (var name in variants)
            answers.Add((await attacker.PostAsJsonAsync("/api/auth/token", new { username = name, password = "not-the-password-at-all" })).StatusCode);
        Assert.Equal(3, answers.Count(a => a == HttpStatusCode.Unauthorized));
        Assert.Equal(3, answers.Count(a => a == HttpStatusCode.TooManyRequests));

        // The lock-out is the attacker's address only: the admin still signs in from its own.
        Assert.False(string.IsNullOrEmpty(await server.TokenAsync(TestServer.AdminUser, TestServer.AdminPassword)));
    }

    [Fact]
    public async Task Account_changes_cannot_reach_the_other_center_escalate_or_collide()
    {
        await using var server = await TestServer.StartAsync(Store);
        var northAdmin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var southAdmin = await server.ClientAsAsync(TestServer.SouthAdminUser, TestServer.SouthAdminPassword);
        var southUsers = await southAdmin.GetFromJsonAsync<JsonElement>("/api/users");
        var southAdminId = southUsers.EnumerateArray().Single(u => u.GetProperty("username").GetString() == TestServer.SouthAdminUser).GetProperty("id").GetGuid();
        var northAdminId = (await northAdmin.GetFromJsonAsync<JsonElement>("/api/users")).EnumerateArray()
            .Single(u => u.GetProperty("username").GetString() == TestServer.AdminUser).GetProperty("id").GetGuid();
        var accountsBefore = await server.CountAsync("accounts");

        // Disabling or enabling the other center's admin: not found, and it still signs in.
        Assert.Equal(HttpStatusCode.NotFound, (await northAdmin.PostAsync($"/api/users/{southAdminId}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await northAdmin.PostAsync($"/api/users/{southAdminId}/enable", null)).StatusCode);
        Assert.False(string.IsNullOrEmpty(await server.TokenAsync(TestServer.SouthAdminUser, TestServer.SouthAdminPassword)));
        // Its own account: refused.
        Assert.Equal(HttpStatusCode.BadRequest, (await northAdmin.PostAsync($"/api/users/{northAdminId}/disable", null)).StatusCode);

        // Taking the other center's admin's name in any spelling: 409, naming no center.
        foreach (var name in new[] { "SOUTH-ADMIN", " south-admin ", "South-Admin\t" })
        {
            var taken = await northAdmin.PostAsJsonAsync("/api/users", new { username = name, password = TestServer.UserPassword, displayName = "사칭", role = "admin" });
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            var body = await taken.Content.ReadAsStringAsync();
            Assert.DoesNotContain("south", body.Replace("south-admin", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        // Another center named in any spelling of the field: refused.
        foreach (var center in new[] { "south", "South", "" })
        {
            var cross = await northAdmin.PostAsJsonAsync("/api/users", new { username = "x-" + Guid.NewGuid().ToString("N")[..8], password = TestServer.UserPassword, role = "admin", centerId = center });
            Assert.Equal(HttpStatusCode.Forbidden, cross.StatusCode);
        }

        // A manager creates nobody (least of all an admin), and disables nobody.
        using var manager = await server.ClientForNewUserAsync("manager");
        accountsBefore = await server.CountAsync("accounts");
        var escalate = await manager.PostAsJsonAsync("/api/users", new { username = "mgr-made-admin", password = TestServer.UserPassword, role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, escalate.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsync($"/api/users/{northAdminId}/disable", null)).StatusCode);
        Assert.Equal(accountsBefore, await server.CountAsync("accounts"));
        Assert.Equal(0, await server.CountAsync("accounts", "disabled_at IS NOT NULL"));
    }

    [Fact]
    public async Task Calendar_days_of_the_other_center_and_of_every_center_are_out_of_reach()
    {
        await using var server = await TestServer.StartAsync(Store);
        var northAdmin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var southAdmin = await server.ClientAsAsync(TestServer.SouthAdminUser, TestServer.SouthAdminPassword);
        var southDay = await southAdmin.PostAsJsonAsync("/api/calendar/days", new { date = "2026-12-24", name = "남부 휴관" });
        Assert.Equal(HttpStatusCode.Created, southDay.StatusCode);
        var southId = (await southDay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await northAdmin.DeleteAsync($"/api/calendar/days/{southId}")).StatusCode);
        foreach (var kind in new[] { "temporary", "Temporary", "fixed", "election", "CLOSURE " })
            Assert.Equal(HttpStatusCode.BadRequest, (await northAdmin.PostAsJsonAsync("/api/calendar/days", new { date = "2026-12-28", name = "임시", kind })).StatusCode);
        foreach (var date in new[] { "9999-12-31", "0001-01-01", "2026-02-30", "2026-12-28T00:00:00", "+2026-12-28" })
            Assert.Equal(HttpStatusCode.BadRequest, (await northAdmin.PostAsJsonAsync("/api/calendar/days", new { date, name = "휴관" })).StatusCode);
        using var manager = await server.ClientForNewUserAsync("manager");
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync("/api/calendar/days", new { date = "2026-12-28", name = "휴관" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.DeleteAsync($"/api/calendar/days/{southId}")).StatusCode);

        // South's day is still south's only; north's calendar has no row, and the only audited change is south's own.
        Assert.Equal(1, await server.CountAsync("calendar_closures", "id = @southId AND center_id = 'south'", new { southId }));
        Assert.Equal(1, await server.CountAsync("calendar_closures"));
        Assert.Equal(0, await server.CountAsync("audit_log", "action LIKE 'calendar.%' AND center_id = 'north'"));
        Assert.Equal(1, await server.CountAsync("audit_log", "action LIKE 'calendar.%' AND center_id = 'south'"));
    }

    [Fact]
    public async Task Link_contact_refuses_the_other_center_the_unassigned_the_resolved_itself_twice_and_huge_reasons()
    {
        await using var server = await TestServer.StartAsync(Store);
        await using var assignee = await HubUser.CreateAsync(server, "counselor");
        await using var bystander = await HubUser.CreateAsync(server, "counselor");
        await using var southManager = await HubUser.CreateAsync(server, "manager", "south");

        // A south resident (texting south's number), and a north chat the north counselor has.
        var southResident = Payloads.RandomMobile();
        var southSms = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(southResident.Dashed, "남부 상담 문의", to: "1588-0000"), TestServer.GatewaySecret);
        southSms.EnsureSuccessStatusCode();
        var southConversation = Guid.Parse((await southSms.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetString()!);
        var southContact = (await southManager.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{southConversation}")).GetProperty("contact").GetProperty("id").GetGuid();
        var chat = await server.KakaoAsync("u-" + Guid.NewGuid().ToString("N")[..12], "상담 원해요");
        await assignee.Hub.InvokeAsync("Claim", chat);
        var chatContact = (await assignee.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{chat}")).GetProperty("contact").GetProperty("id").GetGuid();

        async Task<HttpStatusCode> LinkAsync(HubUser who, Guid conversation, object body) =>
            (await who.Http.PostAsJsonAsync($"/api/conversations/{conversation}/link-contact", body)).StatusCode;

        // The other center's contact by id, over REST and the hub: not found.
        Assert.Equal(HttpStatusCode.NotFound, await LinkAsync(assignee, chat, new { contactId = southContact, reason = "확인함" }));
        await Assert.ThrowsAsync<HubException>(() => assignee.Hub.InvokeAsync<JsonElement>("LinkContact", chat, southContact, null, "확인함"));
        // The other center's conversation: not found, whoever asks.
        Assert.Equal(HttpStatusCode.NotFound, await LinkAsync(assignee, southConversation, new { contactId = chatContact, reason = "확인함" }));
        // Not the assignee: forbidden. Itself: refused. Reasons beyond 500 characters, or only spaces: 400; a body over 1 MiB: 413.
        Assert.Equal(HttpStatusCode.Forbidden, await LinkAsync(bystander, chat, new { phone = Payloads.RandomMobile().Dashed, reason = "확인함" }));
        Assert.Equal(HttpStatusCode.Conflict, await LinkAsync(assignee, chat, new { contactId = chatContact, reason = "확인함" }));
        Assert.Equal(HttpStatusCode.BadRequest, await LinkAsync(assignee, chat, new { phone = Payloads.RandomMobile().Dashed, reason = new string('가', 501) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await LinkAsync(assignee, chat, new { phone = Payloads.RandomMobile().Dashed, reason = new string('x', 2_000_000) })); // over the 1 MiB body limit: refused unread
        Assert.Equal(HttpStatusCode.BadRequest, await LinkAsync(assignee, chat, new { phone = Payloads.RandomMobile().Dashed, reason = " \u3000\t " }));
        Assert.Equal(0, await server.CountAsync("audit_log", "action = 'contact.linked'"));
        Assert.Equal(0, await server.CountAsync("contacts", "id = @chatContact AND phone IS NOT NULL", new { chatContact }));

        // The south resident's number, verified by a north counselor: it becomes north's record only; south's stays south's.
        Assert.Equal(HttpStatusCode.OK, await LinkAsync(assignee, chat, new { phone = southResident.Dashed, reason = "통화로 본인 확인" }));
        Assert.Equal(1, await server.CountAsync("contacts", "id = @southContact AND center_id = 'south' AND phone = @E164", new { southContact, southResident.E164 }));
        Assert.Equal(1, await server.CountAsync("conversations", "id = @southConversation AND contact_id = @southContact AND status <> 'resolved'", new { southConversation, southContact }));
        Assert.Equal(1, await server.CountAsync("channel_identities", "center_id = 'south' AND address = @E164 AND channel = 'sms' AND contact_id = @southContact", new { southContact, southResident.E164 }));
        Assert.Equal(0, await server.CountAsync("channel_identities", "center_id = 'south' AND address = @E164 AND contact_id <> @southContact", new { southContact, southResident.E164 }));
        // Twice: the number is the contact's own now.
        Assert.Equal(HttpStatusCode.Conflict, await LinkAsync(assignee, chat, new { phone = southResident.Dashed, reason = "통화로 본인 확인" }));

        // Resolved: refused until reopened.
        await assignee.Hub.InvokeAsync("Resolve", chat);
        Assert.Equal(HttpStatusCode.Conflict, await LinkAsync(assignee, chat, new { phone = Payloads.RandomMobile().Dashed, reason = "확인함" }));
        Assert.Equal(1, await server.CountAsync("audit_log", "action = 'contact.linked'"));
    }

    [Fact]
    public async Task Hub_calls_on_the_other_centers_conversation_and_odd_sequences_and_cursors_give_nothing_of_it()
    {
        await using var server = await TestServer.StartAsync(Store);
        await using var northManager = await HubUser.CreateAsync(server, "manager");
        await using var southManager = await HubUser.CreateAsync(server, "manager", "south");
        var southSms = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(Payloads.RandomMobile().Dashed, "남부 상담 문의", to: "1588-0000"), TestServer.GatewaySecret);
        southSms.EnsureSuccessStatusCode();
        var south = Guid.Parse((await southSms.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetString()!);
        var north = await server.SmsAsync(Payloads.RandomMobile().Dashed, "북부 상담 문의");

        var refused = 0;
        async Task Refused(Func<Task> call)
        {
            await Assert.ThrowsAsync<HubException>(call);
            refused++;
        }
        await Refused(() => northManager.Hub.InvokeAsync("Typing", south));
        await Refused(() => northManager.Hub.InvokeAsync("SetCategory", south, "기타", "프로그램"));
        await Refused(() => northManager.Hub.InvokeAsync<Guid>("AddReferral", south, "agency", "쉼터", "메모"));
        await Refused(() => northManager.Hub.InvokeAsync<Guid>("AddNote", south, "메모"));
        await Refused(() => northManager.Hub.InvokeAsync("Claim", south));
        await Refused(() => northManager.Hub.InvokeAsync("Resolve", south));
        await Refused(() => northManager.Hub.InvokeAsync("RequestPhoneCall", south));
        await Refused(() => northManager.Hub.InvokeAsync<JsonElement>("LinkContact", south, null, Payloads.RandomMobile().Dashed, "확인함"));
        Assert.Equal(8, refused);
        Assert.Equal(0, await server.CountAsync("conversation_events", "conversation_id = @south AND actor_id = @AccountId", new { south, northManager.AccountId }));
        Assert.Equal(0, await server.CountAsync("audit_log", "center_id = 'north' AND conversation_id = @south", new { south }));

        // South's own queue cursor, forged cursors and page sizes: only north's conversation, or a refusal.
        var southQueue = await southManager.Hub.InvokeAsync<JsonElement>("GetQueuePage", null, 1);
        var southItems = southQueue.GetProperty("conversations").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
        Assert.Equal([south], southItems);
        var fromSouthCursor = await northManager.Hub.InvokeAsync<JsonElement>("GetQueuePage", ForgeCursorBefore(), 200);
        Assert.Equal([north], fromSouthCursor.GetProperty("conversations").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        foreach (var forged in new[] { "", "AAAA", "x|y", new string('A', 20_000), Convert.ToBase64String("0|0|9223372036854775807|0|0|-1|00000000000000000000000000000000"u8.ToArray()) })
            await Assert.ThrowsAsync<HubException>(() => northManager.Hub.InvokeAsync<JsonElement>("GetQueuePage", forged, 10));
        foreach (var limit in new[] { 0, -1, int.MaxValue, int.MinValue })
            await Assert.ThrowsAsync<HubException>(() => northManager.Hub.InvokeAsync<JsonElement>("GetQueuePage", null, limit));

        // CatchUp from anywhere: never a south event, never an error.
        foreach (var after in new[] { -1L, long.MinValue, 0L, long.MaxValue })
        {
            var caught = await northManager.Hub.InvokeAsync<JsonElement>("CatchUp", after);
            foreach (var e in caught.GetProperty("events").EnumerateArray())
                Assert.DoesNotContain(south.ToString(), e.GetRawText(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_counselor_reads_over_REST_only_what_the_hub_shows_them_the_queue_and_their_own()
    {
        await using var server = await TestServer.StartAsync(Store);
        await using var assignee = await HubUser.CreateAsync(server, "counselor");
        await using var colleague = await HubUser.CreateAsync(server, "counselor");
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var taken = await server.SmsAsync(Payloads.RandomMobile().Dashed, "기초연금 상담 부탁드려요");
        var waiting = await server.SmsAsync(Payloads.RandomMobile().Dashed, "주거급여 문의합니다");
        await assignee.Hub.InvokeAsync("Claim", taken);

        async Task<List<Guid>> ListAsync(HubUser who, string query = "") =>
            [.. (await who.Http.GetFromJsonAsync<JsonElement>("/api/conversations?limit=200" + query)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

        // The colleague: the queue, not the assigned conversation — not by id, not in the list, not by asking for its assignee.
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.Http.GetAsync($"/api/conversations/{taken}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await colleague.Http.GetAsync($"/api/conversations/{waiting}")).StatusCode);
        var seen = await ListAsync(colleague);
        Assert.Contains(waiting, seen);
        Assert.DoesNotContain(taken, seen);
        Assert.Empty(await ListAsync(colleague, $"&assignee={assignee.AccountId}"));
        Assert.Equal(0, await server.CountAsync("audit_log", "action = 'conversation.read' AND account_id = @AccountId AND conversation_id = @taken", new { colleague.AccountId, taken }));

        // The assignee and a manager read it.
        Assert.Equal(HttpStatusCode.OK, (await assignee.Http.GetAsync($"/api/conversations/{taken}")).StatusCode);
        Assert.Contains(taken, await ListAsync(assignee));
        Assert.Equal(HttpStatusCode.OK, (await manager.Http.GetAsync($"/api/conversations/{taken}")).StatusCode);
        Assert.Contains(taken, await ListAsync(manager, $"&assignee={assignee.AccountId}"));
    }

    /// <summary>A well-formed cursor before every conversation (rank 0, due at the epoch).</summary>
    private static string ForgeCursorBefore() =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"0|0|0|0|0|0|{Guid.Empty:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
