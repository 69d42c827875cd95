using Inbox.Calendar;
using Inbox.Channels;
using Inbox.Conversations;
using Inbox.Storage;

namespace Inbox.Reports;

/// <summary>How a report's rows are grouped; each maps to a ledger column.</summary>
public static class ReportGrouping
{
    public const string Channel = "channel";
    public const string Line = "line";
    public const string Counselor = "counselor";
    public const string Category = "category";

    public static readonly IReadOnlyList<string> All = [Channel, Line, Counselor, Category];

    internal static string Column(string? groupBy, SqlDialect dialect) => groupBy switch
    {
        Channel => "channel",
        Line => "line",
        Counselor => dialect.IdAsText("counselor_id"),
        Category => "category",
        _ => "NULL",
    };
}

/// <summary>
/// Managers' reports. Every figure comes from the metrics ledger (<c>report_events</c>) of one center, so the reports
/// agree with each other: a first response counted in one is the same row timed in another.
/// </summary>
public sealed class ReportService(Database database, CalendarService calendars, ChannelRegistry channels, TimeProvider clock)
{
    public const string Volume = "volume";
    public const string ResponseTimes = "response-times";
    public const string Compliance = "compliance";
    public const string Breaches = "breaches";
    public const string Resolution = "resolution";
    public const string Backlog = "backlog";
    public const string Callbacks = "callbacks";
    public const string Daily = "daily";

    public static readonly IReadOnlyList<string> All = [Volume, ResponseTimes, Compliance, Breaches, Resolution, Backlog, Callbacks, Daily];

    /// <summary>Age bands of the backlog, by wall-clock time since the conversation was opened or reopened.</summary>
    public static readonly IReadOnlyList<(string Key, string Label, TimeSpan Below)> AgeBands =
    [
        ("under1h", "1시간 미만", TimeSpan.FromHours(1)),
        ("from1hTo4h", "1~4시간", TimeSpan.FromHours(4)),
        ("from4hTo24h", "4~24시간", TimeSpan.FromHours(24)),
        ("from1dTo3d", "1~3일", TimeSpan.FromDays(3)),
        ("from3dTo7d", "3~7일", TimeSpan.FromDays(7)),
        ("over7d", "7일 이상", TimeSpan.MaxValue),
    ];

    public async Task<ReportPeriod> PeriodAsync(string centerId, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var calendar = await calendars.ForCenterAsync(centerId, ct);
        return new ReportPeriod(from, to, calendar.Zone.Id, StartOf(calendar, from), StartOf(calendar, to.AddDays(1)));
    }

    /// <summary>The center's time zone: days of reports and times in CSV downloads are the center's.</summary>
    public async Task<TimeZoneInfo> ZoneAsync(string centerId, CancellationToken ct) => (await calendars.ForCenterAsync(centerId, ct)).Zone;

    /// <summary>Today in the center's zone (the default day of a period).</summary>
    public async Task<DateOnly> TodayAsync(string centerId, CancellationToken ct)
    {
        var calendar = await calendars.ForCenterAsync(centerId, ct);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), calendar.Zone).DateTime);
    }

    public Task<ReportTable> BuildAsync(string report, string centerId, ReportPeriod period, string? groupBy, CancellationToken ct) => report switch
    {
        Volume => VolumeAsync(centerId, period, groupBy, ct),
        ResponseTimes => ResponseTimesAsync(centerId, period, groupBy, ct),
        Compliance => ComplianceAsync(centerId, period, groupBy, ct),
        Breaches => BreachesAsync(centerId, period, ct),
        Resolution => ResolutionAsync(centerId, period, groupBy, ct),
        Backlog => BacklogAsync(centerId, groupBy, ct),
        Callbacks => CallbacksAsync(centerId, period, groupBy, ct),
        Daily => DailyAsync(centerId, period, ct),
        _ => throw new ArgumentException($"Unknown report '{report}'.", nameof(report)),
    };

    private async Task<ReportTable> VolumeAsync(string centerId, ReportPeriod period, string? groupBy, CancellationToken ct)
    {
        IReadOnlyList<CountRow> counts;
        await using (var s = await database.ReadAsync(ct))
        {
            counts = await s.QueryAsync<CountRow>(
                $"""
                SELECT {ReportGrouping.Column(groupBy, s.Dialect)} AS grp, kind, outcome, COUNT(*) AS n
                FROM report_events
                WHERE center_id = @centerId AND at >= @Start AND at < @End
                  AND kind IN ('opened', 'message_in', 'message_out', 'automatic_out', 'call', 'callback_requested', 'referral')
                GROUP BY {(groupBy is null ? "" : ReportGrouping.Column(groupBy, s.Dialect) + ", ")}kind, outcome
                """, new { centerId, period.Start, period.End }, ct);
        }
        ReportColumn[] columns =
        [
            new("conversationsOpened", "새 대화"), new("messagesIn", "받은 메시지"), new("messagesOut", "상담사 답장"),
            new("automaticMessages", "자동 안내"), new("calls", "통화"), new("callsAnswered", "연결된 통화"),
            new("callbacks", "전화 요청"), new("referrals", "서비스 연계"),
        ];
        return await TableAsync(Volume, centerId, period, groupBy, columns, counts.Select(c => c.Grp), groupRows =>
        {
            var rows = groupRows.ToList();
            long Count(string kind, string? outcome = null) => rows.Where(r => r.Kind == kind && (outcome is null || r.Outcome == outcome)).Sum(r => r.N);
            return new()
            {
                ["conversationsOpened"] = Count(LedgerKind.Opened),
                ["messagesIn"] = Count(LedgerKind.MessageIn),
                ["messagesOut"] = Count(LedgerKind.MessageOut),
                ["automaticMessages"] = Count(LedgerKind.AutomaticOut),
                ["calls"] = Count(LedgerKind.Call),
                ["callsAnswered"] = Count(LedgerKind.Call, "answered"),
                ["callbacks"] = Count(LedgerKind.CallbackRequested),
                ["referrals"] = Count(LedgerKind.Referral),
            };
        }, counts, c => c.Grp, ct);
    }

    private async Task<ReportTable> ResponseTimesAsync(string centerId, ReportPeriod period, string? groupBy, CancellationToken ct)
    {
        var rows = await DurationsAsync(centerId, period, groupBy, "kind IN ('first_response', 'reply')", ct);
        var columns = new List<ReportColumn>();
        foreach (var (kind, label) in new[] { ("firstResponse", "첫 응답"), ("reply", "답장") })
        {
            columns.Add(new($"{kind}Count", $"{label} 건수"));
            columns.AddRange(DurationColumns(kind, label));
        }
        return await TableAsync(ResponseTimes, centerId, period, groupBy, [.. columns], rows.Select(r => r.Grp), groupRows =>
        {
            var list = groupRows.ToList();
            var row = new Dictionary<string, object?>();
            foreach (var (kind, key) in new[] { (LedgerKind.FirstResponse, "firstResponse"), (LedgerKind.Reply, "reply") })
            {
                var of = list.Where(r => r.Kind == kind).ToList();
                row[$"{key}Count"] = (long)of.Count;
                AddDurations(row, key, of);
            }
            return row;
        }, rows, r => r.Grp, ct);
    }

    private async Task<ReportTable> ComplianceAsync(string centerId, ReportPeriod period, string? groupBy, CancellationToken ct)
    {
        var rows = await DurationsAsync(centerId, period, groupBy, "kind = 'deadline'", ct);
        ReportColumn[] columns =
        [
            new("text24Met", "24시간 문자 기한 내 응답"), new("text24Breached", "24시간 문자 기한 초과"), new("text24Withdrawn", "24시간 문자 응답 없이 종료"),
            new("text24Compliance", "24시간 문자 1영업일 준수율"),
            new("liveMet", "실시간 첫 응답 기한 내"), new("liveBreached", "실시간 첫 응답 기한 초과"), new("liveWithdrawn", "실시간 응답 없이 종료"),
            new("liveCompliance", "실시간 첫 응답 준수율"),
        ];
        return await TableAsync(Compliance, centerId, period, groupBy, columns, rows.Select(r => r.Grp), groupRows =>
        {
            var list = groupRows.ToList();
            var text24 = list.Where(IsText24Deadline).ToList();
            var live = list.Where(IsLiveFirstResponse).ToList();
            long Count(List<DurationRow> of, string verdict) => of.Count(r => r.Outcome == verdict);
            return new()
            {
                ["text24Met"] = Count(text24, Verdict.Met),
                ["text24Breached"] = Count(text24, Verdict.Breached),
                ["text24Withdrawn"] = Count(text24, Verdict.Withdrawn),
                ["text24Compliance"] = Stats.Ratio(Count(text24, Verdict.Met), Count(text24, Verdict.Breached)),
                ["liveMet"] = Count(live, Verdict.Met),
                ["liveBreached"] = Count(live, Verdict.Breached),
                ["liveWithdrawn"] = Count(live, Verdict.Withdrawn),
                ["liveCompliance"] = Stats.Ratio(Count(live, Verdict.Met), Count(live, Verdict.Breached)),
            };
        }, rows, r => r.Grp, ct);
    }

    /// <summary>The text line's deadlines are one business day for every answer; the live line's compliance is its first answer.</summary>
    private static bool IsText24Deadline(DurationRow r) => r.Line == Line.Text24 && r.Reason is "first_response" or "next_response";

    private static bool IsLiveFirstResponse(DurationRow r) => r.Line == Line.Live && r.Reason == "first_response";

    private async Task<ReportTable> BreachesAsync(string centerId, ReportPeriod period, CancellationToken ct)
    {
        IReadOnlyList<BreachRow> rows;
        await using (var s = await database.ReadAsync(ct))
        {
            rows = await s.QueryAsync<BreachRow>(
                $"""
                SELECT conversation_id, at, due_at, line, reason, channel, category, counselor_id, started_at, wall_seconds, business_seconds, calendar_version
                FROM report_events
                WHERE center_id = @centerId AND at >= @Start AND at < @End AND kind = 'deadline' AND outcome = 'breached'
                ORDER BY due_at, {s.Dialect.IdOrder("conversation_id")}
                """, new { centerId, period.Start, period.End }, ct);
        }
        var names = await CounselorNamesAsync(centerId, ct);
        ReportColumn[] columns =
        [
            new("conversationId", "대화 ID"), new("measure", "기준"), new("line", "상담 유형"), new("reason", "기한 사유"),
            new("waitingSince", "대기 시작"), new("dueAt", "기한"), new("recordedAt", "초과 기록 시각"),
            new("waitedSeconds", "대기(초)"), new("waitedBusinessSeconds", "대기(업무시간, 초)"),
            new("channel", "채널"), new("category", "분야"), new("counselor", "상담사"), new("calendarVersion", "달력 버전"),
        ];
        var result = rows.Select(r => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["conversationId"] = r.ConversationId,
            ["measure"] = IsText24Deadline(new DurationRow { Line = r.Line, Reason = r.Reason }) ? "text24"
                : IsLiveFirstResponse(new DurationRow { Line = r.Line, Reason = r.Reason }) ? "live" : "other",
            ["line"] = r.Line,
            ["reason"] = r.Reason,
            ["waitingSince"] = r.StartedAt,
            ["dueAt"] = r.DueAt,
            ["recordedAt"] = r.At,
            ["waitedSeconds"] = r.WallSeconds,
            ["waitedBusinessSeconds"] = r.BusinessSeconds,
            ["channel"] = r.Channel,
            ["category"] = r.Category,
            ["counselor"] = r.CounselorId is { } id ? names.GetValueOrDefault(id) : null,
            ["calendarVersion"] = r.CalendarVersion,
        }).ToList();
        return new ReportTable(Breaches, period, null, clock.GetUtcNow(), columns, result);
    }

    private async Task<ReportTable> ResolutionAsync(string centerId, ReportPeriod period, string? groupBy, CancellationToken ct)
    {
        var rows = await DurationsAsync(centerId, period, groupBy, "kind IN ('resolved', 'reopened')", ct);
        ReportColumn[] columns = [new("resolved", "해결"), new("reopened", "재개"), .. DurationColumns("resolution", "해결 시간")];
        return await TableAsync(Resolution, centerId, period, groupBy, columns, rows.Select(r => r.Grp), groupRows =>
        {
            var list = groupRows.ToList();
            var resolved = list.Where(r => r.Kind == LedgerKind.Resolved && r.Outcome == ResolutionOutcome.Resolved).ToList();
            var row = new Dictionary<string, object?>
            {
                ["resolved"] = (long)resolved.Count,
                ["reopened"] = (long)list.Count(r => r.Kind == LedgerKind.Reopened),
            };
            AddDurations(row, "resolution", resolved);
            return row;
        }, rows, r => r.Grp, ct);
    }

    private async Task<ReportTable> CallbacksAsync(string centerId, ReportPeriod period, string? groupBy, CancellationToken ct)
    {
        var rows = await DurationsAsync(centerId, period, groupBy,
            "(kind IN ('callback_requested', 'callback_completed') OR (kind = 'deadline' AND reason = 'callback' AND outcome = 'breached'))", ct);
        ReportColumn[] columns =
        [
            new("requested", "전화 요청"), new("completed", "전화 완료"), new("met", "기한 내 통화"), new("breached", "기한 초과 통화"),
            new("overdue", "기한이 지난 요청(통화 전)"),
            .. DurationColumns("timeToCall", "통화까지"),
        ];
        return await TableAsync(Callbacks, centerId, period, groupBy, columns, rows.Select(r => r.Grp), groupRows =>
        {
            var list = groupRows.ToList();
            var completed = list.Where(r => r.Kind == LedgerKind.CallbackCompleted).ToList();
            var row = new Dictionary<string, object?>
            {
                ["requested"] = (long)list.Count(r => r.Kind == LedgerKind.CallbackRequested),
                ["completed"] = (long)completed.Count,
                ["met"] = (long)completed.Count(r => r.Outcome == Verdict.Met),
                ["breached"] = (long)completed.Count(r => r.Outcome == Verdict.Breached),
                // Requests whose deadline passed with no call yet, whether the call came later or never.
                ["overdue"] = (long)list.Count(r => r.Kind == LedgerKind.Deadline),
            };
            AddDurations(row, "timeToCall", completed);
            return row;
        }, rows, r => r.Grp, ct);
    }

    /// <summary>
    /// Unresolved conversations right now by age. Which conversations are unresolved comes from their records (the same
    /// transactions write the ledger's opening, reopening and resolution rows, so the two agree); their age runs from the
    /// ledger's latest opening or reopening, and their group is that of their latest ledger row (of their latest
    /// assignment when grouped by counselor).
    /// </summary>
    private async Task<ReportTable> BacklogAsync(string centerId, string? groupBy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var open = new List<BacklogRow>();
        await using (var s = await database.ReadAsync(ct))
        {
            var unresolved = await s.QueryAsync<BacklogRow>(
                "SELECT id AS conversation_id, COALESCE(reopened_at, created_at) AS since FROM conversations WHERE center_id = @centerId AND status <> 'resolved'",
                new { centerId }, ct);
            foreach (var chunk in unresolved.Chunk(500))
            {
                var ids = chunk.Select(c => c.ConversationId).ToList();
                var rows = (await s.QueryAsync<GroupOfConversation>(
                    $"""
                    SELECT conversation_id, kind, {ReportGrouping.Column(groupBy, s.Dialect)} AS grp, at, id FROM report_events
                    WHERE {s.Dialect.InList("conversation_id", "@ids")}
                    """, new { ids }, ct)).ToLookup(r => r.ConversationId);
                foreach (var c in chunk)
                {
                    var ledger = rows[c.ConversationId].OrderBy(r => r.At).ThenBy(r => r.Id).ToList();
                    var since = ledger.LastOrDefault(r => r.Kind is LedgerKind.Opened or LedgerKind.Reopened)?.At ?? c.Since;
                    var grp = groupBy == ReportGrouping.Counselor ? ledger.LastOrDefault(r => r.Kind == LedgerKind.Assigned)?.Grp : ledger.LastOrDefault()?.Grp;
                    open.Add(c with { Since = since, Grp = grp });
                }
            }
        }
        ReportColumn[] columns = [new("open", "미해결"), .. AgeBands.Select(b => new ReportColumn(b.Key, b.Label)), new("oldestSince", "가장 오래된 대화 시작")];
        return await TableAsync(Backlog, centerId, null, groupBy, columns, open.Select(o => o.Grp), groupRows =>
        {
            var list = groupRows.ToList();
            var row = new Dictionary<string, object?> { ["open"] = (long)list.Count };
            var lower = TimeSpan.Zero;
            foreach (var (key, _, below) in AgeBands)
            {
                row[key] = (long)list.Count(o => now - o.Since >= lower && now - o.Since < below);
                lower = below;
            }
            row["oldestSince"] = list.Count == 0 ? null : list.Min(o => o.Since);
            return row;
        }, open, o => o.Grp, ct);
    }

    /// <summary>The center's own daily sheet: calls answered, text consultations opened (one column per text channel: SMS, KakaoTalk) and referrals per day.</summary>
    private async Task<ReportTable> DailyAsync(string centerId, ReportPeriod period, CancellationToken ct)
    {
        var calendar = await calendars.ForCenterAsync(centerId, ct);
        IReadOnlyList<DayRow> rows;
        await using (var s = await database.ReadAsync(ct))
        {
            rows = await s.QueryAsync<DayRow>(
                """
                SELECT at, kind, channel FROM report_events
                WHERE center_id = @centerId AND at >= @Start AND at < @End
                  AND kind IN ('referral', 'call', 'opened')
                  AND (kind = 'referral' OR (kind = 'call' AND outcome = 'answered') OR kind = 'opened')
                """, new { centerId, period.Start, period.End }, ct);
        }
        // Consultations opened on a channel that carries text replies; one opened by a call is counted as the call.
        var text = channels.TextChannels;
        rows = [.. rows.Where(r => r.Kind != LedgerKind.Opened || text.Any(c => c.Name == r.Channel))];
        ReportColumn[] columns =
        [
            new("date", "날짜"), new("phone", "전화상담"), new("text", "문자상담"), .. text.Select(c => new ReportColumn(c.Name, c.DisplayName)),
            new("referrals", "서비스연계"), new("total", "합계"),
        ];
        var byDay = rows.ToLookup(r => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(r.At, calendar.Zone).DateTime));
        var result = new List<IReadOnlyDictionary<string, object?>>();
        Dictionary<string, object?> Row(object date, IEnumerable<DayRow> of)
        {
            var list = of.ToList();
            long phone = list.Count(r => r.Kind == LedgerKind.Call), opened = list.Count(r => r.Kind == LedgerKind.Opened),
                referrals = list.Count(r => r.Kind == LedgerKind.Referral);
            var row = new Dictionary<string, object?> { ["date"] = date, ["phone"] = phone, ["text"] = opened };
            foreach (var channel in text)
                row[channel.Name] = (long)list.Count(r => r.Kind == LedgerKind.Opened && r.Channel == channel.Name);
            row["referrals"] = referrals;
            row["total"] = phone + opened + referrals;
            return row;
        }
        for (var day = period.From; day <= period.To; day = day.AddDays(1))
            result.Add(Row(day, byDay[day]));
        result.Add(Row("합계", rows));
        return new ReportTable(Daily, period, null, clock.GetUtcNow(), columns, result);
    }

    // ---- shared pieces -------------------------------------------------------------------------------------------

    private static IEnumerable<ReportColumn> DurationColumns(string key, string label) =>
    [
        new($"{key}MedianSeconds", $"{label} 중앙값(초)"), new($"{key}P90Seconds", $"{label} 90%(초)"), new($"{key}MaxSeconds", $"{label} 최대(초)"),
        new($"{key}MedianBusinessSeconds", $"{label} 중앙값(업무시간, 초)"), new($"{key}P90BusinessSeconds", $"{label} 90%(업무시간, 초)"),
        new($"{key}MaxBusinessSeconds", $"{label} 최대(업무시간, 초)"),
    ];

    private static void AddDurations(Dictionary<string, object?> row, string key, IReadOnlyList<DurationRow> rows)
    {
        var wall = rows.Select(r => r.WallSeconds ?? 0).Order().ToList();
        var business = rows.Select(r => r.BusinessSeconds ?? 0).Order().ToList();
        row[$"{key}MedianSeconds"] = Stats.Median(wall);
        row[$"{key}P90Seconds"] = Stats.P90(wall);
        row[$"{key}MaxSeconds"] = Stats.Max(wall);
        row[$"{key}MedianBusinessSeconds"] = Stats.Median(business);
        row[$"{key}P90BusinessSeconds"] = Stats.P90(business);
        row[$"{key}MaxBusinessSeconds"] = Stats.Max(business);
    }

    private async Task<IReadOnlyList<DurationRow>> DurationsAsync(string centerId, ReportPeriod period, string? groupBy, string kinds, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.QueryAsync<DurationRow>(
            $"""
            SELECT {ReportGrouping.Column(groupBy, s.Dialect)} AS grp, kind, outcome, reason, line, wall_seconds, business_seconds
            FROM report_events
            WHERE center_id = @centerId AND at >= @Start AND at < @End AND {kinds}
            """, new { centerId, period.Start, period.End }, ct);
    }

    /// <summary>One row per group (sorted by label) and a last row for all of them, each computed by <paramref name="compute"/>.</summary>
    private async Task<ReportTable> TableAsync<T>(
        string report, string centerId, ReportPeriod? period, string? groupBy, IReadOnlyList<ReportColumn> figures,
        IEnumerable<string?> groups, Func<IEnumerable<T>, Dictionary<string, object?>> compute, IReadOnlyList<T> rows, Func<T, string?> groupOf,
        CancellationToken ct)
    {
        var names = groupBy == ReportGrouping.Counselor ? await CounselorNamesAsync(centerId, ct) : new Dictionary<Guid, string>();
        var result = new List<IReadOnlyDictionary<string, object?>>();
        ReportColumn[] columns = [new("group", "구분"), new("label", "이름"), .. figures];
        if (groupBy is not null)
        {
            var byGroup = rows.ToLookup(groupOf);
            foreach (var group in groups.Distinct().Select(g => (Key: g, Label: Label(groupBy, g, names))).OrderBy(g => g.Label, StringComparer.Ordinal))
                result.Add(new Dictionary<string, object?> { ["group"] = group.Key, ["label"] = group.Label }.Concat(compute(byGroup[group.Key])).ToDictionary());
        }
        result.Add(new Dictionary<string, object?> { ["group"] = "total", ["label"] = "합계" }.Concat(compute(rows)).ToDictionary());
        return new ReportTable(report, period, groupBy, clock.GetUtcNow(), columns, result);
    }

    private string Label(string groupBy, string? value, IReadOnlyDictionary<Guid, string> names) => groupBy switch
    {
        ReportGrouping.Channel => channels.Find(value)?.DisplayName ?? value ?? "(없음)",
        ReportGrouping.Line => value switch { Line.Text24 => "24시간 문자", Line.Live => "실시간 상담", Line.Phone => "전화", _ => value ?? "(없음)" },
        ReportGrouping.Counselor => value is null ? "(상담사 없음)" : Guid.TryParse(value, out var id) && names.TryGetValue(id, out var name) ? name : value,
        _ => value ?? "미분류",
    };

    private async Task<IReadOnlyDictionary<Guid, string>> CounselorNamesAsync(string centerId, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return (await s.QueryAsync<NameRow>("SELECT id, display_name FROM accounts WHERE center_id = @centerId", new { centerId }, ct))
            .ToDictionary(a => a.Id, a => a.DisplayName);
    }

    private static DateTimeOffset StartOf(BusinessCalendar calendar, DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, calendar.Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private sealed record CountRow
    {
        public string? Grp { get; init; }
        public required string Kind { get; init; }
        public string? Outcome { get; init; }
        public long N { get; init; }
    }

    private sealed record DurationRow
    {
        public string? Grp { get; init; }
        public string Kind { get; init; } = "";
        public string? Outcome { get; init; }
        public string? Reason { get; init; }
        public string? Line { get; init; }
        public double? WallSeconds { get; init; }
        public double? BusinessSeconds { get; init; }
    }

    private sealed record BreachRow
    {
        public Guid ConversationId { get; init; }
        public DateTimeOffset At { get; init; }
        public DateTimeOffset? DueAt { get; init; }
        public string? Line { get; init; }
        public string? Reason { get; init; }
        public string? Channel { get; init; }
        public string? Category { get; init; }
        public Guid? CounselorId { get; init; }
        public DateTimeOffset? StartedAt { get; init; }
        public double? WallSeconds { get; init; }
        public double? BusinessSeconds { get; init; }
        public string? CalendarVersion { get; init; }
    }

    private sealed record BacklogRow
    {
        public Guid ConversationId { get; init; }
        public DateTimeOffset Since { get; init; }
        public string? Grp { get; init; }
    }

    private sealed record GroupOfConversation
    {
        public Guid ConversationId { get; init; }
        public string Kind { get; init; } = "";
        public string? Grp { get; init; }
        public DateTimeOffset At { get; init; }
        public Guid Id { get; init; }
    }

    private sealed record DayRow
    {
        public DateTimeOffset At { get; init; }
        public required string Kind { get; init; }
        public string? Channel { get; init; }
    }

    private sealed record NameRow
    {
        public Guid Id { get; init; }
        public required string DisplayName { get; init; }
    }
}
