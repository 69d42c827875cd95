using Inbox.Conversations;
using Inbox.Outbound;

namespace Inbox.Channels.Kakao;

/// <summary>
/// KakaoTalk counsel talk (상담톡): residents known by their user key, the live line, replies in parts of at most 1,000
/// characters sent through the dealer (<c>Channels:Kakao:Outbound</c>).
/// </summary>
public sealed class KakaoDefinition : ChannelDefinition
{
    public const string Outbound = "Channels:Kakao:Outbound";

    public override string Name => Channel.Kakao;

    public override string DisplayName => "카카오톡";

    public override string Line => Conversations.Line.Live;

    public override Type Webhooks => typeof(KakaoChannel);

    public override ReplyAddress Address { get; } =
        new(ReplyAddressSource.LatestIdentity, "The resident has not written on KakaoTalk, so a KakaoTalk reply cannot reach them.");

    public override string OutboundKey => Outbound;

    public override IReadOnlyList<ProviderChoice> Providers { get; } =
    [
        new("dealer", typeof(KakaoDealerSender), KakaoDealerSender.ConfigurationProblem),
    ];

    public override IReadOnlyList<ReplyPart> Split(string text) => [.. KoreanText.SplitKakao(text).Select(p => new ReplyPart(p))];
}
