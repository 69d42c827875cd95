using Inbox.Accounts;
using Microsoft.AspNetCore.SignalR;

namespace Inbox.Live;

/// <summary>
/// Every hub invocation passes here: a session that has ended (token expired, account disabled or changed) is refused
/// (its connection is closed by SignalR at the token's expiry, or by <see cref="HubSessionSweeper"/>); a refused action is logged as one line, a fault with its stack trace. This filter is the
/// hub's one invocation log (the framework's own error line for every HubException, in a method or in connecting,
/// is turned off in InboxApp).
/// </summary>
public sealed partial class HubSessionFilter(AccountSessions sessions, ILogger<HubSessionFilter> logger) : IHubFilter
{
    public const string SessionEnded = "로그인이 끝났습니다. 다시 로그인해 주세요.";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocation.Context;
        var caller = Caller.From(context.User!);
        var method = invocation.HubMethodName;
        var reason = sessions.HasExpired(context.User!) ? "token expired"
            : !await sessions.IsActiveAsync(context.User!, context.ConnectionAborted) ? "account disabled or changed"
            : null;
        if (reason is not null)
        {
            LogSessionEnded(logger, method, caller.AccountId, reason);
            throw new HubException(SessionEnded);
        }
        try
        {
            return await next(invocation);
        }
        catch (HubException)
        {
            LogRefused(logger, method, caller.AccountId); // the message is for the counselor, not the log
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, method, caller.AccountId, e);
            throw;
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context);
        }
        catch (HubException)
        {
            // The hub logged why (e.g. too many connections); the client is closed with the message.
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, "OnConnectedAsync", Caller.From(context.Context.User!).AccountId, e);
            throw;
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, "OnDisconnectedAsync", Caller.From(context.Context.User!).AccountId, e);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Information, "Hub {Method} refused for account {AccountId}: session ended ({Reason})")]
    private static partial void LogSessionEnded(ILogger logger, string method, Guid accountId, string reason);

    [LoggerMessage(LogLevel.Information, "Hub {Method} refused for account {AccountId}")]
    private static partial void LogRefused(ILogger logger, string method, Guid accountId);

    [LoggerMessage(LogLevel.Error, "Hub {Method} failed for account {AccountId}")]
    private static partial void LogFailed(ILogger logger, string method, Guid accountId, Exception exception);
}

/// <summary>Closes this node's hub connections whose session has ended, every <c>Auth:Sessions:CheckSeconds</c>, reading
/// the accounts from the store. (SignalR itself closes a connection at its token's expiry; the sweep catches any it
/// has not closed yet by the application's clock.)</summary>
public sealed partial class HubSessionSweeper(ConnectionCounter connections, AccountSessions sessions, ILogger<HubSessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(sessions.CheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e.GetType().Name); // the store may be away: the next tick tries again
            }
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        var open = connections.Connections();
        if (open.Count == 0)
            return;
        var ended = await sessions.EndedAsync([.. open.Select(c => c.User!)], ct);
        foreach (var connection in open)
        {
            var accountId = Caller.From(connection.User!).AccountId;
            var reason = ended.Contains(connection.User!) ? "account disabled or changed" : sessions.HasExpired(connection.User!) ? "token expired" : null;
            if (reason is null)
                continue;
            LogClosed(logger, accountId, reason);
            connection.Abort();
        }
    }

    [LoggerMessage(LogLevel.Information, "Closed a hub connection of account {AccountId}: session ended ({Reason})")]
    private static partial void LogClosed(ILogger logger, Guid accountId, string reason);

    [LoggerMessage(LogLevel.Warning, "Could not check the hub sessions ({Error}); trying again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
