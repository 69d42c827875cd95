using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Conversations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Live;

/// <summary>
/// The counselors' live queue at /hubs/inbox. Thin: every action is the conversation service's; pushes come from
/// the event dispatcher. A refused action is a HubException whose message is meant for the counselor.
/// </summary>
[Authorize]
public sealed class InboxHub(
    ConversationService conversations, EventFeed feed, AuditLog audit, ConnectionCounter connections, IClusterBus bus, ILogger<InboxHub> logger)
    : Hub<IInboxClient>
{
    public const int CatchUpBatch = 1000;

    private Caller Caller => Caller.From(Context.User!);

    public override async Task OnConnectedAsync()
    {
        var caller = Caller;
        if (caller.Role is Roles.Manager or Roles.Admin)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.Managers(caller.CenterId));
        }
        else
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.Queue(caller.CenterId));
            await Groups.AddToGroupAsync(Context.ConnectionId, HubGroups.Account(caller.AccountId));
        }
        connections.Add(caller.AccountId, Context);
        bus.ConnectionsChanged(caller.AccountId);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var caller = Caller;
        // The last connection of a counselor on this node and on every other live node going away means they are offline
        // (no auto-assignment to them). A node that dies cannot say so: the Redis bus's presence sweep does it for it.
        if (connections.Remove(caller.AccountId, Context.ConnectionId) == 0)
        {
            bus.ConnectionsChanged(caller.AccountId);
            try
            {
                if (!await bus.IsConnectedElsewhereAsync(caller.AccountId, CancellationToken.None))
                    await conversations.SetPresenceAsync(caller, Presence.Offline, CancellationToken.None);
            }
            catch (Exception e) { logger.LogWarning("Could not mark account {AccountId} offline ({Error})", caller.AccountId, e.GetType().Name); }
        }
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Open conversations the caller may work — urgent first, then earliest due — and the sequence to catch up from.</summary>
    public async Task<QueueSnapshot> GetQueue()
    {
        var caller = Caller;
        var seq = await feed.LastSequenceAsync(Context.ConnectionAborted);
        var items = await feed.QueueAsync(caller, seq, Context.ConnectionAborted);
        await AuditAsync(caller, AuditActions.QueueRead, items.Select(i => i.Contact.Id));
        return new QueueSnapshot(seq, items);
    }

    public Task Claim(Guid conversationId) => Act(c => conversations.ClaimAsync(c, conversationId, Context.ConnectionAborted));

    /// <summary>Replies on the channel the resident last wrote on. The same clientMessageId again stores nothing new.</summary>
    public Task<IReadOnlyList<Guid>> Reply(Guid conversationId, string body, string clientMessageId) =>
        Act(c => conversations.ReplyAsync(c, conversationId, body, clientMessageId, null, Context.ConnectionAborted));

    /// <summary>Replies on another of the resident's channels ("sms" or "kakao").</summary>
    public Task<IReadOnlyList<Guid>> ReplyOn(Guid conversationId, string channel, string body, string clientMessageId) =>
        Act(c => conversations.ReplyAsync(c, conversationId, body, clientMessageId, channel, Context.ConnectionAborted));

    public Task<Guid> AddNote(Guid conversationId, string body) =>
        Act(c => conversations.AddNoteAsync(c, conversationId, body, Context.ConnectionAborted));

    public Task Transfer(Guid conversationId, Guid counselorId) =>
        Act(c => conversations.TransferAsync(c, conversationId, counselorId, Context.ConnectionAborted));

    public Task Resolve(Guid conversationId) => Act(c => conversations.ResolveAsync(c, conversationId, Context.ConnectionAborted));

    public Task Reopen(Guid conversationId) => Act(c => conversations.ReopenAsync(c, conversationId, Context.ConnectionAborted));

    /// <summary>Offers the resident a phone call: a callback request, pushed as CallbackRequested.</summary>
    public Task RequestPhoneCall(Guid conversationId) => Act(c => conversations.RequestPhoneCallAsync(c, conversationId, Context.ConnectionAborted));

    /// <summary>Files the conversation under one of the five welfare fields or 기타, with an optional program name.</summary>
    public Task SetCategory(Guid conversationId, string category, string? program) =>
        Act(c => conversations.SetCategoryAsync(c, conversationId, category, program, Context.ConnectionAborted));

    /// <summary>Records a referral: kind department, community_center or agency; where to; an optional note.</summary>
    public Task<Guid> AddReferral(Guid conversationId, string kind, string target, string? note) =>
        Act(c => conversations.AddReferralAsync(c, conversationId, kind, target, note, Context.ConnectionAborted));

    /// <summary>
    /// Joins the conversation's contact with a resident's record (their contact id, or a phone number) after the counselor
    /// verified the person; <paramref name="reason"/> says how. The assignee or a manager; audited. Never offered for a
    /// number a chat user merely typed.
    /// </summary>
    public Task<LinkResult> LinkContact(Guid conversationId, Guid? contactId, string? phone, string reason) =>
        Act(c => conversations.LinkContactAsync(c, conversationId, contactId, phone, reason,
            Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString(), Context.ConnectionAborted));

    public Task SetPresence(string presence)
 => Act(c => conversations.SetPresenceAsync(c, presence, Context.ConnectionAborted));

    /// <summary>Tells the others who see the conversation that the caller is typing. Not stored, never replayed.</summary>
    public async Task Typing(Guid conversationId)
    {
        var caller = Caller;
        var state = await conversations.FindVisibleAsync(caller, conversationId, Context.ConnectionAborted)
            ?? throw new HubException("No such conversation in your queue.");
        var payload = new TypingPayload(await feed.LastSequenceAsync(Context.ConnectionAborted), conversationId, caller.AccountId, caller.Username);
        await bus.SendTypingAsync(new TypingNotice(caller.CenterId, state.AssigneeId, Context.ConnectionId, payload));
    }

    /// <summary>Every event after <paramref name="afterSeq"/> the caller may see, in order, at most 1,000 a call (More says to call again).</summary>
    public async Task<CatchUpResult> CatchUp(long afterSeq)
    {
        var caller = Caller;
        var visible = new List<HubEvent>();
        var more = false;
        var from = afterSeq;
        // Read until a batch of visible events is full: a counselor may be entitled to few of a busy center's events.
        while (visible.Count < CatchUpBatch)
        {
            var stored = await feed.ReadAsync(caller.CenterId, from, CatchUpBatch, Context.ConnectionAborted);
            if (stored.Count == 0)
                break;
            var mine = stored.Where(e => e.VisibleTo(caller)).ToList();
            foreach (var item in await feed.BuildAsync(mine, Context.ConnectionAborted))
                visible.Add(item.Event);
            from = stored[^1].Seq;
            if (stored.Count < CatchUpBatch)
                break;
            more = true;
        }
        await AuditAsync(caller, AuditActions.EventsRead,
            visible.Select(e => e.Payload).OfType<ConversationChangedPayload>().Select(p => p.Contact.Id));
        return new CatchUpResult(visible, more && visible.Count >= CatchUpBatch);
    }

    private Task AuditAsync(Caller caller, string action, IEnumerable<Guid> contactIds)
    {
        var http = Context.GetHttpContext()!;
        return audit.WriteAsync([.. contactIds.Distinct().Select(id => AuditEntry.For(caller, http, action, id))], Context.ConnectionAborted);
    }

    private async Task Act(Func<Caller, Task> action)
    {
        try { await action(Caller); }
        catch (ConversationActionException e) { throw new HubException(e.Message); }
    }

    private async Task<T> Act<T>(Func<Caller, Task<T>> action)
    {
        try { return await action(Caller); }
        catch (ConversationActionException e) { throw new HubException(e.Message); }
    }
}

/// <summary>Open hub connections on this node, by account: how many (presence, auto-assignment), and the connections
/// themselves, so the session sweep can close those whose account may no longer act.</summary>
public sealed class ConnectionCounter
{
    private readonly Dictionary<Guid, Dictionary<string, HubCallerContext>> _byAccount = [];

    /// <summary>The accounts holding at least one connection on this node.</summary>
    public IReadOnlyCollection<Guid> Accounts
    {
        get { lock (_byAccount) return [.. _byAccount.Keys]; }
    }

    public int Count(Guid accountId)
    {
        lock (_byAccount) return _byAccount.TryGetValue(accountId, out var c) ? c.Count : 0;
    }

    /// <summary>Every connection on this node, with the account signed in on it.</summary>
    public IReadOnlyList<HubCallerContext> Connections()
    {
        lock (_byAccount) return [.. _byAccount.Values.SelectMany(c => c.Values)];
    }

    public void Add(Guid accountId, HubCallerContext connection)
    {
        lock (_byAccount)
        {
            if (!_byAccount.TryGetValue(accountId, out var connections))
                _byAccount[accountId] = connections = [];
            connections[connection.ConnectionId] = connection;
        }
    }

    /// <summary>Returns how many connections the account still has.</summary>
    public int Remove(Guid accountId, string connectionId)
    {
        lock (_byAccount)
        {
            if (!_byAccount.TryGetValue(accountId, out var connections))
                return 0;
            connections.Remove(connectionId);
            if (connections.Count == 0)
                _byAccount.Remove(accountId);
            return connections.Count;
        }
    }
}
