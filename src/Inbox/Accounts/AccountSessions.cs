using System.Security.Claims;
using Inbox.Storage;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Inbox.Accounts;

/// <summary>
/// The one answer to "may this signed-in session still act?": its account exists, is not disabled, still has the role
/// and center its token names, and has not been disabled since the token was issued (its session generation). Asked by every REST request, every hub invocation and the sweep that closes hub
/// connections, and cached for <c>Auth:Sessions:CheckSeconds</c>, so a disabled account stops within about that.
/// </summary>
public sealed class AccountSessions(Database database, IMemoryCache cache, IOptions<AuthOptions> options, TimeProvider clock)
{
    private sealed class State
    {
        public Guid Id { get; init; }
        public string Role { get; init; } = "";
        public string CenterId { get; init; } = "";
        public DateTimeOffset? DisabledAt { get; init; }
        public int SessionGeneration { get; init; }
    }

    private const string Select = "SELECT id, role, center_id, disabled_at, session_generation FROM accounts";

    public TimeSpan CheckInterval => TimeSpan.FromSeconds(Math.Clamp(options.Value.Sessions.CheckSeconds, 1, 15));

    public async Task<bool> IsActiveAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (!cache.TryGetValue(Key(caller.AccountId), out State? state))
        {
            await using var s = await database.ReadAsync(ct);
            state = await s.SingleOrDefaultAsync<State>($"{Select} WHERE id = @id", new { id = caller.AccountId }, ct);
            Remember(caller.AccountId, state);
        }
        return Allows(state, user);
    }

    /// <summary>Whether the token behind <paramref name="user"/> has expired, by the application's clock and with the same
    /// allowance for clock skew between nodes as REST requests (<see cref="TokenService.ClockSkew"/>).</summary>
    public bool HasExpired(ClaimsPrincipal user) =>
        !long.TryParse(user.FindFirst("exp")?.Value, out var exp) || DateTimeOffset.FromUnixTimeSeconds(exp) + TokenService.ClockSkew <= clock.GetUtcNow();

    /// <summary>Reads the accounts again from the store (not the cache) and returns those whose sessions have ended.</summary>
    public async Task<IReadOnlySet<ClaimsPrincipal>> EndedAsync(IReadOnlyCollection<ClaimsPrincipal> users, CancellationToken ct)
    {
        var ended = new HashSet<ClaimsPrincipal>();
        await using var s = await database.ReadAsync(ct);
        foreach (var batch in users.GroupBy(u => Caller.From(u).AccountId).Chunk(500)) // SQL Server takes at most 2,100 parameters
        {
            var states = (await s.QueryAsync<State>($"{Select} WHERE {s.Dialect.InList("id", "@ids")}", new { ids = batch.Select(g => g.Key).ToArray() }, ct))
                .ToDictionary(a => a.Id);
            foreach (var account in batch)
            {
                var state = states.GetValueOrDefault(account.Key);
                Remember(account.Key, state);
                ended.UnionWith(account.Where(u => !Allows(state, u)));
            }
        }
        return ended;
    }

    /// <summary>Refuses a bearer token whose account may no longer act (the JwtBearer handler's TokenValidated event).</summary>
    public async Task OnTokenValidatedAsync(TokenValidatedContext context)
    {
        if (!await IsActiveAsync(context.Principal!, context.HttpContext.RequestAborted))
        {
            context.Fail("The account is disabled.");
            return;
        }
        // SignalR closes a connection when its ticket expires by the system clock, while the token's lifetime is judged by
        // the application's clock (a test's may stand elsewhere): the ticket expires when the token's remaining lifetime,
        // skew allowance included, is up.
        context.Properties.ExpiresUtc = DateTimeOffset.UtcNow + (context.SecurityToken.ValidTo - clock.GetUtcNow().UtcDateTime) + TokenService.ClockSkew;
    }

    private static bool Allows(State? state, ClaimsPrincipal user)
    {
        var caller = Caller.From(user);
        return state is { DisabledAt: null } && state.Role == caller.Role && state.CenterId == caller.CenterId
            && int.TryParse(user.FindFirst(Caller.SessionGenerationClaim)?.Value, out var generation) && generation == state.SessionGeneration;
    }

    private void Remember(Guid accountId, State? state) => cache.Set(Key(accountId), state, CheckInterval);

    private static string Key(Guid accountId) => $"account-session:{accountId}";
}
