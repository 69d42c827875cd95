using System.Globalization;
using Inbox.Calendar;
using Inbox.Centers;
using Inbox.Channels;
using Inbox.Conversations;
using Inbox.Storage;
using Microsoft.Extensions.Options;

namespace Inbox.Ingest;

/// <summary>
/// What a resident's message sets in motion on its line: the next deadline (with the calendar version it came from),
/// the text line's automatic acknowledgement (once until answered), the live line's out-of-hours reply (once per
/// closed period); and an answered call counting as a response. Runs inside the ingest transaction.
/// </summary>
public sealed class ResponseRules(
    AutomaticMessages automatic, CenterDirectory centers, ChannelRegistry channels, IOptionsMonitor<LineOptions> lines, IOptionsMonitor<TriageOptions> triage)
{
    private static readonly string[] Weekdays = ["일", "월", "화", "수", "목", "금", "토"];

    /// <summary>Applies the rules, crisis triage last (its deadline wins); returns the events to append and whether anything was queued.</summary>
    public async Task<(List<NewEvent> Events, bool Queued)> ApplyAsync(
        DbSession s, BusinessCalendar calendar, InboundMessage m, Guid conversationId, Guid contactId, Guid messageId,
        OpenConversation? before, Guid? assigneeId, DateTimeOffset now, CancellationToken ct)
    {
        var result = await ApplyLineRulesAsync(s, calendar, m, conversationId, contactId, messageId, before, assigneeId, now, ct);
        if (m.Direction == Direction.In && m.Kind != MessageKind.System
            && CrisisTriage.Match(m.Body, triage.CurrentValue.EffectivePhrases, triage.CurrentValue.EffectiveExclusions) is { } phrase)
            result.Events.AddRange(await FlagAsync(s, m, conversationId, phrase, calendar, assigneeId, now, ct));
        return result;
    }

    /// <summary>
    /// Danger to life: the conversation becomes urgent (the top of every queue), is due in minutes at any hour, keeps the
    /// phrase to show the counselor, and managers are alerted (CrisisFlagged).
    /// </summary>
    private async Task<List<NewEvent>> FlagAsync(
        DbSession s, InboundMessage m, Guid conversationId, string phrase, BusinessCalendar calendar, Guid? assigneeId, DateTimeOffset now, CancellationToken ct)
    {
        await s.ExecuteAsync("UPDATE conversations SET priority = 'urgent', triage_phrase = @phrase WHERE id = @conversationId", new { phrase, conversationId }, ct);
        var due = new Deadline(now.AddMinutes(lines.CurrentValue.Urgent.DueMinutes), calendar.Version);
        await Deadlines.TightenAsync(s, conversationId, due, Deadlines.Urgent, channels.Get(m.Channel).Line, ct);
        return [new NewEvent(m.CenterId, conversationId, EventType.ConversationFlagged, new { phrase, channel = m.Channel }, null, assigneeId)];
    }

    private async Task<(List<NewEvent> Events, bool Queued)> ApplyLineRulesAsync(
        DbSession s, BusinessCalendar calendar, InboundMessage m, Guid conversationId, Guid contactId, Guid messageId,
        OpenConversation? before, Guid? assigneeId, DateTimeOffset now, CancellationToken ct)
    {
        var events = new List<NewEvent>();
        if (m.Channel == Channel.Phone)
        {
            // A call that was answered is a response, whoever dialled: by the counselor the phone system names, else the assignee.
            if (m.Details is CallDetails { Status: CallDetails.Answered })
                await Deadlines.AnsweredAsync(s, calendar, conversationId, await CallAgentAsync(s, m) ?? assigneeId, m.Channel, messageId, now, ct);
            // A missed call or voicemail becomes a callback request, with its own deadline (CallbackRules).
            return (events, false);
        }
        if (m.Direction != Direction.In || m.Kind == MessageKind.System)
            return (events, false);
        if (before?.WaitingSince is not null)
            return (events, false); // already waiting: the earlier deadline stands

        // A text is held to the rule of the line its channel belongs to, whatever line the conversation began on
        // (an SMS after a missed call is a text-line matter).
        var line = channels.Get(m.Channel).Line;
        var options = lines.CurrentValue;
        var due = CalendarService.Due(calendar, line, now, options);
        await Deadlines.StartAsync(s, conversationId, due, line, answeredBefore: before?.FirstResponseAt is not null, ct);

        var center = centers.Find(m.CenterId)!;
        var queued = false;
        if (line == Line.Text24 && before?.AcknowledgedAt is null)
        {
            var text = options.Text24.Acknowledgement.Replace("{center}", center.Name).Replace("{due}", Format(calendar, due.DueAt));
            events.AddRange(await automatic.QueueAsync(s, m.CenterId, conversationId, contactId, m.Channel, m.ResidentAddress, m.CenterAddress, text, "acknowledgement", assigneeId, now, ct));
            await Deadlines.AcknowledgedAsync(s, conversationId, now, ct);
            queued = true;
        }
        // Closed with an opening to name (a calendar with none has no time to promise: the deadline alone stands).
        else if (line == Line.Live && !calendar.IsOpen(now) && calendar.NextOpening(now) is { } opening)
        {
            if (before?.ClosedReplyUntil != opening)
            {
                var text = options.Live.ClosedReply.Replace("{center}", center.Name).Replace("{opening}", Format(calendar, opening));
                events.AddRange(await automatic.QueueAsync(s, m.CenterId, conversationId, contactId, m.Channel, m.ResidentAddress, m.CenterAddress, text, "closed_hours", assigneeId, now, ct));
                await s.ExecuteAsync("UPDATE conversations SET closed_reply_until = @opening WHERE id = @conversationId", new { conversationId, opening }, ct);
                queued = true;
            }
        }
        return (events, queued);
    }

    /// <summary>The account whose username the phone system gave as the call's agent, if any.</summary>
    public static Task<Guid?> CallAgentAsync(DbSession s, InboundMessage m) =>
        m.Details is CallDetails { AgentId: { } agent }
            ? s.SingleOrDefaultAsync<Guid?>("SELECT id FROM accounts WHERE center_id = @CenterId AND username = @agent", new { m.CenterId, agent }, CancellationToken.None)
            : Task.FromResult<Guid?>(null);

    /// <summary>"11월 30일(월) 18:00" in the center's time zone.</summary>
    public static string Format(BusinessCalendar calendar, DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, calendar.Zone);
        return string.Create(CultureInfo.InvariantCulture, $"{local.Month}월 {local.Day}일({Weekdays[(int)local.DayOfWeek]}) {local:HH:mm}");
    }
}
