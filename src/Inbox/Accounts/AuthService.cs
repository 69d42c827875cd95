using Inbox.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Inbox.Accounts;

public sealed class AuthService(AccountStore accounts, TokenService tokens, IPasswordHasher<Account> hasher, AuditLog audit, IOptions<AuthOptions> options, TimeProvider clock, ILogger<AuthService> logger)
{
    // Verifying against this when the user does not exist makes unknown and known usernames take the same time.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<Account>().HashPassword(null!, Guid.NewGuid().ToString()));

    /// <summary>A token for the right password of an active, unlocked account; null otherwise, for whatever reason (the caller is not told which).</summary>
    public async Task<(string Token, DateTimeOffset ExpiresAt)?> SignInAsync(string username, string password, string? sourceIp, CancellationToken ct)
    {
        var account = await accounts.FindByUsernameAsync(username, ct);
        if (account is null)
        {
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password);
            return null;
        }

        var now = clock.GetUtcNow();
        var verdict = hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (account.DisabledAt is not null || account.LockedUntil > now)
            return null;
        if (verdict == PasswordVerificationResult.Failed)
        {
            var lockout = options.Value.Lockout;
            if (await accounts.RecordFailedLoginAsync(account.Id, lockout.MaxFailedAttempts, now, now.AddMinutes(lockout.Minutes), ct))
            {
                logger.LogWarning("Account {AccountId} locked for {Minutes} minutes after {Attempts} failed sign-ins", account.Id, lockout.Minutes, lockout.MaxFailedAttempts);
                await audit.WriteAsync([new AuditEntry(account.CenterId, account.Id, account.Username, sourceIp, AuditActions.AccountLocked)], ct);
            }
            return null;
        }

        await accounts.RecordSuccessfulLoginAsync(account.Id, ct);
        return tokens.Issue(account);
    }
}
