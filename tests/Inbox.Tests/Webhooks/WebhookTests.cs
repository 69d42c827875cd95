using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Webhooks;

public sealed class SqliteWebhookTests(ServerFixture<SqliteStore> fixture) : WebhookTests<SqliteStore>(fixture);

public sealed class PostgresWebhookTests(ServerFixture<PostgresStore> fixture) : WebhookTests<PostgresStore>(fixture);

public sealed class SqlServerWebhookTests(ServerFixture<SqlServerStore> fixture) : WebhookTests<SqlServerStore>(fixture);

/// <summary>Every webhook through the real HTTP pipeline on a real Kestrel socket, written once, run on each store.</summary>
public abstract class WebhookTests<TStore>(ServerFixture<TStore> fixture) : ServerSuite<TStore>(fixture), IClassFixture<ServerFixture<TStore>> where TStore : TestStore, new()
{
    [Fact]
    public async Task Every_sample_is_stored_once_and_a_redelivery_of_each_stores_nothing_new()
    {
        await using var server = await TestServer.StartAsync(Store); // its own empty database: every sample is new here
        Assert.True(Sample.All.Count >= 15, $"expected the sample folders to hold at least 15 requests, found {Sample.All.Count}");
        foreach (var sample in Sample.All)
        {
            var response = await sample.PostAsync(server);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{sample}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (sample.IsTwilio)
                Assert.Contains("<Response/>", await response.Content.ReadAsStringAsync());
            else
                Assert.Equal("stored", (await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        }
        Assert.Equal(Sample.All.Count, await server.CountAsync("messages", "center_id = 'north' AND author_id IS NULL AND (direction = 'in' OR kind = 'transcript')"));

        var before = await server.SnapshotAsync();
        foreach (var sample in Sample.All)
        {
            var again = await sample.PostAsync(server);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            if (!sample.IsTwilio)
                Assert.Equal("duplicate", (await again.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        }
        Assert.Equal(before, await server.SnapshotAsync());
    }

    [Fact]
    public async Task Samples_keep_their_media_long_text_transcripts_and_mask_registration_numbers()
    {
        foreach (var sample in Sample.All)
            Assert.Equal(HttpStatusCode.OK, (await sample.PostAsync(Server)).StatusCode);
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);

        // A resident registration number typed into an SMS is masked before it is stored.
        var rrn = Json(Sample.Get("sms/gateway-04-rrn-medical-aid.json"));
        var rrnMessage = await MessageAsync(admin, rrn["from"]!.GetValue<string>(), rrn["messageId"]!.GetValue<string>());
        Assert.Contains("850315-*******", rrnMessage.GetProperty("body").GetString());
        Assert.DoesNotContain("2345678", rrnMessage.GetProperty("body").GetString());
        Assert.Equal(0, await Server.CountAsync("messages", "body LIKE '%850315-2345678%'"));

        // A long LMS keeps its subject; MMS media are attachments.
        var lms = Json(Sample.Get("sms/gateway-02-lms-emergency-welfare.json"));
        var lmsMessage = await MessageAsync(admin, lms["from"]!.GetValue<string>(), lms["messageId"]!.GetValue<string>());
        Assert.Equal(lms["subject"]!.GetValue<string>(), lmsMessage.GetProperty("subject").GetString());
        Assert.Equal(lms["text"]!.GetValue<string>(), lmsMessage.GetProperty("body").GetString());

        var mms = Sample.Get("sms/twilio-01-mms-disability-decision-photo.form").Form().ToDictionary(p => p.Key, p => p.Value);
        var mmsMessage = await MessageAsync(admin, mms["From"], mms["MessageSid"]);
        Assert.Equal("media", mmsMessage.GetProperty("kind").GetString());
        var mmsAttachment = Assert.Single(mmsMessage.GetProperty("attachments").EnumerateArray());
        Assert.Equal(mms["MediaUrl0"], mmsAttachment.GetProperty("url").GetString());
        Assert.Equal(mms["MediaContentType0"], mmsAttachment.GetProperty("contentType").GetString());

        // A Kakao text over 1,000 characters keeps the reference to its full text; a photo is an attachment; a button tap keeps its payload.
        var longText = Json(Sample.Get("kakao/message-02-long-text-with-attachment.json"));
        var longMessage = await KakaoMessageAsync(admin, longText);
        var fullText = Assert.Single(longMessage.GetProperty("attachments").EnumerateArray());
        Assert.Equal("full_text", fullText.GetProperty("purpose").GetString());
        Assert.Equal(longText["attachment"]!.GetValue<string>(), fullText.GetProperty("url").GetString());

        var photo = Json(Sample.Get("kakao/message-03-photo-gas-bill.json"));
        var photoMessage = await KakaoMessageAsync(admin, photo);
        Assert.Equal("media", photoMessage.GetProperty("kind").GetString());
        Assert.Equal(photo["contents"]![0]!["url"]!.GetValue<string>(), photoMessage.GetProperty("attachments")[0].GetProperty("url").GetString());

        var button = Json(Sample.Get("kakao/message-05-call-button.json"));
        var buttonMessage = await KakaoMessageAsync(admin, button);
        Assert.Equal("CALL_REQUEST", buttonMessage.GetProperty("metadata").GetProperty("extra").GetString());

        // A transcript is one message with its segments: speaker, offsets and text, in order.
        var call = Json(Sample.Get("phone/transcript-01-inbound-basic-livelihood.json"));
        var callMessage = await MessageAsync(admin, call["callerNumber"]!.GetValue<string>(), call["callId"]!.GetValue<string>());
        Assert.Equal("transcript", callMessage.GetProperty("kind").GetString());
        var expected = call["segments"]!.AsArray();
        var segments = callMessage.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(expected.Count, segments.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i]!["speaker"]!.GetValue<string>(), segments[i].GetProperty("speaker").GetString());
            Assert.Equal(expected[i]!["startMs"]!.GetValue<int>(), segments[i].GetProperty("startMs").GetInt32());
            Assert.Equal(expected[i]!["endMs"]!.GetValue<int>(), segments[i].GetProperty("endMs").GetInt32());
            Assert.Equal(expected[i]!["text"]!.GetValue<string>(), segments[i].GetProperty("text").GetString());
        }

        var missed = Json(Sample.Get("phone/transcript-02-missed-call.json"));
        var missedMessage = await MessageAsync(admin, missed["callerNumber"]!.GetValue<string>(), missed["callId"]!.GetValue<string>());
        Assert.Equal("missed", missedMessage.GetProperty("metadata").GetProperty("status").GetString());
        Assert.Empty(missedMessage.GetProperty("segments").EnumerateArray());
    }

    [Fact]
    public async Task An_sms_and_a_call_from_the_same_phone_are_one_contact_in_one_conversation()
    {
        var resident = Payloads.RandomMobile();
        var sms = await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, "전화 부탁드립니다"), TestServer.GatewaySecret);
        var call = await Server.PostSignedAsync("/webhooks/phone/transcripts", Payloads.Transcript(resident.Compact, "missed"), TestServer.PhoneSecret);
        Assert.Equal(HttpStatusCode.OK, sms.StatusCode);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);

        var smsAnswer = await sms.Content.ReadFromJsonAsync<JsonObject>();
        var callAnswer = await call.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(smsAnswer!["conversationId"]!.GetValue<string>(), callAnswer!["conversationId"]!.GetValue<string>());
        Assert.Equal(1, await Server.CountAsync("contacts", "phone = @phone", new { phone = resident.E164 }));
        Assert.Equal(2, await Server.CountAsync("channel_identities", "address = @phone", new { phone = resident.E164 }));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(12)]
    public async Task Concurrent_webhooks_for_one_new_resident_make_one_contact_and_one_conversation(int concurrent)
    {
        var resident = Payloads.RandomMobile();
        var responses = await Task.WhenAll(Enumerable.Range(0, concurrent).Select(i => i % 2 == 0
            ? Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, $"문의 {i}"), TestServer.GatewaySecret)
            : Server.PostSignedAsync("/webhooks/phone/transcripts", Payloads.Transcript(resident.Compact, "answered"), TestServer.PhoneSecret)));

        foreach (var r in responses)
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()} {string.Join("\n", Server.Logs.Lines.Where(l => l.Contains("Exception")).Take(3))}");
        Assert.Equal(1, await Server.CountAsync("contacts", "phone = @phone", new { phone = resident.E164 }));
        Assert.Equal(1, await Server.CountAsync("conversations c JOIN contacts k ON k.id = c.contact_id", "k.phone = @phone", new { phone = resident.E164 }));
        Assert.Equal(concurrent, await Server.CountAsync("messages m JOIN contacts k ON k.id = m.contact_id", "k.phone = @phone AND m.direction = 'in'", new { phone = resident.E164 }));
    }

    [Fact]
    public async Task The_same_message_delivered_concurrently_is_stored_once()
    {
        var body = Payloads.Gateway(Payloads.RandomMobile().Dashed, "같은 메시지");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Server.PostSignedAsync("/webhooks/sms/gateway", body, TestServer.GatewaySecret)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var statuses = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>()));
        Assert.Equal(1, statuses.Count(s => s == "stored"));
        Assert.Equal(7, statuses.Count(s => s == "duplicate"));
        var id = JsonNode.Parse(body)!["messageId"]!.GetValue<string>();
        Assert.Equal(1, await Server.CountAsync("messages", "provider_message_id = @id", new { id }));
    }

    [Fact]
    public async Task Traffic_to_another_centers_number_lands_in_that_center()
    {
        var resident = Payloads.RandomMobile();
        var response = await Server.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, "남부센터 문의", to: "1588-0000"), TestServer.GatewaySecret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await Server.CountAsync("conversations c JOIN contacts k ON k.id = c.contact_id", "k.phone = @phone AND c.center_id = 'south'", new { phone = resident.E164 }));
    }

    public static TheoryData<string, string, string> BadPayloads => new()
    {
        { "not json", "{\"messageId\": ", "$" },
        { "missing id", """{"from":"010-1111-2222","to":"1899-6808","text":"안녕하세요"}""", "messageId" },
        { "bad sender", """{"messageId":"x-1","from":"010-12","to":"1899-6808","text":"안녕하세요"}""", "from" },
        { "unknown center", """{"messageId":"x-2","from":"010-1111-2222","to":"1577-1234","text":"안녕하세요"}""", "to" },
        { "empty message", """{"messageId":"x-3","from":"010-1111-2222","to":"1899-6808"}""", "text" },
        { "wrong type", """{"messageId":"x-4","from":"010-1111-2222","to":"1899-6808","text":"안녕","receivedAt":17}""", "receivedAt" },
    };

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public async Task A_malformed_payload_is_refused_with_400_naming_the_field_and_stores_nothing(string why, string body, string field)
    {
        var before = await Server.SnapshotAsync();
        var response = await Server.PostSignedAsync("/webhooks/sms/gateway", body, TestServer.GatewaySecret);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field), $"{why}: {problem}");
        Assert.Equal(before, await Server.SnapshotAsync());
    }

    [Theory]
    [InlineData("/webhooks/kakao/message", """{"user_key":"u1","sender_key":"9f3c1a7e5b2d4c6a8e0f1b3d5c7a9e1f2b4d6c8a","serial_number":"s1","type":"sticker","content":"x"}""", "type")]
    [InlineData("/webhooks/kakao/message", """{"user_key":"u1","sender_key":"9f3c1a7e5b2d4c6a8e0f1b3d5c7a9e1f2b4d6c8a","serial_number":"s1","type":"text","content":"x","time":"yesterday"}""", "time")]
    [InlineData("/webhooks/kakao/message", """{"user_key":"u1","sender_key":"unknown-key","serial_number":"s1","type":"text","content":"x"}""", "sender_key")]
    [InlineData("/webhooks/phone/transcripts", """{"callId":"c1","direction":"sideways","callerNumber":"010-1111-2222","calledNumber":"1899-6808","status":"answered","startedAt":"2026-11-20T10:00:00+09:00"}""", "direction")]
    [InlineData("/webhooks/phone/transcripts", """{"callId":"c1","direction":"inbound","callerNumber":"010-1111-2222","calledNumber":"1899-6808","status":"answered","startedAt":"2026-11-20T10:00:00+09:00","segments":[{"speaker":"robot","startMs":0,"endMs":10,"text":"x"}]}""", "segments[0].speaker")]
    public async Task Kakao_and_phone_payloads_are_checked_field_by_field(string path, string body, string field)
    {
        var secret = path.Contains("kakao") ? TestServer.KakaoSecret : TestServer.PhoneSecret;
        var before = await Server.SnapshotAsync();
        var response = await Server.PostSignedAsync(path, body, secret);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        Assert.Equal(before, await Server.SnapshotAsync());
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_and_stale_requests_are_refused_with_401()
    {
        var body = Payloads.Gateway(Payloads.RandomMobile().Dashed, "서명 확인");
        var before = await Server.SnapshotAsync();

        var unsigned = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sms/gateway") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client.SendAsync(unsigned)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostSignedAsync("/webhooks/sms/gateway", body, "not-the-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostSignedAsync("/webhooks/kakao/message", body, TestServer.GatewaySecret)).StatusCode);
        var stale = DateTimeOffset.UtcNow.AddSeconds(-301).ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostSignedAsync("/webhooks/sms/gateway", body, TestServer.GatewaySecret, stale)).StatusCode);
        var future = DateTimeOffset.UtcNow.AddSeconds(301).ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostSignedAsync("/webhooks/sms/gateway", body, TestServer.GatewaySecret, future)).StatusCode);

        var form = Sample.Get("sms/twilio-02-callback-request.form").Form().Select(p => p.Key == "MessageSid" ? KeyValuePair.Create(p.Key, "SM" + Guid.NewGuid().ToString("N")) : p).ToList();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostTwilioAsync(form, token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostTwilioAsync(form, token: "wrong-token")).StatusCode);
        var tampered = form.Select(p => p.Key == "Body" ? KeyValuePair.Create(p.Key, p.Value + "!") : p).ToList();
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sms/twilio") { Content = new FormUrlEncodedContent(tampered) };
        request.Headers.Add(Inbox.Channels.TwilioSignature.Header,
            Inbox.Channels.TwilioSignature.Compute(TestServer.TwilioToken, new Uri(Server.BaseAddress, "/webhooks/sms/twilio").ToString(), form));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client.SendAsync(request)).StatusCode);

        Assert.Equal(before, await Server.SnapshotAsync());
        Assert.Equal(HttpStatusCode.OK, (await Server.PostTwilioAsync(form)).StatusCode); // the same form, rightly signed, is accepted
    }

    [Fact]
    public async Task A_body_over_256_KiB_is_refused_with_413()
    {
        var before = await Server.SnapshotAsync();
        var body = Payloads.Gateway(Payloads.RandomMobile().Dashed, new string('가', 90_000)); // 270,000 bytes of UTF-8
        var response = await Server.PostSignedAsync("/webhooks/sms/gateway", body, TestServer.GatewaySecret);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await Server.SnapshotAsync());
    }

    [Fact]
    public async Task A_body_of_the_wrong_content_type_is_refused_with_415()
    {
        var before = await Server.SnapshotAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/phone/transcripts") { Content = new StringContent("callId=1", Encoding.UTF8, "text/plain") };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Server.Client.SendAsync(request)).StatusCode);

        var json = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sms/twilio") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Server.Client.SendAsync(json)).StatusCode);
        Assert.Equal(before, await Server.SnapshotAsync());
    }

    [Fact]
    public async Task An_expiry_for_a_resident_with_no_open_conversation_is_acknowledged_and_stores_nothing()
    {
        var before = await Server.SnapshotAsync();
        var body = $$"""{"user_key":"{{Guid.NewGuid():N}}","sender_key":"{{TestServer.NorthKakaoKey}}","session_id":"ks-unknown-1","time":1795054805000}""";
        var response = await Server.PostSignedAsync("/webhooks/kakao/expired_session", body, TestServer.KakaoSecret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ignored", (await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        Assert.Equal(before, await Server.SnapshotAsync());
    }

    [Fact]
    public async Task Logs_hold_no_message_bodies_phone_numbers_secrets_or_tokens()
    {
        foreach (var sample in Sample.All)
            await sample.PostAsync(Server);
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        await admin.GetAsync("/api/conversations?phone=010-2345-6789");
        await Server.PostSignedAsync("/webhooks/sms/gateway", "{\"messageId\": ", TestServer.GatewaySecret);

        var log = string.Join('\n', Server.Logs.Lines);
        Assert.NotEmpty(Server.Logs.Lines);
        Assert.Contains("/webhooks/sms/gateway", log); // the requests themselves are logged
        foreach (var secret in new[] { TestServer.GatewaySecret, TestServer.KakaoSecret, TestServer.PhoneSecret, TestServer.TwilioToken, TestServer.AdminPassword, token })
            Assert.DoesNotContain(secret, log);
        foreach (var number in new[] { "01023456789", "010-2345-6789", "+821023456789", "2345-6789" })
            Assert.DoesNotContain(number, log);
        foreach (var sample in Sample.All.Where(s => !s.IsTwilio && s.Endpoint.EndsWith("gateway")))
            Assert.DoesNotContain(Json(sample)["text"]!.GetValue<string>()[..12], log);
    }

    private async Task<JsonElement> MessageAsync(HttpClient client, string phone, string providerMessageId)
    {
        var list = await client.GetFromJsonAsync<JsonElement>($"/api/conversations?phone={Uri.EscapeDataString(phone)}");
        var id = list.GetProperty("items")[0].GetProperty("id").GetString();
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/conversations/{id}");
        return detail.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("providerMessageId").GetString() == providerMessageId);
    }

    private async Task<JsonElement> KakaoMessageAsync(HttpClient client, JsonObject sample)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/api/conversations?channel=kakao&limit=200");
        var providerId = $"{sample["sender_key"]!.GetValue<string>()}/{sample["serial_number"]!.GetValue<string>()}";
        foreach (var item in list.GetProperty("items").EnumerateArray())
        {
            var detail = await client.GetFromJsonAsync<JsonElement>($"/api/conversations/{item.GetProperty("id").GetString()}");
            foreach (var m in detail.GetProperty("messages").EnumerateArray())
            {
                if (m.GetProperty("providerMessageId").GetString() == providerId)
                    return m;
            }
        }
        throw new Xunit.Sdk.XunitException($"No stored message {providerId}");
    }

    private static JsonObject Json(Sample sample) => JsonNode.Parse(sample.Body)!.AsObject();
}
