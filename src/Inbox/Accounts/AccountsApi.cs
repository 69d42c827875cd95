using System.Text.RegularExpressions;
using Inbox.Audit;
using Inbox.Centers;
using Inbox.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Inbox.Accounts;

public sealed record TokenRequest(string? Username, string? Password);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

public sealed record CreateUserRequest(string? Username, string? Password, string? DisplayName, string? Role, string? CenterId);

public sealed record UserView(Guid Id, string CenterId, string Username, string DisplayName, string Role, bool Disabled, DateTimeOffset CreatedAt)
{
    public static UserView From(Account a) => new(a.Id, a.CenterId, a.Username, a.DisplayName, a.Role, a.DisabledAt is not null, a.CreatedAt);
}

public static partial class AccountsApi
{
    public const int MaxSignInBodyBytes = 4096;

    /// <summary>The longest username there can be (the creation rule); a longer one is refused at sign-in before anything is hashed.</summary>
    public const int MaxUsernameLength = 64;

    public static void MapAccounts(this IEndpointRouteBuilder app)
    {
        // A sign-in body is a username and a password: anything near 4 KiB is not one, and is refused (413) unread.
        app.MapPost("/api/auth/token", SignInAsync).WithTags("Auth").AllowAnonymous().WithName("IssueToken")
            .WithMetadata(new RequestSizeLimitAttribute(MaxSignInBodyBytes))
            .WithSummary("Exchanges a username and password for a bearer access token.");

        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListAsync).WithName("ListUsers").WithSummary("Accounts of the admin's center.");
        users.MapPost("/", CreateAsync).WithName("CreateUser").WithSummary("Creates a counselor, manager or admin account.");
        users.MapPost("/{id:guid}/disable", (Guid id, HttpContext http, AccountStore store, AuditLog audit, TimeProvider clock, CancellationToken ct) =>
            SetDisabledAsync(id, true, http, store, audit, clock, ct)).WithName("DisableUser").WithSummary("Disables an account; its tokens stop working within seconds.");
        users.MapPost("/{id:guid}/enable", (Guid id, HttpContext http, AccountStore store, AuditLog audit, TimeProvider clock, CancellationToken ct) =>
            SetDisabledAsync(id, false, http, store, audit, clock, ct)).WithName("EnableUser").WithSummary("Enables a disabled account again.");
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem>> SignInAsync(
        TokenRequest request, HttpContext http, AuthService auth, CancellationToken ct)
    {
        // Sizes first: nothing oversized reaches the hasher.
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Username))
            errors["username"] = ["'username' is required."];
        else if (request.Username.Length > MaxUsernameLength)
            errors["username"] = [$"'username' must be at most {MaxUsernameLength} characters."];
        if (string.IsNullOrEmpty(request.Password))
            errors["password"] = ["'password' is required."];
        else if (request.Password.Length > PasswordPolicy.MaxLength)
            errors["password"] = [$"'password' must be at most {PasswordPolicy.MaxLength} characters."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var result = await auth.SignInAsync(request.Username!, request.Password!, http.Connection.RemoteIpAddress, ct);
        if (result.RetryAfter is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests,
                title: result.Busy ? "The server is busy signing others in." : "Too many failed sign-ins.",
                detail: result.Busy
                    ? "Nothing was checked. Try again in a moment."
                    : $"Too many failed sign-ins from this address. Nothing was checked; try again in {seconds} s. Other addresses are not affected.");
        }
        return result.Issued is { } t
            ? TypedResults.Ok(new TokenResponse(t.Token, t.ExpiresAt))
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed.",
                detail: "Wrong username or password, or the account is disabled. After repeated failures from one address, that address must wait before it may try again.");
    }

    private static async Task<Ok<IReadOnlyList<UserView>>> ListAsync(HttpContext http, AccountStore store, CancellationToken ct)
    {
        var accounts = await store.ListAsync(Caller.From(http.User).CenterId, ct);
        return TypedResults.Ok<IReadOnlyList<UserView>>([.. accounts.Select(UserView.From)]);
    }

    private static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult, Conflict<ProblemDetails>>> CreateAsync(
        CreateUserRequest request, HttpContext http, AccountStore store, IPasswordHasher<Account> hasher,
        AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        // There is no cross-center admin: whether the other center exists is not even looked at.
        if (request.CenterId is not null && request.CenterId != caller.CenterId)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your center.",
                detail: "'centerId' names another center: an admin manages the accounts of its own center only. Leave 'centerId' out.");
        var errors = new Dictionary<string, string[]>();
        var username = AccountStore.Normalize(request.Username ?? "");
        if (!UsernamePattern().IsMatch(username))
            errors["username"] = ["'username' must be 3-64 characters: lowercase letters, digits, '.', '_' or '-'."];
        if (PasswordPolicy.Check(username, request.Password) is { } weak)
            errors["password"] = [weak];
        if (request.Role is null || !Roles.All.Contains(request.Role))
            errors["role"] = [$"'role' must be one of {string.Join(", ", Roles.All)}."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var account = NewAccount(caller.CenterId, username, request.DisplayName, request.Role!, request.Password!, hasher, clock);
        // The answer names no center: usernames are unique across centers, but which center has one is not this admin's business.
        if (!await store.InsertAsync(account, ct))
            return TypedResults.Conflict(new ProblemDetails { Status = 409, Title = "The username is taken.", Detail = $"An account named '{username}' already exists." });
        await audit.WriteAsync([AuditEntry.For(caller, http, AuditActions.AccountCreated, detail: $"{account.Id} {account.Role}") with { CenterId = account.CenterId }], ct);
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
    internal static partial Regex UsernamePattern();
}

public static class Policies
{
    public const string Admin = "admin";
    public const string Manager = "manager";
}

/// <summary>
/// Creates each center's admin from Auth:Bootstrap:N (CenterId, Username, Password) when that username does not exist yet.
/// One admin per center, no cross-center admin; the password must pass <see cref="PasswordPolicy"/>. Anything wrong stops start-up.
/// </summary>
public sealed class BootstrapAdmin(AccountStore store, CenterDirectory centers, IPasswordHasher<Account> hasher, IConfiguration configuration, AuditLog audit, TimeProvider clock, ILogger<BootstrapAdmin> logger)
{
    public const string Section = "Auth:Bootstrap";

    public async Task EnsureAsync(CancellationToken ct)
    {
        foreach (var (key, centerId, username, password) in Read())
        {
            if (await store.FindByUsernameAsync(username, ct) is { } existing)
            {
                if (existing.CenterId != centerId)
                    throw new InvalidOperationException($"{key}:Username '{username}' is already an account of another center; choose another username for center '{centerId}'.");
                continue;
            }
            var account = AccountsApi.NewAccount(centerId, username, "Administrator", Roles.Admin, password, hasher, clock);
            if (!await store.InsertAsync(account, ct))
                continue; // another node created it at the same moment
            await audit.WriteAsync([new AuditEntry(centerId, null, "system", null, AuditActions.AccountCreated, Detail: $"{account.Id} admin ({key})")], ct);
            Log.BootstrapAdminCreated(logger, account.Username, centerId);
        }
    }

    /// <summary>The configured admins, checked: every key present, a known center, a valid username, an acceptable password, one per center.</summary>
    private List<(string Key, string CenterId, string Username, string Password)> Read()
    {
        var admins = new List<(string, string, string, string)>();
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            var key = $"{Section}:{entry.Key}";
            if (!int.TryParse(entry.Key, out _))
                throw new InvalidOperationException(
                    $"{key} is not read: name each center's admin as {Section}:0:CenterId, {Section}:0:Username and {Section}:0:Password (then :1:, :2: … one per center).");
            var centerId = entry["CenterId"];
            if (string.IsNullOrWhiteSpace(centerId) || centers.Find(centerId) is null)
                throw new InvalidOperationException($"{key}:CenterId '{centerId}' is not a configured center (Centers:N:Id).");
            var username = AccountStore.Normalize(entry["Username"] ?? "");
            if (!AccountsApi.UsernamePattern().IsMatch(username))
                throw new InvalidOperationException($"{key}:Username must be 3-64 characters: lowercase letters, digits, '.', '_' or '-'.");
            if (PasswordPolicy.Check(username, entry["Password"]) is { } weak)
                throw new InvalidOperationException($"{key}:Password is not acceptable: {weak}");
            if (admins.Any(a => a.Item2 == centerId))
                throw new InvalidOperationException($"{key}: center '{centerId}' already has a bootstrap admin; there is one per center.");
            if (admins.Any(a => a.Item3 == username))
                throw new InvalidOperationException($"{key}:Username '{username}' is named twice.");
            admins.Add((key, centerId, username, entry["Password"]!));
        }
        return admins;
    }
}

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Created the bootstrap admin account '{Username}' in center {CenterId}")]
    public static partial void BootstrapAdminCreated(ILogger logger, string username, string centerId);
}
