using Inbox.Conversations;

namespace Inbox.Channels.Phone;

/// <summary>Calls reported by the CTI: the phone line, no text replies of its own — a reply after a call goes by SMS to the same number.</summary>
public sealed class PhoneDefinition : ChannelDefinition
{
    public override string Name => Channel.Phone;

    public override string DisplayName => "전화";

    public override string Line => Conversations.Line.Phone;

    public override Type Webhooks => typeof(PhoneChannel);

    public override string ReplyChannel => Channel.Sms;
}
