using System.Text.Json;
using Inbox.Centers;
using Inbox.Channels;
using Inbox.Conversations;
using Inbox.Ingest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Inbox.Tests.Channels.TestChat;

/// <summary>The test chat's webhook: <c>POST /webhooks/testchat/message</c>, JSON <c>{"id","session","widget","text"}</c>, signed with Inbox HMAC.</summary>
public sealed class TestChatWebhooks(IngestService ingest, CenterDirectory centers, IConfiguration configuration, TimeProvider clock) : IWebhookChannel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void MapWebhooks(IEndpointRouteBuilder webhooks) =>
        webhooks.MapPost("/testchat/message", ReceiveAsync);

    private async Task<IResult> ReceiveAsync(HttpContext http, CancellationToken ct)
    {
        var body = await Inbox.Channels.Webhooks.ReadBodyAsync(http.Request, "application/json", ct);
        Inbox.Channels.Webhooks.VerifyInboxHmac(http.Request, body, configuration[TestChatDefinition.SecretKey], TestChatDefinition.SecretKey, clock.GetUtcNow());
        var m = Inbox.Channels.Webhooks.ParseJson<ChatMessage>(body, Json);
        var widget = Inbox.Channels.Webhooks.Required(m.Widget, "widget");
        var center = Routing.Center(centers, TestChatDefinition.ChannelName, widget, "widget");
        var result = await ingest.IngestAsync(new InboundMessage
        {
            CenterId = center.Id,
            Channel = TestChatDefinition.ChannelName,
            CenterAddress = widget,
            ResidentAddress = Inbox.Channels.Webhooks.Required(m.Session, "session"),
            ProviderMessageId = Inbox.Channels.Webhooks.Required(m.Id, "id"),
            Kind = MessageKind.Text,
            Body = Inbox.Channels.Webhooks.Required(m.Text, "text"),
        }, ct);
        return Inbox.Channels.Webhooks.Accepted(result);
    }

    private sealed record ChatMessage(string? Id, string? Session, string? Widget, string? Text);
}
