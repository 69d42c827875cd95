using System.Diagnostics;

namespace Inbox.Tests.Infrastructure;

/// <summary>
/// The one way a test waits for what the server does in the background: look again, every few milliseconds, until the
/// condition holds, or throw a <see cref="TimeoutException"/> that says what did not happen. A timeout here only bounds a
/// failing test; a passing one never waits it out.
/// </summary>
public static class Eventually
{
    /// <summary>Long enough for a loaded two-core machine, short enough that a failure is reported the same minute.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <param name="what">What should have happened, read only when it did not (so it may describe the state then).</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > timeout)
                throw new TimeoutException($"Not within {timeout.TotalSeconds:0.#} s: {what()}");
            await Task.Delay(Interval);
        }
    }

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) => UntilAsync(condition, timeout, () => what);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what) => UntilAsync(() => Task.FromResult(condition()), timeout, what);

    public static Task UntilAsync(Func<Task<bool>> condition, string what) => UntilAsync(condition, Timeout, what);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) => UntilAsync(() => Task.FromResult(condition()), timeout, what);

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(condition, Timeout, what);

    /// <summary>Reads until the value is there (not null), and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> read, string what) where T : struct
    {
        T? value = null;
        await UntilAsync(async () => (value = await read()) is not null, Timeout, what);
        return value!.Value;
    }

    /// <summary>Calls until it throws, and returns what it threw (a refusal that takes effect within some seconds).</summary>
    public static async Task<Exception> ThrowsAsync(Func<Task> call, string what)
    {
        Exception? thrown = null;
        await UntilAsync(async () =>
        {
            try
            {
                await call();
                return false;
            }
            catch (Exception e)
            {
                thrown = e;
                return true;
            }
        }, Timeout, what);
        return thrown!;
    }
}
