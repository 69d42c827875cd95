using System.Diagnostics;
using System.Text;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Readme;

/// <summary>
/// README's "Watch it work", run as written by scripts/walkthrough.sh (the server, the console client, the replay script
/// and curl as processes, on a fresh SQLite file, then again on the used one): a step that no longer prints what the README
/// says fails here, naming the step.
/// </summary>
public sealed class WalkthroughTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Every_step_of_the_readme_walkthrough_prints_what_the_readme_says_on_an_empty_and_on_a_used_database()
    {
        if (new[] { "bash", "curl", "python3" }.FirstOrDefault(tool => !OnPath(tool)) is { } missing)
            Assert.Skip($"scripts/walkthrough.sh needs {missing}, which is not on the PATH here.");

        // The server and client this test project was built with: the same configuration folder (bin/Debug, bin/Release).
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)));
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["WALKTHROUGH_CONFIGURATION"] = configuration },
        };
        foreach (var arg in new[] { "scripts/walkthrough.sh", "--no-build" })
            info.ArgumentList.Add(arg);
        var log = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/walkthrough.sh did not finish within {Limit.TotalMinutes} minutes:\n{log}");
        }
        process.WaitForExit(); // the last output lines
        output.WriteLine(log.ToString());
        Assert.True(process.ExitCode == 0, $"scripts/walkthrough.sh exited with {process.ExitCode}:\n{log}");
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, tool)));
}
