using Inbox.Channels;
using Inbox.Conversations;

namespace Inbox.Tests.Channels.TestChat;

/// <summary>
/// A channel that exists only in the tests, as a web chat widget would be added: this folder and one line,
/// <c>services.AddChannel(new TestChatDefinition())</c>. Residents are known by their chat session; the center by its
/// widget key (<c>Centers:N:Addresses:testchat:K</c>).
/// </summary>
public sealed class TestChatDefinition : ChannelDefinition
{
    public const string ChannelName = "testchat";
    public const string Outbound = "Channels:TestChat:Outbound";
    public const string SecretKey = "Channels:TestChat:Secret";

    public override string Name => ChannelName;

    public override string DisplayName => "테스트 채팅";

    public override string Line => Inbox.Conversations.Line.Live;

    public override Type Webhooks => typeof(TestChatWebhooks);

    public override ReplyAddress Address { get; } = new(ReplyAddressSource.LatestIdentity, "The resident has not written on the test chat.");

    public override string OutboundKey => Outbound;

    public override IReadOnlyList<ProviderChoice> Providers { get; } = [new("recorder", typeof(TestChatSender), _ => null)];

    /// <summary>Its own sizing rule: parts of at most 20 characters (UTF-16), so a test sees a reply cut by this channel's rule.</summary>
    public override IReadOnlyList<ReplyPart> Split(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException("The reply is empty.", nameof(text));
        return [.. text.Chunk(20).Select(c => new ReplyPart(new string(c), "chat"))];
    }
}
