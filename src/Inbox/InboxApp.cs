using System.Diagnostics;
using System.Threading.RateLimiting;
using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Calendar;
using Inbox.Callbacks;
using Inbox.Centers;
using Inbox.Channels;
using Inbox.Conversations;
using Inbox.Ingest;
using Inbox.Live;
using Inbox.Observability;
using Inbox.Outbound;
using Inbox.Outbound.Senders;
using Inbox.Reports;
using Inbox.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Inbox;

/// <summary>The composition root: Program runs it, and the tests build the same application on real sockets.</summary>
public static partial class InboxApp
{
    public const string WebhookRateLimit = "webhooks";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = DefaultContentRoot(args) });
        AddEdgeSafety(builder);
        configure?.Invoke(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.TryAddSingleton(TimeProvider.System); // tests put a settable clock in first
        services.AddSingleton(new CenterDirectory(configuration.GetSection("Centers").Get<List<CenterOptions>>() ?? []));
        services.AddInboxStorage(configuration, builder.Environment.ContentRootPath);
        services.AddSingleton<ConversationStore>();
        services.AddSingleton<ConversationQueries>();
        services.AddSingleton<AutomaticMessages>();
        services.AddSingleton<ResponseRules>();
        services.AddSingleton<CallbackRules>();
        services.AddSingleton<IngestService>();
        services.AddSingleton<AuditLog>();
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection("Audit"))
            .Validate(o => o.RetentionDays >= AuditOptions.MinimumRetentionDays,
                $"Audit:RetentionDays must be at least {AuditOptions.MinimumRetentionDays} (access records are kept at least a year).")
            .Validate(o => o.PurgeIntervalHours > 0, "Audit:PurgeIntervalHours must be above 0.")
            .Validate(o => o.UnusualFactor >= 1 && o.UnusualMinimumResidents >= 0, "Audit:UnusualFactor must be at least 1 and Audit:UnusualMinimumResidents at least 0.")
            .ValidateOnStart();
        services.AddSingleton<AuditRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());
        services.Configure<LineOptions>(configuration.GetSection("Lines"));
        services.Configure<TriageOptions>(configuration.GetSection("Triage"));
        services.Configure<WebhookOptions>(configuration.GetSection("Webhooks"));
        services.AddSingleton<WebhookLimits>();
        services.AddInboxCalendar(configuration);
        services.AddSingleton<EventSignal>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<EventFeed>();
        services.AddSingleton<ReplyRouting>();
        services.AddSingleton<ConversationService>();
        services.AddSingleton<ReportService>();
        services.AddSingleton<DeliveryReceipts>();
        services.AddSingleton<ConnectionCounter>();
        services.AddClusterBus(configuration); // ConnectionStrings:Redis: the Redis bus across nodes; otherwise one node alone
        services.AddSingleton<PresenceService>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceService>());
        services.AddSingleton<AutoAssigner>();
        services.AddHostedService(sp => sp.GetRequiredService<AutoAssigner>());
        services.AddSingleton<PushAudit>();
        services.AddHostedService(sp => sp.GetRequiredService<PushAudit>()); // before the dispatcher: it stops after it, writing what was queued
        services.AddHostedService<EventDispatcher>();
        services.AddHostedService<SlaWatcher>();
        services.AddInboxChannels(); // the built-in channels (Channels/BuiltInChannels); services.AddChannel(...) adds another
        services.AddHostedService<OutboxWorker>();
        services.AddSignalR(o =>
            {
                o.MaximumReceiveMessageSize = 64 * 1024; // a reply is at most 10,000 characters
                o.AddFilter<HubSessionFilter>();
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Encoder = ConversationStore.Json.Encoder);

        services.Configure<AuthOptions>(configuration.GetSection("Auth"));
        services.AddMemoryCache();
        services.AddSingleton<AccountStore>();
        services.AddSingleton<SignInLimits>();
        services.AddSingleton<AuthService>();
        services.AddSingleton<BootstrapAdmin>();
        services.AddSingleton<IPasswordHasher<Account>, PasswordHasher<Account>>();
        services.AddInboxAuthentication();
        services.AddSingleton<HubSessionFilter>();
        services.AddHostedService<HubSessionSweeper>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Manager, p => p.RequireRole(Visibility.ManagerRoles));

        // Korean text reads as Korean in API answers, not as \uXXXX escapes.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = ConversationStore.Json.Encoder);
        services.AddProblemDetails();
        services.AddOptions<ReportOptions>().Bind(configuration.GetSection("Reports"))
            .Validate(o => o.MaxConcurrentPerCenter > 0 && o.RetryAfterSeconds > 0, "Reports:MaxConcurrentPerCenter and Reports:RetryAfterSeconds must be above 0.")
            .ValidateOnStart();
        services.AddOptions<InboxHubOptions>().Bind(configuration.GetSection("Hub"))
            .Validate(o => o.MaxConnectionsPerAccount > 0, "Hub:MaxConnectionsPerAccount must be above 0.")
            .Validate(o => o.CatchUp.ScanLimit > 0 && o.CatchUp.ReloadDistance > 0, "Hub:CatchUp:ScanLimit and Hub:CatchUp:ReloadDistance must be above 0.")
            .Validate(o => o.Queue.PageSize is > 0 and <= InboxHubOptions.MaxQueuePage, $"Hub:Queue:PageSize must be 1 to {InboxHubOptions.MaxQueuePage}.")
            .ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy<string, ReportConcurrencyPolicy>(ReportConcurrencyPolicy.Name);
            // Per sending address: one misbehaving client cannot starve the providers (or counselors) behind it.
            o.AddPolicy(WebhookRateLimit, http => RateLimitPartition.GetTokenBucketLimiter(
                SignInLimits.Key(http.Connection.RemoteIpAddress),
                _ =>
                {
                    var perSecond = Math.Max(1, configuration.GetValue("Webhooks:RateLimitPerSecond", 1000));
                    return new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = perSecond,
                        TokensPerPeriod = perSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    };
                }));
            o.OnRejected = async (context, ct) =>
            {
                context.HttpContext.RequestServices.GetRequiredService<InboxMetrics>().WebhookRateLimited(context.HttpContext);
                context.HttpContext.Response.Headers.RetryAfter = "1";
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many webhook requests.", Detail = "Nothing was stored. Retry after a second." },
                });
            };
        });
        AddApiDescription(services);
        builder.AddInboxObservability(); // after the senders: it decorates them

        var app = builder.Build();
        UseEdgeSafety(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(LogRequestAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        MapApiDescription(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();

        var webhooks = app.MapGroup("/webhooks").WithTags("Webhooks").AllowAnonymous().RequireRateLimiting(WebhookRateLimit)
            .AddEndpointFilter(Telemetry.MeasureWebhook).AddEndpointFilter(AnswerRejections);
        webhooks.MapChannelWebhooks(app.Services);
        // An unknown channel is told so plainly (rather than being asked to sign in).
        webhooks.Map("/{**path}", (string? path) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
            title: "No such webhook.", detail: $"There is no webhook at /webhooks/{path}. See the README for the endpoints of each channel."));
        app.MapHub<InboxHub>("/hubs/inbox", o => o.CloseOnAuthenticationExpiration = true);
        app.MapAccounts();
        app.MapConversations();
        app.MapAudit();
        app.MapReports();
        app.MapCalendar();
        return app;
    }

    /// <summary>Migrates the store and creates the bootstrap admin. Run before the server takes traffic.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken ct = default)
    {
        var database = app.Services.GetRequiredService<Database>();
        Log.StoreChosen(app.Logger, database.Dialect.Name, database.Dialect is SqliteDialect sqlite ? $" at {sqlite.FilePath}" : "");
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(ct);
        foreach (var channel in app.Services.GetRequiredService<ChannelRegistry>().All)
            channel.Validate(app.Configuration, app.Environment);
        await app.Services.GetRequiredService<BootstrapAdmin>().EnsureAsync(ct);
        app.Services.GetRequiredService<SenderSelector>().Validate(); // a wrong provider setting stops start-up, not the first reply
    }

    private static async ValueTask<object?> AnswerRejections(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (WebhookRejectedException e)
        {
            var http = context.HttpContext;
            Log.WebhookRefused(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Inbox.Webhooks"),
                LogText.Escape(http.Request.Path.Value), e.Status, LogText.Escape(e.Field ?? "-"));
            return e.ToResult();
        }
    }

    // Our own one-line request log: method, path and status, never the query string (it can hold a token or a number).
    private static async Task LogRequestAsync(HttpContext http, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            Log.Request(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Inbox.Requests"),
                LogText.Escape(http.Request.Method), LogText.Escape(http.Request.Path.Value), http.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Store: {Provider}{Where}")]
    public static partial void StoreChosen(ILogger logger, string provider, string where);

    [LoggerMessage(LogLevel.Information, "Refused webhook {Path}: {Status} {Field}")]
    public static partial void WebhookRefused(ILogger logger, string path, int status, string field);

    [LoggerMessage(LogLevel.Information, "{Method} {Path} {Status} {Elapsed:0.0} ms")]
    public static partial void Request(ILogger logger, string method, string path, int status, double elapsed);
}
