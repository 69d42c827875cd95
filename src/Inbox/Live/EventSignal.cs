namespace Inbox.Live;

/// <summary>
/// A doorbell rung after a commit. It carries nothing: whoever listens reads what changed from the store,
/// so a missed ring only delays work (the listener also looks every second), never loses it.
/// </summary>
public abstract class Doorbell
{
    private readonly SemaphoreSlim _ring = new(0, 1);

    public virtual void Ring()
    {
        try { _ring.Release(); }
        catch (SemaphoreFullException) { /* already ringing */ }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct) => await _ring.WaitAsync(timeout, ct);
}

/// <summary>
/// Rung when events were committed: the dispatcher pushes them. A ring from this node's own commit is remembered, so
/// the dispatcher tells the other nodes (<see cref="IClusterBus.AnnounceEvents"/>); a ring from another node is not
/// passed on again.
/// </summary>
public sealed class EventSignal : Doorbell
{
    private int _local;

    /// <summary>Events were committed on this node.</summary>
    public override void Ring()
    {
        Volatile.Write(ref _local, 1);
        base.Ring();
    }

    /// <summary>Another node committed events: read them from the store, but do not announce them again.</summary>
    public void RingFromPeer() => base.Ring();

    /// <summary>Whether this node committed events since the last call.</summary>
    public bool TakeLocalRing() => Interlocked.Exchange(ref _local, 0) == 1;
}

/// <summary>Rung when outbound messages were queued: the outbox worker sends them.</summary>
public sealed class OutboxSignal : Doorbell;
