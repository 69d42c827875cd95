using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Webhooks;

public sealed class SqliteInputBoundsTests(ServerFixture<SqliteStore> fixture) : InputBoundsTests<SqliteStore>(fixture);

public sealed class PostgresInputBoundsTests(ServerFixture<PostgresStore> fixture) : InputBoundsTests<PostgresStore>(fixture);

public sealed class SqlServerInputBoundsTests(ServerFixture<SqlServerStore> fixture) : InputBoundsTests<SqlServerStore>(fixture);

/// <summary>What one webhook may carry: finite numbers, times near the server's clock, bounded lists, Kakao's text limit; and the identifier types the dealers document.</summary>
public abstract class InputBoundsTests<TStore>(ServerFixture<TStore> fixture) : ServerSuite<TStore>(fixture), IClassFixture<ServerFixture<TStore>> where TStore : TestStore, new()
{
    [Fact]
    public async Task A_confidence_of_1e400_is_refused_naming_the_field_and_the_residents_conversation_stays_readable()
    {
        var resident = Payloads.RandomMobile();
        var conversation = await Server.SmsAsync(resident.Dashed, "기초연금 문의");
        var before = await Server.SnapshotAsync();

        var now = Server.Clock.GetUtcNow();
        var body = $$"""
            {"callId":"call-{{Guid.NewGuid():N}}","direction":"inbound","callerNumber":"{{resident.Dashed}}","calledNumber":"1899-6808",
             "status":"answered","startedAt":"{{now:O}}","endedAt":"{{now.AddMinutes(1):O}}",
             "segments":[{"speaker":"resident","startMs":0,"endMs":900,"text":"여보세요","confidence":1e400}]}
            """;
        var response = await Server.PostSignedAsync("/webhooks/phone/transcripts", body, TestServer.PhoneSecret);

        await AssertRefusedAsync(response, "segments[0].confidence");
        Assert.Equal(before, await Server.SnapshotAsync());
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/conversations/{conversation}")).StatusCode);
    }

    public static TheoryData<string, string, string> OutOfWindowTimes()
    {
        var now = DateTimeOffset.UtcNow;
        var data = new TheoryData<string, string, string>();
        foreach (var (why, at) in new[] { ("year 1", "0001-01-01T00:00:00+09:00"), ("year 9999", "9999-12-31T23:59:59+09:00"), ("40 days ago", now.AddDays(-40).ToString("O")), ("2 days ahead", now.AddDays(2).ToString("O")) })
        {
            data.Add(why, "/webhooks/sms/gateway", $$"""{"messageId":"MO-{{Guid.NewGuid():N}}","from":"{{Payloads.RandomMobile().Dashed}}","to":"1899-6808","text":"문의","receivedAt":"{{at}}"}""");
            data.Add(why, "/webhooks/phone/transcripts", $$"""{"callId":"call-{{Guid.NewGuid():N}}","direction":"inbound","callerNumber":"{{Payloads.RandomMobile().Dashed}}","calledNumber":"1899-6808","status":"missed","startedAt":"{{at}}"}""");
        }
        foreach (var (why, ms) in new[] { ("year 9999", 253402300799000L), ("40 days ago", now.AddDays(-40).ToUnixTimeMilliseconds()), ("2 days ahead", now.AddDays(2).ToUnixTimeMilliseconds()) })
            data.Add(why, "/webhooks/kakao/message", $$"""{"user_key":"u-{{Guid.NewGuid():N}}","sender_key":"{{TestServer.NorthKakaoKey}}","serial_number":"s-{{Guid.NewGuid():N}}","time":{{ms}},"type":"text","content":"문의"}""");
        return data;
    }

    [Theory]
    [MemberData(nameof(OutOfWindowTimes))]
    public async Task A_provider_time_outside_the_window_is_refused_naming_the_field_and_stores_nothing(string why, string path, string body)
    {
        await using var server = await WindowedServerAsync();
        var before = await server.SnapshotAsync();
        var response = await server.PostSignedAsync(path, body, SecretOf(path));

        var field = path switch { "/webhooks/sms/gateway" => "receivedAt", "/webhooks/phone/transcripts" => "startedAt", _ => "time" };
        await AssertRefusedAsync(response, field, why);
        Assert.Equal(before, await server.SnapshotAsync());

        // The same request a minute ago is taken.
        var now = server.Clock.GetUtcNow();
        var fresh = path == "/webhooks/kakao/message"
            ? JsonNode.Parse(body)!.AsObject().With("time", now.AddMinutes(-1).ToUnixTimeMilliseconds())
            : JsonNode.Parse(body)!.AsObject().With(field, now.AddMinutes(-1).ToString("O"));
        Assert.Equal(HttpStatusCode.OK, (await server.PostSignedAsync(path, fresh.ToJsonString(), SecretOf(path))).StatusCode);
    }

    [Fact]
    public async Task A_call_that_ends_beyond_the_window_is_refused_naming_endedAt()
    {
        await using var server = await WindowedServerAsync();
        var before = await server.SnapshotAsync();
        var now = server.Clock.GetUtcNow();
        var body = $$"""{"callId":"call-{{Guid.NewGuid():N}}","direction":"inbound","callerNumber":"{{Payloads.RandomMobile().Dashed}}","calledNumber":"1899-6808","status":"missed","startedAt":"{{now:O}}","endedAt":"9999-12-31T00:00:00Z"}""";

        await AssertRefusedAsync(await server.PostSignedAsync("/webhooks/phone/transcripts", body, TestServer.PhoneSecret), "endedAt");
        Assert.Equal(before, await server.SnapshotAsync());
    }

    [Fact]
    public async Task More_attachments_than_the_limit_are_refused_naming_the_list_and_store_nothing()
    {
        var before = await Server.SnapshotAsync();
        var media = Enumerable.Range(0, 11).Select(i => new { url = $"https://media.example/mms/{i}.jpg", contentType = "image/jpeg" }).ToArray();
        var gateway = JsonSerializer.Serialize(new { messageId = "MO-" + Guid.NewGuid().ToString("N"), from = Payloads.RandomMobile().Dashed, to = "1899-6808", text = "사진", media });
        await AssertRefusedAsync(await Server.PostSignedAsync("/webhooks/sms/gateway", gateway, TestServer.GatewaySecret), "media");

        var contents = Enumerable.Range(0, 11).Select(i => new { type = "photo", url = $"https://dealer.example/kakao/{i}.jpg" }).ToArray();
        var kakao = JsonSerializer.Serialize(new
        {
            user_key = "u-" + Guid.NewGuid().ToString("N"), sender_key = TestServer.NorthKakaoKey, serial_number = "s-" + Guid.NewGuid().ToString("N"),
            time = Server.Clock.GetUtcNow().ToUnixTimeMilliseconds(), type = "photo", contents,
        });
        await AssertRefusedAsync(await Server.PostSignedAsync("/webhooks/kakao/message", kakao, TestServer.KakaoSecret), "contents");

        var form = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", "SM" + Guid.NewGuid().ToString("N")), new("From", Payloads.RandomMobile().E164), new("To", TestServer.NorthSms), new("Body", "사진"), new("NumMedia", "11"),
        };
        form.AddRange(Enumerable.Range(0, 11).Select(i => KeyValuePair.Create($"MediaUrl{i}", $"https://media.example/twilio/{i}")));
        await AssertRefusedAsync(await Server.PostTwilioAsync(form), "NumMedia");

        Assert.Equal(before, await Server.SnapshotAsync());
    }

    [Fact]
    public async Task The_attachment_and_segment_limits_are_configurable()
    {
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?> { ["Webhooks:MaxAttachments"] = "2", ["Webhooks:MaxSegments"] = "3" });
        var before = await server.SnapshotAsync();
        var media = Enumerable.Range(0, 3).Select(i => new { url = $"https://media.example/mms/{i}.jpg", contentType = "image/jpeg" }).ToArray();
        var gateway = JsonSerializer.Serialize(new { messageId = "MO-" + Guid.NewGuid().ToString("N"), from = Payloads.RandomMobile().Dashed, to = "1899-6808", text = "사진", media });
        await AssertRefusedAsync(await server.PostSignedAsync("/webhooks/sms/gateway", gateway, TestServer.GatewaySecret), "media");
        await AssertRefusedAsync(await server.PostSignedAsync("/webhooks/phone/transcripts", Transcript(server, 4), TestServer.PhoneSecret), "segments");
        Assert.Equal(before, await server.SnapshotAsync());

        Assert.Equal(HttpStatusCode.OK, (await server.PostSignedAsync("/webhooks/phone/transcripts", Transcript(server, 3), TestServer.PhoneSecret)).StatusCode);
    }

    [Fact]
    public async Task More_transcript_segments_than_the_limit_are_refused_naming_segments_and_store_nothing()
    {
        var before = await Server.SnapshotAsync();
        await AssertRefusedAsync(await Server.PostSignedAsync("/webhooks/phone/transcripts", Transcript(Server, 2001), TestServer.PhoneSecret), "segments");
        Assert.Equal(before, await Server.SnapshotAsync());
    }

    [Fact]
    public async Task Kakao_text_over_1000_characters_is_refused_naming_content_and_1000_are_taken()
    {
        var before = await Server.SnapshotAsync();
        await AssertRefusedAsync(await Server.PostSignedAsync("/webhooks/kakao/message", KakaoText(new string('가', 1001)), TestServer.KakaoSecret), "content");
        Assert.Equal(before, await Server.SnapshotAsync());

        // 1,000 characters, one of them an emoji of two UTF-16 units, is within the limit.
        Assert.Equal(HttpStatusCode.OK, (await Server.PostSignedAsync("/webhooks/kakao/message", KakaoText("😀" + new string('가', 999)), TestServer.KakaoSecret)).StatusCode);
    }

    [Fact]
    public async Task Identifiers_are_taken_as_json_numbers_or_strings_as_the_dealers_document_them()
    {
        var admin = await Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var serial = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        var userKey = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        var ms = Server.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        // Happytalk: app_user_id and time as numbers; some dealers send serial_number and user_key as numbers too.
        var reference = $$"""{"user_key":{{userKey}},"sender_key":"{{TestServer.NorthKakaoKey}}","session_id":{{serial}},"app_user_id":3812907744,"time":{{ms}}}""";
        Assert.Equal(HttpStatusCode.OK, (await Server.PostSignedAsync("/webhooks/kakao/reference", reference, TestServer.KakaoSecret)).StatusCode);
        var message = $$"""{"user_key":"{{userKey}}","sender_key":"{{TestServer.NorthKakaoKey}}","serial_number":{{serial}},"time":"{{ms}}","type":"text","content":"문의드려요"}""";
        var stored = await Server.PostSignedAsync("/webhooks/kakao/message", message, TestServer.KakaoSecret);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var conversation = (await stored.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>();

        // A number and the same digits as a string are the same identifier: one resident, and a redelivery is a duplicate.
        var again = message.Replace($"\"serial_number\":{serial}", $"\"serial_number\":\"{serial}\"");
        Assert.Equal("duplicate", (await (await Server.PostSignedAsync("/webhooks/kakao/message", again, TestServer.KakaoSecret)).Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        var detail = await admin.GetFromJsonAsync<JsonObject>($"/api/conversations/{conversation}");
        var providerIds = detail!["messages"]!.AsArray().Select(m => m!["providerMessageId"]?.GetValue<string>()).ToList();
        Assert.Contains($"{TestServer.NorthKakaoKey}/{serial}", providerIds);
        Assert.Contains($"{TestServer.NorthKakaoKey}/session/{serial}/start", providerIds);

        // The gateway's and the CTI's ids likewise.
        var gateway = $$"""{"messageId":{{serial}},"from":"{{Payloads.RandomMobile().Dashed}}","to":"1899-6808","text":"문의"}""";
        Assert.Equal(HttpStatusCode.OK, (await Server.PostSignedAsync("/webhooks/sms/gateway", gateway, TestServer.GatewaySecret)).StatusCode);
        var call = $$"""{"callId":{{serial}},"direction":"inbound","callerNumber":"{{Payloads.RandomMobile().Dashed}}","calledNumber":"1899-6808","agentId":21,"status":"missed","startedAt":"{{Server.Clock.GetUtcNow():O}}"}""";
        Assert.Equal(HttpStatusCode.OK, (await Server.PostSignedAsync("/webhooks/phone/transcripts", call, TestServer.PhoneSecret)).StatusCode);

        // Anything else in an identifier is still the wrong type.
        var objectSerial = message.Replace($"\"serial_number\":{serial}", "\"serial_number\":{\"id\":1}");
        await AssertRefusedAsync(await Server.PostSignedAsync("/webhooks/kakao/message", objectSerial, TestServer.KakaoSecret), "serial_number");
    }

    private Task<TestServer> WindowedServerAsync() => TestServer.StartAsync(Store, new Dictionary<string, string?>
    {
        // The test settings widen the window for the samples' fixed dates; this server has the defaults.
        ["Webhooks:ProviderTimeDaysBack"] = "30",
        ["Webhooks:ProviderTimeDaysAhead"] = "1",
    });

    private string KakaoText(string content) => JsonSerializer.Serialize(new
    {
        user_key = "u-" + Guid.NewGuid().ToString("N"), sender_key = TestServer.NorthKakaoKey, serial_number = "s-" + Guid.NewGuid().ToString("N"),
        time = Server.Clock.GetUtcNow().ToUnixTimeMilliseconds(), type = "text", content,
    });

    private static string Transcript(TestServer server, int segments) => JsonSerializer.Serialize(new
    {
        callId = "call-" + Guid.NewGuid().ToString("N"), direction = "inbound", callerNumber = Payloads.RandomMobile().Dashed, calledNumber = "1899-6808",
        status = "answered", startedAt = server.Clock.GetUtcNow(), endedAt = server.Clock.GetUtcNow().AddMinutes(30),
        segments = Enumerable.Range(0, segments).Select(i => new { speaker = "resident", startMs = i * 10, endMs = i * 10 + 5, text = "네", confidence = 0.9 }),
    });

    private static string SecretOf(string path) => path switch
    {
        "/webhooks/sms/gateway" => TestServer.GatewaySecret,
        "/webhooks/phone/transcripts" => TestServer.PhoneSecret,
        _ => TestServer.KakaoSecret,
    };

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string field, string? why = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why} {field}: {(int)response.StatusCode} {text}");
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.True(problem["errors"]?.AsObject().ContainsKey(field) == true, $"{why}: expected the problem to name '{field}': {text}");
    }
}

internal static class JsonObjectEdits
{
    public static JsonObject With(this JsonObject o, string name, JsonNode? value)
    {
        o[name] = value;
        return o;
    }
}
