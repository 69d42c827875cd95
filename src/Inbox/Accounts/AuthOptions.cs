namespace Inbox.Accounts;

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public JwtOptions Jwt { get; set; } = new();
    public LockoutOptions Lockout { get; set; } = new();
    public BootstrapOptions Bootstrap { get; set; } = new();
    public SessionOptions Sessions { get; set; } = new();

    public sealed class JwtOptions
    {
        /// <summary>HMAC key for access tokens, at least 32 characters. Every node must share it. Unset: a random key per process.</summary>
        public string? SigningKey { get; set; }
        public string Issuer { get; set; } = "inbox";
        public int AccessTokenMinutes { get; set; } = 480;
    }

    public sealed class LockoutOptions
    {
        public int MaxFailedAttempts { get; set; } = 5;
        public int Minutes { get; set; } = 15;
    }

    public sealed class SessionOptions
    {
        /// <summary>How often a signed-in session's account is looked at again (REST requests, hub invocations, and the sweep
        /// that closes hub connections): a disabled account stops within about this. Between 1 and 15.</summary>
        public int CheckSeconds { get; set; } = 10;
    }

    public sealed class BootstrapOptions
    {
        public string? Username { get; set; }
        public string? Password { get; set; }
        /// <summary>The center the first admin belongs to; the first configured center when unset.</summary>
        public string? CenterId { get; set; }
    }
}
