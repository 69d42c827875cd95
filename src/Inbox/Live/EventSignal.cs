namespace Inbox.Live;

/// <summary>
/// A doorbell rung after a commit. It carries nothing: whoever listens reads what changed from the store,
/// so a missed ring only delays work (the listener also looks every second), never loses it.
/// </summary>
public abstract class Doorbell
{
    private readonly SemaphoreSlim _ring = new(0, 1);

    public void Ring()
    {
        try { _ring.Release(); }
        catch (SemaphoreFullException) { /* already ringing */ }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct) => await _ring.WaitAsync(timeout, ct);
}

/// <summary>Rung when events were committed: the dispatcher pushes them.</summary>
public sealed class EventSignal : Doorbell;

/// <summary>Rung when outbound messages were queued: the outbox worker sends them.</summary>
public sealed class OutboxSignal : Doorbell;
