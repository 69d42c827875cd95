using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inbox.Storage;

public static class StorageSetup
{
    public const string DefaultSqliteConnection = "Data Source=data/inbox.db";

    /// <summary>Storage:Provider picks the dialect (sqlite by default); ConnectionStrings:Inbox says where.</summary>
    public static IServiceCollection AddInboxStorage(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        DapperTypeHandlers.Register();
        var provider = (configuration["Storage:Provider"] ?? "sqlite").Trim().ToLowerInvariant();
        var connectionString = configuration.GetConnectionString("Inbox");
        SqlDialect dialect = provider switch
        {
            "sqlite" => new SqliteDialect(SqliteInContentRoot(connectionString ?? DefaultSqliteConnection, contentRoot)),
            "postgres" => new PostgresDialect(Required(connectionString, provider)),
            "sqlserver" => new SqlServerDialect(Required(connectionString, provider)),
            _ => throw new InvalidOperationException($"Storage:Provider '{provider}' is not supported: use sqlite, postgres or sqlserver."),
        };
        services.AddSingleton(_ => dialect); // through a factory, so the container disposes it (and its connection pool)
        services.AddSingleton<Database>();
        services.AddSingleton<Migrator>();
        services.AddExceptionHandler<StoreUnavailableHandler>();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        return services;
    }

    private static string Required(string? connectionString, string provider) => string.IsNullOrWhiteSpace(connectionString)
        ? throw new InvalidOperationException($"Storage:Provider is {provider} but ConnectionStrings:Inbox (ConnectionStrings__Inbox) is empty.")
        : connectionString;

    // A relative SQLite path is taken from the content root, so the file does not move with the working directory.
    private static string SqliteInContentRoot(string connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && !Path.IsPathRooted(builder.DataSource))
            builder.DataSource = Path.Combine(contentRoot, builder.DataSource);
        return builder.ToString();
    }
}

/// <summary>Answers 503 with Retry-After when the store cannot be reached: the caller (a provider, a counselor) should try again.</summary>
internal sealed class StoreUnavailableHandler(SqlDialect dialect, IProblemDetailsService problems, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (!dialect.IsUnavailable(exception))
            return false;
        Log.StoreUnavailable(logger, exception.GetType().Name, LogText.Escape(http.Request.Method), LogText.Escape(http.Request.Path.Value));
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = 503, Title = "The store is unavailable.", Detail = "Nothing was stored. Try again shortly." },
        });
    }
}

internal sealed class StoreHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
        await database.IsReadyAsync(ct)
            ? HealthCheckResult.Healthy($"{database.Dialect.Name} store answers")
            : HealthCheckResult.Unhealthy($"{database.Dialect.Name} store does not answer");
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Warning, "Store unavailable ({Error}): answered 503 to {Method} {Path}")]
    public static partial void StoreUnavailable(ILogger logger, string error, string method, string path);
}
