using System.Net;
using Inbox.Audit;
using Microsoft.AspNetCore.Identity;

namespace Inbox.Accounts;

/// <summary>How a sign-in ended: a token, a refusal (wrong, unknown, disabled: the caller is not told which), or "wait" (a limit).</summary>
public sealed record SignInResult((string Token, DateTimeOffset ExpiresAt)? Issued, TimeSpan? RetryAfter, bool Busy = false);

public sealed class AuthService(AccountStore accounts, TokenService tokens, IPasswordHasher<Account> hasher, SignInLimits limits, AuditLog audit, ILogger<AuthService> logger)
{
    // Verifying against this when the user does not exist makes unknown and known usernames take the same time.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<Account>().HashPassword(null!, Guid.NewGuid().ToString()));

    /// <summary>A token for the right password of an active account, unless a sign-in limit holds first (then nothing is hashed).</summary>
    public async Task<SignInResult> SignInAsync(string username, string password, IPAddress? sourceIp, CancellationToken ct)
    {
        username = AccountStore.Normalize(username);
        var (attempt, wait) = await limits.BeginAsync(username, sourceIp, ct);
        if (attempt is null)
            return new SignInResult(null, wait);
        using var _ = attempt;

        var account = await accounts.FindByUsernameAsync(username, ct);
        PasswordVerificationResult verdict;
        using (var slot = await limits.HashSlotAsync(ct))
        {
            if (!slot.IsAcquired)
                return new SignInResult(null, TimeSpan.FromSeconds(1), Busy: true);
            if (account is null)
            {
                hasher.VerifyHashedPassword(null!, DummyHash.Value, password);
                verdict = PasswordVerificationResult.Failed;
            }
            else
                verdict = hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        }

        if (verdict == PasswordVerificationResult.Failed)
        {
            if (limits.RecordFailure(username, sourceIp) && account is not null)
            {
                Log.SignInLocked(logger, account.Id);
                await audit.WriteAsync([new AuditEntry(account.CenterId, account.Id, account.Username, sourceIp?.ToString(), AuditActions.AccountLocked,
                    Detail: $"failed sign-ins from {sourceIp}; other addresses are not locked")], ct);
            }
            return new SignInResult(null, null);
        }
        if (account!.DisabledAt is not null)
            return new SignInResult(null, null);
        return new SignInResult(tokens.Issue(account), null);
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Account {AccountId} locked for one client address after repeated failed sign-ins")]
    public static partial void SignInLocked(ILogger logger, Guid accountId);
}
