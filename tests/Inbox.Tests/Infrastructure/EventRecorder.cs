using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Infrastructure;

/// <summary>
/// Records server→client calls with one argument, per method, in arrival order, and lets a test wait for a matching one
/// (already arrived or still to come) without sleeping. One recorder per connection.
/// </summary>
public sealed class EventRecorder
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly object _gate = new();
    private readonly Dictionary<string, List<JsonElement>> _received = new(StringComparer.Ordinal);
    private readonly List<Waiter> _waiters = [];

    /// <summary>
    /// Subscribes to <paramref name="method"/>, binding its argument as <typeparamref name="T"/> and keeping it as JSON
    /// (as is when <typeparamref name="T"/> is <see cref="JsonElement"/>, otherwise re-serialized with web (camelCase) names).
    /// Dispose the result to stop recording.
    /// </summary>
    public IDisposable Record<T>(HubConnection c, string method)
    {
        lock (_gate)
        {
            if (!_received.TryAdd(method, []))
                throw new InvalidOperationException($"'{method}' is already recorded by this recorder.");
        }
        return c.On<T>(method, arg => Add(method, arg is JsonElement e ? e.Clone() : JsonSerializer.SerializeToElement(arg, Web)));
    }

    /// <summary>Subscribes to <paramref name="method"/> and keeps its argument as received.</summary>
    public IDisposable Record(HubConnection c, string method) => Record<JsonElement>(c, method);

    /// <summary>What <paramref name="method"/> received so far, in order (a snapshot).</summary>
    public IReadOnlyList<JsonElement> All(string method)
    {
        lock (_gate)
            return Received(method).ToArray();
    }

    /// <summary>
    /// The first payload of <paramref name="method"/> that <paramref name="match"/> accepts, received already or within
    /// <paramref name="timeout"/>; <see cref="TimeoutException"/> (listing what did arrive) otherwise. A predicate that throws
    /// on a payload (a missing property, say) counts as no match.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string method, Func<JsonElement, bool> match, TimeSpan timeout, CancellationToken ct = default)
    {
        Waiter waiter;
        lock (_gate)
        {
            foreach (var e in Received(method))
                if (Matches(match, e))
                    return e;
            waiter = new Waiter(method, match);
            _waiters.Add(waiter);
        }
        try
        {
            return await waiter.Done.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
                var seen = Received(method);
                throw new TimeoutException(
                    $"No matching '{method}' within {timeout.TotalSeconds:0.###} s; {seen.Count} received: [{string.Join(", ", seen.Select(e => e.GetRawText()))}]");
            }
        }
        finally
        {
            lock (_gate)
                _waiters.Remove(waiter);
        }
    }

    /// <summary>Any payload of <paramref name="method"/>.</summary>
    public Task<JsonElement> WaitForAsync(string method, TimeSpan timeout, CancellationToken ct = default) =>
        WaitForAsync(method, _ => true, timeout, ct);

    private void Add(string method, JsonElement payload)
    {
        List<Waiter> done = [];
        lock (_gate)
        {
            Received(method).Add(payload);
            foreach (var w in _waiters)
                if (w.Method == method && Matches(w.Match, payload))
                    done.Add(w);
            foreach (var w in done)
                _waiters.Remove(w);
        }
        foreach (var w in done)
            w.Done.TrySetResult(payload); // continuations run asynchronously, outside the lock and off SignalR's receive loop
    }

    private List<JsonElement> Received(string method) =>
        _received.TryGetValue(method, out var list)
            ? list
            : throw new InvalidOperationException($"'{method}' is not recorded: call Record first.");

    private static bool Matches(Func<JsonElement, bool> match, JsonElement e)
    {
        try
        {
            return match(e);
        }
        catch (Exception)
        {
            return false;
        }
    }

    private sealed class Waiter(string method, Func<JsonElement, bool> match)
    {
        public string Method { get; } = method;

        public Func<JsonElement, bool> Match { get; } = match;

        public TaskCompletionSource<JsonElement> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
