using System.Globalization;
using System.Threading.RateLimiting;
using Inbox.Accounts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Inbox.Reports;

/// <summary>Section <c>Reports</c>: how many report queries of one center run at once.</summary>
public sealed class ReportOptions
{
    /// <summary>Report queries of one center running at once; one more is answered 429 at once (not queued).</summary>
    public int MaxConcurrentPerCenter { get; set; } = 2;

    /// <summary>The Retry-After of that 429, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 10;
}

/// <summary>
/// A long report holds a database connection and a core for its whole run: a center gets at most
/// <see cref="ReportOptions.MaxConcurrentPerCenter"/> at once, so its managers cannot starve the counselors (or the other
/// centers) by opening many. The partition is the caller's center.
/// </summary>
public sealed class ReportConcurrencyPolicy(IOptions<ReportOptions> options) : IRateLimiterPolicy<string>
{
    public const string Name = "reports";

    public RateLimitPartition<string> GetPartition(HttpContext http) =>
        RateLimitPartition.GetConcurrencyLimiter(Caller.From(http.User).CenterId, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxConcurrentPerCenter,
            QueueLimit = 0,
        });

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, _) =>
    {
        var http = context.HttpContext;
        var (limit, retry) = (options.Value.MaxConcurrentPerCenter, options.Value.RetryAfterSeconds);
        http.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many reports at once.",
                Detail = $"At most {limit} reports of a center run at once. Retry after {retry} seconds.",
            },
        });
    };
}
