namespace Inbox.Accounts;

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    public JwtOptions Jwt { get; set; } = new();
    public SignInOptions SignIn { get; set; } = new();
    public SessionOptions Sessions { get; set; } = new();

    public sealed class JwtOptions
    {
        /// <summary>HMAC key for access tokens, at least 32 characters. Every node must share it. Unset: a random key per process.</summary>
        public string? SigningKey { get; set; }
        public string Issuer { get; set; } = "inbox";
        public int AccessTokenMinutes { get; set; } = 480;
    }

    public sealed class SessionOptions
    {
        /// <summary>How often a signed-in session's account is looked at again (REST requests, hub invocations, and the sweep
        /// that closes hub connections): a disabled account stops within about this. Between 1 and 15.</summary>
        public int CheckSeconds { get; set; } = 10;
    }

    /// <summary>Auth:SignIn — the limits on <c>POST /api/auth/token</c>. Counted per node, in memory.</summary>
    public sealed class SignInOptions
    {
        /// <summary>Failed sign-ins one client address may make (any usernames) before it is refused with 429; refilled over <see cref="FailureWindowSeconds"/>.</summary>
        public int FailuresPerAddress { get; set; } = 30;

        /// <summary>Failed sign-ins for one username from one address before that pair is locked (429); refilled over <see cref="FailureWindowSeconds"/>.</summary>
        public int FailuresPerUsernameAndAddress { get; set; } = 5;

        /// <summary>The time in which a spent failure budget refills completely, one attempt at a time.</summary>
        public int FailureWindowSeconds { get; set; } = 900;

        /// <summary>Password hashes computed at once, server-wide; unset: half the processors (at least one), so sign-ins never take all of them.</summary>
        public int? MaxConcurrentHashes { get; set; }

        /// <summary>Sign-ins that wait for a hash slot; beyond that: 429 with Retry-After.</summary>
        public int HashQueueLimit { get; set; } = 100;
    }
}
