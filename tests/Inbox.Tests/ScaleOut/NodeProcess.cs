using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Inbox.Channels;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.ScaleOut;

/// <summary>
/// The built server (src/Inbox/bin/{configuration}/net10.0/Inbox.dll) run as a separate OS process with `dotnet`, on a
/// free loopback port, configured through environment variables only — as a deployment would run it.
/// </summary>
public sealed class NodeProcess : IInboxEndpoint, IAsyncDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private NodeProcess(string name, int port, Process process)
    {
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _process = process;
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    public static string ServerDll => Path.Combine(RepoPaths.Root, "src", "Inbox", "bin", Configuration, "net10.0", "Inbox.dll");

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Starts the process; <see cref="WaitReadyAsync"/> waits until it serves.</summary>
    /// <param name="workingDirectory">Where it starts (default: its output folder).</param>
    /// <param name="contentRoot">Passed as --contentRoot unless null (default: src/Inbox, where the appsettings files are edited).</param>
    public static NodeProcess Start(string name, IReadOnlyDictionary<string, string?> settings, string? workingDirectory = null, string? contentRoot = "")
    {
        if (!File.Exists(ServerDll))
            throw new InvalidOperationException($"The server is not built at {ServerDll}.");
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(ServerDll)!,
        };
        info.ArgumentList.Add(ServerDll);
        if (contentRoot is not null)
        {
            info.ArgumentList.Add("--contentRoot");
            info.ArgumentList.Add(contentRoot.Length > 0 ? contentRoot : Path.Combine(RepoPaths.Root, "src", "Inbox"));
        }
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["DOTNET_gcServer"] = "0"; // three processes share two cores
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in settings)
            info.Environment[key.Replace(":", "__")] = value;

        var process = new Process { StartInfo = info };
        var node = new NodeProcess(name, port, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        await Eventually.UntilAsync(async () =>
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Node {Name} exited with {_process.ExitCode}:\n{Tail()}");
            try
            {
                return (await Client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, timeout, () => $"node {Name} ready:\n{Tail()}");
    }

    /// <summary>The body of /health/ready: Healthy, Degraded or Unhealthy (null when the node does not answer).</summary>
    public async Task<string?> HealthAsync()
    {
        try
        {
            return await (await Client.GetAsync("/health/ready")).Content.ReadAsStringAsync();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public string Tail(int lines = 60) => string.Join("\n", Output.TakeLast(lines));

    /// <summary>SIGKILL: no shutdown, no goodbye to Redis, open requests cut.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }
    }

    public async Task<string> TokenAsync(string username, string password)
    {
        var response = await Client.PostAsJsonAsync("/api/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenAnswer>())!.AccessToken;
    }

    public async Task<HttpClient> ClientAsAsync(string username, string password)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(username, password));
        return client;
    }

    /// <summary>Posts a JSON body signed with Inbox HMAC, as a provider would.</summary>
    public Task<HttpResponseMessage> PostSignedAsync(string path, string json, string secret)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(InboxHmac.TimestampHeader, ts.ToString());
        request.Headers.Add(InboxHmac.SignatureHeader, InboxHmac.Sign(secret, ts, body));
        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM first (a graceful stop); SIGKILL if it lingers.
            Process.Start("kill", ["-TERM", _process.Id.ToString()])?.WaitForExit();
            if (!_process.WaitForExit(10_000))
                Kill();
        }
        _process.Dispose();
    }

    private sealed record TokenAnswer(string AccessToken, DateTimeOffset ExpiresAt);
}
