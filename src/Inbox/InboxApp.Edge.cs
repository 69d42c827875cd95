using System.Net;
using System.Text;
using Microsoft.AspNetCore.HttpOverrides;

namespace Inbox;

/// <summary>
/// What the server does at its edge whatever the configuration files say or where the process starts: the content
/// root next to the application, request logging that cannot carry query strings, proxy headers believed only from
/// configured proxies, and the headers every answer carries (docs/security.md).
/// </summary>
public static partial class InboxApp
{
    /// <summary>Framework categories that log request URLs with their query strings (tokens, residents' numbers).</summary>
    internal const string RequestLoggingCategory = "Microsoft.AspNetCore";
    public const int MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Next to the application unless one is given (--contentRoot, ASPNETCORE_CONTENTROOT): never the working directory.</summary>
    private static string? DefaultContentRoot(string[] args)
    {
        var given = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build()[WebHostDefaults.ContentRootKey];
        return string.IsNullOrEmpty(given) ? AppContext.BaseDirectory : null;
    }

    private static void AddEdgeSafety(WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            // No request of the API needs more (a reply is at most 10,000 characters; webhooks stop at 256 KiB): a larger
            // body is refused with 413 before it is read, instead of being parsed for a 400.
            o.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });

        // In code, after every configuration source: Microsoft.AspNetCore.* logs at Warning and above only, for every
        // provider, since its Information and Debug lines carry URLs with query strings.
        builder.Services.PostConfigure<LoggerFilterOptions>(CapFrameworkLogging);

        // Forwarded headers are believed only from the configured proxies. The framework's switch
        // (ASPNETCORE_FORWARDEDHEADERS_ENABLED) clears its known proxies, which believes every peer; put them back.
        var configuration = builder.Configuration;
        builder.Services.PostConfigure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            var proxies = KnownProxies(configuration);
            var networks = KnownNetworks(configuration);
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            // Empty lists would mean "believe anyone": with none configured, only a proxy on this machine is believed.
            if (proxies.Count == 0 && networks.Count == 0)
            {
                proxies.Add(IPAddress.IPv6Loopback);
                networks.Add(System.Net.IPNetwork.Parse("127.0.0.0/8"));
            }
            foreach (var proxy in proxies)
                o.KnownProxies.Add(proxy);
            foreach (var network in networks)
                o.KnownIPNetworks.Add(network);
        });
    }

    private static void UseEdgeSafety(WebApplication app)
    {
        var configuration = app.Configuration;
        var frameworkSwitch = string.Equals(configuration["FORWARDEDHEADERS_ENABLED"], "true", StringComparison.OrdinalIgnoreCase);
        if (!frameworkSwitch && (KnownProxies(configuration).Count > 0 || KnownNetworks(configuration).Count > 0))
            app.UseForwardedHeaders(); // with the switch on, the framework has already put the same middleware first
        if (!app.Environment.IsDevelopment())
            app.UseHsts(); // only on HTTPS requests: behind a TLS proxy, once its X-Forwarded-Proto is believed
        app.Use(AddSecurityHeaders);
    }

    private static Task AddSecurityHeaders(HttpContext http, RequestDelegate next)
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            // Residents' data is answered under /api and /hubs: never kept by a browser or a shared cache.
            if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/hubs"))
                headers.CacheControl = "no-store";
            return Task.CompletedTask;
        });
        return next(http);
    }

    private static List<IPAddress> KnownProxies(IConfiguration configuration) =>
        [.. Entries(configuration, "ForwardedHeaders:KnownProxies").Select(e => IPAddress.TryParse(e.Value, out var ip)
            ? ip
            : throw new InvalidOperationException($"{e.Key} is '{e.Value}', not an IP address."))];

    private static List<System.Net.IPNetwork> KnownNetworks(IConfiguration configuration) =>
        [.. Entries(configuration, "ForwardedHeaders:KnownNetworks").Select(e => System.Net.IPNetwork.TryParse(e.Value, out var network)
            ? network
            : throw new InvalidOperationException($"{e.Key} is '{e.Value}', not a network in CIDR form (10.0.0.0/8)."))];

    private static IEnumerable<(string Key, string Value)> Entries(IConfiguration configuration, string section) =>
        configuration.GetSection(section).GetChildren().Where(c => !string.IsNullOrWhiteSpace(c.Value)).Select(c => (c.Path, c.Value!.Trim()));

    private static void CapFrameworkLogging(LoggerFilterOptions options)
    {
        var providers = options.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList();
        var loud = options.Rules.Where(r => r.CategoryName is { } category
            && category.StartsWith(RequestLoggingCategory, StringComparison.OrdinalIgnoreCase)
            && (r.LogLevel is null || r.LogLevel < LogLevel.Warning)).ToList();
        foreach (var rule in loud)
            options.Rules.Remove(rule);
        foreach (var provider in providers)
        {
            options.Rules.Add(new LoggerFilterRule(provider, RequestLoggingCategory, LogLevel.Warning, null));
            // HubSessionFilter logs each refused or failed hub call and connection once; the framework would add an error
            // with a stack trace for every refusal a counselor meets (a HubException is an answer, not a fault).
            foreach (var category in HubFrameworkCategories)
                options.Rules.Add(new LoggerFilterRule(provider, category, LogLevel.Critical, null));
        }
    }

    private static readonly string[] HubFrameworkCategories =
        ["Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", "Microsoft.AspNetCore.SignalR.HubConnectionHandler"];
}

/// <summary>Text from a request made safe for one log line: control characters (CR, LF, tabs, escapes) written as %XX.</summary>
public static class LogText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return text ?? "";
        if (!text.Any(NeedsEscape))
            return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!NeedsEscape(c))
                escaped.Append(c);
            else if (c < 0x100)
                escaped.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                escaped.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }
        return escaped.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
