using Inbox.Storage;
using System.Text.RegularExpressions;
using Inbox.Audit;
using Inbox.Centers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Inbox.Accounts;

public sealed record TokenRequest(string? Username, string? Password);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

public sealed record CreateUserRequest(string? Username, string? Password, string? DisplayName, string? Role, string? CenterId);

public sealed record UserView(Guid Id, string CenterId, string Username, string DisplayName, string Role, bool Disabled, DateTimeOffset? LockedUntil, DateTimeOffset CreatedAt)
{
    public static UserView From(Account a) => new(a.Id, a.CenterId, a.Username, a.DisplayName, a.Role, a.DisabledAt is not null, a.LockedUntil, a.CreatedAt);
}

public static partial class AccountsApi
{
    public const int MinPasswordLength = 10;

    public static void MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/token", SignInAsync).WithTags("Auth").AllowAnonymous().WithName("IssueToken")
            .WithSummary("Exchanges a username and password for a bearer access token.");

        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListAsync).WithName("ListUsers").WithSummary("Accounts of the admin's center.");
        users.MapPost("/", CreateAsync).WithName("CreateUser").WithSummary("Creates a counselor, manager or admin account.");
        users.MapPost("/{id:guid}/disable", (Guid id, HttpContext http, AccountStore store, AuditLog audit, TimeProvider clock, CancellationToken ct) =>
            SetDisabledAsync(id, true, http, store, audit, clock, ct)).WithName("DisableUser").WithSummary("Disables an account; its tokens stop working within seconds.");
        users.MapPost("/{id:guid}/enable", (Guid id, HttpContext http, AccountStore store, AuditLog audit, TimeProvider clock, CancellationToken ct) =>
            SetDisabledAsync(id, false, http, store, audit, clock, ct)).WithName("EnableUser").WithSummary("Enables an account again and clears any lock-out.");
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> SignInAsync(
        TokenRequest request, HttpContext http, AuthService auth, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["username"] = ["'username' and 'password' are required."] });
        var issued = await auth.SignInAsync(request.Username, request.Password, http.Connection.RemoteIpAddress?.ToString(), ct);
        return issued is { } t
            ? TypedResults.Ok(new TokenResponse(t.Token, t.ExpiresAt))
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed.",
                detail: "Wrong username or password, or the account is locked or disabled. After repeated failures an account is locked for a while; an administrator can unlock it.");
    }

    private static async Task<Ok<IReadOnlyList<UserView>>> ListAsync(HttpContext http, AccountStore store, CancellationToken ct)
    {
        var accounts = await store.ListAsync(Caller.From(http.User).CenterId, ct);
        return TypedResults.Ok<IReadOnlyList<UserView>>([.. accounts.Select(UserView.From)]);
    }

    private static async Task<Results<Created<UserView>, ValidationProblem, Conflict<ProblemDetails>>> CreateAsync(
        CreateUserRequest request, HttpContext http, AccountStore store, CenterDirectory centers, IPasswordHasher<Account> hasher,
        AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var errors = new Dictionary<string, string[]>();
        var username = AccountStore.Normalize(request.Username ?? "");
        if (!UsernamePattern().IsMatch(username))
            errors["username"] = ["'username' must be 3-64 characters: lowercase letters, digits, '.', '_' or '-'."];
        if (request.Password is null || request.Password.Length < MinPasswordLength)
            errors["password"] = [$"'password' must be at least {MinPasswordLength} characters."];
        if (request.Role is null || !Roles.All.Contains(request.Role))
            errors["role"] = [$"'role' must be one of {string.Join(", ", Roles.All)}."];
        var centerId = request.CenterId ?? caller.CenterId;
        if (centers.Find(centerId) is null)
            errors["centerId"] = ["'centerId' is not a configured center."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var account = NewAccount(centerId, username, request.DisplayName, request.Role!, request.Password!, hasher, clock);
        if (!await store.InsertAsync(account, ct))
            return TypedResults.Conflict(new ProblemDetails { Status = 409, Title = "The username is taken.", Detail = $"An account named '{username}' already exists." });
        await audit.WriteAsync([AuditEntry.For(caller, http, AuditActions.AccountCreated, detail: $"{account.Id} {account.Role} {account.CenterId}")], ct);
        return TypedResults.Created($"/api/users/{account.Id}", UserView.From(account));
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem>> SetDisabledAsync(
        Guid id, bool disable, HttpContext http, AccountStore store, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (disable && id == caller.AccountId)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["You cannot disable your own account."] });
        if (!await store.SetDisabledAsync(id, caller.CenterId, disable ? clock.GetUtcNow() : null, ct))
            return TypedResults.NotFound();
        await audit.WriteAsync([AuditEntry.For(caller, http, disable ? AuditActions.AccountDisabled : AuditActions.AccountEnabled, detail: id.ToString())], ct);
        return TypedResults.NoContent();
    }

    public static Account NewAccount(string centerId, string username, string? displayName, string role, string password, IPasswordHasher<Account> hasher, TimeProvider clock)
    {
        var account = new Account
        {
            Id = Ids.New(),
            CenterId = centerId,
            Username = AccountStore.Normalize(username),
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? username : displayName.Trim(),
            Role = role,
            PasswordHash = "",
            CreatedAt = clock.GetUtcNow(),
        };
        return account with { PasswordHash = hasher.HashPassword(account, password) };
    }

    [GeneratedRegex("^[a-z0-9._-]{3,64}$")]
    private static partial Regex UsernamePattern();
}

public static class Policies
{
    public const string Admin = "admin";
    public const string Manager = "manager";
}

/// <summary>Creates the first admin from Auth:Bootstrap when that account does not exist yet.</summary>
public sealed class BootstrapAdmin(AccountStore store, CenterDirectory centers, IPasswordHasher<Account> hasher, Microsoft.Extensions.Options.IOptions<AuthOptions> options, TimeProvider clock, ILogger<BootstrapAdmin> logger)
{
    public async Task EnsureAsync(CancellationToken ct)
    {
        var bootstrap = options.Value.Bootstrap;
        if (string.IsNullOrWhiteSpace(bootstrap.Username) || string.IsNullOrEmpty(bootstrap.Password))
            return;
        if (await store.FindByUsernameAsync(bootstrap.Username, ct) is not null)
            return;
        var center = bootstrap.CenterId is null ? centers.Default : centers.Find(bootstrap.CenterId)
            ?? throw new InvalidOperationException($"Auth:Bootstrap:CenterId '{bootstrap.CenterId}' is not a configured center.");
        var account = AccountsApi.NewAccount(center.Id, bootstrap.Username, "Administrator", Roles.Admin, bootstrap.Password, hasher, clock);
        if (await store.InsertAsync(account, ct))
            logger.LogInformation("Created the bootstrap admin account '{Username}' in center {CenterId}", account.Username, center.Id);
    }
}
