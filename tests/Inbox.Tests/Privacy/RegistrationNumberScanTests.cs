using System.Data.Common;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Storage;
using Inbox.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Privacy;

public sealed class SqliteRegistrationNumberScanTests : RegistrationNumberScanTests<SqliteStore>;

public sealed class PostgresRegistrationNumberScanTests : RegistrationNumberScanTests<PostgresStore>;

public sealed class SqlServerRegistrationNumberScanTests : RegistrationNumberScanTests<SqlServerStore>;

/// <summary>
/// Every sample and every written form of a registration number, through every webhook and every counselor action that
/// stores text; then every text column of every table in the schema is read back and none may hold one of the numbers.
/// </summary>
public abstract class RegistrationNumberScanTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static IEnumerable<string> Forms => RegistrationNumberForms.Masked.Select(f => f.Written);

    /// <summary>All forms in a few texts, each under <paramref name="limit"/> characters.</summary>
    private static List<string> Texts(int limit)
    {
        var texts = new List<string> { "" };
        foreach (var form in Forms)
        {
            var piece = $"제 번호 {form} 입니다. ";
            if (texts[^1].Length + piece.Length > limit)
                texts.Add("");
            texts[^1] += piece;
        }
        return texts;
    }

    [Fact]
    public async Task After_every_sample_and_every_written_form_no_text_column_holds_a_registration_number()
    {
        await using var server = await TestServer.StartAsync(Store);
        foreach (var sample in Sample.All)
            Assert.True((await sample.PostAsync(server)).IsSuccessStatusCode, sample.Name);

        // Residents: SMS text and subject (gateway), Twilio SMS, Kakao text, button payload, file names, session reference, call transcript.
        var smsResident = Payloads.RandomMobile();
        foreach (var text in Texts(1900))
        {
            var body = JsonNode.Parse(Payloads.Gateway(smsResident.Dashed, text))!.AsObject();
            body["subject"] = Forms.First() + " " + Forms.Last();
            await PostOkAsync(server, "/webhooks/sms/gateway", body.ToJsonString(), TestServer.GatewaySecret);
        }
        var twilioResident = Payloads.RandomMobile();
        foreach (var text in Texts(1500))
        {
            var twilio = await server.PostTwilioAsync(
            [
                new("MessageSid", "SM" + Guid.NewGuid().ToString("N")), new("From", twilioResident.E164), new("To", TestServer.NorthSms),
                new("Body", text), new("NumMedia", "0"),
            ]);
            Assert.True(twilio.IsSuccessStatusCode, await twilio.Content.ReadAsStringAsync());
        }
        const string userKey = "rrn-scan-kakao-user";
        var kakaoConversation = Guid.Empty;
        foreach (var text in Texts(900))
            kakaoConversation = await server.KakaoAsync(userKey, text, extra: Forms.Skip(2).First());
        var formIndex = 0;
        foreach (var form in Forms)
        {
            await PostOkAsync(server, "/webhooks/kakao/message", JsonSerializer.Serialize(new
            {
                user_key = userKey, sender_key = TestServer.NorthKakaoKey, serial_number = $"scan-{formIndex++}",
                time = server.Clock.GetUtcNow().ToUnixTimeMilliseconds(), type = "file",
                contents = new[] { new { type = "file", url = $"https://dealer.example/kakao/files/{formIndex}", name = $"{form} 등본.pdf", size = 1024 } },
            }), TestServer.KakaoSecret);
        }
        await PostOkAsync(server, "/webhooks/kakao/reference", JsonSerializer.Serialize(new
        {
            user_key = userKey, sender_key = TestServer.NorthKakaoKey, session_id = "scan-session", app_user_id = "1",
            time = server.Clock.GetUtcNow().ToUnixTimeMilliseconds(),
            reference = Forms.Select((f, i) => (f, i)).ToDictionary(p => $"field{p.i}", p => p.f),
        }), TestServer.KakaoSecret);
        var caller = Payloads.RandomMobile();
        var now = server.Clock.GetUtcNow();
        await PostOkAsync(server, "/webhooks/phone/transcripts", JsonSerializer.Serialize(new
        {
            callId = "call-" + Guid.NewGuid().ToString("N"), direction = "inbound", callerNumber = caller.Compact, calledNumber = "1899-6808",
            status = "answered", startedAt = now, endedAt = now.AddMinutes(3), language = "ko-KR",
            segments = Forms.Select((f, i) => new { speaker = "resident", startMs = i * 1000, endMs = i * 1000 + 900, text = $"주민번호 {f}", confidence = 0.9 }),
        }), TestServer.PhoneSecret);

        // Counselors: replies, notes, referrals (target and note) and the program, through the hub and the API.
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        await counselor.Hub.InvokeAsync("Claim", kakaoConversation);
        var reply = 0;
        foreach (var text in Texts(900))
        {
            await counselor.Hub.InvokeAsync<Guid[]>("Reply", kakaoConversation, text, $"scan-reply-{reply++}");
            await counselor.Hub.InvokeAsync<Guid>("AddNote", kakaoConversation, text);
            await counselor.Hub.InvokeAsync<Guid>("AddReferral", kakaoConversation, "agency", text[..Math.Min(text.Length, 200)].Trim(), text);
        }
        foreach (var form in Forms)
            await counselor.Hub.InvokeAsync<Guid>("AddReferral", kakaoConversation, "community_center", $"{form} 동주민센터", null);
        foreach (var form in Forms)
        {
            var categorized = await counselor.Http.PutAsJsonAsync($"/api/conversations/{kakaoConversation}/category", new { category = "보건의료", program = $"의료급여 {form}" });
            Assert.True(categorized.IsSuccessStatusCode, await categorized.Content.ReadAsStringAsync());
        }

        var found = await ScanAsync(server);

        Assert.True(found.Count == 0, $"Registration numbers stored unmasked, of {RegistrationNumberForms.Masked.Count} written forms:\n" + string.Join("\n",
            found.GroupBy(f => f[..f.IndexOf(':')]).Select(g => $"{g.Key}: {g.Count()} ({string.Join(", ", g.Select(f => f[(f.IndexOf(':') + 2)..]).Take(4))}…)")));
    }

    [Fact]
    public async Task Identifiers_and_urls_shaped_like_a_registration_number_stay_as_sent_so_redelivery_and_fetching_still_work()
    {
        await using var server = await TestServer.StartAsync(Store);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        const string number = "850315-2345678";
        var photo = JsonSerializer.Serialize(new
        {
            user_key = "8503152345678", sender_key = TestServer.NorthKakaoKey, serial_number = number,
            time = server.Clock.GetUtcNow().ToUnixTimeMilliseconds(), type = "photo",
            contents = new[] { new { type = "image", url = $"https://dealer.example/kakao/media/{number}.jpg", name = $"{number}.jpg", size = 2048 } },
        });

        await PostOkAsync(server, "/webhooks/kakao/message", photo, TestServer.KakaoSecret);
        var again = await server.PostSignedAsync("/webhooks/kakao/message", photo, TestServer.KakaoSecret);
        await PostOkAsync(server, "/webhooks/kakao/message", JsonSerializer.Serialize(new
        {
            user_key = "8503152345678", sender_key = TestServer.NorthKakaoKey, serial_number = "after-photo",
            time = server.Clock.GetUtcNow().ToUnixTimeMilliseconds(), type = "text", content = $"사진 속 번호는 {number} 입니다",
        }), TestServer.KakaoSecret);

        Assert.Equal("duplicate", (await again.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        var conversation = await counselor.Http.GetFromJsonAsync<JsonElement>(
            $"/api/conversations/{(await counselor.Http.GetFromJsonAsync<JsonElement>("/api/conversations?channel=kakao")).GetProperty("items")[0].GetProperty("id").GetString()}");
        var messages = conversation.GetProperty("messages").EnumerateArray().ToList();
        var stored = Assert.Single(messages, m => m.GetProperty("kind").GetString() == "media");
        Assert.Equal($"{TestServer.NorthKakaoKey}/{number}", stored.GetProperty("providerMessageId").GetString());
        var attachment = Assert.Single(stored.GetProperty("attachments").EnumerateArray());
        Assert.Equal($"https://dealer.example/kakao/media/{number}.jpg", attachment.GetProperty("url").GetString());
        Assert.Equal("850315-*******.jpg", attachment.GetProperty("fileName").GetString());
        Assert.Equal("850315-*******", stored.GetProperty("metadata").GetProperty("serialNumber").GetString()); // shown, not used
        Assert.Contains(conversation.GetProperty("contact").GetProperty("identities").EnumerateArray(), i => i.GetProperty("address").GetString() == "8503152345678");

        // What the hub shows the counselor is the stored text, masked.
        var text = Assert.Single(messages, m => m.GetProperty("kind").GetString() == "text" && m.GetProperty("direction").GetString() == "in");
        Assert.Equal("사진 속 번호는 850315-******* 입니다", text.GetProperty("body").GetString());
        var pushed = await counselor.Events.WaitForAsync("MessageAdded", m => m.GetProperty("id").GetGuid() == text.GetProperty("id").GetGuid(), TimeSpan.FromSeconds(15));
        Assert.Equal("사진 속 번호는 850315-******* 입니다", pushed.GetProperty("body").GetString());
    }

    private static async Task PostOkAsync(TestServer server, string path, string body, string secret)
    {
        var response = await server.PostSignedAsync(path, body, secret);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Reads every text column of every table the schema lists; names where a planted number is stored in any form.</summary>
    private static async Task<List<string>> ScanAsync(TestServer server)
    {
        var database = server.Services.GetRequiredService<Database>();
        await using var s = await database.ReadAsync(CancellationToken.None);
        var postgres = s.Connection.GetType().Name.StartsWith("Npgsql", StringComparison.Ordinal);
        var columns = await s.QueryAsync<TextColumn>(postgres
            ? """
              SELECT table_name, column_name FROM information_schema.columns
              WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
              ORDER BY table_name, ordinal_position
              """
            : """
              SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m JOIN pragma_table_info(m.name) p
              WHERE m.type = 'table' AND (p.type LIKE '%TEXT%' OR p.type LIKE '%CHAR%' OR p.type = '')
              ORDER BY m.name, p.cid
              """, null, CancellationToken.None);
        Assert.Contains(columns, c => c.TableName == "transcript_segments" && c.ColumnName == "text");
        Assert.Contains(columns, c => c.TableName == "conversation_events" && c.ColumnName == "payload");

        var planted = RegistrationNumberForms.Masked.Select(f => f.Digits).ToHashSet();
        var found = new List<string>();
        foreach (var column in columns)
        {
            await using var command = s.Connection.CreateCommand();
            command.CommandText = postgres
                ? $"SELECT \"{column.ColumnName}\"::text FROM \"{column.TableName}\""
                : $"SELECT \"{column.ColumnName}\" FROM \"{column.TableName}\"";
            await using DbDataReader reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (reader.IsDBNull(0) || reader.GetValue(0) is not string value)
                    continue;
                foreach (var text in Readable(value))
                {
                    var squeezed = RegistrationNumberForms.Squeezed(text);
                    foreach (var digits in planted.Where(d => squeezed.Contains(d, StringComparison.Ordinal)))
                        found.Add($"{column.TableName}.{column.ColumnName}: {digits}");
                }
            }
        }
        return [.. found.Distinct()];
    }

    /// <summary>The value, and for JSON every string in it (JSON writes a line break or an invisible character as an escape).</summary>
    private static IEnumerable<string> Readable(string value)
    {
        yield return value;
        if (value.Length == 0 || value[0] is not ('{' or '['))
            yield break;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            yield break;
        }
        var pending = new Stack<JsonNode?>([node]);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case JsonObject o:
                    foreach (var (_, child) in o)
                        pending.Push(child);
                    break;
                case JsonArray a:
                    foreach (var child in a)
                        pending.Push(child);
                    break;
                case JsonValue v when v.TryGetValue<string>(out var text):
                    yield return text;
                    break;
            }
        }
    }

    private sealed record TextColumn
    {
        public required string TableName { get; init; }
        public required string ColumnName { get; init; }
    }
}
