using Inbox.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inbox.Audit;

public static class AuditApi
{
    public static void MapAudit(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", ListAsync).WithTags("Audit").RequireAuthorization(Policies.Manager).WithName("ListAudit")
            .WithSummary("The access log of the caller's center, newest first; optionally about one resident (contactId).");

    private static async Task<Results<Ok<IReadOnlyList<AuditRecord>>, ValidationProblem>> ListAsync(
        HttpContext http, AuditLog audit, Guid? contactId, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > 1000)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["'limit' must be between 1 and 1000."] });
        return TypedResults.Ok(await audit.ListAsync(Caller.From(http.User).CenterId, contactId, limit ?? 100, ct));
    }
}
