using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Inbox.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Inbox.Tests.Infrastructure;

/// <summary>A signed-in account with its own hub connection, recording every server push.</summary>
public sealed class HubUser : IAsyncDisposable
{
    public static readonly string[] PushMethods = ["ConversationChanged", "MessageAdded", "MessageUpdated", "PresenceChanged", "Typing", "SlaBreached", "CallbackRequested", "CallbackChanged", "CrisisFlagged"];

    private HubUser(Guid accountId, string username, string token, HttpClient http, HubConnection hub, EventRecorder events)
    {
        AccountId = accountId;
        Username = username;
        Token = token;
        Http = http;
        Hub = hub;
        Events = events;
    }

    public Guid AccountId { get; }
    public string Username { get; }
    public string Token { get; }
    public HttpClient Http { get; }
    public HubConnection Hub { get; }
    public EventRecorder Events { get; }

    public static async Task<HubUser> CreateAsync(IInboxEndpoint server, string role, string center = "north")
    {
        var (adminUser, adminPassword) = TestServer.AdminOf(center);
        var admin = await server.ClientAsAsync(adminUser, adminPassword);
        var username = $"{role}-{Guid.NewGuid():N}"[..24];
        var created = await admin.PostAsJsonAsync("/api/users", new { username, password = TestServer.UserPassword, displayName = $"{role} {username[^4..]}", role });
        created.EnsureSuccessStatusCode();
        var id = Guid.Parse((await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
        var token = await server.TokenAsync(username, TestServer.UserPassword);
        var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (hub, events) = await ConnectAsync(server, token);
        return new HubUser(id, username, token, http, hub, events);
    }

    /// <summary>A new connection for the same account (after a disconnect), recording from scratch.</summary>
    public async Task<HubUser> ReconnectAsync(IInboxEndpoint server)
    {
        var (hub, events) = await ConnectAsync(server, Token);
        return new HubUser(AccountId, Username, Token, Http, hub, events);
    }

    private static async Task<(HubConnection, EventRecorder)> ConnectAsync(IInboxEndpoint server, string token)
    {
        var hub = HubClient.Build(server.BaseAddress, token);
        var events = new EventRecorder();
        foreach (var method in PushMethods)
            events.Record(hub, method);
        await hub.StartAsync();
        return (hub, events);
    }

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        Http.Dispose();
    }
}
