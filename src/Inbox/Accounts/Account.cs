using System.Security.Claims;
using Inbox.Storage;

namespace Inbox.Accounts;

public static class Roles
{
    public const string Counselor = "counselor";
    public const string Manager = "manager";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Counselor, Manager, Admin];
}

public sealed record Account
{
    public Guid Id { get; init; }
    public required string CenterId { get; init; }
    public required string Username { get; init; }
    public required string DisplayName { get; init; }
    public required string Role { get; init; }
    public required string PasswordHash { get; init; }
    public DateTimeOffset? DisabledAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Tokens carry the generation they were issued in; disabling the account starts the next one.</summary>
    public int SessionGeneration { get; init; }
}

/// <summary>The signed-in account behind a request, read from its token's claims (kept under their JWT names).</summary>
public sealed record Caller(Guid AccountId, string Username, string Role, string CenterId)
{
    public const string IdClaim = "sub";
    public const string NameClaim = "unique_name";
    public const string RoleClaim = "role";
    public const string CenterClaim = "center";
    public const string SessionGenerationClaim = "gen";

    public static Caller From(ClaimsPrincipal user) => new(
        Guid.Parse(user.FindFirstValue(IdClaim) ?? throw new InvalidOperationException("The request is not signed in.")),
        user.FindFirstValue(NameClaim) ?? "",
        user.FindFirstValue(RoleClaim) ?? "",
        user.FindFirstValue(CenterClaim) ?? "");
}

public sealed class AccountStore(Database database)
{
    // failed_logins and locked_until are left from an account-wide lock-out, which anyone could aim at anyone: unused (see SignInLimits).
    private const string Inserted = "id, center_id, username, display_name, role, password_hash, disabled_at, created_at";
    private const string Columns = Inserted + ", session_generation";

    public async Task<Account?> FindByUsernameAsync(string username, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.SingleOrDefaultAsync<Account>($"SELECT {Columns} FROM accounts WHERE username = @username", new { username = Normalize(username) }, ct);
    }

    public async Task<Account?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.SingleOrDefaultAsync<Account>($"SELECT {Columns} FROM accounts WHERE id = @id", new { id }, ct);
    }

    public async Task<IReadOnlyList<Account>> ListAsync(string centerId, CancellationToken ct)
    {
        await using var s = await database.ReadAsync(ct);
        return await s.QueryAsync<Account>($"SELECT {Columns} FROM accounts WHERE center_id = @centerId ORDER BY username", new { centerId }, ct);
    }

    /// <summary>False when the username is taken.</summary>
    public async Task<bool> InsertAsync(Account a, CancellationToken ct)
    {
        await using var s = await database.BeginAsync(ct);
        var inserted = await s.ExecuteAsync(
            s.Dialect.InsertIgnoringDuplicates("accounts", Inserted,
                "@Id, @CenterId, @Username, @DisplayName, @Role, @PasswordHash, @DisabledAt, @CreatedAt"),
            a with { Username = Normalize(a.Username) }, ct);
        await s.CommitAsync(ct);
        return inserted == 1;
    }

    public async Task<bool> SetDisabledAsync(Guid id, string centerId, DateTimeOffset? disabledAt, CancellationToken ct)
    {
        await using var s = await database.BeginAsync(ct);
        var changed = await s.ExecuteAsync(
            // A disable also starts the account's next session generation: the tokens issued before it stay ended
            // (AccountSessions), so enabling the account again does not bring a stolen token back.
            "UPDATE accounts SET disabled_at = @disabledAt, session_generation = session_generation + @next WHERE id = @id AND center_id = @centerId",
            new { id, centerId, disabledAt, next = disabledAt is null ? 0 : 1 }, ct);
        await s.CommitAsync(ct);
        return changed == 1;
    }

    public static string Normalize(string username) => username.Trim().ToLowerInvariant();
}
