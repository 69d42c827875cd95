using Inbox.Conversations;
using Inbox.Outbound;

namespace Inbox.Channels.Sms;

/// <summary>
/// SMS/LMS/MMS: residents known by their number, replies sized in EUC-KR (CP949) bytes — one SMS up to 90, one LMS up to
/// 2,000, longer ones in LMS parts — and sent through Twilio or the Korean gateway (<c>Channels:Sms:Outbound</c>).
/// </summary>
public sealed class SmsDefinition : ChannelDefinition
{
    public const string Outbound = "Channels:Sms:Outbound";

    public override string Name => Channel.Sms;

    public override string DisplayName => "문자(SMS)";

    public override string Line => Conversations.Line.Text24;

    public override Type Webhooks => typeof(SmsChannel);

    public override ReplyAddress Address { get; } = new(ReplyAddressSource.ContactPhone, "The resident has no phone number to text.");

    public override string OutboundKey => Outbound;

    public override IReadOnlyList<ProviderChoice> Providers { get; } =
    [
        new("twilio", typeof(TwilioSmsSender), TwilioSmsSender.ConfigurationProblem),
        new("gateway", typeof(GatewaySmsSender), GatewaySmsSender.ConfigurationProblem),
    ];

    public override IReadOnlyList<ReplyPart> Split(string text) => [.. KoreanText.SplitSms(text).Select(p => new ReplyPart(p.Text, p.Type))];

    public override void Validate(IConfiguration configuration, IHostEnvironment environment) => SmsChannel.ValidateTwilio(configuration, environment);
}
