using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Client;

/// <summary>
/// Connections to the hub with the SignalR .NET client: WebSockets only and no negotiation (so several nodes need no
/// sticky sessions), the bearer token in the upgrade's Authorization header, JSON protocol, no automatic reconnect.
/// </summary>
public static class HubClient
{
    /// <summary>
    /// Builds and starts a connection to <paramref name="path"/> on <paramref name="serverBase"/>.
    /// A refused upgrade (401, 403, 404 …) throws <see cref="HttpRequestException"/> with the status code in its message and
    /// <see cref="HttpRequestException.StatusCode"/>; the caller owns (and disposes) the returned connection.
    /// </summary>
    public static async Task<HubConnection> ConnectAsync(Uri serverBase, string? accessToken, string path = "/hubs/inbox", CancellationToken ct = default)
    {
        var connection = Build(serverBase, accessToken, path);
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
    public static HubConnection Build(Uri serverBase, string? accessToken, string path = "/hubs/inbox")
    {
        var hubUri = new Uri(serverBase, serverBase.AbsolutePath.TrimEnd('/') + "/" + path.TrimStart('/'));
        return new HubConnectionBuilder()
            .WithUrl(hubUri, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                if (accessToken is not null)
                    o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
                o.WebSocketFactory = ConnectWebSocketAsync;
            })
            .Build();
    }

    // The library's own factory reports a refused upgrade as a bare WebSocketException; this one names the status code
    // (without the token-bearing query string), so "401" reads as "sign in again" rather than as a network fault.
    private static async ValueTask<WebSocket> ConnectWebSocketAsync(WebSocketConnectionContext context, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // A .NET client can set headers on the upgrade (a browser cannot), so the token stays out of the URL.
        if (context.Options.AccessTokenProvider is { } tokenProvider && await tokenProvider() is { Length: > 0 } token)
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        try
        {
            await socket.ConnectAsync(context.Uri, ct);
            return socket;
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode != 0)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HttpRequestException(
                $"The WebSocket upgrade to {context.Uri.GetLeftPart(UriPartial.Path)} was refused: the server answered {(int)status} ({status}) instead of 101.", ex, status);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
