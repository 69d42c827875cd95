using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Inbox.Accounts;

/// <summary>Issues the JWT access tokens (HS256) that the API and the hub accept, and owns the rules that validate them
/// (the JwtBearer handler is configured with <see cref="ValidationParameters"/>).</summary>
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
            Log.RandomSigningKey(logger);
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
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Issuer,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = ClockSkew,
            NameClaimType = Caller.NameClaim,
            RoleClaimType = Caller.RoleClaim,
            // The application's clock, not the library's: the same clock that issued the token judges it.
            LifetimeValidator = (notBefore, expires, _, p) => expires is { } e && e > Now - p.ClockSkew && (notBefore is null || notBefore <= Now + p.ClockSkew),
        };
    }

    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public TokenValidationParameters ValidationParameters { get; }

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

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
                [Caller.IdClaim] = account.Id.ToString(),
                [Caller.NameClaim] = account.Username,
                [Caller.RoleClaim] = account.Role,
                [Caller.CenterClaim] = account.CenterId,
                [Caller.SessionGenerationClaim] = account.SessionGeneration,
            },
        });
        return (token, expires);
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Auth:Jwt:SigningKey is not set: using a random key, so tokens end with this process and are not accepted by other nodes.")]
    public static partial void RandomSigningKey(ILogger logger);
}
