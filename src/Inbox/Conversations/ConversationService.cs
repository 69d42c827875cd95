using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Calendar;
using Inbox.Callbacks;
using Inbox.Channels;
using Inbox.Contacts;
using Inbox.Live;
using Inbox.Privacy;
using Inbox.Reports;
using Inbox.Storage;

namespace Inbox.Conversations;

/// <summary>Why an action was refused; the HTTP API answers 400, 403, 404 or 409 accordingly.</summary>
public enum Refusal
{
    Conflict,
    Invalid,
    Forbidden,
    NotFound,
}

/// <summary>A counselor's action that cannot be done; the message is shown to them as it is.</summary>
public sealed class ConversationActionException(string message, Refusal refusal = Refusal.Conflict, string? field = null) : Exception(message)
{
    public Refusal Refusal { get; } = refusal;

    /// <summary>The request field that was refused, when one was (the HTTP API names it under <c>errors</c>).</summary>
    public string? Field { get; } = field;
}

/// <summary>What a link did: the contact the conversation now belongs to, and the resident's open conversation merged into it.</summary>
public sealed record LinkResult(Guid ContactId, Guid? MergedConversationId);

public sealed record ConversationState
{
    public Guid Id { get; init; }
    public required string CenterId { get; init; }
    public Guid ContactId { get; init; }
    public required string Status { get; init; }
    public Guid? AssigneeId { get; init; }
    public required string LastInboundChannel { get; init; }
    public string? ContactPhone { get; init; }
}

/// <summary>What counselors do to conversations: claim, reply, note, transfer, resolve, reopen.</summary>
public sealed class ConversationService(
    Database database, ConversationStore store, ReplyRouting replies, CalendarService calendars, CallbackRules callbacks,
    AuditLog audit, EventSignal events, OutboxSignal outbox, TimeProvider clock)
{
    public const int MaxReplyLength = 10_000;
    public const int MaxClientMessageIdLength = 100;

    /// <summary>Exactly one of several concurrent claims wins; the others are refused saying who has it.</summary>
    public async Task ClaimAsync(Caller caller, Guid conversationId, CancellationToken ct)
    {
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        if (state.AssigneeId == caller.AccountId)
            return; // already ours: claiming again changes nothing
        RequireOpen(state);
        // Claims are ordered by the resident's lock; the auto-assigner takes conversations without it, so the update decides.
        var won = state.AssigneeId is null && await s.ExecuteAsync(
            "UPDATE conversations SET assignee_id = @AccountId, assigned_at = @now WHERE id = @conversationId AND assignee_id IS NULL",
            new { caller.AccountId, conversationId, now }, ct) == 1;
        if (!won)
        {
            var holder = state.AssigneeId ?? (await FindAsync(s, caller.CenterId, conversationId, ct))?.AssigneeId;
            if (holder == caller.AccountId)
                return; // the auto-assigner gave it to us meanwhile
            throw new ConversationActionException($"This conversation was already claimed by {await DisplayNameAsync(s, holder, ct)}.");
        }
        await s.ExecuteAsync("UPDATE accounts SET last_assigned_at = @now WHERE id = @AccountId", new { caller.AccountId, now }, ct);
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.Assigned, conversationId, now) { CounselorId = caller.AccountId, Reason = "claim" }, ct);
        await change.CommitAsync([new NewEvent(caller.CenterId, conversationId, EventType.ConversationAssigned,
            new { reason = "claim", by = caller.AccountId }, caller.AccountId, caller.AccountId)], ct);
    }

    /// <summary>Gives the conversation to another counselor of the center. The assignee or a manager may do it.</summary>
    public async Task TransferAsync(Caller caller, Guid conversationId, Guid toAccountId, CancellationToken ct)
    {
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        RequireOpen(state);
        if (state.AssigneeId != caller.AccountId && !Visibility.IsManager(caller))
            throw new ConversationActionException("Only the counselor who has this conversation, or a manager, can transfer it.");
        var target = await s.SingleOrDefaultAsync<TargetAccount>(
            "SELECT id, role, disabled_at FROM accounts WHERE id = @toAccountId AND center_id = @CenterId",
            new { toAccountId, caller.CenterId }, ct);
        if (target is null || target.DisabledAt is not null || target.Role is not (Roles.Counselor or Roles.Manager))
            throw new ConversationActionException("Transfer to an active counselor or manager of this center.");
        if (state.AssigneeId == toAccountId)
            return;
        await s.ExecuteAsync("UPDATE conversations SET assignee_id = @toAccountId, assigned_at = @now WHERE id = @conversationId",
            new { toAccountId, conversationId, now }, ct);
        await s.ExecuteAsync("UPDATE accounts SET last_assigned_at = @now WHERE id = @toAccountId", new { toAccountId, now }, ct);
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.Assigned, conversationId, now) { CounselorId = toAccountId, Reason = "transfer" }, ct);
        await change.CommitAsync([new NewEvent(caller.CenterId, conversationId, EventType.ConversationAssigned,
            new { reason = "transfer", by = caller.AccountId }, caller.AccountId, toAccountId, state.AssigneeId)], ct);
    }

    public async Task ResolveAsync(Caller caller, Guid conversationId, CancellationToken ct)
    {
        var calendar = await calendars.ForCenterAsync(caller.CenterId, ct);
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        RequireOpen(state);
        if (state.AssigneeId is { } owner && owner != caller.AccountId && !Visibility.IsManager(caller))
            throw new ConversationActionException("Only the counselor who has this conversation, or a manager, can resolve it.");
        await Deadlines.ResolvedAsync(s, calendar, conversationId, state.AssigneeId ?? caller.AccountId, ResolutionOutcome.Resolved, now, ct);
        await s.ExecuteAsync(
            "UPDATE conversations SET status = 'resolved', resolved_at = @now, last_activity_at = @now WHERE id = @conversationId",
            new { conversationId, now }, ct);
        await change.CommitAsync([new NewEvent(caller.CenterId, conversationId, EventType.ConversationResolved,
            new { by = caller.AccountId }, caller.AccountId, state.AssigneeId)], ct);
    }

    public async Task ReopenAsync(Caller caller, Guid conversationId, CancellationToken ct)
    {
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        if (state.Status != ConversationStatus.Resolved)
            throw new ConversationActionException("This conversation is not resolved.");
        var other = await s.ScalarAsync<long>(
            "SELECT COUNT(*) FROM conversations WHERE contact_id = @ContactId AND status <> 'resolved'", new { state.ContactId }, ct);
        if (other > 0)
            throw new ConversationActionException("The resident has a newer open conversation; continue there.");
        await s.ExecuteAsync(
            "UPDATE conversations SET status = 'open', resolved_at = NULL, reopened_at = @now, last_activity_at = @now WHERE id = @conversationId",
            new { conversationId, now }, ct);
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.Reopened, conversationId, now) { CounselorId = caller.AccountId }, ct);
        await change.CommitAsync([new NewEvent(caller.CenterId, conversationId, EventType.ConversationReopened,
            new { by = caller.AccountId }, caller.AccountId, state.AssigneeId)], ct);
    }

    public const int MaxProgramLength = 100;
    public const int MaxReferralTargetLength = 200;
    public const int MaxReferralNoteLength = 1000;

    /// <summary>
    /// Files the conversation under a welfare field (and optionally a program), also after it was resolved. The ledger rows
    /// of the conversation move with it, so every report groups the conversation under its current category.
    /// </summary>
    public async Task SetCategoryAsync(Caller caller, Guid conversationId, string? category, string? program, CancellationToken ct)
    {
        if (category is null || !Category.All.Contains(category))
            throw new ConversationActionException($"Category must be one of {string.Join(", ", Category.All)}.", Refusal.Invalid);
        program = string.IsNullOrWhiteSpace(program) ? null : ResidentRegistrationNumber.Mask(program.Trim());
        if (program?.Length > MaxProgramLength)
            throw new ConversationActionException($"A program name is at most {MaxProgramLength} characters.", Refusal.Invalid);
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        RequireWorker(caller, state, "set its category");
        await s.ExecuteAsync("UPDATE conversations SET category = @category, program = @program WHERE id = @conversationId",
            new { category, program, conversationId }, ct);
        await s.ExecuteAsync("UPDATE report_events SET category = @category WHERE conversation_id = @conversationId", new { category, conversationId }, ct);
        await change.CommitAsync([new NewEvent(caller.CenterId, conversationId, EventType.ConversationCategorized,
            new { category, program, by = caller.AccountId }, caller.AccountId, state.AssigneeId)], ct);
    }

    /// <summary>Records that the resident was referred elsewhere (another department, a 동주민센터, an agency): where and when.</summary>
    public async Task<Guid> AddReferralAsync(Caller caller, Guid conversationId, string? kind, string? target, string? note, CancellationToken ct)
    {
        if (kind is null || !ReferralKind.All.Contains(kind))
            throw new ConversationActionException($"A referral's kind must be one of {string.Join(", ", ReferralKind.All)}.", Refusal.Invalid);
        target = ResidentRegistrationNumber.Mask(target?.Trim());
        if (string.IsNullOrEmpty(target) || target.Length > MaxReferralTargetLength)
            throw new ConversationActionException($"Say where the resident was referred (1 to {MaxReferralTargetLength} characters).", Refusal.Invalid);
        note = string.IsNullOrWhiteSpace(note) ? null : ResidentRegistrationNumber.Mask(note.Trim());
        if (note?.Length > MaxReferralNoteLength)
            throw new ConversationActionException($"A referral note is at most {MaxReferralNoteLength} characters.", Refusal.Invalid);
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        RequireWorker(caller, state, "record a referral");
        var id = Ids.New();
        await s.ExecuteAsync(
            """
            INSERT INTO referrals (id, center_id, conversation_id, kind, target, note, referred_by, referred_at)
            VALUES (@id, @CenterId, @conversationId, @kind, @target, @note, @AccountId, @now)
            """, new { id, caller.CenterId, conversationId, kind, target, note, caller.AccountId, now }, ct);
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.Referral, conversationId, now) { CounselorId = caller.AccountId, Reason = kind, RefId = id }, ct);
        await change.CommitAsync([new NewEvent(caller.CenterId, conversationId, EventType.ConversationReferred,
            new { referralId = id, kind, by = caller.AccountId }, caller.AccountId, state.AssigneeId)], ct);
        return id;
    }

    private static void RequireWorker(Caller caller, ConversationState state, string what)
    {
        if (state.AssigneeId != caller.AccountId && !Visibility.IsManager(caller))
            throw new ConversationActionException($"Only the counselor who has this conversation, or a manager, can {what}.", Refusal.Forbidden);
    }

    /// <summary>An internal note: stored and shown to counselors, never sent to the resident.</summary>

    public async Task<Guid> AddNoteAsync(Caller caller, Guid conversationId, string body, CancellationToken ct)
    {
        var text = CheckBody(body);
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        var id = Ids.New();
        await store.InsertMessageAsync(s, new NewMessage
        {
            Id = id, CenterId = caller.CenterId, ConversationId = conversationId, ContactId = state.ContactId, Channel = state.LastInboundChannel,
            Direction = Direction.Out, Kind = MessageKind.Note, Body = text, AuthorId = caller.AccountId, ReceivedAt = now,
        }, ct);
        await store.TouchConversationAsync(s, conversationId, now, ct);
        await change.CommitAsync([new NewEvent(caller.CenterId, conversationId, EventType.MessageAdded,
            new { messageId = id, channel = state.LastInboundChannel, direction = Direction.Out, kind = MessageKind.Note }, caller.AccountId, state.AssigneeId)], ct);
        return id;
    }

    /// <summary>
    /// Stores the reply (one message per SMS/LMS or Kakao part, each queued with an outbox row) in one transaction.
    /// The same client message id again returns the stored parts and stores nothing.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ReplyAsync(Caller caller, Guid conversationId, string body, string clientMessageId, string? channel, CancellationToken ct)
    {
        var text = CheckBody(body);
        if (string.IsNullOrWhiteSpace(clientMessageId) || clientMessageId.Length > MaxClientMessageIdLength)
            throw new ConversationActionException($"A reply needs a clientMessageId of 1 to {MaxClientMessageIdLength} characters.");

        var calendar = await calendars.ForCenterAsync(caller.CenterId, ct);
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        if (await ExistingReplyAsync(s, caller, conversationId, clientMessageId, ct) is { Count: > 0 } existing)
            return existing;
        RequireOpen(state);
        if (state.AssigneeId != caller.AccountId)
            throw new ConversationActionException(state.AssigneeId is null
                ? "Claim this conversation before replying."
                : $"This conversation is assigned to {await DisplayNameAsync(s, state.AssigneeId.Value, ct)}.");

        // The channel says where a reply goes (after a call: by SMS to the same number), how it is addressed and cut.
        var target = replies.ChannelFor(state.LastInboundChannel, channel);
        var (residentAddress, centerAddress) = await replies.AddressesAsync(s, state, target, ct);
        var parts = replies.Split(target, text);

        var ids = new List<Guid>();
        var newEvents = new List<NewEvent>();
        for (var part = 0; part < parts.Count; part++)
        {
            var id = Ids.New();
            var inserted = await store.InsertMessageAsync(s, new NewMessage
            {
                Id = id, CenterId = caller.CenterId, ConversationId = conversationId, ContactId = state.ContactId, Channel = target,
                Direction = Direction.Out, Kind = MessageKind.Text, Body = parts[part].Text, CenterAddress = centerAddress,
                AuthorId = caller.AccountId, ReceivedAt = now, DeliveryStatus = DeliveryStatus.Queued,
                Metadata = System.Text.Json.JsonSerializer.Serialize(new { to = residentAddress, type = parts[part].Type, parts = parts.Count }, ConversationStore.Json),
                ClientMessageId = clientMessageId, Part = part,
            }, ct);
            if (!inserted)
            {
                // The same reply was sent twice at once and the other attempt stored it first.
                await change.DisposeAsync();
                await using var again = await database.ReadAsync(ct);
                return await ExistingReplyAsync(again, caller, conversationId, clientMessageId, ct);
            }
            await store.QueueOutboundAsync(s, id, caller.CenterId, target, now, ct);
            ids.Add(id);
            newEvents.Add(new NewEvent(caller.CenterId, conversationId, EventType.MessageAdded,
                new { messageId = id, channel = target, direction = Direction.Out, kind = MessageKind.Text }, caller.AccountId, caller.AccountId));
        }
        // One reply is one message out, however many SMS/LMS or Kakao parts carry it.
        await Ledger.AppendAsync(s, new LedgerEntry(LedgerKind.MessageOut, conversationId, now) { CounselorId = caller.AccountId, Channel = target, RefId = ids[0] }, ct);
        await Deadlines.AnsweredAsync(s, calendar, conversationId, caller.AccountId, target, ids[0], now, ct);
        await store.TouchConversationAsync(s, conversationId, now, ct);
        await change.CommitAsync(newEvents, ct);
        outbox.Ring();
        return ids;
    }

    /// <summary>A counselor offers to call: a callback request like a resident's, asking a Kakao resident for their number when
    /// it is unknown. The assignee or a manager only, as for anything that reaches the resident.</summary>
    public async Task RequestPhoneCallAsync(Caller caller, Guid conversationId, CancellationToken ct)
    {
        var calendar = await calendars.ForCenterAsync(caller.CenterId, ct);
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        RequireOpen(state);
        RequireWorker(caller, state, "offer the resident a call"); // it sends the resident a message (asking for the number)
        if (await CallbackRules.FindOpenAsync(s, conversationId, ct) is not null)
            throw new ConversationActionException("A call back is already requested for this conversation.");
        var (resident, centerAddress, channel) = state.ContactPhone is { } phone
            ? (phone, "", Channel.Phone)
            : await ChatAddressesAsync(s, state, ct);
        var created = await callbacks.CreateAsync(s, calendar, caller.CenterId, conversationId, state.ContactId, CallbackSources.Counselor,
            resident, centerAddress, channel, caller.AccountId, state.AssigneeId, now, ct);
        await change.CommitAsync(created, ct);
        if (created.Any(e => e.Type == EventType.MessageAdded))
            outbox.Ring();
    }

    public const int MaxLinkReasonLength = 500;

    /// <summary>
    /// Joins the conversation's contact with a resident's record: a counselor's decision after verifying the person (on the
    /// callback's call, for instance) — never the number a chat user typed. The target is a contact of the caller's center
    /// (<paramref name="contactId"/>) or a number (<paramref name="phone"/>). A number nobody in the center has becomes this
    /// contact's own (SMS and phone identities, source "counselor"); another resident's record takes this contact in:
    /// its identities, conversations and callbacks move to that resident, and the resident's open conversation, if any,
    /// joins this one (resolved as merged). The assignee or a manager only; recorded in the access log with who and why,
    /// in the same transaction.
    /// </summary>
    public async Task<LinkResult> LinkContactAsync(
        Caller caller, Guid conversationId, Guid? contactId, string? phone, string? reason, string? sourceIp, CancellationToken ct)
    {
        reason = string.IsNullOrWhiteSpace(reason) ? null : Privacy.ResidentRegistrationNumber.Mask(reason.Trim());
        if (reason is null || reason.Length > MaxLinkReasonLength)
            throw new ConversationActionException(
                $"Say how you verified the person (1 to {MaxLinkReasonLength} characters).", Refusal.Invalid, "reason");
        if ((contactId is null) == (phone is null))
            throw new ConversationActionException("Name either the resident's contactId or their phone number.", Refusal.Invalid, contactId is null ? "contactId" : "phone");
        string? number = null;
        if (phone is not null && !KoreanPhoneNumber.TryNormalize(phone, out number, out var error))
            throw new ConversationActionException($"'phone' is not a valid phone number: {error}", Refusal.Invalid, "phone");

        var calendar = await calendars.ForCenterAsync(caller.CenterId, ct);
        await using var change = await BeginAsync(caller, conversationId, ct);
        var (s, state, now) = change;
        RequireOpen(state);
        RequireWorker(caller, state, "link it to a resident's record");
        var target = contactId is not null
            ? await s.SingleOrDefaultAsync<LinkTarget>("SELECT id, phone FROM contacts WHERE id = @contactId AND center_id = @CenterId", new { contactId, caller.CenterId }, ct)
                ?? throw new ConversationActionException("No such resident in your center.", Refusal.NotFound)
            : await s.SingleOrDefaultAsync<LinkTarget>("SELECT id, phone FROM contacts WHERE center_id = @CenterId AND phone = @number", new { caller.CenterId, number }, ct);
        if (target?.Id == state.ContactId)
            throw new ConversationActionException("This conversation is already that resident's.");

        var newEvents = new List<NewEvent>();
        Guid owner;
        string detail;
        if (target is null)
        {
            // A verified number nobody has: it becomes this resident's, so texts and calls from it join their record.
            if (state.ContactPhone is not null)
                throw new ConversationActionException("This resident already has a number; link the record of the other number instead.");
            try
            {
                await s.ExecuteAsync("UPDATE contacts SET phone = @number WHERE id = @ContactId", new { number, state.ContactId }, ct);
            }
            catch (Exception e) when (s.Dialect.IsUniqueViolation(e))
            {
                // Another link (or the resident's own text) gave the number to a record at the same moment.
                throw new ConversationActionException("Another record took this number at the same moment; link that resident's record instead.");
            }
            foreach (var channel in new[] { Channel.Sms, Channel.Phone })
            {
                await s.ExecuteAsync(
                    s.Dialect.InsertIgnoringDuplicates("channel_identities", "id, center_id, contact_id, channel, address, source, created_at",
                        "@id, @CenterId, @ContactId, @channel, @number, 'counselor', @now"),
                    new { id = Ids.New(), caller.CenterId, state.ContactId, channel, number, now }, ct);
            }
            owner = state.ContactId;
            detail = $"number {KoreanPhoneNumber.Mask(number!)} verified; reason: {reason}";
        }
        else
        {
            owner = target.Id;
            newEvents.AddRange(await MergeContactAsync(s, calendar, caller, conversationId, state.ContactId, owner, now, ct));
            detail = $"contact {state.ContactId} joined into {owner}; reason: {reason}";
        }
        var merged = newEvents.FirstOrDefault(e => e.Type == EventType.ConversationResolved)?.ConversationId;
        await audit.WriteAsync(s, [new AuditEntry(caller.CenterId, caller.AccountId, caller.Username, sourceIp, AuditActions.ContactLinked, owner, conversationId, detail)], ct);
        newEvents.Add(new NewEvent(caller.CenterId, conversationId, EventType.ContactLinked,
            new { contactId = owner, previousContactId = state.ContactId, mergedConversationId = merged, by = caller.AccountId }, caller.AccountId, state.AssigneeId));
        await change.CommitAsync(newEvents, ct);
        return new LinkResult(owner, merged);
    }

    /// <summary>
    /// Folds contact <paramref name="merged"/> into <paramref name="owner"/>: identities, conversations, messages and callback
    /// requests become the owner's and the merged contact goes. The owner's open conversation, if any, joins
    /// <paramref name="conversationId"/>: its messages and callbacks move there (open callbacks cancelled) and it is
    /// resolved as merged (its history stays in its events).
    /// </summary>
    private static async Task<List<NewEvent>> MergeContactAsync(
        DbSession s, BusinessCalendar calendar, Caller caller, Guid conversationId, Guid merged, Guid owner, DateTimeOffset now, CancellationToken ct)
    {
        var newEvents = new List<NewEvent>();
        await s.ExecuteAsync("UPDATE contacts SET last_seen_at = @now WHERE id = @owner", new { now, owner }, ct); // the owner's row lock
        var other = await s.SingleOrDefaultAsync<OpenOther>(
            "SELECT id, assignee_id FROM conversations WHERE contact_id = @owner AND status <> 'resolved'", new { owner }, ct);
        if (other is not null)
        {
            await s.ExecuteAsync(
                "UPDATE callback_requests SET status = 'cancelled' WHERE conversation_id = @Id AND status IN ('requested', 'claimed')", new { other.Id }, ct);
            await s.ExecuteAsync("UPDATE callback_requests SET conversation_id = @conversationId WHERE conversation_id = @Id", new { conversationId, other.Id }, ct);
            await s.ExecuteAsync("UPDATE messages SET conversation_id = @conversationId WHERE conversation_id = @Id", new { conversationId, other.Id }, ct);
            await Deadlines.ResolvedAsync(s, calendar, other.Id, other.AssigneeId, ResolutionOutcome.Merged, now, ct);
            await s.ExecuteAsync("UPDATE conversations SET status = 'resolved', resolved_at = @now WHERE id = @Id", new { now, other.Id }, ct);
            newEvents.Add(new NewEvent(caller.CenterId, other.Id, EventType.ConversationResolved,
                new { mergedInto = conversationId, by = caller.AccountId }, caller.AccountId, other.AssigneeId));
        }
        await s.ExecuteAsync("UPDATE channel_identities SET contact_id = @owner WHERE contact_id = @merged", new { owner, merged }, ct);
        await s.ExecuteAsync("UPDATE conversations SET contact_id = @owner WHERE contact_id = @merged", new { owner, merged }, ct);
        await s.ExecuteAsync("UPDATE messages SET contact_id = @owner WHERE contact_id = @merged", new { owner, merged }, ct);
        await s.ExecuteAsync("UPDATE callback_requests SET contact_id = @owner WHERE contact_id = @merged", new { owner, merged }, ct);
        await s.ExecuteAsync("DELETE FROM contacts WHERE id = @merged", new { merged }, ct);
        return newEvents;
    }

    /// <summary>A resident without a number is reached on the chat they wrote on, to be asked for one.</summary>
    private async Task<(string, string, string)> ChatAddressesAsync(DbSession s, ConversationState state, CancellationToken ct)
    {
        var chat = replies.ChannelFor(state.LastInboundChannel, null);
        var (resident, center) = await replies.AddressesAsync(s, state, chat, ct);
        return (resident, center, chat);
    }

    /// <summary>The conversation if the caller may see it (for typing notices), else null.</summary>
    public async Task<ConversationState?> FindVisibleAsync(Caller caller, Guid conversationId, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        var state = await FindAsync(s, caller.CenterId, conversationId, ct);
        return state is not null && Visibility.OfConversation(state.CenterId, state.AssigneeId).Includes(caller) ? state : null;
    }

    /// <summary>A reply's or a note's text as it is stored (and sent): registration numbers masked.</summary>
    private static string CheckBody(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
            throw new ConversationActionException("The text is empty.");
        if (body.Length > MaxReplyLength)
            throw new ConversationActionException($"The text is longer than {MaxReplyLength:N0} characters.");
        return ResidentRegistrationNumber.Mask(body);
    }

    private async Task<IReadOnlyList<Guid>> ExistingReplyAsync(DbSession s, Caller caller, Guid conversationId, string clientMessageId, CancellationToken ct)
    {
        var rows = await s.QueryAsync<ExistingPart>(
            "SELECT id, conversation_id FROM messages WHERE author_id = @AccountId AND client_message_id = @clientMessageId ORDER BY part",
            new { caller.AccountId, clientMessageId }, ct);
        if (rows.Any(r => r.ConversationId != conversationId))
            throw new ConversationActionException("This clientMessageId was already used for a reply in another conversation.");
        return [.. rows.Select(r => r.Id)];
    }


    private static Task<ConversationState?> FindAsync(DbSession s, string centerId, Guid conversationId, CancellationToken ct) =>
        s.SingleOrDefaultAsync<ConversationState>(
            """
            SELECT c.id, c.center_id, c.contact_id, c.status, c.assignee_id, c.last_inbound_channel, k.phone AS contact_phone
            FROM conversations c JOIN contacts k ON k.id = c.contact_id
            WHERE c.id = @conversationId AND c.center_id = @centerId
            """,
            new { conversationId, centerId }, ct);

    /// <summary>
    /// The conversation an action works on, read after taking its resident's lock — the lock a webhook for that resident
    /// takes first too — so an action and a message arriving at the same moment are ordered, and each sees what the other
    /// committed (on PostgreSQL and SQL Server as on SQLite, which has one writer).
    /// </summary>
    private static async Task<ConversationState> RequireAsync(DbSession s, Caller caller, Guid conversationId, CancellationToken ct)
    {
        await s.ExecuteAsync(
            "UPDATE contacts SET last_seen_at = last_seen_at WHERE id = (SELECT contact_id FROM conversations WHERE id = @conversationId AND center_id = @CenterId)",
            new { conversationId, caller.CenterId }, ct);
        return await FindAsync(s, caller.CenterId, conversationId, ct)
            ?? throw new ConversationActionException("No such conversation in your center.", Refusal.NotFound);
    }

    private static void RequireOpen(ConversationState state)
    {
        if (state.Status == ConversationStatus.Resolved)
            throw new ConversationActionException("This conversation is resolved; reopen it first.");
    }

    /// <summary>
    /// Begins an action on one conversation: its transaction, the conversation read under its resident's lock
    /// (<see cref="RequireAsync"/>) and the time of the change. <see cref="Change.CommitAsync"/> ends it.
    /// </summary>
    private async Task<Change> BeginAsync(Caller caller, Guid conversationId, CancellationToken ct)
    {
        var s = await database.BeginAsync(ct);
        try
        {
            var state = await RequireAsync(s, caller, conversationId, ct);
            return new Change(s, state, clock.GetUtcNow(), store, events);
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The one skeleton of every action on a conversation (<see cref="BeginAsync(Caller, Guid, CancellationToken)"/>): the action checks
    /// and changes what it does with the session, the state and the time it deconstructs into; then <see cref="CommitAsync"/> appends
    /// its events last, commits and rings the hub's doorbell. Disposed without that, the action changed nothing.
    /// </summary>
    private sealed class Change(DbSession session, ConversationState state, DateTimeOffset now, ConversationStore store, EventSignal signal)
        : IAsyncDisposable
    {
        public void Deconstruct(out DbSession s, out ConversationState conversation, out DateTimeOffset at) => (s, conversation, at) = (session, state, now);

        public async Task CommitAsync(IReadOnlyList<NewEvent> events, CancellationToken ct)
        {
            await store.AppendEventsAsync(session, events, now, ct);
            await session.CommitAsync(ct);
            signal.Ring();
        }

        public ValueTask DisposeAsync() => session.DisposeAsync();
    }

    private static async Task<string> DisplayNameAsync(DbSession s, Guid? accountId, CancellationToken ct) =>
        accountId is null
            ? "another counselor"
            : await s.SingleOrDefaultAsync<string>("SELECT display_name FROM accounts WHERE id = @accountId", new { accountId }, ct) ?? "another counselor";

    private sealed record TargetAccount
    {
        public Guid Id { get; init; }
        public required string Role { get; init; }
        public DateTimeOffset? DisabledAt { get; init; }
    }

    private sealed record LinkTarget
    {
        public Guid Id { get; init; }
        public string? Phone { get; init; }
    }

    private sealed record OpenOther
    {
        public Guid Id { get; init; }
        public Guid? AssigneeId { get; init; }
    }

    private sealed record ExistingPart
    {
        public Guid Id { get; init; }
        public Guid ConversationId { get; init; }
    }
}
