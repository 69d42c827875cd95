using System.Net;
using Inbox.Tests.Infrastructure;
using Inbox.Tests.ScaleOut;

namespace Inbox.Tests.Logs;

public sealed class SqliteProcessLogTests : ProcessLogTests<SqliteStore>;

public sealed class PostgresProcessLogTests : ProcessLogTests<PostgresStore>;

public sealed class SqlServerProcessLogTests : ProcessLogTests<SqlServerStore>;

/// <summary>
/// The built server started as a deployment might start it: from a folder that is not its own, with no --contentRoot,
/// Information logging asked for everywhere. Its output must hold no token, no full phone number and no raw line break
/// from a path, and it must have found its own appsettings files.
/// </summary>
public abstract class ProcessLogTests<TStore> : StoreSuite<TStore> where TStore : TestStore, new()
{
    private const string Marker = "FORGED-LOG-ENTRY";

    [Fact]
    public async Task Started_from_another_folder_the_log_holds_no_token_no_full_number_and_no_raw_line_break()
    {
        var elsewhere = Directory.CreateTempSubdirectory("inbox-elsewhere-").FullName;
        var settings = new Dictionary<string, string?>(TestServer.Settings(Store.Provider, await Store.CreateDatabaseAsync()))
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information", // asked for, and still capped in code
            ["Logging:Console:LogLevel:Microsoft.AspNetCore"] = "Debug",
        };
        await using var node = NodeProcess.Start("elsewhere", settings, workingDirectory: elsewhere, contentRoot: null);
        await node.WaitReadyAsync(TimeSpan.FromSeconds(60));

        var resident = Payloads.RandomMobile();
        Assert.Equal(HttpStatusCode.OK, (await node.PostSignedAsync("/webhooks/sms/gateway", Payloads.Gateway(resident.Dashed, "문의드립니다"), TestServer.GatewaySecret)).StatusCode);
        await using var counselor = await HubUser.CreateAsync(node, "counselor");
        Assert.Equal(HttpStatusCode.OK, (await counselor.Http.GetAsync($"/api/conversations?phone={resident.Compact}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await counselor.Http.GetAsync($"/api/conversations?phone={Uri.EscapeDataString(resident.E164)}")).StatusCode);
        var injected = await counselor.Http.GetAsync($"/api/conversations/x%0d%0a{Marker}%0d%0ay");
        Assert.Equal(HttpStatusCode.NotFound, injected.StatusCode);
        await counselor.Hub.StopAsync();

        // Our request line for the injected path is written (escaped) before the assertions read the output.
        await Until(() => node.Output.Any(l => l.Contains(Marker) && l.Contains("404")), node);
        var output = node.Output;
        var log = string.Join('\n', output);

        Assert.Contains(output, l => l.Contains("Content root path: " + Path.GetDirectoryName(NodeProcess.ServerDll)));
        Assert.DoesNotContain(counselor.Token, log);
        Assert.DoesNotContain("access_token", log);
        foreach (var number in new[] { resident.Compact, resident.Dashed, resident.E164, resident.Compact[3..], resident.Dashed[4..] })
            Assert.DoesNotContain(number, log);
        Assert.DoesNotContain(output, l => l.TrimStart().StartsWith(Marker, StringComparison.Ordinal) || l.Contains('\r'));
        Assert.Contains(output, l => l.Contains($"/api/conversations/x%0D%0A{Marker}%0D%0Ay"));
    }

    private static Task Until(Func<bool> condition, NodeProcess node) =>
        Eventually.UntilAsync(condition, TimeSpan.FromSeconds(15), () => "the request line logged:\n" + node.Tail());
}
