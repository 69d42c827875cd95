using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Api;

public sealed class SqliteApiDescriptionTests(ServerFixture<SqliteStore> fixture) : ApiDescriptionTests<SqliteStore>(fixture);

public sealed class PostgresApiDescriptionTests(ServerFixture<PostgresStore> fixture) : ApiDescriptionTests<PostgresStore>(fixture);

public sealed class SqlServerApiDescriptionTests(ServerFixture<SqlServerStore> fixture) : ApiDescriptionTests<SqlServerStore>(fixture);

/// <summary>The OpenAPI document's bearer scheme and error answers, and the Scalar page (Development only).</summary>
public abstract class ApiDescriptionTests<TStore> : IClassFixture<ServerFixture<TStore>> where TStore : TestStore, new()
{
    private readonly ServerFixture<TStore> _fixture;

    protected ApiDescriptionTests(ServerFixture<TStore> fixture)
    {
        if (fixture.Store.SkipReason is { } reason)
            Assert.Skip(reason);
        _fixture = fixture;
    }

    [Fact]
    public async Task The_document_names_the_bearer_scheme_on_signed_in_endpoints_and_the_problem_answers_they_give()
    {
        var admin = await _fixture.Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        var document = (await admin.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

        var bearer = document["components"]!["securitySchemes"]![InboxApp.BearerScheme]!;
        Assert.Equal("http", bearer["type"]!.GetValue<string>());
        Assert.Equal("bearer", bearer["scheme"]!.GetValue<string>());
        Assert.Equal("JWT", bearer["bearerFormat"]!.GetValue<string>());

        var read = Operation(document, "/api/conversations/{id}", "get");
        Assert.Equal(InboxApp.BearerScheme, Assert.Single(read["security"]!.AsArray())!.AsObject().Single().Key);
        AssertProblems(read, "401", "403", "404");
        var link = Operation(document, "/api/conversations/{id}/link-contact", "post");
        AssertProblems(link, "400", "401", "403", "404", "409", "413");
        AssertProblems(Operation(document, "/api/reports/{name}", "get"), "429");

        // Anonymous endpoints carry no bearer requirement; a webhook's errors are its signature, input, size and rate.
        var webhook = Operation(document, "/webhooks/sms/gateway", "post");
        Assert.Null(webhook["security"]);
        AssertProblems(webhook, "400", "401", "413", "429");
        var signIn = Operation(document, "/api/auth/token", "post");
        Assert.Null(signIn["security"]);
        AssertProblems(signIn, "400", "429");
    }

    [Fact]
    public async Task The_scalar_page_renders_in_development_and_does_not_exist_elsewhere()
    {
        await using var development = await TestServer.StartAsync(_fixture.Store, environment: "Development");
        var page = await development.Client.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>Scalar", await page.Content.ReadAsStringAsync());

        // Testing, like Production: no page, for anyone.
        var admin = await _fixture.Server.ClientAsAsync(TestServer.AdminUser, TestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/scalar")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _fixture.Server.Client.GetAsync("/scalar")).StatusCode);
    }

    private static JsonObject Operation(JsonObject document, string path, string method) =>
        document["paths"]![path]?[method]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"No {method} {path} in the document.");

    private static void AssertProblems(JsonObject operation, params string[] statuses)
    {
        foreach (var status in statuses)
        {
            var response = operation["responses"]?[status] ?? throw new Xunit.Sdk.XunitException($"No {status} answer described.");
            Assert.NotNull(response["content"]?["application/problem+json"]);
        }
    }
}
