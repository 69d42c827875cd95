using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Inbox.Accounts;

/// <summary>Issues and validates the JWT access tokens (HS256) that the API and the hub accept.</summary>
public sealed class TokenService
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SymmetricSecurityKey _key;
    private readonly AuthOptions.JwtOptions _options;
    private readonly TimeProvider _clock;

    public TokenService(IOptions<AuthOptions> options, TimeProvider clock, ILogger<TokenService> logger)
    {
        _options = options.Value.Jwt;
        _clock = clock;
        var configured = _options.SigningKey;
        if (string.IsNullOrEmpty(configured))
        {
            logger.LogWarning("Auth:Jwt:SigningKey is not set: using a random key, so tokens end with this process and are not accepted by other nodes.");
            _key = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        }
        else if (configured.Length < 32)
        {
            throw new InvalidOperationException("Auth:Jwt:SigningKey must be at least 32 characters.");
        }
        else
        {
            _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(configured));
        }
    }

    public (string Token, DateTimeOffset ExpiresAt) Issue(Account account)
    {
        var now = _clock.GetUtcNow();
        var expires = now.AddMinutes(_options.AccessTokenMinutes);
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Issuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = account.Id.ToString(),
                [JwtRegisteredClaimNames.UniqueName] = account.Username,
                ["role"] = account.Role,
                [Caller.CenterClaim] = account.CenterId,
            },
        });
        return (token, expires);
    }

    /// <summary>The principal of a valid token, or null with the reason.</summary>
    public async Task<(ClaimsPrincipal? Principal, string? Failure)> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Issuer,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, p) =>
                expires is { } e && e > _clock.GetUtcNow().UtcDateTime - p.ClockSkew && (notBefore is null || notBefore <= _clock.GetUtcNow().UtcDateTime + p.ClockSkew),
        });
        if (!result.IsValid)
            return (null, result.Exception is SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException ? "The access token has expired." : "The access token is invalid.");
        var claims = result.ClaimsIdentity.Claims;
        string Get(string type) => claims.FirstOrDefault(c => c.Type == type)?.Value ?? "";
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, Get(JwtRegisteredClaimNames.Sub)),
                new Claim(ClaimTypes.Name, Get(JwtRegisteredClaimNames.UniqueName)),
                new Claim(ClaimTypes.Role, Get("role")),
                new Claim(Caller.CenterClaim, Get(Caller.CenterClaim)),
            ],
            BearerAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return (new ClaimsPrincipal(identity), null);
    }
}
