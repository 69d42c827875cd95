using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Conversations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Inbox.Live;

/// <summary>
/// The counselors' live queue at /hubs/inbox. Thin: every action is the conversation service's; pushes come from
/// the event dispatcher. A refused action is a HubException whose message is meant for the counselor.
/// </summary>
[Authorize]
public sealed class InboxHub(
    ConversationService conversations, PresenceService presenceService, EventFeed feed, AuditLog audit, ConnectionCounter connections,
    IClusterBus bus, IOptions<InboxHubOptions> options, ILogger<InboxHub> logger)
    : Hub<IInboxClient>
{
    public const int CatchUpBatch = 1000;

    private Caller Caller => Caller.From(Context.User!);

    public override async Task OnConnectedAsync()
    {
        var caller = Caller;
        var groups = HubGroups.Of(caller);
        CountConnectionWithinLimit(caller, groups);
        foreach (var group in groups)
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        presenceService.Connected(caller.AccountId);
        await base.OnConnectedAsync();
    }

    /// <summary>
    /// Counts the connection on this node, or refuses it when the account holds Hub:MaxConnectionsPerAccount already: the
    /// client is closed with this message (OnDisconnectedAsync does not run for it, so nothing is uncounted).
    /// </summary>
    private void CountConnectionWithinLimit(Caller caller, IReadOnlyList<string> groups)
    {
        var limit = options.Value.MaxConnectionsPerAccount;
        var account = new ConnectedAccount(caller.AccountId, caller.CenterId, caller.Username, Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString(), groups);
        if (connections.TryAdd(account, Context, limit))
            return;
        Log.HubConnectionRefused(logger, caller.AccountId, limit);
        throw new HubException($"This account has at most {limit} connections open at once; close another console window first.");
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var caller = Caller;
        if (connections.Remove(caller.AccountId, Context.ConnectionId) == 0)
            await presenceService.LastConnectionClosedAsync(caller);
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>
    /// The first page (Hub:Queue:PageSize) of the open conversations the caller may work — urgent first, then earliest
    /// due — with the sequence to catch up from and the cursor of the next page (null on the last).
    /// </summary>
    public Task<QueueSnapshot> GetQueue() => QueuePageAsync(null, options.Value.Queue.PageSize);

    /// <summary>The page after <paramref name="cursor"/> (a nextCursor of GetQueue or of this), of at most <paramref name="limit"/>.</summary>
    public Task<QueueSnapshot> GetQueuePage(string? cursor, int limit)
    {
        if (limit is < 1 or > InboxHubOptions.MaxQueuePage)
            throw new HubException($"The page size 'limit' must be 1 to {InboxHubOptions.MaxQueuePage}.");
        QueueCursor? after = null;
        if (cursor is not null && !QueueCursor.TryParse(cursor, out after))
            throw new HubException("This 'cursor' is not one GetQueue or GetQueuePage returned.");
        return QueuePageAsync(after, limit);
    }

    private async Task<QueueSnapshot> QueuePageAsync(QueueCursor? after, int limit)
    {
        var caller = Caller;
        var seq = await feed.LastSequenceAsync(Context.ConnectionAborted);
        var (items, next) = await feed.QueueAsync(caller, seq, limit, after, Context.ConnectionAborted);
        await AuditAsync(caller, AuditActions.QueueRead, items.Select(i => i.Contact.Id));
        return new QueueSnapshot(seq, items, next);
    }

    public Task Claim(Guid conversationId) => Act(c => conversations.ClaimAsync(c, conversationId, Context.ConnectionAborted));

    /// <summary>Replies on the channel the resident last wrote on. The same clientMessageId again stores nothing new.</summary>
    public Task<IReadOnlyList<Guid>> Reply(Guid conversationId, string body, string clientMessageId) =>
        Act(c => conversations.ReplyAsync(c, conversationId, body, clientMessageId, null, Context.ConnectionAborted));

    /// <summary>Replies on another of the resident's channels, one that carries text replies ("sms", "kakao", …; see the channel registry).</summary>
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

    public Task SetPresence(string presence) => Act(c => presenceService.SetAsync(c, presence, Context.ConnectionAborted));

    /// <summary>Tells the others who see the conversation that the caller is typing. Not stored, never replayed.</summary>
    public async Task Typing(Guid conversationId)
    {
        var caller = Caller;
        var state = await conversations.FindVisibleAsync(caller, conversationId, Context.ConnectionAborted)
            ?? throw new HubException("No such conversation in your queue.");
        var payload = new TypingPayload(await feed.LastSequenceAsync(Context.ConnectionAborted), conversationId, caller.AccountId, caller.Username);
        await bus.SendTypingAsync(new TypingNotice(caller.CenterId, state.AssigneeId, Context.ConnectionId, payload));
    }

    /// <summary>
    /// Every event after <paramref name="afterSeq"/> the caller may see, in order, at most 1,000 a call and at most
    /// Hub:CatchUp:ScanLimit stored events read a call. <c>UpTo</c> is the sequence of the last stored event read (visible or
    /// not): call again from it while <c>More</c> says so, even after an empty batch. Sequences may have gaps; nothing here
    /// counts on them being contiguous. More than Hub:CatchUp:ReloadDistance events behind: <c>Reload</c>, no events —
    /// the caller takes GetQueue again and catches up from its sequence.
    /// </summary>
    public async Task<CatchUpResult> CatchUp(long afterSeq)
    {
        var caller = Caller;
        var limits = options.Value.CatchUp;
        var ct = Context.ConnectionAborted;
        if (await feed.MoreThanAsync(caller.CenterId, afterSeq, limits.ReloadDistance, ct))
            return new CatchUpResult([], false, afterSeq, Reload: true);
        var visible = new List<HubEvent>();
        var upTo = afterSeq;
        var scanned = 0;
        var more = false;
        while (!more)
        {
            var take = Math.Min(CatchUpBatch, limits.ScanLimit - scanned);
            if (take <= 0)
            {
                more = true;
                break;
            }
            var stored = await feed.ReadAsync(caller.CenterId, upTo, take, ct);
            scanned += stored.Count;
            var built = (await feed.BuildAsync([.. stored.Where(e => e.Audience.Includes(caller))], ct)).ToLookup(i => i.Source.Seq, i => i.Event);
            foreach (var e in stored)
            {
                var events = built[e.Seq].ToList();
                if (visible.Count + events.Count > CatchUpBatch)
                {
                    more = true; // a full batch; the rest of this stored event's hub events come next call, with it
                    break;
                }
                visible.AddRange(events);
                upTo = e.Seq;
            }
            if (stored.Count < take)
                break; // the head
        }
        await AuditAsync(caller, AuditActions.EventsRead,
            visible.Select(e => e.Payload).OfType<ConversationChangedPayload>().Select(p => p.Contact.Id));
        return new CatchUpResult(visible, more, upTo, Reload: false);
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

/// <summary>An account holding hub connections on this node: who, from where, and the groups its connections joined.</summary>
public sealed record ConnectedAccount(Guid AccountId, string CenterId, string Username, string? SourceIp, IReadOnlyList<string> Groups);

/// <summary>
/// Open hub connections on this node, by account: how many (presence, auto-assignment, the per-account limit), the
/// connections themselves (so the session sweep can close those whose account may no longer act), and which accounts
/// each group reaches here (SignalR does not say whom a group send reached; the access log needs to know).
/// </summary>
public sealed class ConnectionCounter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, (ConnectedAccount Account, Dictionary<string, HubCallerContext> Connections)> _accounts = [];
    private readonly Dictionary<string, HashSet<Guid>> _groups = new(StringComparer.Ordinal);

    /// <summary>The accounts holding at least one connection on this node.</summary>
    public IReadOnlyCollection<Guid> Accounts
    {
        get { lock (_gate) return [.. _accounts.Keys]; }
    }

    public int Count(Guid accountId)
    {
        lock (_gate)
            return _accounts.TryGetValue(accountId, out var entry) ? entry.Connections.Count : 0;
    }

    /// <summary>Every connection on this node, with the account signed in on it.</summary>
    public IReadOnlyList<HubCallerContext> Connections()
    {
        lock (_gate)
            return [.. _accounts.Values.SelectMany(e => e.Connections.Values)];
    }

    /// <summary>Counts one more connection of the account, unless it holds <paramref name="limit"/> already (then false).</summary>
    public bool TryAdd(ConnectedAccount account, HubCallerContext connection, int limit)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(account.AccountId, out var entry))
                entry = (account, []);
            if (entry.Connections.Count >= limit)
                return false;
            entry.Connections[connection.ConnectionId] = connection;
            _accounts[account.AccountId] = entry;
            foreach (var group in account.Groups)
            {
                if (!_groups.TryGetValue(group, out var members))
                    _groups[group] = members = [];
                members.Add(account.AccountId);
            }
            return true;
        }
    }

    /// <summary>Returns how many connections the account still has.</summary>
    public int Remove(Guid accountId, string connectionId)
    {
        lock (_gate)
        {
            if (!_accounts.TryGetValue(accountId, out var entry))
                return 0;
            entry.Connections.Remove(connectionId);
            if (entry.Connections.Count > 0)
                return entry.Connections.Count;
            _accounts.Remove(accountId);
            foreach (var group in entry.Account.Groups)
                if (_groups.TryGetValue(group, out var members) && members.Remove(accountId) && members.Count == 0)
                    _groups.Remove(group);
            return 0;
        }
    }

    /// <summary>The accounts a send to these groups reaches on this node, each once.</summary>
    public IReadOnlyList<ConnectedAccount> InGroups(IEnumerable<string> groups)
    {
        lock (_gate)
        {
            var reached = new HashSet<Guid>();
            foreach (var group in groups)
                if (_groups.TryGetValue(group, out var members))
                    reached.UnionWith(members);
            return [.. reached.Select(id => _accounts[id].Account)];
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Refused a hub connection of account {AccountId}: {Limit} are open already")]
    public static partial void HubConnectionRefused(ILogger logger, Guid accountId, int limit);
}
