using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.ScaleOut;

/// <summary>
/// A throwaway redis-server on a free loopback port, owned by the test (no persistence). Found through
/// INBOX_TEST_REDIS_SERVER (scripts/test.sh installs Redis and sets it), else on the PATH.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Variable = "INBOX_TEST_REDIS_SERVER";

    private Process? _process;

    private RedisServer(string executable, int port)
    {
        Executable = executable;
        Port = port;
    }

    public string Executable { get; }

    public int Port { get; }

    /// <summary>What a node's ConnectionStrings:Redis says.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},connectTimeout=2000,syncTimeout=2000";

    public static string? FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(configured) ? configured : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    public static string? SkipReason => FindExecutable() is null
        ? $"redis-server is not installed here and {Variable} does not name one (scripts/test.sh installs Redis and sets it)."
        : null;

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FindExecutable() ?? throw new InvalidOperationException(SkipReason), NodeProcess.FreePort());
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts redis-server on the same port (after <see cref="Kill"/>) and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no" })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.UntilAsync(async () => await PingAsync() || (_process.HasExited ? throw new InvalidOperationException($"redis-server exited on port {Port}.") : false),
            TimeSpan.FromSeconds(15), $"redis-server answering on port {Port}");
    }

    /// <summary>SIGKILL: every client connection breaks at once, and everything Redis held is gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
