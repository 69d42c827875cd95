using Inbox.Calendar;
using Inbox.Callbacks;
using Inbox.Centers;
using Inbox.Conversations;
using Inbox.Ingest;
using Inbox.Tests.Storage;

namespace Inbox.Tests.Callbacks;

public sealed class CallbackRulesTests
{
    private static CallbackRules Rules(LineOptions options) =>
        new(new AutomaticMessages(new ConversationStore(), Channels), new CenterDirectory([new CenterOptions { Id = "c" }]), Channels, new FixedOptions<LineOptions>(options));

    private static readonly Inbox.Channels.ChannelRegistry Channels = new(Inbox.Channels.BuiltInChannels.All);

    [Theory]
    [InlineData("전화 좀 주실 수 있나요?", true)]
    [InlineData("글로 쓰기 어려워서요. 전화 부탁드립니다", true)]
    [InlineData("통화 가능할까요", true)]
    [InlineData("연락 주세요", true)]
    [InlineData("센터 전화번호 알려주세요", false)]
    [InlineData("전화번호 좀 주세요", false)]
    [InlineData("연락처 주세요", false)]
    [InlineData("기초연금 신청서 어디서 받나요?", false)]
    [InlineData("", false)]
    public void Recognises_a_request_to_be_called_but_not_a_question_about_a_number(string text, bool asks)
    {
        Assert.Equal(asks, Rules(new LineOptions()).AsksForCall(text));
    }

    [Fact]
    public void Configured_phrases_replace_the_defaults()
    {
        var options = new LineOptions();
        options.Callback.Phrases.Add("전화원해");
        var rules = Rules(options);
        Assert.True(rules.AsksForCall("전화 원해요"));
        Assert.False(rules.AsksForCall("전화 주세요"));
    }

    [Theory]
    [InlineData("010-2345-6789 로 전화주세요", "+821023456789")]
    [InlineData("제 번호는 01023456789입니다", "+821023456789")]
    [InlineData("집 전화 02-123-4567 로 부탁드려요", "+8221234567")]
    [InlineData("+82 10 2345 6789", "+821023456789")]
    [InlineData("번호는 나중에 드릴게요", null)]
    public void Reads_the_number_a_resident_gives(string text, string? e164)
    {
        Assert.Equal(e164, CallbackRules.FindPhoneNumber(text));
    }
}
