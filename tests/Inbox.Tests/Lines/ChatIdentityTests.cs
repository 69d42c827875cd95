using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Lines;

public sealed class SqliteChatIdentityTests : ChatIdentityTests<SqliteStore>;

public sealed class PostgresChatIdentityTests : ChatIdentityTests<PostgresStore>;

public sealed class SqlServerChatIdentityTests : ChatIdentityTests<SqlServerStore>;

/// <summary>A chat user is not a verified resident: a number typed in a chat is a claim, joining records is a counselor's act.</summary>
public abstract class ChatIdentityTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset MondayMorning = new(2026, 11, 30, 10, 0, 0, TimeSpan.FromHours(9));
    private const string Disclosure = "남편이 또 때렸어요. 집에 못 들어가겠어요";
    private const string ShelterReply = "오늘 밤 머무실 수 있는 쉼터를 연결해 드릴게요. 주소는 문자로 보내드립니다.";

    [Fact]
    public async Task A_stranger_who_types_a_residents_number_in_a_chat_gets_none_of_their_record_and_none_of_their_replies()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var shelter = await HubUser.CreateAsync(server, "counselor");
        await using var chatDesk = await HubUser.CreateAsync(server, "counselor");

        // Resident A texts about violence at home; the shelter answers by SMS.
        var a = Payloads.RandomMobile();
        var aConversation = await server.SmsAsync(a.Dashed, Disclosure);
        await shelter.Hub.InvokeAsync("Claim", aConversation);
        clock.Advance(TimeSpan.FromMinutes(2));
        await shelter.Hub.InvokeAsync<Guid[]>("Reply", aConversation, ShelterReply, "shelter-1");
        var aBefore = await MessagesAsync(shelter, aConversation);

        // Stranger B, on KakaoTalk, asks for a call and types A's number when asked for one.
        clock.Advance(TimeSpan.FromMinutes(10));
        var bKey = "u-" + Guid.NewGuid().ToString("N")[..12];
        var bConversation = await server.KakaoAsync(bKey, "전화주세요");
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(bConversation, await server.KakaoAsync(bKey, a.Dashed));
        var given = await chatDesk.Events.WaitForAsync("CallbackChanged",
            c => c.GetProperty("conversationId").GetGuid() == bConversation && c.GetProperty("change").GetString() == "number_given", Wait);

        // B's conversation holds none of A's messages; B's contact has no number; A's contact got no KakaoTalk identity.
        await chatDesk.Hub.InvokeAsync("Claim", bConversation);
        var b = await chatDesk.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{bConversation}");
        var bBodies = b.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()).ToList();
        Assert.DoesNotContain(Disclosure, bBodies);
        Assert.DoesNotContain(ShelterReply, bBodies);
        Assert.All(b.GetProperty("messages").EnumerateArray(), m => Assert.Equal("kakao", m.GetProperty("channel").GetString()));
        Assert.Equal(JsonValueKind.Null, b.GetProperty("contact").GetProperty("phone").ValueKind);
        Assert.Equal(["kakao"], b.GetProperty("contact").GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("channel").GetString()));

        // The number is the one to call back, shown as given in the chat and not verified.
        Assert.Equal(a.E164, given.GetProperty("phone").GetString());
        Assert.False(given.GetProperty("phoneVerified").GetBoolean());
        var callback = Assert.Single(b.GetProperty("callbacks").EnumerateArray());
        Assert.Equal(a.E164, callback.GetProperty("phone").GetString());
        Assert.False(callback.GetProperty("phoneVerified").GetBoolean());
        Assert.Equal(0, await server.CountAsync("channel_identities i JOIN contacts k ON k.id = i.contact_id", "k.phone = @E164 AND i.channel = 'kakao'", new { a.E164 }));

        // The next reply in B's conversation goes to B's KakaoTalk only, and A's conversation is as it was.
        clock.Advance(TimeSpan.FromMinutes(1));
        var replyIds = await chatDesk.Hub.InvokeAsync<Guid[]>("Reply", bConversation, "네, 곧 전화드리겠습니다.", "desk-1");
        var reply = Assert.Single(replyIds);
        var sent = (await MessagesAsync(chatDesk, bConversation)).Single(m => m.GetProperty("id").GetGuid() == reply);
        Assert.Equal("kakao", sent.GetProperty("channel").GetString());
        Assert.Equal(bKey, sent.GetProperty("metadata").GetProperty("to").GetString());
        Assert.Equal(0, await server.CountAsync("messages", "direction = 'out' AND metadata LIKE @to AND conversation_id <> @aConversation",
            new { to = $"%{a.E164}%", aConversation }));
        var sms = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            chatDesk.Hub.InvokeAsync<Guid[]>("ReplyOn", bConversation, "sms", "문자로 보내드릴게요", "desk-2"));
        Assert.Contains("no phone number", sms.Message);

        var aAfter = await shelter.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{aConversation}");
        Assert.Equal("open", aAfter.GetProperty("conversation").GetProperty("status").GetString());
        Assert.Equal(shelter.AccountId, aAfter.GetProperty("conversation").GetProperty("assigneeId").GetGuid());
        Assert.Equal(aBefore.Select(m => m.GetProperty("id").GetGuid()), aAfter.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()));
        Assert.DoesNotContain(aAfter.GetProperty("contact").GetProperty("identities").EnumerateArray(), i => i.GetProperty("channel").GetString() == "kakao");
    }

    [Fact]
    public async Task The_assignee_links_the_chat_to_the_resident_after_verifying_them_on_the_call_and_the_link_is_audited_with_the_reason()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var a = Payloads.RandomMobile();
        var byText = await server.SmsAsync(a.Dashed, "기초연금 서류 문의드립니다");
        var aContact = (await manager.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{byText}")).GetProperty("contact").GetProperty("id").GetGuid();

        clock.Advance(TimeSpan.FromMinutes(5));
        var userKey = "u-" + Guid.NewGuid().ToString("N")[..12];
        var chat = await server.KakaoAsync(userKey, "문자 보냈는데 전화로 상담하고 싶어요", extra: "CALL_REQUEST");
        clock.Advance(TimeSpan.FromMinutes(1));
        await server.KakaoAsync(userKey, $"제 번호는 {a.Dashed} 입니다");
        await counselor.Hub.InvokeAsync("Claim", chat);
        var request = Assert.Single((await counselor.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{chat}")).GetProperty("callbacks").EnumerateArray());

        // The counselor calls the number for this request (the phone system names it): the call joins the chat, not A's record.
        clock.Advance(TimeSpan.FromMinutes(3));
        var call = await server.PostSignedAsync("/webhooks/phone/transcripts", JsonSerializer.Serialize(new
        {
            callId = "call-" + Guid.NewGuid().ToString("N"), direction = "outbound", callerNumber = "1899-6808", calledNumber = a.Compact,
            agentId = counselor.Username, status = "answered", startedAt = clock.Now, endedAt = clock.Now.AddMinutes(3), language = "ko-KR",
            callbackId = request.GetProperty("id").GetGuid(),
            segments = new[] { new { speaker = "counselor", startMs = 0, endMs = 2000, text = "성함과 생년월일 확인 부탁드립니다", confidence = 0.95 } },
        }), TestServer.PhoneSecret);
        call.EnsureSuccessStatusCode();
        Assert.Equal(chat, Guid.Parse((await call.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetString()!));
        Assert.Equal(0, await server.CountAsync("channel_identities", "contact_id = @aContact AND channel = 'kakao'", new { aContact }));

        // Verified on the call: the assignee joins the records, saying how.
        const string reason = "콜백 통화에서 성함·생년월일로 본인 확인";
        var linked = await counselor.Http.PostAsJsonAsync($"/api/conversations/{chat}/link-contact", new { phone = a.Dashed, reason });
        Assert.Equal(System.Net.HttpStatusCode.OK, linked.StatusCode);
        var result = await linked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(aContact, result.GetProperty("contactId").GetGuid());
        Assert.Equal(byText, result.GetProperty("mergedConversationId").GetGuid());

        var changed = await counselor.Events.WaitForAsync("ConversationChanged",
            c => c.GetProperty("id").GetGuid() == chat && c.GetProperty("reason").GetString() == "contact.linked", Wait);
        Assert.Equal(aContact, changed.GetProperty("contact").GetProperty("id").GetGuid());
        Assert.Equal(a.E164, changed.GetProperty("contact").GetProperty("phone").GetString());
        var resolved = await manager.Events.WaitForAsync("ConversationChanged",
            c => c.GetProperty("id").GetGuid() == byText && c.GetProperty("reason").GetString() == "conversation.resolved", Wait);
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());

        var detail = await counselor.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{chat}");
        Assert.Equal(aContact, detail.GetProperty("contact").GetProperty("id").GetGuid());
        Assert.Contains(detail.GetProperty("messages").EnumerateArray(), m => m.GetProperty("body").GetString() == "기초연금 서류 문의드립니다");
        Assert.True(Assert.Single(detail.GetProperty("callbacks").EnumerateArray()).GetProperty("phoneVerified").GetBoolean());
        Assert.Equal(1, await server.CountAsync("channel_identities", "contact_id = @aContact AND channel = 'kakao' AND address = @userKey", new { aContact, userKey }));

        var audit = await manager.Http.GetFromJsonAsync<JsonElement>("/api/audit?action=contact.linked");
        var record = Assert.Single(audit.EnumerateArray());
        Assert.Equal(counselor.Username, record.GetProperty("username").GetString());
        Assert.Equal(aContact, record.GetProperty("contactId").GetGuid());
        Assert.Equal(chat, record.GetProperty("conversationId").GetGuid());
        Assert.Contains(reason, record.GetProperty("detail").GetString());

        // One resident now: their next text joins the chat's conversation, and a reply follows where they last wrote.
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(chat, await server.SmsAsync(a.Dashed, "통화 감사합니다"));
    }

    [Fact]
    public async Task A_manager_links_a_chat_through_the_hub_to_the_number_they_verified_and_texts_from_it_then_join_the_chat()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var userKey = "u-" + Guid.NewGuid().ToString("N")[..12];
        var chat = await server.KakaoAsync(userKey, "전화 부탁드려요");
        var number = Payloads.RandomMobile();
        await server.KakaoAsync(userKey, number.Compact);
        var chatContact = (await manager.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{chat}")).GetProperty("contact").GetProperty("id").GetGuid();

        // Typed, the number is nobody's: a text from it starts its own record.
        var stranger = await server.SmsAsync(number.Dashed, "누구세요?");
        Assert.NotEqual(chat, stranger);
        await manager.Hub.InvokeAsync("Resolve", stranger);

        var result = await manager.Hub.InvokeAsync<JsonElement>("LinkContact", chat, null, number.Dashed, "통화로 본인 확인, 번호 직접 확인함");
        Assert.Equal(JsonValueKind.Null, result.GetProperty("mergedConversationId").ValueKind);
        var owner = result.GetProperty("contactId").GetGuid();
        Assert.NotEqual(chatContact, owner); // the number's record existed (the text above): the chat joined it
        await manager.Events.WaitForAsync("ConversationChanged", c => c.GetProperty("id").GetGuid() == chat && c.GetProperty("reason").GetString() == "contact.linked", Wait);

        var detail = await manager.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{chat}");
        Assert.Equal(number.E164, detail.GetProperty("contact").GetProperty("phone").GetString());
        Assert.True(Assert.Single(detail.GetProperty("callbacks").EnumerateArray()).GetProperty("phoneVerified").GetBoolean());
        Assert.Equal(chat, await server.SmsAsync(number.Dashed, "네 접니다"));

        // A chat with no record of its number anywhere gets the number itself, as the counselor verified it.
        var otherKey = "u-" + Guid.NewGuid().ToString("N")[..12];
        var fresh = await server.KakaoAsync(otherKey, "안녕하세요");
        var freshNumber = Payloads.RandomMobile();
        var own = await manager.Hub.InvokeAsync<JsonElement>("LinkContact", fresh, null, freshNumber.E164, "방문 상담에서 신분증 확인");
        var freshDetail = await manager.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{fresh}");
        Assert.Equal(freshDetail.GetProperty("contact").GetProperty("id").GetGuid(), own.GetProperty("contactId").GetGuid());
        Assert.Equal(freshNumber.E164, freshDetail.GetProperty("contact").GetProperty("phone").GetString());
        Assert.Contains(freshDetail.GetProperty("contact").GetProperty("identities").EnumerateArray(),
            i => i.GetProperty("channel").GetString() == "sms" && i.GetProperty("source").GetString() == "counselor");
        Assert.Equal(fresh, await server.SmsAsync(freshNumber.Dashed, "문자로도 연락드려요"));
    }

    [Fact]
    public async Task Links_of_one_new_number_from_several_chats_at_once_give_it_to_one_record_and_refuse_the_others_with_409()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var chats = new List<Guid>();
        for (var i = 0; i < 6; i++)
            chats.Add(await server.KakaoAsync("u-" + Guid.NewGuid().ToString("N")[..12], "전화주세요"));
        var number = Payloads.RandomMobile();

        var answers = await Task.WhenAll(chats.Select(chat =>
            manager.Http.PostAsJsonAsync($"/api/conversations/{chat}/link-contact", new { phone = number.Dashed, reason = "통화로 본인 확인" })));

        // Never a 500: the unique key on the number decides, and the losers are told so.
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.Conflict }));
        Assert.Equal(1, await server.CountAsync("contacts", "phone = @E164", new { number.E164 }));
    }

    [Fact]
    public async Task Only_the_assignee_or_a_manager_of_the_same_center_links_records_and_a_refused_link_changes_nothing()
    {
        var clock = new ManualClock(MondayMorning);
        await using var server = await TestServer.StartAsync(Store, clock: clock);
        await using var assignee = await HubUser.CreateAsync(server, "counselor");
        await using var colleague = await HubUser.CreateAsync(server, "counselor");
        await using var manager = await HubUser.CreateAsync(server, "manager");
        await using var southManager = await HubUser.CreateAsync(server, "manager", "south");
        var a = Payloads.RandomMobile();
        await server.SmsAsync(a.Dashed, "주거급여 문의합니다");
        var userKey = "u-" + Guid.NewGuid().ToString("N")[..12];
        var chat = await server.KakaoAsync(userKey, "전화주세요");
        await server.KakaoAsync(userKey, a.Dashed);
        await assignee.Hub.InvokeAsync("Claim", chat);

        // A south resident, to be named from the north.
        var southResident = Payloads.RandomMobile();
        var south = await server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(southResident.Dashed, "남부센터 문의", to: "1588-0000"), TestServer.GatewaySecret);
        var southConversation = Guid.Parse((await south.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetString()!);
        var southContact = (await southManager.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{southConversation}")).GetProperty("contact").GetProperty("id").GetGuid();

        async Task<JsonElement> RefusedAsync(HubUser who, object body, System.Net.HttpStatusCode status)
        {
            var answer = await who.Http.PostAsJsonAsync($"/api/conversations/{chat}/link-contact", body);
            Assert.Equal(status, answer.StatusCode);
            return await answer.Content.ReadFromJsonAsync<JsonElement>();
        }

        var noReason = await RefusedAsync(assignee, new { phone = a.Dashed }, System.Net.HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        var both = await RefusedAsync(assignee, new { phone = a.Dashed, contactId = Guid.NewGuid(), reason = "확인함" }, System.Net.HttpStatusCode.BadRequest);
        Assert.True(both.GetProperty("errors").TryGetProperty("phone", out _));
        var badNumber = await RefusedAsync(assignee, new { phone = "12", reason = "확인함" }, System.Net.HttpStatusCode.BadRequest);
        Assert.True(badNumber.GetProperty("errors").TryGetProperty("phone", out _));
        await RefusedAsync(colleague, new { phone = a.Dashed, reason = "확인함" }, System.Net.HttpStatusCode.Forbidden);
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            colleague.Hub.InvokeAsync<JsonElement>("LinkContact", chat, null, a.Dashed, "확인함"));
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            assignee.Hub.InvokeAsync<JsonElement>("LinkContact", chat, null, a.Dashed, " "));

        // Never across centers: another center's manager does not find the chat, and a north manager does not find a south resident.
        await RefusedAsync(southManager, new { phone = a.Dashed, reason = "확인함" }, System.Net.HttpStatusCode.NotFound);
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            southManager.Hub.InvokeAsync<JsonElement>("LinkContact", chat, southContact, null, "확인함"));
        await RefusedAsync(manager, new { contactId = southContact, reason = "확인함" }, System.Net.HttpStatusCode.NotFound);

        Assert.Equal(0, await server.CountAsync("channel_identities i JOIN contacts k ON k.id = i.contact_id", "k.phone = @E164 AND i.channel = 'kakao'", new { a.E164 }));
        Assert.Equal(1, await server.CountAsync("channel_identities", "contact_id = @southContact", new { southContact }));
        Assert.Equal(2, await server.CountAsync("contacts", "center_id = 'north'"));
        Assert.Equal(0, await server.CountAsync("audit_log", "action = 'contact.linked'"));
        Assert.Equal(0, await server.CountAsync("conversation_events", "type = 'contact.linked'"));
    }

    [Fact]
    public async Task The_upgrade_drops_the_identities_the_old_code_made_from_numbers_typed_in_chats_and_keeps_real_ones()
    {
        var clock = new ManualClock(MondayMorning);
        var typed = Payloads.RandomMobile();
        var texter = Payloads.RandomMobile();
        var userKey = "u-" + Guid.NewGuid().ToString("N")[..12];
        string connectionString;
        Guid chat, chatContact;
        await using (var before = await TestServer.StartAsync(Store, clock: clock))
        {
            connectionString = before.ConnectionString;
            await before.SmsAsync(texter.Dashed, "장애인 활동지원 문의");
            chat = await before.KakaoAsync(userKey, "전화주세요");
            await before.KakaoAsync(userKey, typed.Dashed);
            // What the old code wrote for the typed number: the chat contact's phone and identities "given by the resident".
            var database = before.Services.GetRequiredService<Inbox.Storage.Database>();
            await using (var s = await database.BeginAsync(CancellationToken.None))
            {
                chatContact = (await s.SingleOrDefaultAsync<Guid>("SELECT contact_id FROM conversations WHERE id = @chat", new { chat }, CancellationToken.None))!;
                await s.ExecuteAsync("UPDATE contacts SET phone = @E164 WHERE id = @chatContact", new { typed.E164, chatContact }, CancellationToken.None);
                foreach (var channel in new[] { "sms", "phone" })
                    await s.ExecuteAsync(
                        "INSERT INTO channel_identities (id, center_id, contact_id, channel, address, source, created_at) VALUES (@id, 'north', @chatContact, @channel, @E164, 'resident', @now)",
                        new { id = Guid.NewGuid(), chatContact, channel, typed.E164, now = clock.Now }, CancellationToken.None);
                await s.ExecuteAsync("DELETE FROM schema_migrations WHERE version = 5", null, CancellationToken.None);
                await s.CommitAsync(CancellationToken.None);
            }
            Assert.Equal(chat, await before.SmsAsync(typed.Dashed, "여보세요")); // the hole: a text from the typed number joins the chat
        }

        await using var after = await TestServer.StartAsync(Store, connectionString: connectionString, clock: clock);
        Assert.Equal(0, await after.CountAsync("channel_identities", "source = 'resident'"));
        Assert.Equal(1, await after.CountAsync("contacts", "id = @chatContact AND phone IS NULL", new { chatContact }));
        Assert.Equal(1, await after.CountAsync("channel_identities i JOIN contacts k ON k.id = i.contact_id", "k.phone = @E164 AND i.channel = 'sms'", new { texter.E164 }));
        Assert.NotEqual(chat, await after.SmsAsync(typed.Dashed, "다시 문자드려요"));
    }

    private static async Task<List<JsonElement>> MessagesAsync(HubUser user, Guid conversationId) =>
        [.. (await user.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{conversationId}")).GetProperty("messages").EnumerateArray()];
}
