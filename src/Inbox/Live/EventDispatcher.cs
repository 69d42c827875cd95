using Inbox.Audit;
using Inbox.Conversations;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Live;

/// <summary>
/// Pushes committed events to the hub's clients in sequence order. Woken by <see cref="EventSignal"/> after each
/// commit, and every second regardless, it reads the store after the last sequence it pushed: the database is the
/// source of truth, the signal only a doorbell. With several nodes, each node's dispatcher pushes to its own clients;
/// after this node's commits it rings the other nodes' doorbells through the cluster bus (the sequence number only).
/// </summary>
public sealed class EventDispatcher(
    EventFeed feed, EventSignal signal, IClusterBus bus, IHubContext<InboxHub, IInboxClient> hub, AutoAssigner assigner,
    ConnectionCounter connections, PushAudit pushAudit, Observability.InboxMetrics metrics, ILogger<EventDispatcher> logger)
    : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long last = -1;
        var announce = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Taken before reading: a commit that rings while we read is announced on the next pass (so is one whose
                // pass failed).
                announce |= signal.TakeLocalRing();
                if (last < 0)
                    last = await feed.LastSequenceAsync(stoppingToken); // clients catch up on history themselves
                int read;
                do
                {
                    var events = await feed.ReadAsync(null, last, Batch, stoppingToken);
                    read = events.Count;
                    foreach (var item in await feed.BuildAsync(events, stoppingToken))
                        await PushAsync(item, stoppingToken);
                    if (read > 0)
                    {
                        last = events[^1].Seq;
                        foreach (var centerId in events.Where(AutoAssigner.MayFreeWork).Select(e => e.CenterId).Distinct())
                            assigner.Schedule(centerId);
                    }
                }
                while (read == Batch);
                if (announce)
                    bus.AnnounceEvents(last);
                announce = false;
                await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A database error's message names the statement's problem, never row values (Npgsql leaves out the detail).
                Log.PushFailed(logger, e.GetType().Name, e is System.Data.Common.DbException ? e.Message : "", last);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task PushAsync(FeedItem item, CancellationToken ct)
    {
        var groups = HubGroups.Of(item.Source.Audience);
        // Whom this shows a resident's data is known here, from who joined those groups on this node: recorded (queued) first.
        await pushAudit.RecordAsync(item, connections.InGroups(groups), ct);
        var clients = hub.Clients.Groups(groups);
        await (item.Event.Payload switch
        {
            ConversationChangedPayload p => clients.ConversationChanged(p),
            MessageAddedPayload p => clients.MessageAdded(p),
            MessageUpdatedPayload p => clients.MessageUpdated(p),
            PresenceChangedPayload p => clients.PresenceChanged(p),
            SlaBreachedPayload p => clients.SlaBreached(p),
            CrisisPayload p => clients.CrisisFlagged(p),
            CallbackPayload p => item.Event.Method == nameof(IInboxClient.CallbackRequested) ? clients.CallbackRequested(p) : clients.CallbackChanged(p),
            _ => Task.CompletedTask,
        });
        metrics.Pushed(item.Source);
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Pushing events failed ({Error}: {Message}); retrying after sequence {Seq}")]
    public static partial void PushFailed(ILogger logger, string error, string message, long seq);
}
