using System.Text.RegularExpressions;
using Inbox.Calendar;
using Inbox.Centers;
using Inbox.Channels;
using Inbox.Contacts;
using Inbox.Conversations;
using Inbox.Ingest;
using Inbox.Reports;
using Inbox.Storage;
using Microsoft.Extensions.Options;

namespace Inbox.Callbacks;

public static class CallbackSources
{
    public const string KakaoButton = "kakao_button";
    public const string ResidentWords = "resident_words";
    public const string Counselor = "counselor";
    public const string MissedCall = "missed_call";
    public const string Voicemail = "voicemail";
}

public static class CallbackStatus
{
    public const string Requested = "requested";
    public const string Completed = "completed";
}

public sealed record CallbackRow
{
    public Guid Id { get; init; }
    public required string CenterId { get; init; }
    public Guid ConversationId { get; init; }
    public Guid ContactId { get; init; }
    public string? Phone { get; init; }
    public required string Source { get; init; }
    public required string Status { get; init; }
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset DueAt { get; init; }
    public required string DueCalendarVersion { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public Guid? CompletedBy { get; init; }
    /// <summary>The contact's own number (from an SMS or phone identity, or linked by a counselor), when read with it.</summary>
    public string? ContactPhone { get; init; }

    /// <summary>
    /// Whether the number to call is the resident's own: the one their SMS or calls came from, or one a counselor linked
    /// after verifying them. False for a number typed in a chat ("given in chat, not verified").
    /// </summary>
    public bool PhoneVerified => Phone is not null && Phone == ContactPhone;
}

/// <summary>
/// Switch to phone: a resident asks to be called (the Kakao call button, or in words) or a counselor offers it. The
/// request carries the contact's number — asked for and read from the resident's next message when a Kakao contact has
/// none, kept on the request only (a claim, never joined to a record) — is due in minutes in working hours (else at the next
/// opening), lifts the conversation to the top of the queue, and is completed by the next answered call with that number.
/// </summary>
public sealed partial class CallbackRules(AutomaticMessages automatic, CenterDirectory centers, ChannelRegistry channels, IOptionsMonitor<LineOptions> lines)
{
    private const string Columns = "id, center_id, conversation_id, contact_id, phone, source, status, requested_at, due_at, due_calendar_version, attempts, completed_at, completed_by";

    public static Task<CallbackRow?> FindOpenAsync(DbSession s, Guid conversationId, CancellationToken ct) =>
        s.SingleOrDefaultAsync<CallbackRow>(
            $"SELECT {Columns} FROM callback_requests WHERE conversation_id = @conversationId AND status IN ('requested', 'claimed')", new { conversationId }, ct);

    /// <summary>Whether the words ask to be called (spaces ignored). Asking for a number is not asking to be called.</summary>
    public bool AsksForCall(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var compact = Whitespace().Replace(text, "").ToLowerInvariant();
        return lines.CurrentValue.Callback.EffectivePhrases.Any(p => compact.Contains(Whitespace().Replace(p, "").ToLowerInvariant(), StringComparison.Ordinal));
    }

    /// <summary>The first Korean phone number written in the text, as E.164.</summary>
    public static string? FindPhoneNumber(string? text)
    {
        if (text is null)
            return null;
        foreach (Match m in PhoneLike().Matches(text))
        {
            if (KoreanPhoneNumber.TryNormalize(m.Value, out var e164, out _))
                return e164;
        }
        return null;
    }

    /// <summary>What a message from a resident (or a call) does to callbacks, inside the ingest transaction.</summary>
    public async Task<List<NewEvent>> OnMessageAsync(
        DbSession s, BusinessCalendar calendar, InboundMessage m, Guid conversationId, Guid contactId, Guid messageId, Guid? assigneeId,
        DateTimeOffset now, CancellationToken ct)
    {
        var open = await FindOpenAsync(s, conversationId, ct);
        if (m.Channel == Channel.Phone)
        {
            if (open is not null)
                return await OnCallAsync(s, calendar, m, open, messageId, assigneeId, now, ct);
            // A resident's call that nobody answered is a request to be called back.
            var status = (m.Details as CallDetails)?.Status;
            return m.Direction == Direction.In && status is CallDetails.Missed or CallDetails.Voicemail
                ? await CreateAsync(s, calendar, m.CenterId, conversationId, contactId, status == CallDetails.Missed ? CallbackSources.MissedCall : CallbackSources.Voicemail,
                    m.ResidentAddress, m.CenterAddress, m.Channel, null, assigneeId, now, ct)
                : [];
        }
        if (m.Direction != Direction.In || m.Kind == MessageKind.System)
            return [];

        if (open is { Phone: null })
        {
            // We asked for a number: the resident's answer carries it.
            if (FindPhoneNumber(m.Body) is { } phone)
                return await TakeNumberAsync(s, open, phone, assigneeId, ct);
            return [];
        }
        if (open is not null)
            return [];
        var source = m.Details is KakaoDetails { Extra: { } extra } && extra == lines.CurrentValue.Callback.KakaoButtonExtra
            ? CallbackSources.KakaoButton
            : AsksForCall(m.Body) ? CallbackSources.ResidentWords : null;
        if (source is null)
            return [];
        return await CreateAsync(s, calendar, m.CenterId, conversationId, contactId, source, m.ResidentAddress, m.CenterAddress, m.Channel, null, assigneeId, now, ct);
    }

    /// <summary>Opens a callback request (none may be open yet). A Kakao resident without a known number is asked for one.</summary>
    public async Task<List<NewEvent>> CreateAsync(
        DbSession s, BusinessCalendar calendar, string centerId, Guid conversationId, Guid contactId, string source,
        string residentAddress, string centerAddress, string channel, Guid? actorId, Guid? assigneeId, DateTimeOffset now, CancellationToken ct)
    {
        var phone = await s.ScalarAsync<string?>("SELECT phone FROM contacts WHERE id = @contactId", new { contactId }, ct);
        var deadline = CalendarService.Due(calendar, Deadlines.Callback, now, lines.CurrentValue);
        var (due, version, _) = deadline;
        var id = Ids.New();
        await s.ExecuteAsync(
            $"""
            INSERT INTO callback_requests ({Columns})
            VALUES (@id, @centerId, @conversationId, @contactId, @phone, @source, 'requested', @now, @due, @Version, 0, NULL, NULL)
            """,
            new { id, centerId, conversationId, contactId, phone, source, now, due, Version = version }, ct);
        // To the top of the queue (urgent stays above it), with the callback's deadline when that is the nearer one.
        await s.ExecuteAsync("UPDATE conversations SET priority = 'high' WHERE id = @conversationId AND priority = 'normal'", new { conversationId }, ct);
        await Deadlines.TightenAsync(s, conversationId, deadline, Deadlines.Callback, Line.Phone, ct);
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.CallbackRequested, conversationId, now)
        {
            CounselorId = actorId, Channel = channel, Reason = source, DueAt = due, CalendarVersion = version, RefId = id,
        }, ct);

        var events = new List<NewEvent> { new(centerId, conversationId, EventType.CallbackRequested, new { callbackId = id, source }, actorId, assigneeId) };
        // Asked on a chat, whose replies reach the resident without a number (Kakao); SMS and calls are by number.
        if (phone is null && channels.Find(channel)?.Address?.Source == ReplyAddressSource.LatestIdentity)
        {
            var text = lines.CurrentValue.Callback.AskForNumber.Replace("{center}", centers.Find(centerId)?.Name ?? "");
            events.AddRange(await automatic.QueueAsync(s, centerId, conversationId, contactId, channel, residentAddress, centerAddress, text, "ask_for_number", assigneeId, now, ct));
        }
        return events;
    }

    /// <summary>
    /// The number in a chat answer is the number to call back and nothing more: it is a claim, not a verified identity.
    /// It never joins the chat to a resident the center knows by that number, never gives the chat's contact a number
    /// or an SMS/phone identity, and so never changes what the chat shows or where replies go. A counselor joins the
    /// records after verifying the person (<see cref="ConversationService.LinkContactAsync"/>).
    /// </summary>
    private static async Task<List<NewEvent>> TakeNumberAsync(DbSession s, CallbackRow open, string phone, Guid? assigneeId, CancellationToken ct)
    {
        await s.ExecuteAsync("UPDATE callback_requests SET phone = @phone WHERE id = @Id", new { phone, open.Id }, ct);
        return [new NewEvent(open.CenterId, open.ConversationId, EventType.CallbackChanged, new { callbackId = open.Id, change = "number_given" }, null, assigneeId)];
    }

    /// <summary>
    /// The open request a counselor's call was made for, when the call belongs to it rather than to the number's owner:
    /// the call names the request (<c>callbackId</c>), or it goes out to a number that was only given in a chat (no
    /// resident of the center is known by it). The call then joins that request's conversation without making the number
    /// the chat's. A call to a number the center knows, or any call from a resident, goes to the number's owner as always.
    /// </summary>
    public static async Task<CallbackRow?> FindRequestForCallAsync(DbSession s, InboundMessage m, CancellationToken ct)
    {
        if (m.Channel != Channel.Phone || m.Direction != Direction.Out)
            return null;
        if (m.Details is CallDetails { CallbackId: { } named })
        {
            return Guid.TryParse(named, out var id)
                ? await s.SingleOrDefaultAsync<CallbackRow>(
                    $"{OpenRequests} AND r.id = @id", new { id, m.CenterId }, ct)
                : null;
        }
        if (await s.ScalarAsync<long>(
                "SELECT COUNT(*) FROM channel_identities WHERE center_id = @CenterId AND channel IN ('sms', 'phone') AND address = @ResidentPhone",
                new { m.CenterId, m.ResidentPhone }, ct) > 0)
            return null;
        return await s.SingleOrDefaultAsync<CallbackRow>(
            $"{OpenRequests} AND r.phone = @ResidentPhone ORDER BY r.requested_at DESC {s.Dialect.Limit("1")}", new { m.CenterId, m.ResidentPhone }, ct);
    }

    private static readonly string OpenRequests =
        $"""
        SELECT {string.Join(", ", Columns.Split(", ").Select(c => "r." + c))}
        FROM callback_requests r JOIN conversations c ON c.id = r.conversation_id
        WHERE r.center_id = @CenterId AND r.status IN ('requested', 'claimed') AND c.status <> 'resolved'
        """;

    /// <summary>Callback requests with their contact's number, as counselors see them (<see cref="CallbackRow.PhoneVerified"/>).</summary>
    public static readonly string ViewSql =
        $"""
        SELECT {string.Join(", ", Columns.Split(", ").Select(c => "r." + c))}, k.phone AS contact_phone
        FROM callback_requests r JOIN contacts k ON k.id = r.contact_id
        """;

    private static async Task<List<NewEvent>> OnCallAsync(DbSession s, BusinessCalendar calendar, InboundMessage m, CallbackRow open, Guid messageId, Guid? assigneeId, DateTimeOffset now, CancellationToken ct)
    {
        var callbackId = (m.Details as CallDetails)?.CallbackId;
        if (callbackId is not null && (!Guid.TryParse(callbackId, out var named) || named != open.Id))
            return []; // the call names another request
        if (callbackId is null && open.Phone is not null && open.Phone != m.ResidentPhone)
            return [];
        if (m.Details is CallDetails { Status: CallDetails.Answered })
        {
            await s.ExecuteAsync(
                "UPDATE callback_requests SET status = 'completed', completed_at = @now, completed_by = @messageId, phone = COALESCE(phone, @phone) WHERE id = @Id",
                new { now, messageId, phone = m.ResidentPhone, open.Id }, ct);
            await s.ExecuteAsync(
                "UPDATE conversations SET priority = CASE WHEN priority = 'high' THEN 'normal' ELSE priority END WHERE id = @ConversationId",
                new { open.ConversationId }, ct);
            // Time to call: from the request to the answered call, judged against the request's own deadline.
            await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.CallbackCompleted, open.ConversationId, now)
            {
                CounselorId = await ResponseRules.CallAgentAsync(s, m) ?? assigneeId, Channel = Channel.Phone, Outcome = now <= open.DueAt ? Verdict.Met : Verdict.Breached,
                Reason = open.Source, DueAt = open.DueAt, RefId = open.Id,
            }.Timed(calendar, open.RequestedAt), ct);
            return [new NewEvent(open.CenterId, open.ConversationId, EventType.CallbackChanged, new { callbackId = open.Id, change = "completed" }, null, assigneeId)];
        }
        if (m.Direction == Direction.Out)
        {
            await s.ExecuteAsync("UPDATE callback_requests SET attempts = attempts + 1, last_attempt_at = @now WHERE id = @Id", new { now, open.Id }, ct);
            return [new NewEvent(open.CenterId, open.ConversationId, EventType.CallbackChanged, new { callbackId = open.Id, change = "no_answer" }, null, assigneeId)];
        }
        return [];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"(?:\+82[\s\-.]?)?\(?0?\d{1,3}\)?[\s\-.]?\d{3,4}[\s\-.]?\d{4}")]
    private static partial Regex PhoneLike();
}
