using System.Net;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Webhooks;

public sealed class TwilioBehindProxyTests
{
    [Fact]
    public async Task Behind_a_proxy_the_twilio_signature_is_checked_against_the_public_url()
    {
        await using var server = await TestServer.StartAsync(new SqliteStore(), new Dictionary<string, string?>
        {
            ["Channels:Sms:Twilio:PublicBaseUrl"] = "https://inbox.example.go.kr/",
        });
        var form = Sample.Get("sms/twilio-02-callback-request.form").Form();

        var signedForInternalUrl = await server.PostTwilioAsync(form);
        Assert.Equal(HttpStatusCode.Unauthorized, signedForInternalUrl.StatusCode);
        Assert.Contains("https://inbox.example.go.kr/webhooks/sms/twilio", await signedForInternalUrl.Content.ReadAsStringAsync());

        var signedForPublicUrl = await server.PostTwilioAsync(form, signedUrl: "https://inbox.example.go.kr/webhooks/sms/twilio");
        Assert.Equal(HttpStatusCode.OK, signedForPublicUrl.StatusCode);
        Assert.Equal(1, await server.CountAsync("messages", "direction = 'in'"));
    }
}
