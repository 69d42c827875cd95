using System.Text;
using Inbox.Channels;

namespace Inbox.Tests.Channels;

// Expected values computed independently with openssl dgst.
public sealed class SignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1795054805);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"a\":1}");

    [Fact]
    public void Inbox_hmac_is_v1_and_lowercase_hex_sha256_of_timestamp_dot_body()
    {
        Assert.Equal("v1=e1df32b74bacbdf23a60e45ce681222533e3d72889ff2aa51be5b29ba175680b", InboxHmac.Sign("secret", 1795054805, Body));
    }

    [Fact]
    public void Inbox_hmac_accepts_the_right_signature_also_among_several_during_a_rotation()
    {
        var good = InboxHmac.Sign("secret", 1795054805, Body);
        Assert.Null(InboxHmac.Verify("secret", "1795054805", good, Body, Now));
        Assert.Null(InboxHmac.Verify("secret", "1795054805", $"v1=00ff, {good}", Body, Now.AddSeconds(300)));
    }

    [Theory]
    [InlineData(null, "v1=00", "required")]
    [InlineData("1795054805", null, "required")]
    [InlineData("yesterday", "v1=00", "Unix seconds")]
    [InlineData("1795054504", "v1=00", "off the server clock")]
    [InlineData("1795054805", "v1=e1df32b74bacbdf23a60e45ce681222533e3d72889ff2aa51be5b29ba175680c", "does not match")]
    public void Inbox_hmac_refuses_missing_stale_and_wrong_signatures_saying_why(string? timestamp, string? signature, string reason)
    {
        Assert.Contains(reason, InboxHmac.Verify("secret", timestamp, signature, Body, Now));
    }

    [Fact]
    public void Inbox_hmac_refuses_a_body_changed_after_signing()
    {
        var good = InboxHmac.Sign("secret", 1795054805, Body);
        Assert.NotNull(InboxHmac.Verify("secret", "1795054805", good, Encoding.UTF8.GetBytes("{\"a\":2}"), Now));
    }

    [Fact]
    public void Twilio_signature_is_base64_hmac_sha1_of_url_and_sorted_parameters()
    {
        KeyValuePair<string, string>[] form =
        [
            new("To", "+8218996808"), new("MessageSid", "SM1"), new("From", "+821012345678"), new("Body", "안녕"),
        ];
        const string url = "https://inbox.example/webhooks/sms/twilio";
        Assert.Equal("J+mi9zGNezx77FaLCVOG0pYBVfk=", TwilioSignature.Compute("token", url, form));
        Assert.True(TwilioSignature.Verify("token", url, form, "J+mi9zGNezx77FaLCVOG0pYBVfk="));
        Assert.False(TwilioSignature.Verify("token", url + "?x=1", form, "J+mi9zGNezx77FaLCVOG0pYBVfk="));
        Assert.False(TwilioSignature.Verify("token", url, form, null));
    }
}
