using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Inbox.Accounts;

/// <summary>
/// Accepts our own JWT access tokens from the Authorization header, or from the <c>access_token</c> query parameter
/// on the hub (browsers cannot set headers on WebSockets). A token of a disabled account stops working within seconds.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenService tokens,
    AccountStore accounts,
    IMemoryCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    private static readonly TimeSpan StatusCacheTime = TimeSpan.FromSeconds(15);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            token = header["Bearer ".Length..].Trim();
        else if (Request.Path.StartsWithSegments("/hubs"))
            token = Request.Query["access_token"];
        if (string.IsNullOrEmpty(token))
            return AuthenticateResult.NoResult();

        var (principal, failure) = await tokens.ValidateAsync(token);
        if (principal is null)
            return AuthenticateResult.Fail(failure!);

        var caller = Caller.From(principal);
        var active = await cache.GetOrCreateAsync($"account-active:{caller.AccountId}", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = StatusCacheTime;
            var account = await accounts.FindAsync(caller.AccountId, Context.RequestAborted);
            return account is { DisabledAt: null };
        });
        return active
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName))
            : AuthenticateResult.Fail("The account is disabled.");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
