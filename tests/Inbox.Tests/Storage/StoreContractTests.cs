using System.Data.Common;
using System.Text.Json;
using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Conversations;
using Inbox.Ingest;
using Inbox.Storage;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Storage;

public sealed class SqliteStoreContractTests : StoreContractTests<SqliteStore>;

public sealed class PostgresStoreContractTests : StoreContractTests<PostgresStore>;

public sealed class SqlServerStoreContractTests : StoreContractTests<SqlServerStore>;

/// <summary>
/// The contract of the store classes (migrations, contacts, ingest, threading, events, reads, accounts, audit),
/// written once and run on each database, without HTTP. Every test gets its own fresh, migrated database.
/// </summary>
public abstract class StoreContractTests<TStore> : StoreSuite<TStore>, IAsyncLifetime where TStore : TestStore, new()
{
    private const string North = "north";
    private const string South = "south";

    /// <summary>A manager of the center: the queries show them every conversation of it.</summary>
    private static Caller ManagerOf(string centerId) => new(Guid.NewGuid(), centerId + "-manager", Roles.Manager, centerId);
    private const string NorthSms = "+8218996808";
    private const string SouthSms = "+8215880000";
    private const string NorthKakao = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293";
    private const string NorthLine = "+8218996808";
    private const string Acknowledgement = "acknowledgement";
    private const string ClosedHours = "closed_hours";

    private static int _residents;

    private StoreHarness? _harness;

    private StoreHarness H => _harness ?? throw new InvalidOperationException("The store did not start.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _harness = await StoreHarness.CreateAsync(Store, Ct);

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
            await _harness.DisposeAsync();
    }

    // ---------------------------------------------------------------- migrations

    [Fact]
    public async Task Migrations_are_journaled_and_a_second_run_applies_nothing_and_changes_nothing()
    {
        var scripts = Migrator.LoadScripts(H.Dialect.Name);
        Assert.NotEmpty(scripts);
        Assert.Equal(scripts.Count, H.AppliedOnCreate);

        var journal = await H.QueryAsync<JournalRow>("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
        Assert.Equal(scripts.Select(s => (s.Version, s.Name)), journal.Select(j => (j.Version, j.Name)));
        Assert.Contains(journal, j => j.Version == 1 && j.Name == "initial");
        Assert.All(journal, j => Assert.True(
            DateTimeOffset.TryParse(j.AppliedAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out _),
            $"applied_at '{j.AppliedAt}' is not a time"));

        var schema = await H.SchemaAsync();
        Assert.Contains(schema, line => line.Contains("ux_conversations_one_open", StringComparison.Ordinal));
        var snapshot = await H.SnapshotAsync();

        Assert.Equal(0, await H.NewMigrator().MigrateAsync(Ct));
        Assert.Equal(0, await H.NewMigrator().MigrateAsync(Ct));

        Assert.Equal(journal, await H.QueryAsync<JournalRow>("SELECT version, name, applied_at FROM schema_migrations ORDER BY version"));
        Assert.Equal(schema, await H.SchemaAsync());
        Assert.Equal(snapshot, await H.SnapshotAsync());
        // The seed row of the event counter is there once, still at zero.
        Assert.Equal(1, await H.CountAsync("event_sequence"));
        Assert.Equal(0, await H.ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1"));
        Assert.True(await H.Database.IsReadyAsync(Ct));
    }

    // ---------------------------------------------------------------- contacts

    [Fact]
    public async Task The_same_center_channel_and_address_resolve_to_the_same_contact()
    {
        var phone = NewResidentPhone();
        var first = await ResolveAsync(North, Channel.Sms, phone, phone);
        var second = await ResolveAsync(North, Channel.Sms, phone, phone);

        await using (var s = await H.Database.BeginAsync(Ct))
        {
            // Twice inside one transaction too.
            Assert.Equal(first, await H.Conversations.ResolveContactAsync(s, North, Channel.Sms, phone, phone, H.Clock.Now, Ct));
            Assert.Equal(first, await H.Conversations.ResolveContactAsync(s, North, Channel.Sms, phone, phone, H.Clock.Now, Ct));
            await s.CommitAsync(Ct);
        }

        Assert.Equal(first, second);
        Assert.Equal(1, await H.CountAsync("contacts"));
        Assert.Equal(1, await H.CountAsync("channel_identities"));
        Assert.Equal(phone, await H.ScalarAsync<string>("SELECT phone FROM contacts WHERE id = @first", new { first }));
    }

    [Fact]
    public async Task An_sms_identity_and_a_phone_identity_with_the_same_number_resolve_to_one_contact()
    {
        var phone = NewResidentPhone();
        var bySms = await ResolveAsync(North, Channel.Sms, phone, phone);
        var byCall = await ResolveAsync(North, Channel.Phone, phone, phone);

        Assert.Equal(bySms, byCall);
        Assert.Equal(1, await H.CountAsync("contacts"));
        var identities = await H.QueryAsync<IdentityRow>("SELECT contact_id, channel, address, created_at FROM channel_identities ORDER BY channel");
        Assert.Equal([(bySms, Channel.Phone, phone), (bySms, Channel.Sms, phone)], identities.Select(i => (i.ContactId, i.Channel, i.Address)));
    }

    [Fact]
    public async Task The_same_number_in_two_centers_gives_two_contacts()
    {
        var phone = NewResidentPhone();
        var north = await ResolveAsync(North, Channel.Sms, phone, phone);
        var south = await ResolveAsync(South, Channel.Sms, phone, phone);
        var southByCall = await ResolveAsync(South, Channel.Phone, phone, phone);

        Assert.NotEqual(north, south);
        Assert.Equal(south, southByCall);
        Assert.Equal(North, await H.ScalarAsync<string>("SELECT center_id FROM contacts WHERE id = @north", new { north }));
        Assert.Equal(South, await H.ScalarAsync<string>("SELECT center_id FROM contacts WHERE id = @south", new { south }));
        Assert.Equal(2, await H.CountAsync("contacts", "phone = @phone", new { phone }));
    }

    [Fact]
    public async Task A_kakao_user_key_without_a_phone_gets_its_own_contact()
    {
        var phone = NewResidentPhone();
        var bySms = await ResolveAsync(North, Channel.Sms, phone, phone);
        var userKey = NewKakaoUserKey();
        var byKakao = await ResolveAsync(North, Channel.Kakao, userKey, null);
        var byKakaoAgain = await ResolveAsync(North, Channel.Kakao, userKey, null);
        var otherKakao = await ResolveAsync(North, Channel.Kakao, NewKakaoUserKey(), null);

        Assert.NotEqual(bySms, byKakao);
        Assert.Equal(byKakao, byKakaoAgain);
        Assert.NotEqual(byKakao, otherKakao);
        Assert.Equal(3, await H.CountAsync("contacts"));
        Assert.Equal(2, await H.CountAsync("contacts", "phone IS NULL"));
        Assert.Null(await H.ScalarAsync<string>("SELECT phone FROM contacts WHERE id = @byKakao", new { byKakao }));
        Assert.Equal(byKakao, (await H.QueryAsync<Guid>(
            "SELECT contact_id FROM channel_identities WHERE channel = 'kakao' AND address = @userKey", new { userKey })).Single());
    }

    // ---------------------------------------------------------------- ingest under concurrency

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Twenty_concurrent_ingests_for_one_new_resident_make_one_contact_one_conversation_and_twenty_messages(bool textsOnly)
    {
        var phone = NewResidentPhone();
        var results = await ConcurrentlyAsync(20, i => textsOnly || i % 2 == 0 ? Sms(phone) : Call(phone));

        Assert.All(results, r => Assert.Equal(IngestOutcome.Stored, r.Outcome));
        var conversationId = Assert.Single(results.Select(r => r.ConversationId).Distinct());
        Assert.NotNull(conversationId);
        Assert.Equal(20, results.Select(r => r.MessageId).Distinct().Count());

        Assert.Equal(1, await H.CountAsync("contacts"));
        Assert.Equal(textsOnly ? 1 : 2, await H.CountAsync("channel_identities"));
        Assert.Equal(1, await H.CountAsync("conversations"));
        Assert.Equal(20, await H.CountAsync("messages", "direction = 'in' AND conversation_id = @conversationId", new { conversationId }));
        Assert.Equal(textsOnly ? 20 : 10, await H.CountAsync("messages", "direction = 'in' AND channel = 'sms'"));
        Assert.Equal(textsOnly ? 0 : 10, await H.CountAsync("messages", "direction = 'in' AND channel = 'phone'"));
        Assert.Equal(results.Select(r => r.MessageId!.Value).Order(), await H.QueryAsync<Guid>($"SELECT id FROM messages WHERE direction = 'in' ORDER BY {H.Dialect.IdOrder("id")}"));

        // The line is that of whichever ingest won the race to open the conversation. On the text line the first
        // text is acknowledged exactly once however many race in behind it; on the phone line (an unanswered call
        // came first) nothing is. With texts only, it is always the text line.
        var line = Assert.Single(await H.QueryAsync<string>("SELECT line FROM conversations"));
        if (textsOnly)
            Assert.Equal(Line.Text24, line);
        else
            Assert.Contains(line, new[] { Line.Text24, Line.Phone });
        var automatic = await AutomaticMessagesAsync();
        Assert.Equal(line == Line.Text24 ? 1 : 0, automatic.Count);
        Assert.All(automatic, a => Assert.Equal((conversationId.Value, Channel.Sms, Acknowledgement, phone), (a.ConversationId, a.Channel, a.Automatic, a.To)));
        Assert.Equal(20 + automatic.Count, await H.CountAsync("messages"));
        Assert.Equal(automatic.Count, await H.CountAsync("outbox"));

        var events = await EventsAsync();
        Assert.Equal(Enumerable.Range(1, 1 + 20 + automatic.Count).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Equal(1, events.Count(e => e.Type == EventType.ConversationOpened));
        Assert.Equal(20, events.Count(e => e.Type == EventType.MessageAdded && e.Automatic is null));
        Assert.Equal(automatic.Count, events.Count(e => e.Type == EventType.MessageAdded && e.Automatic == Acknowledgement));
        Assert.Equal(1 + 20 + automatic.Count, events.Count);
        // One transaction opened the conversation, stored its first message and, on the text line, acknowledged it.
        var opener = Assert.Single(results, r => r.MessageId == events[1].MessageId);
        Assert.Equal(EventType.ConversationOpened, events[0].Type);
        if (automatic.Count == 1)
        {
            Assert.Equal(Channel.Sms, Assert.Single(await H.QueryAsync<string>("SELECT channel FROM messages WHERE id = @id", new { id = opener.MessageId })));
            Assert.Equal((automatic[0].Id, Acknowledgement), (events[2].MessageId, events[2].Automatic));
            Assert.Equal(3, opener.LastSequence);
        }
        else
        {
            Assert.Equal(2, opener.LastSequence);
        }
    }

    [Fact]
    public async Task The_same_provider_message_id_ingested_twice_in_a_row_is_stored_once()
    {
        var message = Sms(NewResidentPhone());
        var first = await H.Ingest.IngestAsync(message, Ct);
        var snapshot = await H.SnapshotAsync();
        H.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await H.Ingest.IngestAsync(message with { Body = "다시 보낸 같은 메시지" }, Ct);

        Assert.Equal(IngestOutcome.Stored, first.Outcome);
        Assert.Equal(IngestOutcome.Duplicate, second.Outcome);
        Assert.Equal(first.ConversationId, second.ConversationId);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Null(second.LastSequence);
        Assert.Equal(snapshot, await H.SnapshotAsync());
        Assert.Equal(message.Body, Assert.Single(await H.QueryAsync<string>("SELECT body FROM messages WHERE direction = 'in'")));
        // The first was acknowledged; the duplicate did not queue a second acknowledgement.
        var acknowledgement = Assert.Single(await AutomaticMessagesAsync());
        Assert.Equal((first.ConversationId!.Value, Acknowledgement), (acknowledgement.ConversationId, acknowledgement.Automatic));
        // Nothing moved: the duplicate did not even touch the contact.
        Assert.Equal(StoreHarness.Start, Assert.Single(await H.QueryAsync<DateTimeOffset>("SELECT last_seen_at FROM contacts")));
    }

    [Theory]
    [InlineData(Channel.Sms)]
    [InlineData(Channel.Kakao)]
    public async Task The_same_provider_message_id_ingested_ten_times_at_once_is_stored_once_and_leaves_no_orphan_contacts(string channel)
    {
        var message = channel == Channel.Kakao ? Kakao(NewKakaoUserKey()) : Sms(NewResidentPhone());
        var results = await ConcurrentlyAsync(10, _ => message);

        var stored = Assert.Single(results, r => r.Outcome == IngestOutcome.Stored);
        Assert.Equal(9, results.Count(r => r.Outcome == IngestOutcome.Duplicate));
        Assert.All(results.Where(r => r.ConversationId is not null), r => Assert.Equal(stored.ConversationId, r.ConversationId));

        Assert.Equal(1, await H.CountAsync("contacts"));
        Assert.Equal(0, await H.CountAsync("contacts k", "NOT EXISTS (SELECT 1 FROM channel_identities i WHERE i.contact_id = k.id)"));
        Assert.Equal(1, await H.CountAsync("channel_identities"));
        Assert.Equal(1, await H.CountAsync("conversations"));
        Assert.Equal(stored.MessageId, Assert.Single(await H.QueryAsync<Guid>("SELECT id FROM messages WHERE direction = 'in'")));

        // The one stored message got its one automatic message: the text line's acknowledgement, or the live line's
        // closed-hours reply (the harness clock starts on a holiday).
        if (channel == Channel.Kakao)
            Assert.False((await H.Calendars.ForCenterAsync(North, Ct)).IsOpen(StoreHarness.Start));
        var automatic = Assert.Single(await AutomaticMessagesAsync());
        Assert.Equal((stored.ConversationId!.Value, channel, channel == Channel.Kakao ? ClosedHours : Acknowledgement, message.ResidentAddress),
            (automatic.ConversationId, automatic.Channel, automatic.Automatic, automatic.To));
        Assert.Equal(2, await H.CountAsync("messages"));

        // conversation.opened, message.added for the resident's message, message.added for the automatic one.
        var events = await EventsAsync();
        Assert.Equal(
            [(1L, EventType.ConversationOpened, (Guid?)null, (string?)null), (2L, EventType.MessageAdded, stored.MessageId, null), (3L, EventType.MessageAdded, automatic.Id, automatic.Automatic)],
            events.Select(e => (e.Seq, e.Type, e.MessageId, e.Automatic)));
        Assert.Equal(3, await H.ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1"));
        Assert.Equal(3, stored.LastSequence);
    }

    // ---------------------------------------------------------------- threading

    [Fact]
    public async Task A_message_after_the_conversation_was_resolved_opens_a_new_conversation()
    {
        var phone = NewResidentPhone();
        var first = await H.Ingest.IngestAsync(Sms(phone), Ct);
        var threaded = await H.Ingest.IngestAsync(Call(phone), Ct);
        Assert.Equal(first.ConversationId, threaded.ConversationId);

        Assert.Equal(1, await H.ExecuteAsync(
            "UPDATE conversations SET status = 'resolved', resolved_at = @now WHERE id = @id", new { id = first.ConversationId, now = H.Clock.Now }));
        H.Clock.Advance(TimeSpan.FromDays(1));
        var after = await H.Ingest.IngestAsync(Sms(phone, body: "지난번 신청 건 다시 문의드려요"), Ct);

        Assert.Equal(IngestOutcome.Stored, after.Outcome);
        Assert.NotNull(after.ConversationId);
        Assert.NotEqual(first.ConversationId, after.ConversationId);
        Assert.Equal(1, await H.CountAsync("contacts"));
        var conversations = await H.QueryAsync<ConversationRow>("SELECT id, contact_id, status, line FROM conversations ORDER BY created_at");
        Assert.Equal([(first.ConversationId!.Value, ConversationStatus.Resolved), (after.ConversationId!.Value, ConversationStatus.Open)],
            conversations.Select(c => (c.Id, c.Status)));
        Assert.Single(conversations.Select(c => c.ContactId).Distinct());
        Assert.Equal([Line.Text24, Line.Text24], conversations.Select(c => c.Line));
        Assert.Equal(2, await H.CountAsync("messages", "direction = 'in' AND conversation_id = @id", new { id = first.ConversationId }));
        Assert.Equal(1, await H.CountAsync("messages", "direction = 'in' AND conversation_id = @id", new { id = after.ConversationId }));
        // Each conversation's first text was acknowledged once, and the new conversation's acknowledgement is its own.
        var automatic = await AutomaticMessagesAsync();
        Assert.Equal([(first.ConversationId.Value, Acknowledgement), (after.ConversationId.Value, Acknowledgement)],
            automatic.Select(a => (a.ConversationId, a.Automatic)));
        Assert.Equal(5, await H.CountAsync("messages"));
        var events = await EventsAsync();
        Assert.Equal(Enumerable.Range(1, 7).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Equal(
            [(EventType.ConversationOpened, (Guid?)null, (string?)null), (EventType.MessageAdded, first.MessageId, null), (EventType.MessageAdded, automatic[0].Id, Acknowledgement), (EventType.MessageAdded, threaded.MessageId, null)],
            events.Where(e => e.ConversationId == first.ConversationId).Select(e => (e.Type, e.MessageId, e.Automatic)));
        Assert.Equal(
            [(EventType.ConversationOpened, (Guid?)null, (string?)null), (EventType.MessageAdded, after.MessageId, null), (EventType.MessageAdded, automatic[1].Id, Acknowledgement)],
            events.Where(e => e.ConversationId == after.ConversationId).Select(e => (e.Type, e.MessageId, e.Automatic)));
    }

    [Fact]
    public async Task Only_one_unresolved_conversation_per_contact_can_exist()
    {
        var phone = NewResidentPhone();
        var first = await H.Ingest.IngestAsync(Sms(phone), Ct);
        var contactId = Assert.Single(await H.QueryAsync<Guid>("SELECT id FROM contacts"));

        // A second open conversation is refused by the partial unique index...
        await Assert.ThrowsAnyAsync<DbException>(() => InsertConversationAsync(contactId));
        // ...and so is one next to a pending conversation: pending is unresolved too.
        await H.ExecuteAsync("UPDATE conversations SET status = 'pending' WHERE id = @id", new { id = first.ConversationId });
        await Assert.ThrowsAnyAsync<DbException>(() => InsertConversationAsync(contactId));
        Assert.Equal(1, await H.CountAsync("conversations"));

        // Once it is resolved another may open, and the old one cannot be reopened beside it.
        await H.ExecuteAsync("UPDATE conversations SET status = 'resolved' WHERE id = @id", new { id = first.ConversationId });
        var second = await InsertConversationAsync(contactId);
        Assert.NotEqual(first.ConversationId, second);
        await Assert.ThrowsAnyAsync<DbException>(() =>
            H.ExecuteAsync("UPDATE conversations SET status = 'open' WHERE id = @id", new { id = first.ConversationId }));
        Assert.Equal([ConversationStatus.Open, ConversationStatus.Resolved],
            await H.QueryAsync<string>("SELECT status FROM conversations ORDER BY status"));

        // Ingest threads into the one that is open.
        var next = await H.Ingest.IngestAsync(Sms(phone), Ct);
        Assert.Equal(second, next.ConversationId);
    }

    // ---------------------------------------------------------------- events

    [Fact]
    public async Task Event_numbers_are_contiguous_and_in_commit_order_across_thirty_concurrent_ingests()
    {
        var residents = Enumerable.Range(0, 10).Select(_ => NewResidentPhone()).ToList();

        // A reader tails the events while they are written, as a subscriber would: "everything after the last seq I saw".
        // If a higher number ever committed before a lower one, the reader would step over the lower one for good.
        var tailed = new List<long>();
        using var stop = new CancellationTokenSource();
        var tail = Task.Run(async () =>
        {
            while (true)
            {
                var stopping = stop.IsCancellationRequested;
                tailed.AddRange(await H.QueryAsync<long>(
                    "SELECT seq FROM conversation_events WHERE seq > @last ORDER BY seq", new { last = tailed.Count == 0 ? 0 : tailed[^1] }));
                if (stopping)
                    return;
                await Task.Delay(2, CancellationToken.None);
            }
        }, CancellationToken.None);
        IReadOnlyList<IngestResult> results;
        try
        {
            results = await ConcurrentlyAsync(30, i => i % 3 == 1 ? Call(residents[i % 10]) : Sms(residents[i % 10]));
        }
        finally
        {
            stop.Cancel();
            await tail;
        }

        Assert.All(results, r => Assert.Equal(IngestOutcome.Stored, r.Outcome));

        // Each resident sent two texts and one unanswered call. Whichever came first opened the conversation on its
        // line: a text opens it on the text line and is acknowledged in the same transaction, the later text is not
        // (the conversation is already waiting); a call first puts it on the phone line, where nothing is acknowledged.
        var lines = (await H.QueryAsync<ConversationRow>("SELECT id, contact_id, status, line FROM conversations")).ToDictionary(c => c.Id, c => c.Line);
        Assert.Equal(10, lines.Count);
        Assert.All(lines.Values, line => Assert.Contains(line, new[] { Line.Text24, Line.Phone }));
        var acknowledged = lines.Where(c => c.Value == Line.Text24).Select(c => c.Key).ToHashSet();
        var automatic = await AutomaticMessagesAsync();
        Assert.Equal(acknowledged.Order(), automatic.Select(a => a.ConversationId).Order());
        Assert.All(automatic, a => Assert.Equal((Channel.Sms, Acknowledgement), (a.Channel, a.Automatic)));
        Assert.Equal(30, await H.CountAsync("messages", "direction = 'in'"));

        // One message.added per ingest and per acknowledgement, one conversation.opened per resident.
        var total = 30 + acknowledged.Count + 10;
        var events = await EventsAsync();
        Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n), events.Select(e => e.Seq));
        Assert.Equal(events.Select(e => e.Seq), tailed);
        Assert.Equal(total, await H.ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1"));
        Assert.Equal(10, events.Count(e => e.Type == EventType.ConversationOpened));
        Assert.Equal(30, events.Count(e => e.Type == EventType.MessageAdded && e.Automatic is null));
        Assert.Equal(acknowledged.Count, events.Count(e => e.Type == EventType.MessageAdded && e.Automatic == Acknowledgement));

        // Each ingest's numbers are its own, and the last of them is what it reported: its message's, or the
        // acknowledgement's right after it when it acknowledged.
        Assert.Equal(30, results.Select(r => r.LastSequence).Distinct().Count());
        foreach (var result in results)
        {
            var added = Assert.Single(events, e => e.Type == EventType.MessageAdded && e.MessageId == result.MessageId);
            Assert.Null(added.Automatic);
            Assert.Equal(result.ConversationId, added.ConversationId);
            var next = events.SingleOrDefault(e => e.Seq == added.Seq + 1);
            if (next is { Automatic: not null })
            {
                Assert.Equal(result.ConversationId, next.ConversationId);
                Assert.Equal(result.LastSequence, next.Seq);
            }
            else
            {
                Assert.Equal(result.LastSequence, added.Seq);
            }
        }

        // Per conversation, in seq order: opened first, then its three messages, with the acknowledgement right after
        // the first of them on the text line.
        var byConversation = events.GroupBy(e => e.ConversationId).ToList();
        Assert.Equal(10, byConversation.Count);
        foreach (var conversation in byConversation)
        {
            var ordered = conversation.ToList();
            var isAcknowledged = acknowledged.Contains(conversation.Key);
            List<(string Type, string? Automatic)> expected = isAcknowledged
                ? [(EventType.ConversationOpened, null), (EventType.MessageAdded, null), (EventType.MessageAdded, Acknowledgement), (EventType.MessageAdded, null), (EventType.MessageAdded, null)]
                : [(EventType.ConversationOpened, null), (EventType.MessageAdded, null), (EventType.MessageAdded, null), (EventType.MessageAdded, null)];
            Assert.Equal(expected, ordered.Select(e => (e.Type, e.Automatic)));
            // The opening event, the first message and its acknowledgement were written by one transaction: adjacent numbers.
            Assert.Equal(ordered[0].Seq + 1, ordered[1].Seq);
            if (isAcknowledged)
            {
                Assert.Equal(ordered[1].Seq + 1, ordered[2].Seq);
                Assert.Equal(Channel.Sms, Assert.Single(await H.QueryAsync<string>("SELECT channel FROM messages WHERE id = @id", new { id = ordered[1].MessageId })));
            }
            var messages = await H.QueryAsync<Guid>("SELECT id FROM messages WHERE conversation_id = @id", new { id = conversation.Key });
            Assert.Equal(messages.Order(), ordered.Skip(1).Select(e => e.MessageId!.Value).Order());
            Assert.Equal(3, await H.CountAsync("messages", "direction = 'in' AND conversation_id = @id", new { id = conversation.Key }));
        }
    }

    [Fact]
    public async Task A_notice_that_needs_an_open_conversation_stores_nothing_when_none_is_open()
    {
        var empty = await H.SnapshotAsync();
        var newcomer = NewResidentPhone();
        var ignored = await H.Ingest.IngestAsync(Sms(newcomer) with { Kind = MessageKind.System, OnlyIfOpen = true }, Ct);

        Assert.Equal(new IngestResult(IngestOutcome.Ignored, null, null, null), ignored);
        Assert.Equal(empty, await H.SnapshotAsync());
        Assert.Equal(0, await H.CountAsync("contacts"));

        // A known resident whose conversation is resolved: still nothing, not even "last seen".
        var known = NewResidentPhone();
        var first = await H.Ingest.IngestAsync(Kakao(known), Ct);
        await H.ExecuteAsync("UPDATE conversations SET status = 'resolved' WHERE id = @id", new { id = first.ConversationId });
        var before = await H.SnapshotAsync();
        H.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(IngestOutcome.Ignored, (await H.Ingest.IngestAsync(Kakao(known) with { Kind = MessageKind.System, OnlyIfOpen = true }, Ct)).Outcome);
        Assert.Equal(before, await H.SnapshotAsync());
        Assert.Equal(StoreHarness.Start, Assert.Single(await H.QueryAsync<DateTimeOffset>("SELECT last_seen_at FROM contacts")));

        // With an open conversation the notice is stored in it, and it does not make the conversation wait on the center.
        // Nor does it get an automatic reply: only the resident's own messages do (here, the closed-hours reply).
        var reopened = await H.Ingest.IngestAsync(Kakao(known), Ct);
        await H.ExecuteAsync("UPDATE conversations SET waiting_since = NULL, closed_reply_until = NULL WHERE id = @id", new { id = reopened.ConversationId });
        var replies = await AutomaticMessagesAsync();
        Assert.Equal([(first.ConversationId!.Value, ClosedHours), (reopened.ConversationId!.Value, ClosedHours)], replies.Select(a => (a.ConversationId, a.Automatic)));
        var notice = await H.Ingest.IngestAsync(Kakao(known) with { Kind = MessageKind.System, Body = "상담 세션이 종료되었습니다.", OnlyIfOpen = true }, Ct);
        Assert.Equal(IngestOutcome.Stored, notice.Outcome);
        Assert.Equal(reopened.ConversationId, notice.ConversationId);
        Assert.Null(await H.ScalarAsync<string>("SELECT waiting_since FROM conversations WHERE id = @id", new { id = reopened.ConversationId }));
        Assert.Equal(replies, await AutomaticMessagesAsync());
    }

    // ---------------------------------------------------------------- automatic replies

    [Fact]
    public async Task A_first_text_gets_one_acknowledgement_until_it_is_answered()
    {
        var calendar = await H.Calendars.ForCenterAsync(North, Ct);
        var phone = NewResidentPhone();
        var t0 = H.Clock.Now;
        var first = await H.Ingest.IngestAsync(Sms(phone), Ct);
        H.Clock.Now = t0.AddMinutes(1);
        var second = await H.Ingest.IngestAsync(Sms(phone, body: "언제쯤 답변 받을 수 있을까요?"), Ct);
        Assert.Equal((IngestOutcome.Stored, IngestOutcome.Stored), (first.Outcome, second.Outcome));
        var id = first.ConversationId!.Value;
        Assert.Equal(id, second.ConversationId);
        Assert.Equal(Line.Text24, await H.ScalarAsync<string>("SELECT line FROM conversations WHERE id = @id", new { id }));

        // Two texts in a row: the first is acknowledged, the second is not (nobody has answered yet).
        var acknowledgement = Assert.Single(await AutomaticMessagesAsync());
        Assert.Equal((id, Channel.Sms, Acknowledgement, phone, NorthSms, t0),
            (acknowledgement.ConversationId, acknowledgement.Channel, acknowledgement.Automatic, acknowledgement.To, acknowledgement.CenterAddress, acknowledgement.ReceivedAt));
        Assert.Equal(2, await H.CountAsync("messages", "direction = 'in'"));
        Assert.Equal(3, await H.CountAsync("messages"));
        var outbox = Assert.Single(await H.QueryAsync<OutboxRow>("SELECT message_id, center_id, channel, attempts, next_attempt_at, completed_at FROM outbox"));
        Assert.Equal(new OutboxRow { MessageId = acknowledgement.Id, CenterId = North, Channel = Channel.Sms, Attempts = 0, NextAttemptAt = t0 }, outbox);

        // It promises the deadline the first text set, one business day on the calendar version the conversation names
        // (t0 is a holiday: Tuesday 18:00 in Seoul).
        var waiting = await ResponseOfAsync(id);
        Assert.Equal(calendar.AddBusinessTime(t0, calendar.Hours.WorkingDay).DueAt, waiting.DueAt);
        Assert.Equal(new DateTimeOffset(2025, 3, 4, 18, 0, 0, TimeSpan.FromHours(9)), waiting.DueAt);
        Assert.Equal((t0, (DateTimeOffset?)null, (DateTimeOffset?)t0, Deadlines.FirstResponse, calendar.Version),
            (waiting.WaitingSince, waiting.FirstResponseAt, waiting.AcknowledgedAt, waiting.DueReason, waiting.DueCalendarVersion));
        Assert.Equal($"[북부] 문의가 접수되었습니다. {ResponseRules.Format(calendar, waiting.DueAt!.Value)}까지 답변드리겠습니다.", acknowledgement.Body);

        // Written by the first text's transaction: its message.added comes right after that text's, and is the last
        // number that ingest reported.
        var events = await EventsAsync();
        Assert.Equal(
            [
                (1L, EventType.ConversationOpened, (Guid?)null, (string?)null),
                (2L, EventType.MessageAdded, first.MessageId, null),
                (3L, EventType.MessageAdded, acknowledgement.Id, Acknowledgement),
                (4L, EventType.MessageAdded, second.MessageId, null),
            ],
            events.Select(e => (e.Seq, e.Type, e.MessageId, e.Automatic)));
        Assert.Equal((3L, 4L), (first.LastSequence!.Value, second.LastSequence!.Value));

        // An answered call from the same number is the center's answer: nothing is owed any more, and the call itself
        // is not acknowledged.
        H.Clock.Now = t0.AddMinutes(2);
        var call = await H.Ingest.IngestAsync(Call(phone) with
        {
            Details = new CallDetails { CallId = "call-answered", Direction = "inbound", Status = CallDetails.Answered },
        }, Ct);
        Assert.Equal((IngestOutcome.Stored, (Guid?)id), (call.Outcome, call.ConversationId));
        var answered = await ResponseOfAsync(id);
        Assert.Equal(
            new ResponseRow { FirstResponseAt = t0.AddMinutes(2) },
            answered);
        Assert.Single(await AutomaticMessagesAsync());

        // So the next text is acknowledged again, once; the one after it is not.
        H.Clock.Now = t0.AddMinutes(3);
        var third = await H.Ingest.IngestAsync(Sms(phone, body: "서류 하나 더 여쭤볼게요"), Ct);
        H.Clock.Now = t0.AddMinutes(4);
        var fourth = await H.Ingest.IngestAsync(Sms(phone, body: "등본도 필요한가요?"), Ct);
        Assert.Equal(((Guid?)id, (Guid?)id), (third.ConversationId, fourth.ConversationId));

        var automatic = await AutomaticMessagesAsync();
        Assert.Equal(2, automatic.Count);
        Assert.Equal(acknowledgement, automatic[0]);
        var again = automatic[1];
        Assert.Equal((id, Channel.Sms, Acknowledgement, phone, t0.AddMinutes(3)), (again.ConversationId, again.Channel, again.Automatic, again.To, again.ReceivedAt));
        Assert.Equal(2, await H.CountAsync("outbox"));
        Assert.Equal(1, await H.CountAsync("outbox", "message_id = @id", new { id = again.Id }));
        Assert.Equal(5, await H.CountAsync("messages", "direction = 'in'"));
        Assert.Equal(7, await H.CountAsync("messages"));

        var next = await ResponseOfAsync(id);
        Assert.Equal((t0.AddMinutes(3), (DateTimeOffset?)t0.AddMinutes(2), (DateTimeOffset?)t0.AddMinutes(3), Deadlines.NextResponse, calendar.Version),
            (next.WaitingSince, next.FirstResponseAt, next.AcknowledgedAt, next.DueReason, next.DueCalendarVersion));
        Assert.Equal(calendar.AddBusinessTime(t0.AddMinutes(3), calendar.Hours.WorkingDay).DueAt, next.DueAt);
        Assert.Equal($"[북부] 문의가 접수되었습니다. {ResponseRules.Format(calendar, next.DueAt!.Value)}까지 답변드리겠습니다.", again.Body);

        events = await EventsAsync();
        Assert.Equal(
            [
                (5L, EventType.MessageAdded, call.MessageId, (string?)null),
                (6L, EventType.MessageAdded, third.MessageId, null),
                (7L, EventType.MessageAdded, again.Id, Acknowledgement),
                (8L, EventType.MessageAdded, fourth.MessageId, null),
            ],
            events.Skip(4).Select(e => (e.Seq, e.Type, e.MessageId, e.Automatic)));
        Assert.All(events, e => Assert.Equal(id, e.ConversationId));
        Assert.Equal((5L, 7L, 8L), (call.LastSequence!.Value, third.LastSequence!.Value, fourth.LastSequence!.Value));
        Assert.Equal(8, await H.ScalarAsync<long>("SELECT value FROM event_sequence WHERE id = 1"));
    }

    // ---------------------------------------------------------------- reads

    [Fact]
    public async Task Keyset_paging_returns_every_conversation_exactly_once_most_recent_activity_first()
    {
        // 25 conversations, three at a time sharing one activity time so the id has to break the ties,
        // and the neighbour center's traffic at the very same times.
        var expected = new List<(DateTimeOffset At, Guid Id)>();
        for (var i = 0; i < 25; i++)
        {
            H.Clock.Now = StoreHarness.Start.AddMinutes(i / 3);
            var phone = NewResidentPhone();
            var result = await H.Ingest.IngestAsync(i % 4 == 0 ? Kakao(NewKakaoUserKey()) : Sms(phone), Ct);
            expected.Add((H.Clock.Now, result.ConversationId!.Value));
            if (i % 5 == 0)
                await H.Ingest.IngestAsync(Sms(phone, center: South), Ct);
        }
        var order = expected
            .OrderByDescending(e => e.At)
            .ThenByDescending(e => e.Id.ToString("N"), StringComparer.Ordinal)
            .Select(e => e.Id)
            .ToList();

        var filter = new ConversationFilter(ManagerOf(North), null, null, null, null, false, null);
        var pages = new List<Page<ConversationSummary>>();
        string? cursor = null;
        do
        {
            var page = await H.Queries.ListAsync(filter, 10, cursor, Ct);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages.Count < 10);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Items.Count));
        Assert.NotNull(pages[0].NextCursor);
        Assert.NotNull(pages[1].NextCursor);
        Assert.Null(pages[2].NextCursor);
        var listed = pages.SelectMany(p => p.Items).ToList();
        Assert.Equal(order, listed.Select(c => c.Id));
        Assert.Equal(expected.OrderByDescending(e => e.At).Select(e => e.At), listed.Select(c => c.LastActivityAt));

        // A page that ends exactly at the last row says there is nothing more.
        var exact = await H.Queries.ListAsync(filter, 25, null, Ct);
        Assert.Equal(order, exact.Items.Select(c => c.Id));
        Assert.Null(exact.NextCursor);
    }

    [Fact]
    public async Task Filters_narrow_the_list_by_status_channel_line_assignee_and_contact_phone()
    {
        H.Clock.Step = TimeSpan.FromSeconds(1);
        var counselor = NewAccount("park.counselor");
        Assert.True(await H.Accounts.InsertAsync(counselor, Ct));

        var phoneA = NewResidentPhone();
        var phoneD = NewResidentPhone();
        var a = await ConversationOfAsync(Sms(phoneA));                        // sms, text24, open, assigned
        var b = await ConversationOfAsync(Kakao(NewKakaoUserKey()));           // kakao, live, open
        var c = await ConversationOfAsync(Call(NewResidentPhone()));           // phone, phone line, open, assigned
        var d = await ConversationOfAsync(Sms(phoneD));                        // started on sms, last written by phone
        Assert.Equal(d, await ConversationOfAsync(Call(phoneD)));
        var e = await ConversationOfAsync(Sms(NewResidentPhone()));            // pending
        var f = await ConversationOfAsync(Sms(NewResidentPhone()));            // resolved
        await ConversationOfAsync(Sms(phoneA, center: South));                 // the neighbour's, same number

        await H.ExecuteAsync("UPDATE conversations SET assignee_id = @assignee WHERE id IN (@a, @c)", new { assignee = counselor.Id, a, c });
        await H.ExecuteAsync("UPDATE conversations SET status = 'pending' WHERE id = @e", new { e });
        await H.ExecuteAsync("UPDATE conversations SET status = 'resolved', resolved_at = @now WHERE id = @f", new { f, now = H.Clock.Now });

        async Task<IReadOnlyList<Guid>> ListAsync(string? status = null, string? channel = null, string? line = null, Guid? assignee = null, bool unassigned = false, string? phone = null)
        {
            var page = await H.Queries.ListAsync(new ConversationFilter(ManagerOf(North), status, channel, line, assignee, unassigned, phone), 100, null, Ct);
            Assert.Null(page.NextCursor);
            return [.. page.Items.Select(i => i.Id).Order()];
        }
        static IReadOnlyList<Guid> Set(params Guid[] ids) => [.. ids.Order()];

        Assert.Equal(Set(a, b, c, d, e, f), await ListAsync());
        Assert.Equal(Set(a, b, c, d), await ListAsync(status: ConversationStatus.Open));
        Assert.Equal(Set(e), await ListAsync(status: ConversationStatus.Pending));
        Assert.Equal(Set(f), await ListAsync(status: ConversationStatus.Resolved));
        Assert.Equal(Set(a, e, f), await ListAsync(channel: Channel.Sms));
        Assert.Equal(Set(c, d), await ListAsync(channel: Channel.Phone));
        Assert.Equal(Set(b), await ListAsync(channel: Channel.Kakao));
        Assert.Equal(Set(a, d, e, f), await ListAsync(line: Line.Text24));
        Assert.Equal(Set(b), await ListAsync(line: Line.Live));
        Assert.Equal(Set(c), await ListAsync(line: Line.Phone));
        Assert.Equal(Set(a, c), await ListAsync(assignee: counselor.Id));
        Assert.Equal(Set(b, d, e, f), await ListAsync(unassigned: true));
        Assert.Equal(Set(a), await ListAsync(phone: phoneA));
        Assert.Equal(Set(d), await ListAsync(phone: phoneD));
        Assert.Empty(await ListAsync(phone: NewResidentPhone()));
        Assert.Equal(Set(d), await ListAsync(status: ConversationStatus.Open, line: Line.Text24, unassigned: true));

        var summary = (await H.Queries.ListAsync(new ConversationFilter(ManagerOf(North), null, null, null, null, false, phoneD), 10, null, Ct)).Items.Single();
        Assert.Equal((Channel.Phone, Channel.Sms, Line.Text24, ConversationStatus.Open, "normal", phoneD),
            (summary.Channel, summary.OriginChannel, summary.Line, summary.Status, summary.Priority, summary.ContactPhone));
        Assert.Null(summary.AssigneeId);
    }

    [Fact]
    public async Task A_center_never_sees_another_centers_conversations()
    {
        var shared = NewResidentPhone();
        var north = new List<Guid>
        {
            await ConversationOfAsync(Sms(shared)),
            await ConversationOfAsync(Kakao(NewKakaoUserKey())),
            await ConversationOfAsync(Call(NewResidentPhone())),
        };
        var south = new List<Guid>
        {
            await ConversationOfAsync(Sms(shared, center: South)),
            await ConversationOfAsync(Sms(NewResidentPhone(), center: South)),
        };

        var northPage = await H.Queries.ListAsync(new ConversationFilter(ManagerOf(North), null, null, null, null, false, null), 100, null, Ct);
        var southPage = await H.Queries.ListAsync(new ConversationFilter(ManagerOf(South), null, null, null, null, false, null), 100, null, Ct);
        Assert.Equal(north.Order(), northPage.Items.Select(c => c.Id).Order());
        Assert.Equal(south.Order(), southPage.Items.Select(c => c.Id).Order());
        Assert.Empty((await H.Queries.ListAsync(new ConversationFilter(ManagerOf("east"), null, null, null, null, false, null), 100, null, Ct)).Items);

        // The same number asked for in one center finds only that center's resident.
        var byPhone = await H.Queries.ListAsync(new ConversationFilter(ManagerOf(North), null, null, null, null, false, shared), 100, null, Ct);
        Assert.Equal(north[0], Assert.Single(byPhone.Items).Id);

        foreach (var id in south)
        {
            Assert.Null(await H.Queries.GetAsync(ManagerOf(North), id, Ct));
            Assert.Equal(id, (await H.Queries.GetAsync(ManagerOf(South), id, Ct))!.Conversation.Id);
        }
        foreach (var id in north)
            Assert.Null(await H.Queries.GetAsync(ManagerOf(South), id, Ct));
        Assert.Null(await H.Queries.GetAsync(ManagerOf(North), Guid.CreateVersion7(), Ct));
    }

    [Fact]
    public async Task Get_returns_the_conversation_with_its_messages_in_order_attachments_and_transcript_segments()
    {
        // One minute between the messages. (Set by hand: ingest reads the clock more than once, for the calendar too.)
        var phone = NewResidentPhone();
        var t0 = H.Clock.Now;
        var text = await H.Ingest.IngestAsync(Sms(phone, body: "주민번호 900101-1234567 로 신청했어요"), Ct);
        H.Clock.Now = t0.AddMinutes(1);
        var mms = await H.Ingest.IngestAsync(Sms(phone, body: "결정 통지서 사진 보냅니다") with
        {
            Kind = MessageKind.Media,
            Subject = "통지서",
            Attachments =
            [
                new(InboundAttachment.MediaPurpose, "https://media.example.test/mms/1.jpg", "image/jpeg", "notice-1.jpg", 204_800),
                new(InboundAttachment.FullTextPurpose, "https://media.example.test/mms/1.txt", "text/plain", null, null),
            ],
        }, Ct);
        var providerAt = new DateTimeOffset(2025, 3, 3, 9, 1, 30, TimeSpan.FromHours(9));
        H.Clock.Now = t0.AddMinutes(2);
        var call = await H.Ingest.IngestAsync(Call(phone) with
        {
            ProviderAt = providerAt,
            Details = new CallDetails { CallId = "call-42", Direction = "inbound", Status = "completed", RecordingUrl = "https://cti.example.test/rec/42.wav" },
            Segments =
            [
                new("resident", 0, 2_500, "긴급복지 지원 문의드립니다.", 0.93),
                new("counselor", 2_500, 6_000, "생년월일과 주민번호 뒷자리를 말씀해 주세요.", 0.88),
                new("resident", 6_000, 9_750, "850315-2345678 입니다.", null),
            ],
        }, Ct);
        Assert.All(new[] { text, mms, call }, r => Assert.Equal(IngestOutcome.Stored, r.Outcome));
        var id = text.ConversationId!.Value;

        var detail = await H.Queries.GetAsync(ManagerOf(North), id, Ct);

        Assert.NotNull(detail);
        var conversation = detail.Conversation;
        Assert.Equal(id, conversation.Id);
        Assert.Equal((ConversationStatus.Open, Line.Text24, Channel.Sms, Channel.Phone, "normal"),
            (conversation.Status, conversation.Line, conversation.OriginChannel, conversation.Channel, conversation.Priority));
        Assert.Equal(t0, conversation.CreatedAt);
        Assert.Equal(t0, conversation.WaitingSince);
        Assert.Equal(t0.AddMinutes(2), conversation.LastActivityAt);
        Assert.Null(conversation.ResolvedAt);
        Assert.Null(conversation.AssigneeId);
        Assert.Equal(phone, conversation.ContactPhone);

        Assert.Equal(conversation.ContactId, detail.Contact.Id);
        Assert.Equal(phone, detail.Contact.Phone);
        Assert.Equal(t0, detail.Contact.CreatedAt);
        Assert.Equal(t0.AddMinutes(2), detail.Contact.LastSeenAt);
        Assert.Equal([(Channel.Sms, phone), (Channel.Phone, phone)], detail.Identities.Select(i => (i.Channel, i.Address)));

        // The first text was acknowledged when it arrived; the acknowledgement is in the conversation with it.
        var acknowledgement = Assert.Single(await AutomaticMessagesAsync());
        Assert.Equal((id, Acknowledgement, phone), (acknowledgement.ConversationId, acknowledgement.Automatic, acknowledgement.To));
        Assert.Equal(4, detail.Messages.Count);
        Assert.Equal([t0, t0, t0.AddMinutes(1), t0.AddMinutes(2)], detail.Messages.Select(m => m.ReceivedAt));
        var ack = Assert.Single(detail.Messages, m => m.Direction == Direction.Out);
        Assert.Equal((acknowledgement.Id, Channel.Sms, MessageKind.Text, acknowledgement.Body, NorthSms, (Guid?)null, t0, (string?)DeliveryStatus.Queued),
            (ack.Id, ack.Channel, ack.Kind, ack.Body, ack.CenterAddress, ack.AuthorId, ack.ReceivedAt, ack.DeliveryStatus));

        var resident = detail.Messages.Where(m => m.Direction == Direction.In).ToList();
        Assert.Equal([text.MessageId!.Value, mms.MessageId!.Value, call.MessageId!.Value], resident.Select(m => m.Id));
        Assert.Equal([t0, t0.AddMinutes(1), t0.AddMinutes(2)], resident.Select(m => m.ReceivedAt));
        Assert.Equal([MessageKind.Text, MessageKind.Media, MessageKind.Transcript], resident.Select(m => m.Kind));
        Assert.Equal("주민번호 900101-******* 로 신청했어요", resident[0].Body);
        Assert.Equal("통지서", resident[1].Subject);
        Assert.Equal(NorthSms, resident[1].CenterAddress);
        Assert.Equal(NorthLine, resident[2].CenterAddress);
        Assert.Equal(providerAt, resident[2].ProviderAt);
        Assert.Null(resident[0].ProviderAt);
        Assert.Null(resident[0].Metadata);
        using (var metadata = JsonDocument.Parse(resident[2].Metadata!))
        {
            Assert.Equal("completed", metadata.RootElement.GetProperty("status").GetString());
            Assert.Equal("https://cti.example.test/rec/42.wav", metadata.RootElement.GetProperty("recordingUrl").GetString());
        }

        Assert.Equal(
            [
                new AttachmentRow { MessageId = mms.MessageId.Value, Ordinal = 0, Purpose = "media", Url = "https://media.example.test/mms/1.jpg", ContentType = "image/jpeg", FileName = "notice-1.jpg", SizeBytes = 204_800 },
                new AttachmentRow { MessageId = mms.MessageId.Value, Ordinal = 1, Purpose = "full_text", Url = "https://media.example.test/mms/1.txt", ContentType = "text/plain" },
            ],
            detail.Attachments);
        Assert.Equal(
            [
                new SegmentRow { MessageId = call.MessageId.Value, Ordinal = 0, Speaker = "resident", StartMs = 0, EndMs = 2_500, Text = "긴급복지 지원 문의드립니다.", Confidence = 0.93 },
                new SegmentRow { MessageId = call.MessageId.Value, Ordinal = 1, Speaker = "counselor", StartMs = 2_500, EndMs = 6_000, Text = "생년월일과 주민번호 뒷자리를 말씀해 주세요.", Confidence = 0.88 },
                new SegmentRow { MessageId = call.MessageId.Value, Ordinal = 2, Speaker = "resident", StartMs = 6_000, EndMs = 9_750, Text = "850315-******* 입니다.", Confidence = null },
            ],
            detail.Segments);
    }

    // ---------------------------------------------------------------- accounts

    [Fact]
    public async Task Usernames_are_case_insensitive_and_unique()
    {
        var kim = NewAccount("  Kim.Counselor ");
        Assert.True(await H.Accounts.InsertAsync(kim, Ct));
        Assert.False(await H.Accounts.InsertAsync(NewAccount("kim.counselor"), Ct));
        Assert.False(await H.Accounts.InsertAsync(NewAccount("KIM.COUNSELOR", center: South, role: Roles.Manager), Ct));
        Assert.True(await H.Accounts.InsertAsync(NewAccount("lee.manager", role: Roles.Manager), Ct));

        Assert.Equal(2, await H.CountAsync("accounts"));
        var found = await H.Accounts.FindByUsernameAsync("KIM.counselor", Ct);
        Assert.NotNull(found);
        Assert.Equal(kim with { Username = "kim.counselor" }, found);
        Assert.Equal(found, await H.Accounts.FindAsync(kim.Id, Ct));
        Assert.Equal(["kim.counselor", "lee.manager"], (await H.Accounts.ListAsync(North, Ct)).Select(a => a.Username));
        Assert.Empty(await H.Accounts.ListAsync(South, Ct));
        Assert.Null(await H.Accounts.FindByUsernameAsync("kim.counsel0r", Ct));
    }

    [Fact]
    public async Task Disabling_an_account_only_reaches_accounts_of_the_given_center()
    {
        var northAccount = NewAccount("han.counselor");
        var southAccount = NewAccount("yoon.counselor", center: South);
        Assert.True(await H.Accounts.InsertAsync(northAccount, Ct));
        Assert.True(await H.Accounts.InsertAsync(southAccount, Ct));
        var at = StoreHarness.Start.AddHours(2);

        Assert.False(await H.Accounts.SetDisabledAsync(southAccount.Id, North, at, Ct));
        Assert.Null((await H.Accounts.FindAsync(southAccount.Id, Ct))!.DisabledAt);

        Assert.True(await H.Accounts.SetDisabledAsync(northAccount.Id, North, at, Ct));
        var disabled = await H.Accounts.FindAsync(northAccount.Id, Ct);
        Assert.Equal(at, disabled!.DisabledAt);
        Assert.Null((await H.Accounts.FindAsync(southAccount.Id, Ct))!.DisabledAt);

        Assert.False(await H.Accounts.SetDisabledAsync(northAccount.Id, South, null, Ct));
        Assert.Equal(at, (await H.Accounts.FindAsync(northAccount.Id, Ct))!.DisabledAt);
        Assert.True(await H.Accounts.SetDisabledAsync(northAccount.Id, North, null, Ct));
        Assert.Null((await H.Accounts.FindAsync(northAccount.Id, Ct))!.DisabledAt);
        Assert.False(await H.Accounts.SetDisabledAsync(Guid.CreateVersion7(), North, at, Ct));
    }

    // ---------------------------------------------------------------- audit

    [Fact]
    public async Task Audit_entries_are_listed_newest_first_with_every_field()
    {
        var accountId = Guid.CreateVersion7();
        var contactId = Guid.CreateVersion7();
        var conversationId = Guid.CreateVersion7();
        var list = new AuditEntry(North, accountId, "kim.counselor", "10.20.30.40", AuditActions.ConversationList, Detail: "status=open");
        var read = new AuditEntry(North, accountId, "kim.counselor", "10.20.30.40", AuditActions.ConversationRead, contactId, conversationId);
        var created = new AuditEntry(North, null, "system", null, AuditActions.AccountCreated, Detail: "lee.manager");
        var neighbour = new AuditEntry(South, Guid.CreateVersion7(), "yoon.counselor", "::1", AuditActions.ConversationRead, Guid.CreateVersion7(), Guid.CreateVersion7());

        var t0 = H.Clock.Now;
        await H.Audit.WriteAsync([list], Ct);
        H.Clock.Advance(TimeSpan.FromSeconds(1));
        await H.Audit.WriteAsync([read, neighbour], Ct);
        H.Clock.Advance(TimeSpan.FromSeconds(1));
        await H.Audit.WriteAsync([created], Ct);
        await H.Audit.WriteAsync([], Ct);

        var records = await ListAuditAsync(North, null, 100);
        Assert.Equal([created, read, list], records.Select(AsEntry));
        Assert.Equal([t0.AddSeconds(2), t0.AddSeconds(1), t0], records.Select(r => r.At));
        Assert.Equal(3, records.Select(r => r.Id).Distinct().Count());

        var aboutResident = Assert.Single(await ListAuditAsync(North, contactId, 100));
        Assert.Equal(read, AsEntry(aboutResident));
        Assert.Equal([created, read], (await ListAuditAsync(North, null, 2)).Select(AsEntry));
        Assert.Equal(neighbour, AsEntry(Assert.Single(await ListAuditAsync(South, null, 100))));
        Assert.Empty(await ListAuditAsync(South, contactId, 100));
    }

    [Fact]
    public async Task The_audit_log_refuses_update_and_delete_at_the_database()
    {
        await H.Audit.WriteAsync([new AuditEntry(North, Guid.CreateVersion7(), "kim.counselor", "10.20.30.40", AuditActions.ConversationRead, Guid.CreateVersion7(), Guid.CreateVersion7())], Ct);

        var update = await Assert.ThrowsAnyAsync<DbException>(() => H.ExecuteAsync("UPDATE audit_log SET username = 'someone.else'"));
        Assert.Contains("append-only", update.Message);
        var delete = await Assert.ThrowsAnyAsync<DbException>(() => H.ExecuteAsync("DELETE FROM audit_log"));
        Assert.Contains("append-only", delete.Message);

        var record = Assert.Single(await ListAuditAsync(North, null, 10));
        Assert.Equal("kim.counselor", record.Username);
        Assert.Equal(1, await H.CountAsync("audit_log"));
    }

    [Fact]
    public async Task The_audit_log_filters_by_account_action_and_period_and_pages_on()
    {
        var kim = Guid.CreateVersion7();
        var lee = Guid.CreateVersion7();
        var resident = Guid.CreateVersion7();
        var t0 = H.Clock.Now;
        for (var i = 0; i < 5; i++)
        {
            await H.Audit.WriteAsync([
                new AuditEntry(North, kim, "kim.counselor", "10.0.0.1", AuditActions.ConversationRead, resident, Guid.CreateVersion7()),
                new AuditEntry(North, lee, "lee.manager", "10.0.0.2", i % 2 == 0 ? AuditActions.ReportExported : AuditActions.ConversationList, Guid.CreateVersion7()),
            ], Ct);
            H.Clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.All(await H.Audit.ListAsync(new AuditQuery { CenterId = North, AccountId = kim }, Ct), r => Assert.Equal("kim.counselor", r.Username));
        Assert.Equal(5, (await H.Audit.ListAsync(new AuditQuery { CenterId = North, Username = "lee.manager" }, Ct)).Count);
        Assert.Equal(3, (await H.Audit.ListAsync(new AuditQuery { CenterId = North, Action = AuditActions.ReportExported }, Ct)).Count);
        Assert.Equal(5, (await H.Audit.ListAsync(new AuditQuery { CenterId = North, ContactId = resident }, Ct)).Count);
        var window = await H.Audit.ListAsync(new AuditQuery { CenterId = North, From = t0.AddHours(1), To = t0.AddHours(3) }, Ct);
        Assert.Equal(4, window.Count);
        Assert.All(window, r => Assert.InRange(r.At, t0.AddHours(1), t0.AddHours(2)));

        // Paging: three pages of 4, 4 and 2 records, newest first, none twice.
        var seen = new List<AuditRecord>();
        Guid? before = null;
        for (var page = 0; page < 3; page++)
        {
            var records = await H.Audit.ListAsync(new AuditQuery { CenterId = North, Before = before, Limit = 4 }, Ct);
            seen.AddRange(records);
            before = records[^1].Id;
        }
        Assert.Equal(10, seen.Count);
        Assert.Equal(10, seen.Select(r => r.Id).Distinct().Count());
        Assert.Equal(seen.OrderByDescending(r => r.At).ThenByDescending(r => r.Id).Select(r => r.Id), seen.Select(r => r.Id));
        Assert.Empty(await H.Audit.ListAsync(new AuditQuery { CenterId = North, Before = before, Limit = 4 }, Ct));

        var reads = await H.Audit.ReadsByAccountAsync(North, t0, t0.AddDays(1), Ct);
        var kimReads = Assert.Single(reads, r => r.Username == "kim.counselor");
        Assert.Equal((5L, 1L), (kimReads.Reads, kimReads.Residents));
        var leeReads = Assert.Single(reads, r => r.Username == "lee.manager");
        Assert.Equal((2L, 2L), (leeReads.Reads, leeReads.Residents)); // the list reads; exports are not reads of a record
    }

    [Fact]
    public async Task The_retention_purge_removes_only_old_records_and_leaves_its_own_trace()
    {
        var t0 = H.Clock.Now;
        await H.Audit.WriteAsync([new AuditEntry(North, null, "kim.counselor", null, AuditActions.ConversationRead, Guid.CreateVersion7())], Ct);
        await H.Audit.WriteAsync([new AuditEntry(South, null, "yoon.counselor", null, AuditActions.ConversationRead, Guid.CreateVersion7())], Ct);
        H.Clock.Advance(TimeSpan.FromDays(10));
        await H.Audit.WriteAsync([new AuditEntry(North, null, "kim.counselor", null, AuditActions.QueueRead, Guid.CreateVersion7())], Ct);

        // Without a recorded purge, not even an old record can go.
        var refused = await Assert.ThrowsAnyAsync<DbException>(() => H.ExecuteAsync("DELETE FROM audit_log"));
        Assert.Contains("append-only", refused.Message);

        var result = await H.Audit.PurgeAsync(t0.AddDays(5), [North, South], Ct);
        Assert.Equal([(North, 1L), (South, 1L)], result);
        var north = await ListAuditAsync(North, null, 100);
        Assert.Equal([AuditActions.AuditPurged, AuditActions.QueueRead], north.Select(r => r.Action));
        Assert.Equal("system", north[0].Username);
        Assert.Contains("deleted=1", north[0].Detail);
        Assert.Equal([AuditActions.AuditPurged], (await ListAuditAsync(South, null, 100)).Select(r => r.Action));

        // The purge allows nothing newer than its cutoff, and its own record stays.
        var newer = await Assert.ThrowsAnyAsync<DbException>(() => H.ExecuteAsync("DELETE FROM audit_log"));
        Assert.Contains("append-only", newer.Message);
        var purgeChange = await Assert.ThrowsAnyAsync<DbException>(() => H.ExecuteAsync("UPDATE audit_purges SET cutoff = at"));
        Assert.Contains("append-only", purgeChange.Message);
        await Assert.ThrowsAnyAsync<DbException>(() => H.ExecuteAsync("DELETE FROM audit_purges"));
        Assert.Equal(1, await H.CountAsync("audit_purges"));
        Assert.Equal(3, await H.CountAsync("audit_log"));
    }

    // ---------------------------------------------------------------- reports

    [Fact]
    public async Task Every_report_builds_ungrouped_and_in_every_grouping_and_counselor_groups_are_account_ids()
    {
        await H.Ingest.IngestAsync(Sms(NewResidentPhone()), Ct);
        await H.Ingest.IngestAsync(Sms(NewResidentPhone()), Ct);
        var counselor = Guid.CreateVersion7();
        await H.ExecuteAsync(
            "INSERT INTO report_events (id, center_id, kind, at, counselor_id, channel, line) VALUES (@id, @center, 'message_out', @at, @counselor, 'sms', 'text24')",
            new { id = Guid.CreateVersion7(), center = North, at = H.Clock.Now, counselor });
        var reports = new Inbox.Reports.ReportService(H.Database, H.Calendars, new Inbox.Channels.ChannelRegistry(Inbox.Channels.BuiltInChannels.All), H.Clock);
        var today = await reports.TodayAsync(North, Ct);
        var period = await reports.PeriodAsync(North, today.AddDays(-1), today.AddDays(1), Ct);

        foreach (var report in Inbox.Reports.ReportService.All)
        {
            // Every query of every report runs on this store (some reports are empty lists for this data).
            foreach (var groupBy in Inbox.Reports.ReportGrouping.All.Prepend(null))
                Assert.Equal(report, (await reports.BuildAsync(report, North, period, groupBy, Ct)).Report);
        }

        var total = Assert.Single((await reports.BuildAsync(Inbox.Reports.ReportService.Volume, North, period, null, Ct)).Rows);
        Assert.Equal("total", total["group"]);
        Assert.Equal((2L, 1L), ((long)total["conversationsOpened"]!, (long)total["messagesOut"]!));
        var byCounselor = (await reports.BuildAsync(Inbox.Reports.ReportService.Volume, North, period, Inbox.Reports.ReportGrouping.Counselor, Ct)).Rows;
        // One group per counselor, keyed by the account id in its usual lower-case text, then the total.
        var groups = byCounselor.Select(r => r["group"] as string).ToList();
        Assert.Equal(3, groups.Count); // the ingested rows without a counselor, the counselor, the total
        Assert.Contains(null, groups);
        Assert.Contains(counselor.ToString(), groups);
        Assert.Equal("total", groups[^1]);
        Assert.Equal(1L, byCounselor.Single(r => Equals(r["group"], counselor.ToString()))["messagesOut"]);
    }

    // ---------------------------------------------------------------- helpers

    private Task<IReadOnlyList<AuditRecord>> ListAuditAsync(string centerId, Guid? contactId, int limit) =>
        H.Audit.ListAsync(new AuditQuery { CenterId = centerId, ContactId = contactId, Limit = limit }, Ct);

    private async Task<Guid> ResolveAsync(string centerId, string channel, string address, string? phone)
    {
        await using var s = await H.Database.BeginAsync(Ct);
        var contactId = await H.Conversations.ResolveContactAsync(s, centerId, channel, address, phone, H.Clock.Now, Ct);
        await s.CommitAsync(Ct);
        return contactId;
    }

    private async Task<Guid> InsertConversationAsync(Guid contactId)
    {
        await using var s = await H.Database.BeginAsync(Ct);
        var id = await H.Conversations.InsertConversationAsync(s, North, contactId, Channel.Sms, Line.Text24, H.Clock.Now, Ct);
        await s.CommitAsync(Ct);
        return id;
    }

    private async Task<Guid> ConversationOfAsync(InboundMessage message)
    {
        var result = await H.Ingest.IngestAsync(message, Ct);
        Assert.Equal(IngestOutcome.Stored, result.Outcome);
        return result.ConversationId!.Value;
    }

    /// <summary>Starts all ingests together on the thread pool and waits for every one.</summary>
    private async Task<IReadOnlyList<IngestResult>> ConcurrentlyAsync(int count, Func<int, InboundMessage> message)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ingests = Enumerable.Range(0, count)
            .Select(i => Task.Run(async () =>
            {
                await gate.Task;
                return await H.Ingest.IngestAsync(message(i), Ct);
            }, Ct))
            .ToList();
        gate.SetResult();
        return await Task.WhenAll(ingests);
    }

    private async Task<IReadOnlyList<EventRow>> EventsAsync()
    {
        var rows = await H.QueryAsync<EventRow>("SELECT seq, conversation_id, type, payload FROM conversation_events ORDER BY seq");
        return [.. rows.Select(r =>
        {
            using var payload = JsonDocument.Parse(r.Payload);
            return r with
            {
                MessageId = payload.RootElement.TryGetProperty("messageId", out var m) ? m.GetGuid() : null,
                Automatic = payload.RootElement.TryGetProperty("automatic", out var a) ? a.GetString() : null,
            };
        })];
    }

    /// <summary>
    /// Every outbound message in the store, oldest first. Nothing in these tests writes as a counselor, so each must be
    /// one ingest queued by itself: a text without author, queued for sending with one pending outbox row, saying in
    /// its metadata what it is for and whom it goes to.
    /// </summary>
    private async Task<IReadOnlyList<AutomaticRow>> AutomaticMessagesAsync()
    {
        var rows = await H.QueryAsync<AutomaticRow>(
            """
            SELECT m.id, m.conversation_id, m.channel, m.kind, m.body, m.center_address, m.author_id, m.received_at, m.delivery_status, m.metadata,
                (SELECT COUNT(*) FROM outbox o WHERE o.message_id = m.id AND o.center_id = m.center_id AND o.channel = m.channel
                    AND o.attempts = 0 AND o.completed_at IS NULL AND o.lease_token IS NULL) AS pending_outbox_rows
            FROM messages m WHERE m.direction = 'out' ORDER BY m.received_at, m.id
            """);
        Assert.Equal(rows.Count, await H.CountAsync("outbox"));
        return [.. rows.Select(r =>
        {
            Assert.Equal((MessageKind.Text, (Guid?)null, (string?)DeliveryStatus.Queued, 1L), (r.Kind, r.AuthorId, r.DeliveryStatus, r.PendingOutboxRows));
            Assert.False(string.IsNullOrWhiteSpace(r.Body));
            using var metadata = JsonDocument.Parse(r.Metadata ?? throw new Xunit.Sdk.XunitException($"Outbound message {r.Id} has no metadata."));
            var automatic = metadata.RootElement.GetProperty("automatic").GetString();
            Assert.Contains(automatic, new[] { Acknowledgement, ClosedHours });
            return r with { Automatic = automatic, To = metadata.RootElement.GetProperty("to").GetString() };
        })];
    }

    /// <summary>A conversation's response clock: what ingest set on it.</summary>
    private async Task<ResponseRow> ResponseOfAsync(Guid conversationId) =>
        Assert.Single(await H.QueryAsync<ResponseRow>(
            "SELECT waiting_since, first_response_at, acknowledged_at, due_at, due_reason, due_calendar_version FROM conversations WHERE id = @conversationId",
            new { conversationId }));

    private static AuditEntry AsEntry(AuditRecord r) =>
        new(r.CenterId, r.AccountId, r.Username, r.SourceIp, r.Action, r.ContactId, r.ConversationId, r.Detail);

    private static Account NewAccount(string username, string center = North, string role = Roles.Counselor) => new()
    {
        Id = Guid.CreateVersion7(),
        CenterId = center,
        Username = username,
        DisplayName = "테스트 상담사",
        Role = role,
        PasswordHash = "test-hash-not-a-real-password",
        CreatedAt = StoreHarness.Start,
    };

    /// <summary>A made-up Korean mobile number in E.164, different on every call.</summary>
    private static string NewResidentPhone() => $"+82109{Interlocked.Increment(ref _residents):D7}";

    private static string NewKakaoUserKey() => "kakao-user-" + Guid.NewGuid().ToString("N")[..20];

    private static string NewProviderId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static InboundMessage Sms(string phone, string center = North, string body = "기초생활수급 신청 방법을 알고 싶습니다.") => new()
    {
        CenterId = center,
        Channel = Channel.Sms,
        CenterAddress = center == North ? NorthSms : SouthSms,
        ResidentAddress = phone,
        ResidentPhone = phone,
        ProviderMessageId = NewProviderId("SM"),
        Kind = MessageKind.Text,
        Body = body,
    };

    private static InboundMessage Call(string phone) => new()
    {
        CenterId = North,
        Channel = Channel.Phone,
        CenterAddress = NorthLine,
        ResidentAddress = phone,
        ResidentPhone = phone,
        ProviderMessageId = NewProviderId("call"),
        Kind = MessageKind.Transcript,
        Body = "통화 녹취",
    };

    private static InboundMessage Kakao(string userKey) => new()
    {
        CenterId = North,
        Channel = Channel.Kakao,
        CenterAddress = NorthKakao,
        ResidentAddress = userKey,
        ProviderMessageId = NewProviderId("kakao"),
        Kind = MessageKind.Text,
        Body = "장애인 활동지원 신청하고 싶어요",
    };

    private sealed record JournalRow
    {
        public int Version { get; init; }
        public required string Name { get; init; }
        public required string AppliedAt { get; init; }
    }

    private sealed record ConversationRow
    {
        public Guid Id { get; init; }
        public Guid ContactId { get; init; }
        public required string Status { get; init; }
        public required string Line { get; init; }
    }

    private sealed record EventRow
    {
        public long Seq { get; init; }
        public Guid ConversationId { get; init; }
        public required string Type { get; init; }
        public required string Payload { get; init; }
        public Guid? MessageId { get; init; }
        public string? Automatic { get; init; }
    }

    private sealed record AutomaticRow
    {
        public Guid Id { get; init; }
        public Guid ConversationId { get; init; }
        public required string Channel { get; init; }
        public required string Kind { get; init; }
        public string? Body { get; init; }
        public string? CenterAddress { get; init; }
        public Guid? AuthorId { get; init; }
        public DateTimeOffset ReceivedAt { get; init; }
        public string? DeliveryStatus { get; init; }
        public string? Metadata { get; init; }
        public long PendingOutboxRows { get; init; }
        public string? Automatic { get; init; }
        public string? To { get; init; }
    }

    private sealed record OutboxRow
    {
        public Guid MessageId { get; init; }
        public required string CenterId { get; init; }
        public required string Channel { get; init; }
        public int Attempts { get; init; }
        public DateTimeOffset NextAttemptAt { get; init; }
        public DateTimeOffset? CompletedAt { get; init; }
    }

    private sealed record ResponseRow
    {
        public DateTimeOffset? WaitingSince { get; init; }
        public DateTimeOffset? FirstResponseAt { get; init; }
        public DateTimeOffset? AcknowledgedAt { get; init; }
        public DateTimeOffset? DueAt { get; init; }
        public string? DueReason { get; init; }
        public string? DueCalendarVersion { get; init; }
    }
}
