using System.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inbox.Observability;

/// <summary>
/// OpenTelemetry for the service: the Inbox meter, ASP.NET Core's request metrics and traces, the runtime's metrics;
/// exported over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the other standard <c>OTEL_*</c> variables
/// then apply as the exporter reads them), so a machine without a collector exports nothing and logs nothing about it.
/// </summary>
public static class Telemetry
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Request attributes that can carry personal data or secrets: the query (a hub's access_token, a searched
    /// number), the raw path (conversation and contact ids; http.route keeps the template), the caller's address.
    /// </summary>
    internal static readonly string[] DroppedRequestTags = ["url.query", "url.path", "url.full", "client.address", "network.peer.address"];

    /// <summary>Registers the metrics and traces.</summary>
    public static void AddInboxObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<InboxMetrics>();

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);
        services.AddOpenTelemetry()
            // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over the default name.
            .ConfigureResource(r => r.AddService("inbox").AddEnvironmentVariableDetector())
            .WithMetrics(m =>
            {
                m.AddMeter(InboxMetrics.MeterName, "System.Runtime").AddAspNetCoreInstrumentation();
                if (otlp)
                    m.AddOtlpExporter();
            })
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation(o =>
                {
                    o.EnrichWithHttpRequest = (activity, _) => DropRequestTags(activity);
                    o.EnrichWithHttpResponse = (activity, _) => DropRequestTags(activity);
                });
                if (otlp)
                    t.AddOtlpExporter();
            });
    }

    /// <summary>Counts and times every webhook by the answer it got (outermost filter of the /webhooks group).</summary>
    public static async ValueTask<object?> MeasureWebhook(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var metrics = http.RequestServices.GetRequiredService<InboxMetrics>();
        var started = Stopwatch.GetTimestamp();
        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception e)
        {
            var dialect = http.RequestServices.GetRequiredService<Storage.SqlDialect>();
            metrics.WebhookAnswered(http, dialect.IsUnavailable(e) ? "unavailable" : "failed", started);
            throw;
        }
        metrics.WebhookAnswered(http, InboxMetrics.Outcome(result, (result as IStatusCodeHttpResult)?.StatusCode ?? http.Response.StatusCode), started);
        return result;
    }

    private static void DropRequestTags(Activity activity)
    {
        foreach (var tag in DroppedRequestTags)
            activity.SetTag(tag, null);
    }
}
