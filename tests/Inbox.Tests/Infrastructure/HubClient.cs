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
/// A .NET SignalR client for tests. The feed here has only <c>SignalR.Client.Core</c> (no HTTP connections client), so the
/// transport is ours: a plain <see cref="ClientWebSocket"/> straight to the hub (no negotiation), bearer token in the
/// <c>access_token</c> query parameter. The SignalR protocol, handshake, invocations and pings stay the library's.
/// </summary>
public static class HubClient
{
    /// <summary>
    /// Builds and starts a connection to <paramref name="path"/> on <paramref name="serverBase"/> (http→ws, https→wss), no automatic reconnect.
    /// A refused upgrade (401, 403, 404 …) throws <see cref="HttpRequestException"/> with the status code in its message and
    /// <see cref="HttpRequestException.StatusCode"/>; the caller owns (and disposes) the returned connection.
    /// </summary>
    public static async Task<HubConnection> ConnectAsync(Uri serverBase, string? accessToken, string path = "/hubs/inbox", CancellationToken ct = default)
    {
        var connection = Build(HubUri(serverBase, path, accessToken));
        try
        {
            await connection.StartAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The connection, built but not started (to subscribe before the first server push, or to tune timeouts).</summary>
    public static HubConnection Build(Uri hubUri)
    {
        var builder = new HubConnectionBuilder();
        builder.Services.AddSingleton<IConnectionFactory>(new WebSocketConnectionFactory());
        builder.Services.AddSingleton<EndPoint>(new UriEndPoint(hubUri));
        builder.AddJsonProtocol();
        return builder.Build();
    }

    /// <summary>ws(s)://host[/base]/path?access_token=…</summary>
    public static Uri HubUri(Uri serverBase, string path, string? accessToken)
    {
        var uri = new UriBuilder(serverBase)
        {
            Scheme = serverBase.Scheme == Uri.UriSchemeHttps || serverBase.Scheme == "wss" ? "wss" : "ws",
            Path = serverBase.AbsolutePath.TrimEnd('/') + "/" + path.TrimStart('/'),
            Query = accessToken is null ? "" : "access_token=" + Uri.EscapeDataString(accessToken),
        };
        return uri.Uri;
    }

    /// <summary>The URI without its token, for messages.</summary>
    internal static string Redact(Uri uri) => uri.GetLeftPart(UriPartial.Path);
}

/// <summary>Opens a WebSocket per connection and hands SignalR its two pipes.</summary>
internal sealed class WebSocketConnectionFactory : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var uri = endpoint is UriEndPoint u ? u.Uri : throw new NotSupportedException($"Only {nameof(UriEndPoint)} is supported, not {endpoint.GetType().Name}.");
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode != 0)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HttpRequestException(
                $"The WebSocket upgrade to {HubClient.Redact(uri)} was refused: the server answered {(int)status} ({status}) instead of 101.", ex, status);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new WebSocketConnection(socket);
    }
}

/// <summary>
/// One WebSocket as a <see cref="ConnectionContext"/>: a receive loop writes what the server sends into <c>fromServer</c>
/// (SignalR reads it as <c>Transport.Input</c>), a send loop sends what SignalR writes into <c>toServer</c> as text messages.
/// The end of the socket (close frame or broken connection) completes the input, which SignalR reports as <c>Closed</c>.
/// </summary>
internal sealed class WebSocketConnection : ConnectionContext
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ClientWebSocket _socket;
    private readonly Pipe _fromServer = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _toServer = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Task _receiving;
    private readonly Task _sending;
    private int _disposed;

    public WebSocketConnection(ClientWebSocket socket)
    {
        _socket = socket;
        Transport = new DuplexPipe(_fromServer.Reader, _toServer.Writer);
        _receiving = Task.Run(ReceiveAsync);
        _sending = Task.Run(SendAsync);
    }

    public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override void Abort(ConnectionAbortedException abortReason) => _socket.Abort();

    private async Task ReceiveAsync()
    {
        var writer = _fromServer.Writer;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(writer.GetMemory(4096), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = _socket.CloseStatus;
                    if (status is null or WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.EndpointUnavailable)
                        await writer.CompleteAsync();
                    else
                        await writer.CompleteAsync(new WebSocketException($"The server closed the WebSocket: {status} {_socket.CloseStatusDescription}"));
                    return;
                }
                writer.Advance(result.Count);
                if ((await writer.FlushAsync()).IsCompleted)
                    break;
            }
            await writer.CompleteAsync();
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex);
        }
    }

    private async Task SendAsync()
    {
        var reader = _toServer.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                try
                {
                    if (!buffer.IsEmpty)
                    {
                        // Messages end with the record separator, so frames need not line up with messages.
                        var bytes = buffer.IsSingleSegment ? buffer.First : buffer.ToArray();
                        await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    }
                    if (result.IsCompleted || result.IsCanceled)
                        break;
                }
                finally
                {
                    reader.AdvanceTo(buffer.End);
                }
            }
            await reader.CompleteAsync();
        }
        catch (Exception ex)
        {
            await reader.CompleteAsync(ex);
            _socket.Abort(); // a socket we cannot write to is dead: end the receive loop too, so SignalR sees Closed
            return;
        }

        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception)
            {
                _socket.Abort();
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _toServer.Writer.CompleteAsync(); // the send loop sends a close frame and ends
        await _sending;
        try
        {
            await _receiving.WaitAsync(CloseTimeout); // the server answers the close frame
        }
        catch (TimeoutException)
        {
            _socket.Abort();
            await _receiving;
        }
        _socket.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}

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
