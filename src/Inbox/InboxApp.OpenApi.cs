using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Inbox;

/// <summary>
/// The API's description: <c>/openapi/v1.json</c> with the bearer scheme on every endpoint that needs a signed-in
/// account and the problem-details answers each kind of endpoint can give; in Development also the Scalar page
/// <c>/scalar</c> that renders it (its scripts ship in the package: no internet needed).
/// </summary>
public static partial class InboxApp
{
    public const string BearerScheme = "Bearer";
    private const string ProblemSchema = "ProblemDetails";
    private static readonly string[] Writes = ["POST", "PUT", "PATCH", "DELETE"];

    private static void AddApiDescription(IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.AddComponent<IOpenApiSecurityScheme>(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "The accessToken from POST /api/auth/token. The hub takes the same token as ?access_token=.",
            });
            document.AddComponent<IOpenApiSchema>(ProblemSchema, new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "RFC 7807 problem details; invalid input names its fields under errors.",
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                    ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["errors"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                    },
                },
            });
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            DescribeErrors(operation, context);
            return Task.CompletedTask;
        });
    });

    /// <summary>The bearer requirement and the error answers, from what the endpoint is (metadata, method, path), in one place.</summary>
    private static void DescribeErrors(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var path = "/" + (description.RelativePath ?? "");
        var method = description.HttpMethod ?? "GET";
        var signedIn = !metadata.OfType<IAllowAnonymous>().Any(); // the fallback policy asks every other endpoint for an account
        var writes = Writes.Contains(method, StringComparer.OrdinalIgnoreCase);
        var webhook = path.StartsWith("/webhooks/", StringComparison.Ordinal);
        var document = context.Document!;

        if (signedIn)
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
        if ((operation.Parameters?.Count ?? 0) > 0 || operation.RequestBody is not null || webhook)
            Problem(400, "Invalid input, named under errors; nothing changed.");
        if (signedIn)
            Problem(401, "No valid bearer token.");
        else if (webhook)
            Problem(401, "The webhook signature was refused.");
        if (signedIn)
            Problem(403, "The account's role or center does not allow it.");
        if (path.Contains('{'))
            Problem(404, "Nothing of that id in the caller's center.");
        if (signedIn && writes)
            Problem(409, "It conflicts with the current state.");
        if (writes)
            Problem(413, "The body is over the limit; refused before it is read.");
        if (metadata.OfType<EnableRateLimitingAttribute>().Any() || path == "/api/auth/token")
            Problem(429, "Too many requests: retry after the Retry-After header.");

        void Problem(int status, string why)
        {
            operation.Responses ??= [];
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
            };
            if (!operation.Responses.TryGetValue(key, out var declared))
                operation.Responses[key] = new OpenApiResponse { Description = why, Content = content };
            else if (declared is OpenApiResponse { Content: null or { Count: 0 } } bare)
                bare.Content = content; // declared by the endpoint (TypedResults.NotFound) without a body: it is problem details
        }
    }

    private static void MapApiDescription(WebApplication app)
    {
        // Anonymous in Development only; elsewhere the API's description is for signed-in accounts (docs/security.md).
        var openApi = app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            openApi.AllowAnonymous();
            app.MapScalarApiReference().AllowAnonymous();
        }
    }
}
