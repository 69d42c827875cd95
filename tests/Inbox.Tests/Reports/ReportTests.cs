using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.Storage;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Reports;

public sealed class SqliteReportTests : ReportTests<SqliteStore>;

public sealed class PostgresReportTests : ReportTests<PostgresStore>;

public sealed class SqlServerReportTests : ReportTests<SqlServerStore>;

/// <summary>
/// A fortnight of a small center, built by hand through the webhooks, the hub and the API with a settable clock, and every
/// figure of the reports worked out by hand below (November 2026, times in Asia/Seoul; the 3rd is a Tuesday).
///
///   S1  SMS    Tue 3rd 10:00 in; A answers 10:30 (first response 30 min); in again 11:00, A answers 12:00 (reply 1 h);
///              referred to a 동주민센터 12:30; category 저소득층지원; resolved 13:00 (3 h).
///              Fri 13th 10:00 reopened by A; in 10:05, A answers 10:35 (reply 30 min). Open since 10:00.
///   S3  SMS    Wed 4th 09:00 in, due at 18:00 the same day (one business day) — breached; A answers 11:00 (26 h wall, 11 business hours). Open.
///   S2  SMS    Fri 6th 17:00 in, due Mon 9th 17:00; B answers Mon 10:00 (65 h wall, 2 business hours); category 보건의료;
///              resolved 11:00 (66 h wall, 3 business hours).
///   K1  Kakao  Tue 10th 14:00 in; A answers 14:02; in 14:05, A answers 14:06 (reply 1 min); resolved 14:10.
///   K2  Kakao  Tue 10th 15:00 in, first answer due 15:03 — breached; B answers 15:10 (10 min). Open.
///   P1  call   Wed 11th 10:00 inbound, answered by A (first response 0). Open.
///   P2  call   Thu 12th 10:00 inbound, missed → callback due 10:30; B calls back 10:20, answered (20 min). Open.
///
/// Reports are read on Fri 13th at 12:00 for the month.
/// </summary>
public abstract class ReportTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    private static DateTimeOffset Nov(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, Kst);

    [Fact]
    public async Task Every_report_gives_the_figures_worked_out_by_hand_and_the_csv_says_the_same()
    {
        var clock = new ManualClock(Nov(3, 9, 0));
        await using var server = await TestServer.StartAsync(Store, new Dictionary<string, string?> { ["Auth:Jwt:AccessTokenMinutes"] = "100000" }, clock: clock);
        await using var a = await HubUser.CreateAsync(server, "counselor");
        await using var b = await HubUser.CreateAsync(server, "counselor");
        await using var manager = await HubUser.CreateAsync(server, "manager");
        var s1Phone = Payloads.RandomMobile();

        // S1
        clock.Now = Nov(3, 10);
        var s1 = await server.SmsAsync(s1Phone.Dashed, "기초생활수급 신청 서류가 궁금합니다");
        await a.Hub.InvokeAsync("Claim", s1);
        clock.Now = Nov(3, 10, 30);
        await a.Hub.InvokeAsync<Guid[]>("Reply", s1, "신분증과 통장 사본이 필요합니다.", "s1-1");
        clock.Now = Nov(3, 11);
        await server.SmsAsync(s1Phone.Dashed, "주민센터에서 신청하면 되나요?");
        clock.Now = Nov(3, 12);
        await a.Hub.InvokeAsync<Guid[]>("Reply", s1, "네, 동주민센터로 연계해 드리겠습니다.", "s1-2");
        clock.Now = Nov(3, 12, 30);
        var referral = await a.Http.PostAsJsonAsync($"/api/conversations/{s1}/referrals", new { kind = "community_center", target = "행복1동 주민센터", note = "수급 신청 안내" });
        Assert.Equal(HttpStatusCode.Created, referral.StatusCode);

        // Categories: the assignee sets it; a wrong value, another counselor and an unknown conversation are refused.
        Assert.Equal(HttpStatusCode.NoContent, (await a.Http.PutAsJsonAsync($"/api/conversations/{s1}/category", new { category = "저소득층지원", program = "기초생활보장" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await a.Http.PutAsJsonAsync($"/api/conversations/{s1}/category", new { category = "교육" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await b.Http.PutAsJsonAsync($"/api/conversations/{s1}/category", new { category = "기타" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.Http.PutAsJsonAsync($"/api/conversations/{Guid.NewGuid()}/category", new { category = "기타" })).StatusCode);
        clock.Now = Nov(3, 13);
        await a.Hub.InvokeAsync("Resolve", s1);

        // S3: breached at its deadline, answered later.
        clock.Now = Nov(4, 9);
        var s3 = await server.SmsAsync(Payloads.RandomMobile().Dashed, "긴급복지 지원 대상인지 알고 싶어요");
        await a.Hub.InvokeAsync("Claim", s3);
        clock.Now = Nov(5, 9);
        await manager.Events.WaitForAsync("SlaBreached", e => e.GetProperty("conversationId").GetGuid() == s3, Wait);
        clock.Now = Nov(5, 11);
        await a.Hub.InvokeAsync<Guid[]>("Reply", s3, "늦어서 죄송합니다. 소득 기준을 안내드립니다.", "s3-1");

        // S2: over a weekend.
        clock.Now = Nov(6, 17);
        var s2 = await server.SmsAsync(Payloads.RandomMobile().Dashed, "건강검진 비용 지원이 되나요?");
        await b.Hub.InvokeAsync("Claim", s2);
        clock.Now = Nov(9, 10);
        await b.Hub.InvokeAsync<Guid[]>("Reply", s2, "보건소 검진 지원을 안내드립니다.", "s2-1");
        await b.Hub.InvokeAsync("SetCategory", s2, "보건의료", (string?)null);
        clock.Now = Nov(9, 11);
        await b.Hub.InvokeAsync("Resolve", s2);

        // K1: a quick live chat.
        var k1Key = "u-" + Guid.NewGuid().ToString("N")[..12];
        clock.Now = Nov(10, 14);
        var k1 = await server.KakaoAsync(k1Key, "장애인 활동지원 문의합니다");
        await a.Hub.InvokeAsync("Claim", k1);
        clock.Now = Nov(10, 14, 2);
        await a.Hub.InvokeAsync<Guid[]>("Reply", k1, "네, 말씀하세요.", "k1-1");
        clock.Now = Nov(10, 14, 5);
        await server.KakaoAsync(k1Key, "신청은 어디서 하나요?");
        clock.Now = Nov(10, 14, 6);
        await a.Hub.InvokeAsync<Guid[]>("Reply", k1, "주민센터에서 하실 수 있습니다.", "k1-2");
        clock.Now = Nov(10, 14, 10);
        await a.Hub.InvokeAsync("Resolve", k1);

        // K2: the live line's first answer comes late.
        clock.Now = Nov(10, 15);
        var k2 = await server.KakaoAsync("u-" + Guid.NewGuid().ToString("N")[..12], "한부모 가족 지원 문의요");
        await b.Hub.InvokeAsync("Claim", k2);
        clock.Now = Nov(10, 15, 10);
        await manager.Events.WaitForAsync("SlaBreached", e => e.GetProperty("conversationId").GetGuid() == k2, Wait);
        await b.Hub.InvokeAsync<Guid[]>("Reply", k2, "기다리게 해서 죄송합니다.", "k2-1");

        // P1: a call answered by A. P2: a missed call, called back by B.
        clock.Now = Nov(11, 10);
        var p1 = await server.CallAsync("inbound", Payloads.RandomMobile().Compact, "answered", a.Username);
        clock.Now = Nov(12, 10);
        var p2Phone = Payloads.RandomMobile();
        var p2 = await server.CallAsync("inbound", p2Phone.Compact, "missed", agent: null);
        clock.Now = Nov(12, 10, 20);
        Assert.Equal(p2, await server.CallAsync("outbound", p2Phone.Compact, "answered", b.Username));

        // S1 comes back.
        clock.Now = Nov(13, 10);
        await a.Hub.InvokeAsync("Reopen", s1);
        clock.Now = Nov(13, 10, 5);
        Assert.Equal(s1, await server.SmsAsync(s1Phone.Dashed, "서류를 다시 확인하고 싶어요"));
        clock.Now = Nov(13, 10, 35);
        await a.Hub.InvokeAsync<Guid[]>("Reply", s1, "통장 사본은 최근 3개월분입니다.", "s1-3");

        clock.Now = Nov(13, 12);
        var reports = manager.Http;
        const string month = "period=month&date=2026-11-13";

        // ---- volume -------------------------------------------------------------------------------------------------
        var volume = await ReportAsync(reports, $"volume?{month}");
        var total = Total(volume);
        Assert.Equal(7, total.GetProperty("conversationsOpened").GetInt64());
        Assert.Equal(8, total.GetProperty("messagesIn").GetInt64());   // S1 ×3, S3, S2, K1 ×2, K2
        Assert.Equal(8, total.GetProperty("messagesOut").GetInt64());  // S1 ×3, S3, S2, K1 ×2, K2
        Assert.Equal(5, total.GetProperty("automaticMessages").GetInt64()); // an acknowledgement per unanswered text: S1 ×3, S3, S2
        Assert.Equal(3, total.GetProperty("calls").GetInt64());
        Assert.Equal(2, total.GetProperty("callsAnswered").GetInt64());
        Assert.Equal(1, total.GetProperty("callbacks").GetInt64());
        Assert.Equal(1, total.GetProperty("referrals").GetInt64());
        Assert.Equal(new DateOnly(2026, 11, 1), DateOnly.Parse(volume.GetProperty("period").GetProperty("from").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(new DateOnly(2026, 11, 30), DateOnly.Parse(volume.GetProperty("period").GetProperty("to").GetString()!, CultureInfo.InvariantCulture));

        var byCategory = await ReportAsync(reports, $"volume?{month}&groupBy=category");
        var low = Row(byCategory, "저소득층지원");
        Assert.Equal((1, 3, 3, 1), (low.GetProperty("conversationsOpened").GetInt64(), low.GetProperty("messagesIn").GetInt64(),
            low.GetProperty("messagesOut").GetInt64(), low.GetProperty("referrals").GetInt64()));
        var health = Row(byCategory, "보건의료");
        Assert.Equal((1, 1, 1), (health.GetProperty("conversationsOpened").GetInt64(), health.GetProperty("messagesIn").GetInt64(), health.GetProperty("messagesOut").GetInt64()));
        Assert.Equal(5, Row(byCategory, null).GetProperty("conversationsOpened").GetInt64());
        Assert.Equal("미분류", Row(byCategory, null).GetProperty("label").GetString());
        Assert.Equal(4, byCategory.GetProperty("rows").GetArrayLength()); // three groups and the total

        var byChannel = await ReportAsync(reports, $"volume?{month}&groupBy=channel");
        Assert.Equal(3, Row(byChannel, "sms").GetProperty("conversationsOpened").GetInt64());
        Assert.Equal(2, Row(byChannel, "kakao").GetProperty("conversationsOpened").GetInt64());
        Assert.Equal(3, Row(byChannel, "phone").GetProperty("calls").GetInt64());

        // ---- first response and reply times ------------------------------------------------------------------------
        // First responses, wall-clock seconds: P1 0, K1 120, K2 600, P2 1200, S1 1800, S3 93600, S2 234000.
        //   median = the 4th of 7 = 1200; p90 = nearest rank ⌈0.9 × 7⌉ = 7th = 234000.
        // Business seconds: 0, 120, 600, 1200, 1800, S2 7200 (Fri 17–18, Mon 9–10), S3 39600 (Wed 9–18, Thu 9–11).
        // Replies: K1 60, S1 1800 (13th), S1 3600 (3rd): median 1800, p90 = 3rd of 3 = 3600; all in working hours.
        var times = await ReportAsync(reports, $"response-times?{month}");
        AssertFigures(Total(times), "firstResponse", count: 7, median: 1200, p90: 234000, max: 234000, businessMedian: 1200, businessP90: 39600, businessMax: 39600);
        AssertFigures(Total(times), "reply", count: 3, median: 1800, p90: 3600, max: 3600, businessMedian: 1800, businessP90: 3600, businessMax: 3600);

        // By counselor. A: P1 0, K1 120, S1 1800, S3 93600 → median (120 + 1800) / 2 = 960, p90 = ⌈3.6⌉ = 4th = 93600;
        //   business 0, 120, 1800, 39600 → median 960, p90 39600. A's replies: 60, 1800, 3600.
        // B: K2 600, P2 1200, S2 234000 → median 1200, p90 = 3rd = 234000; business 600, 1200, 7200.
        var byCounselor = await ReportAsync(reports, $"response-times?{month}&groupBy=counselor");
        AssertFigures(Row(byCounselor, a.AccountId.ToString()), "firstResponse", count: 4, median: 960, p90: 93600, max: 93600, businessMedian: 960, businessP90: 39600, businessMax: 39600);
        AssertFigures(Row(byCounselor, a.AccountId.ToString()), "reply", count: 3, median: 1800, p90: 3600, max: 3600, businessMedian: 1800, businessP90: 3600, businessMax: 3600);
        AssertFigures(Row(byCounselor, b.AccountId.ToString()), "firstResponse", count: 3, median: 1200, p90: 234000, max: 234000, businessMedian: 1200, businessP90: 7200, businessMax: 7200);
        Assert.Equal(0, Row(byCounselor, b.AccountId.ToString()).GetProperty("replyCount").GetInt64());
        Assert.Equal(JsonValueKind.Null, Row(byCounselor, b.AccountId.ToString()).GetProperty("replyMedianSeconds").ValueKind);
        Assert.Equal($"counselor {a.Username[^4..]}", Row(byCounselor, a.AccountId.ToString()).GetProperty("label").GetString());
        Assert.Equal(3, byCounselor.GetProperty("rows").GetArrayLength());

        var byLine = await ReportAsync(reports, $"response-times?{month}&groupBy=line");
        AssertFigures(Row(byLine, "text24"), "firstResponse", count: 3, median: 93600, p90: 234000, max: 234000, businessMedian: 7200, businessP90: 39600, businessMax: 39600);
        AssertFigures(Row(byLine, "live"), "firstResponse", count: 2, median: 360, p90: 600, max: 600, businessMedian: 360, businessP90: 600, businessMax: 600);
        AssertFigures(Row(byLine, "phone"), "firstResponse", count: 2, median: 600, p90: 1200, max: 1200, businessMedian: 600, businessP90: 1200, businessMax: 1200);

        // ---- compliance and breaches -------------------------------------------------------------------------------
        // text24: S1 first (met), S1 11:00 (met), S3 (breached), S2 (met), S1 on the 13th (met) → 4 / 5 = 0.8.
        // live first answers: K1 met, K2 breached → 0.5. K1's second answer is not a first response.
        var compliance = Total(await ReportAsync(reports, $"compliance?{month}"));
        Assert.Equal((4, 1, 0), (compliance.GetProperty("text24Met").GetInt64(), compliance.GetProperty("text24Breached").GetInt64(), compliance.GetProperty("text24Withdrawn").GetInt64()));
        Assert.Equal(0.8, compliance.GetProperty("text24Compliance").GetDouble());
        Assert.Equal((1, 1), (compliance.GetProperty("liveMet").GetInt64(), compliance.GetProperty("liveBreached").GetInt64()));
        Assert.Equal(0.5, compliance.GetProperty("liveCompliance").GetDouble());
        var complianceByCounselor = await ReportAsync(reports, $"compliance?{month}&groupBy=counselor");
        Assert.Equal(0.75, Row(complianceByCounselor, a.AccountId.ToString()).GetProperty("text24Compliance").GetDouble()); // S1 ×3 met, S3 breached
        Assert.Equal(0, Row(complianceByCounselor, b.AccountId.ToString()).GetProperty("liveCompliance").GetDouble());

        var breaches = (await ReportAsync(reports, $"breaches?{month}")).GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([s3, k2], breaches.Select(r => r.GetProperty("conversationId").GetGuid()));
        Assert.Equal(("text24", "first_response", Nov(4, 9), Nov(4, 18), 32400.0, 32400.0), // one business day from the opening is the close
            (breaches[0].GetProperty("measure").GetString(), breaches[0].GetProperty("reason").GetString(), breaches[0].GetProperty("waitingSince").GetDateTimeOffset(),
             breaches[0].GetProperty("dueAt").GetDateTimeOffset(), breaches[0].GetProperty("waitedSeconds").GetDouble(), breaches[0].GetProperty("waitedBusinessSeconds").GetDouble()));
        Assert.Equal(("live", Nov(10, 15, 3), 180.0, 180.0),
            (breaches[1].GetProperty("measure").GetString(), breaches[1].GetProperty("dueAt").GetDateTimeOffset(),
             breaches[1].GetProperty("waitedSeconds").GetDouble(), breaches[1].GetProperty("waitedBusinessSeconds").GetDouble()));
        Assert.StartsWith("kr-", breaches[0].GetProperty("calendarVersion").GetString());

        // ---- resolution ---------------------------------------------------------------------------------------------
        // K1 600; S1 10800 (10:00–13:00); S2 237600 (Fri 17:00 – Mon 11:00), business 10800 (Fri 17–18, Mon 9–11).
        var resolution = Total(await ReportAsync(reports, $"resolution?{month}"));
        Assert.Equal((3, 1), (resolution.GetProperty("resolved").GetInt64(), resolution.GetProperty("reopened").GetInt64()));
        AssertFigures(resolution, "resolution", count: null, median: 10800, p90: 237600, max: 237600, businessMedian: 10800, businessP90: 10800, businessMax: 10800);

        // ---- backlog right now (Fri 13th 12:00) --------------------------------------------------------------------
        // S1 reopened 2 h ago; P2 26 h, P1 50 h, K2 69 h; S3 9 days.
        var backlog = Total(await ReportAsync(reports, "backlog"));
        Assert.Equal(5, backlog.GetProperty("open").GetInt64());
        Assert.Equal((0, 1, 0, 3, 0, 1), (backlog.GetProperty("under1h").GetInt64(), backlog.GetProperty("from1hTo4h").GetInt64(), backlog.GetProperty("from4hTo24h").GetInt64(),
            backlog.GetProperty("from1dTo3d").GetInt64(), backlog.GetProperty("from3dTo7d").GetInt64(), backlog.GetProperty("over7d").GetInt64()));
        Assert.Equal(Nov(4, 9), backlog.GetProperty("oldestSince").GetDateTimeOffset());
        var backlogByCounselor = await ReportAsync(reports, "backlog?groupBy=counselor");
        Assert.Equal(2, Row(backlogByCounselor, a.AccountId.ToString()).GetProperty("open").GetInt64()); // S1, S3
        Assert.Equal(1, Row(backlogByCounselor, b.AccountId.ToString()).GetProperty("open").GetInt64()); // K2
        Assert.Equal(2, Row(backlogByCounselor, null).GetProperty("open").GetInt64());                     // P1, P2: never assigned

        // ---- callbacks ----------------------------------------------------------------------------------------------
        var callbacks = Total(await ReportAsync(reports, $"callbacks?{month}"));
        Assert.Equal((1, 1, 1, 0, 0), (callbacks.GetProperty("requested").GetInt64(), callbacks.GetProperty("completed").GetInt64(),
            callbacks.GetProperty("met").GetInt64(), callbacks.GetProperty("breached").GetInt64(), callbacks.GetProperty("overdue").GetInt64()));
        Assert.Equal(1200, callbacks.GetProperty("timeToCallMedianSeconds").GetDouble());

        // ---- the daily sheet -----------------------------------------------------------------------------------------
        var daily = (await ReportAsync(reports, $"daily?{month}")).GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(31, daily.Count); // 30 days and the total
        var third = daily.Single(d => d.GetProperty("date").GetString() == "2026-11-03");
        Assert.Equal((0, 1, 1, 0, 1, 2), DayFigures(third));
        Assert.Equal((1, 0, 0, 0, 0, 1), DayFigures(daily.Single(d => d.GetProperty("date").GetString() == "2026-11-11")));
        Assert.Equal((0, 2, 0, 2, 0, 2), DayFigures(daily.Single(d => d.GetProperty("date").GetString() == "2026-11-10")));
        Assert.Equal((0, 0, 0, 0, 0, 0), DayFigures(daily.Single(d => d.GetProperty("date").GetString() == "2026-11-13"))); // a reopening is not a new consultation
        Assert.Equal("합계", daily[^1].GetProperty("date").GetString());
        Assert.Equal((2, 5, 3, 2, 1, 8), DayFigures(daily[^1]));

        // A single day and a from–to range agree with the month.
        Assert.Equal(2, Total(await ReportAsync(reports, "volume?period=day&date=2026-11-10")).GetProperty("conversationsOpened").GetInt64());
        Assert.Equal(3, Total(await ReportAsync(reports, "volume?from=2026-11-03&to=2026-11-06")).GetProperty("conversationsOpened").GetInt64());
        Assert.Equal(3, Total(await ReportAsync(reports, "volume?period=week&date=2026-11-12")).GetProperty("calls").GetInt64()); // 9th–15th: P1, P2 ×2

        // ---- CSV is the JSON, cell for cell ---------------------------------------------------------------------------
        foreach (var name in new[] { "response-times?groupBy=counselor&", "breaches?", "daily?", "backlog?" })
        {
            var json = await ReportAsync(reports, $"{name}{month}");
            var response = await reports.GetAsync($"/api/reports/{name}{month}&format=csv");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
            AssertCsvIsJson(json, Encoding.UTF8.GetString(bytes[3..]));
        }

        // ---- who may see it -------------------------------------------------------------------------------------------
        foreach (var path in new[] { "/api/reports", $"/api/reports/volume?{month}", "/api/reports/breaches?format=csv", "/api/audit", "/api/audit/review?month=2026-11", "/api/audit?format=csv" })
            Assert.Equal(HttpStatusCode.Forbidden, (await a.Http.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.GetAsync($"/api/reports/volume?{month}")).StatusCode);
        var admin = await server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/reports/volume?{month}")).StatusCode);

        // Bad parameters are named.
        var bad = await reports.GetAsync("/api/reports/volume?period=year&groupBy=weather&format=pdf");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("groupBy") && errors.ContainsKey("format"), errors.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, (await reports.GetAsync("/api/reports/volume?from=2025-01-01&to=2026-11-13")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reports.GetAsync("/api/reports/profit")).StatusCode);
        foreach (var edge in new[] { "volume?from=9999-12-30&to=9999-12-31", "volume?period=month&date=9999-12-15", "volume?from=0001-01-01&to=0001-01-02" })
            Assert.Equal(HttpStatusCode.BadRequest, (await reports.GetAsync($"/api/reports/{edge}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await reports.GetAsync("/api/audit?from=0001-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await reports.GetAsync("/api/audit/review?month=9999-12")).StatusCode);

        // ---- the conversation read is in the access log with all five fields; the export is in the month's review ----
        clock.Now = Nov(13, 12, 5);
        Assert.Equal(HttpStatusCode.OK, (await a.Http.GetAsync($"/api/conversations/{s1}")).StatusCode);
        var detail = await manager.Http.GetFromJsonAsync<JsonElement>($"/api/conversations/{s1}");
        var contactId = detail.GetProperty("contact").GetProperty("id").GetGuid();
        Assert.Equal("community_center", Assert.Single(detail.GetProperty("referrals").EnumerateArray()).GetProperty("kind").GetString());
        Assert.Equal(("저소득층지원", "기초생활보장"), (detail.GetProperty("conversation").GetProperty("category").GetString(), detail.GetProperty("conversation").GetProperty("program").GetString()));

        var log = await manager.Http.GetFromJsonAsync<JsonElement>($"/api/audit?accountId={a.AccountId}&action=conversation.read&from=2026-11-13&to=2026-11-13");
        var read = Assert.Single(log.EnumerateArray());
        Assert.Equal(a.AccountId, read.GetProperty("accountId").GetGuid());
        Assert.Equal(a.Username, read.GetProperty("username").GetString());
        Assert.Equal("127.0.0.1", read.GetProperty("sourceIp").GetString());
        Assert.Equal("conversation.read", read.GetProperty("action").GetString());
        Assert.Equal(contactId, read.GetProperty("contactId").GetGuid());
        Assert.Equal(s1, read.GetProperty("conversationId").GetGuid());
        Assert.Equal(Nov(13, 12, 5), read.GetProperty("at").GetDateTimeOffset());
        var byResident = await manager.Http.GetFromJsonAsync<JsonElement>($"/api/audit?contactId={contactId}&action=conversation.read");
        Assert.Equal([manager.AccountId, a.AccountId], byResident.EnumerateArray().Select(r => r.GetProperty("accountId").GetGuid()));

        // Paging: a full page names where the next one starts; the last page does not.
        var page = await manager.Http.GetAsync($"/api/audit?contactId={contactId}&action=conversation.read&limit=1");
        var next = Assert.Single(page.Headers.GetValues("X-Next-Before"));
        Assert.Equal(manager.AccountId, Assert.Single((await page.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()).GetProperty("accountId").GetGuid());
        var second = await manager.Http.GetAsync($"/api/audit?contactId={contactId}&action=conversation.read&limit=1&before={next}");
        Assert.Equal(a.AccountId, Assert.Single((await second.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()).GetProperty("accountId").GetGuid());
        var last = await manager.Http.GetAsync($"/api/audit?contactId={contactId}&action=conversation.read&limit=2&before={next}");
        Assert.False(last.Headers.Contains("X-Next-Before"));

        // The retention purge: admins only; every run (the one at start-up and this one) is in the review.
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.Http.PostAsync("/api/audit/purge", null)).StatusCode);
        var purge = await admin.PostAsync("/api/audit/purge", null);
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(Nov(13, 12, 5).AddDays(-730), (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cutoff").GetDateTimeOffset());

        var review = await manager.Http.GetFromJsonAsync<JsonElement>("/api/audit/review?month=2026-11");
        var purges = review.GetProperty("purges").EnumerateArray().ToList();
        Assert.Equal(3, purges.Count); // the job at start-up and by hand, and who asked for the second
        Assert.Equal(2, purges.Count(p => p.GetProperty("username").GetString() == "system" && p.GetProperty("detail").GetString()!.StartsWith("cutoff=", StringComparison.Ordinal)));
        var byHand = purges.Single(p => p.GetProperty("username").GetString() == TestServer.AdminUser);
        Assert.Equal(("127.0.0.1", true), (byHand.GetProperty("sourceIp").GetString(), byHand.GetProperty("detail").GetString()!.StartsWith("run by hand;", StringComparison.Ordinal)));
        var exports = review.GetProperty("exports").EnumerateArray().ToList();
        Assert.Equal(4, exports.Count(e => e.GetProperty("action").GetString() == "report.exported" && e.GetProperty("accountId").GetGuid() == manager.AccountId));
        Assert.Contains(exports, e => e.GetProperty("detail").GetString()!.StartsWith("report=breaches;", StringComparison.Ordinal));
        var aReview = review.GetProperty("accounts").EnumerateArray().Single(r => r.GetProperty("accountId").GetGuid() == a.AccountId);
        Assert.False(aReview.GetProperty("flagged").GetBoolean());
    }

    [Fact]
    public async Task Replies_sent_at_the_same_moment_from_several_connections_record_one_first_response_and_one_verdict()
    {
        await using var server = await TestServer.StartAsync(Store);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        var tabs = new List<HubUser> { counselor };
        for (var i = 0; i < 5; i++)
            tabs.Add(await counselor.ReconnectAsync(server));
        var conversations = new List<Guid>();
        try
        {
            for (var n = 0; n < 8; n++)
            {
                var conversationId = await server.SmsAsync(Payloads.RandomMobile().Dashed, "주거급여 신청 문의드립니다");
                await counselor.Hub.InvokeAsync("Claim", conversationId);
                conversations.Add(conversationId);
                using var start = new SemaphoreSlim(0);
                var replies = tabs.SelectMany((tab, t) => Enumerable.Range(0, 2).Select(async r =>
                {
                    await start.WaitAsync();
                    return await tab.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "확인해 드리겠습니다.", $"round-{n}-tab-{t}-{r}");
                })).ToList();
                start.Release(replies.Count);
                await Task.WhenAll(replies);
            }
        }
        finally
        {
            foreach (var tab in tabs.Skip(1))
                await tab.Hub.DisposeAsync();
        }

        foreach (var conversationId in conversations)
        {
            Assert.Equal(12, await server.CountAsync("report_events", "conversation_id = @conversationId AND kind = 'message_out'", new { conversationId }));
            Assert.Equal(1, await server.CountAsync("report_events", "conversation_id = @conversationId AND kind = 'first_response'", new { conversationId }));
            Assert.Equal(0, await server.CountAsync("report_events", "conversation_id = @conversationId AND kind = 'reply'", new { conversationId }));
            Assert.Equal(1, await server.CountAsync("report_events", "conversation_id = @conversationId AND kind = 'deadline'", new { conversationId }));
        }
    }

    [Fact]
    public async Task A_message_arriving_while_a_reply_commits_is_always_left_waiting_with_a_deadline()
    {
        await using var server = await TestServer.StartAsync(Store);
        await using var counselor = await HubUser.CreateAsync(server, "counselor");
        for (var n = 0; n < 12; n++)
        {
            var resident = Payloads.RandomMobile().Dashed;
            var conversationId = await server.SmsAsync(resident, "기초연금 문의드립니다");
            await counselor.Hub.InvokeAsync("Claim", conversationId);
            using var start = new SemaphoreSlim(0);
            var reply = Task.Run(async () =>
            {
                await start.WaitAsync();
                await counselor.Hub.InvokeAsync<Guid[]>("Reply", conversationId, "안내드리겠습니다.", $"race-{n}");
            });
            var message = Task.Run(async () =>
            {
                await start.WaitAsync();
                Assert.Equal(conversationId, await server.SmsAsync(resident, "하나 더 여쭤볼게요"));
            });
            start.Release(2);
            await Task.WhenAll(reply, message);
            // Whichever came first, the resident is either answered (nothing pending) or waiting with a deadline.
            Assert.Equal(0, await server.CountAsync("conversations", "id = @conversationId AND waiting_since IS NOT NULL AND due_at IS NULL", new { conversationId }));
            Assert.Equal(1, await server.CountAsync("report_events", "conversation_id = @conversationId AND kind = 'first_response'", new { conversationId }));
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------------

    private static async Task<JsonElement> ReportAsync(HttpClient client, string pathAndQuery)
    {
        var response = await client.GetAsync($"/api/reports/{pathAndQuery}");
        Assert.True(response.IsSuccessStatusCode, $"{pathAndQuery}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static JsonElement Total(JsonElement table)
    {
        var last = table.GetProperty("rows").EnumerateArray().Last();
        Assert.Equal("total", last.GetProperty("group").GetString());
        Assert.Equal("합계", last.GetProperty("label").GetString());
        return last;
    }

    private static JsonElement Row(JsonElement table, string? group) =>
        table.GetProperty("rows").EnumerateArray().Single(r => string.Equals(r.GetProperty("group").GetString(), group, StringComparison.OrdinalIgnoreCase));

    private static void AssertFigures(JsonElement row, string key, long? count, double median, double p90, double max, double businessMedian, double businessP90, double businessMax)
    {
        if (count is not null)
            Assert.Equal(count, row.GetProperty($"{key}Count").GetInt64());
        Assert.Equal(
            (median, p90, max, businessMedian, businessP90, businessMax),
            (row.GetProperty($"{key}MedianSeconds").GetDouble(), row.GetProperty($"{key}P90Seconds").GetDouble(), row.GetProperty($"{key}MaxSeconds").GetDouble(),
             row.GetProperty($"{key}MedianBusinessSeconds").GetDouble(), row.GetProperty($"{key}P90BusinessSeconds").GetDouble(), row.GetProperty($"{key}MaxBusinessSeconds").GetDouble()));
    }

    private static (long Phone, long Text, long Sms, long Kakao, long Referrals, long Total) DayFigures(JsonElement d) =>
        (d.GetProperty("phone").GetInt64(), d.GetProperty("text").GetInt64(), d.GetProperty("sms").GetInt64(), d.GetProperty("kakao").GetInt64(),
         d.GetProperty("referrals").GetInt64(), d.GetProperty("total").GetInt64());

    /// <summary>The CSV's header is the columns' labels and every cell the JSON row's value under that column's key.</summary>
    private static void AssertCsvIsJson(JsonElement json, string csv)
    {
        var records = Csv.Parse(csv);
        var columns = json.GetProperty("columns").EnumerateArray().ToList();
        var rows = json.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(columns.Select(c => c.GetProperty("label").GetString()), records[0]);
        Assert.Equal(rows.Count + 1, records.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            for (var c = 0; c < columns.Count; c++)
            {
                var cell = records[i + 1][c];
                var value = rows[i].TryGetProperty(columns[c].GetProperty("key").GetString()!, out var v) ? v : default;
                var where = $"row {i + 1}, column {columns[c].GetProperty("key").GetString()}";
                switch (value.ValueKind)
                {
                    case JsonValueKind.Undefined or JsonValueKind.Null:
                        Assert.True(cell == "", $"{where}: '{cell}' for null");
                        break;
                    case JsonValueKind.Number:
                        Assert.True(value.GetDouble() == double.Parse(cell, CultureInfo.InvariantCulture), $"{where}: '{cell}' for {value.GetRawText()}");
                        break;
                    case JsonValueKind.String when value.TryGetDateTimeOffset(out var t) && value.GetString()!.Contains('T'):
                        Assert.Equal(t, DateTimeOffset.Parse(cell, CultureInfo.InvariantCulture));
                        Assert.EndsWith("+09:00", cell); // the center's time, as managers read it
                        break;
                    case JsonValueKind.String:
                        Assert.Equal(value.GetString(), cell);
                        break;
                    default:
                        Assert.Fail($"{where}: unexpected {value.ValueKind}");
                        break;
                }
            }
        }
    }
}

/// <summary>An RFC 4180 reader, enough for the reports' downloads.</summary>
internal static class Csv
{
    public static List<List<string>> Parse(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else
            {
                field.Append(ch);
            }
        }
        Assert.True(record.Count == 0 && field.Length == 0, "the CSV ends with CRLF");
        return records;
    }
}
