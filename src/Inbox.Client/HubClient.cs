using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Client;

/// <summary>
/// A .NET SignalR client for the hub. The feed here has only <c>SignalR.Client.Core</c> (no HTTP connections client), so the
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
