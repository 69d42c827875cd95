using System.Net;
using System.Net.Sockets;

namespace Inbox.Tests.Infrastructure;

/// <summary>A loopback TCP relay in front of a database, so a test can cut the store off and bring it back.</summary>
public sealed class TcpProxy(int targetPort) : IAsyncDisposable
{
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;

    public int Port { get; private set; }

    public void Start()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _stop = new CancellationTokenSource();
        _ = AcceptAsync(_listener, _stop.Token);
    }

    /// <summary>Refuses new connections and cuts every open one, as a crashed database server would.</summary>
    public void Stop()
    {
        _stop?.Cancel();
        _listener?.Stop();
        lock (_open)
        {
            foreach (var client in _open)
                client.Dispose();
            _open.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await listener.AcceptTcpClientAsync(ct); }
            catch (Exception) { return; }
            var outbound = new TcpClient();
            try { await outbound.ConnectAsync(IPAddress.Loopback, targetPort, ct); }
            catch (Exception) { inbound.Dispose(); outbound.Dispose(); continue; }
            lock (_open) { _open.Add(inbound); _open.Add(outbound); }
            _ = PumpAsync(inbound.GetStream(), outbound.GetStream(), inbound, outbound);
            _ = PumpAsync(outbound.GetStream(), inbound.GetStream(), inbound, outbound);
        }
    }

    private static async Task PumpAsync(Stream from, Stream to, TcpClient a, TcpClient b)
    {
        try { await from.CopyToAsync(to); }
        catch (Exception) { /* cut by Stop or by either side */ }
        a.Dispose();
        b.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }
}
