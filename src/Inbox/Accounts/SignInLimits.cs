using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Inbox.Accounts;

/// <summary>
/// The limits on sign-in (Auth:SignIn). Only failures are counted, so a whole center signing in behind one address is never
/// throttled for succeeding: per client address (one source trying many names) and per username and address (the lock-out:
/// it locks a name for the address that keeps failing, never for everyone, so nobody can lock out an account from elsewhere).
/// A spent budget refills one attempt at a time over the window. Password hashes are capped server-wide, queued beyond that.
/// </summary>
public sealed class SignInLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAddress;
    private readonly PartitionedRateLimiter<(string Username, string Address)> _perUsernameAndAddress;
    private readonly ConcurrencyLimiter _hashes;
    // Attempts checked and not ended yet per address, and the turns of each username and address (under the lock of the first).
    private readonly Dictionary<string, int> _underWay = [];
    private readonly Dictionary<(string Username, string Address), Turn> _turns = [];

    public SignInLimits(IOptions<AuthOptions> options)
    {
        var o = options.Value.SignIn;
        var window = TimeSpan.FromSeconds(Math.Max(1, o.FailureWindowSeconds));
        _perAddress = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetTokenBucketLimiter(address, _ => Bucket(o.FailuresPerAddress, window)));
        _perUsernameAndAddress = PartitionedRateLimiter.Create<(string, string), (string, string)>(key =>
            RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(o.FailuresPerUsernameAndAddress, window)));
        _hashes = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, o.MaxConcurrentHashes ?? Environment.ProcessorCount / 2),
            QueueLimit = Math.Max(0, o.HashQueueLimit),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>
    /// Starts an attempt of this username from this address, or refuses it (null, and how long to wait) when the address,
    /// or the username from it, has no failed attempt left. Guesses sent all at once cannot all pass the check before any
    /// of them is counted: the attempts under way from an address count against its budget as failures to come, and the
    /// attempts of one username from one address take turns (each checks the budget after the one before has been
    /// counted), so a username signing in several times at once waits instead of being refused. Dispose the attempt when
    /// it has ended (after <see cref="RecordFailure"/> when it failed).
    /// </summary>
    public async Task<(IDisposable? Attempt, TimeSpan Wait)> BeginAsync(string username, IPAddress? address, CancellationToken ct)
    {
        var key = Key(address);
        var nameKey = (username, key);
        Turn turn;
        lock (_underWay)
        {
            if (Refusal(_perAddress, key, _underWay.GetValueOrDefault(key)) is { } busy)
                return (null, busy);
            _underWay[key] = _underWay.GetValueOrDefault(key) + 1;
            if (!_turns.TryGetValue(nameKey, out turn!))
                _turns[nameKey] = turn = new Turn();
            turn.Holders++;
        }
        var attempt = new Attempt(this, key, nameKey, turn);
        try
        {
            await turn.Gate.WaitAsync(ct);
            attempt.HasTurn = true;
            TimeSpan? refusal;
            lock (_underWay)
                refusal = Refusal(_perUsernameAndAddress, nameKey, 0);
            if (refusal is { } wait)
            {
                attempt.Dispose();
                return (null, wait);
            }
            return (attempt, TimeSpan.Zero);
        }
        catch
        {
            attempt.Dispose();
            throw;
        }
    }

    private void End(string key, (string, string) nameKey, Turn turn, bool hadTurn)
    {
        if (hadTurn)
            turn.Gate.Release();
        lock (_underWay)
        {
            if (--_underWay[key] == 0)
                _underWay.Remove(key);
            if (--turn.Holders == 0)
                _turns.Remove(nameKey);
        }
    }

    private sealed class Turn
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public int Holders { get; set; }
    }

    private sealed class Attempt(SignInLimits limits, string key, (string, string) nameKey, Turn turn) : IDisposable
    {
        private int _ended;

        public bool HasTurn { get; set; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
                limits.End(key, nameKey, turn, HasTurn);
        }
    }

    /// <summary>Counts a failed attempt; true when it spent the last one this username had from this address (it is locked now).</summary>
    public bool RecordFailure(string username, IPAddress? address)
    {
        var key = Key(address);
        _perAddress.AttemptAcquire(key).Dispose();
        using var lease = _perUsernameAndAddress.AttemptAcquire((username, key));
        return lease.IsAcquired && _perUsernameAndAddress.GetStatistics((username, key))?.CurrentAvailablePermits == 0;
    }

    /// <summary>A slot to compute one password hash in; a lease that is not acquired means the server is busy (answer 429).</summary>
    public ValueTask<RateLimitLease> HashSlotAsync(CancellationToken ct) => _hashes.AcquireAsync(1, ct);

    public void Dispose()
    {
        _perAddress.Dispose();
        _perUsernameAndAddress.Dispose();
        _hashes.Dispose();
    }

    private static TokenBucketRateLimiterOptions Bucket(int limit, TimeSpan window)
    {
        limit = Math.Max(1, limit);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = window / limit,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>The budget an address spends (here and in the webhooks' rate limit): an IPv4 address, or an IPv6 address's
    /// /64 — one client (one home, one host) holds a whole /64, and an address of its own for every attempt would make a
    /// per-address limit no limit.</summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4().ToString();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    // Not AttemptAcquire(0): the bucket refills in fractions, and a fraction of an attempt already counts as "available" there.
    private static TimeSpan? Refusal<TKey>(PartitionedRateLimiter<TKey> limiter, TKey key, int underWay)
    {
        if (limiter.GetStatistics(key) is not { CurrentAvailablePermits: var available } || available - underWay >= 1)
            return null;
        if (available >= 1)
            return TimeSpan.FromSeconds(1); // what is left is being tried right now; it is known in a moment
        using var lease = limiter.AttemptAcquire(key); // fails, and says how long until one is back
        if (lease.IsAcquired)
            return null; // refilled in between: this attempt has used it
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1);
    }
}
