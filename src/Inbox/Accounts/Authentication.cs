using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Inbox.Accounts;

public static class Authentication
{
    /// <summary>Bearer tokens on the framework's JwtBearer handler: from the Authorization header, or on the hub from the
    /// <c>access_token</c> query parameter (browsers cannot set headers on WebSockets); refused once the account may no longer act.</summary>
    public static void AddInboxAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<TokenService>();
        services.AddSingleton<AccountSessions>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenService, AccountSessions>((o, tokens, sessions) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = tokens.ValidationParameters;
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        if (context.Request.Path.StartsWithSegments("/hubs") && string.IsNullOrEmpty(context.Request.Headers.Authorization))
                            context.Token = context.Request.Query["access_token"];
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = context => sessions.OnTokenValidatedAsync(context),
                };
            });
    }
}
