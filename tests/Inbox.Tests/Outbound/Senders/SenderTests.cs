using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Inbox.Channels;
using Inbox.Channels.Kakao;
using Inbox.Channels.Sms;
using Inbox.Outbound;
using Inbox.Outbound.Senders;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Outbound.Senders;

/// <summary>Each sender against a real HTTP server playing the provider, the selector's choices and its configuration errors.</summary>
public sealed class SenderTests : IAsyncLifetime
{
    private const string Resident = "+821023456789";
    private const string ResidentMasked = "010-****-6789";
    private const string CenterNumber = "+8218996808";
    private const string KakaoUserKey = "kU7x2mQpR9tLzA4b";
    private const string KakaoSenderKey = TestServer.NorthKakaoKey;
    private const string ShortText = "안녕하세요. 신청서 잘 받았습니다.";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly LogCapture _logs = new();
    private readonly ILoggerFactory _loggers;
    private FakeProvider _provider = null!;
    private IConfigurationRoot _configuration = null!;

    public SenderTests()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public async ValueTask InitializeAsync()
    {
        _provider = await FakeProvider.StartAsync();
        _configuration = Configuration(ProviderSettings(_provider.BaseUrl));
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        _loggers.Dispose();
    }

    // ---- Twilio ----

    [Fact]
    public async Task Twilio_posts_the_form_with_basic_auth_and_the_idempotency_key_and_returns_the_sid()
    {
        _configuration[TwilioSmsSender.StatusCallbackUrlKey] = "https://inbox.example.go.kr/webhooks/sms/twilio/status";
        var message = Sms(ShortText);

        var result = await Twilio().SendAsync(message, CancellationToken.None);

        var accepted = Assert.IsType<SendResult.Accepted>(result);
        var delivered = Assert.Single(_provider.Delivered);
        Assert.Equal(delivered.ProviderId, accepted.ProviderMessageId);
        Assert.StartsWith("SM", accepted.ProviderMessageId);
        Assert.False(accepted.Delivered);

        var request = Assert.Single(_provider.Requests);
        Assert.Equal(FakeProvider.Twilio, request.Endpoint);
        Assert.Equal($"/2010-04-01/Accounts/{FakeProvider.TwilioAccountSid}/Messages.json", request.Path);
        Assert.StartsWith("application/x-www-form-urlencoded", request.Header("Content-Type"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeProvider.TwilioAccountSid}:{FakeProvider.TwilioAuthToken}")), request.Authorization);
        Assert.Equal(message.MessageId.ToString(), request.IdempotencyKey);
        Assert.Equal(201, request.Status);
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["To"] = Resident,
                ["From"] = CenterNumber,
                ["Body"] = ShortText,
                ["StatusCallback"] = "https://inbox.example.go.kr/webhooks/sms/twilio/status",
            },
            request.Fields);
    }

    [Fact]
    public async Task Twilio_sends_no_status_callback_when_none_is_configured()
    {
        Assert.IsType<SendResult.Accepted>(await Twilio().SendAsync(Sms(ShortText), CancellationToken.None));

        Assert.Equal(["Body", "From", "To"], _provider.Requests.Single().Fields.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Twilio_refusal_is_failed_with_twilios_code_and_message_and_the_number_masked()
    {
        _provider.FailNext(1, 400, code: "21211", message: $"Invalid 'To' Phone Number: {Resident}");

        var result = await Twilio().SendAsync(Sms(ShortText), CancellationToken.None);

        var failed = Assert.IsType<SendResult.Failed>(result);
        Assert.Contains("400", failed.Reason);
        Assert.Contains("21211", failed.Reason);
        Assert.Contains("Invalid 'To' Phone Number", failed.Reason);
        Assert.Contains(ResidentMasked, failed.Reason);
        Assert.DoesNotContain(Resident, failed.Reason);
        Assert.Empty(_provider.Delivered);
    }

    [Fact]
    public async Task Twilio_wrong_auth_token_is_failed_and_a_corrected_token_works_without_a_new_sender()
    {
        var sender = Twilio();
        _configuration[TwilioSmsSender.AuthTokenKey] = "rotated-away";

        var refused = Assert.IsType<SendResult.Failed>(await sender.SendAsync(Sms(ShortText), CancellationToken.None));
        Assert.Contains("401", refused.Reason);
        Assert.Contains("20003", refused.Reason);
        Assert.Equal(401, _provider.Requests.Single().Status);

        _configuration[TwilioSmsSender.AuthTokenKey] = FakeProvider.TwilioAuthToken;
        Assert.IsType<SendResult.Accepted>(await sender.SendAsync(Sms(ShortText), CancellationToken.None));
        Assert.Single(_provider.Delivered);
    }

    // ---- Gateway ----

    [Fact]
    public async Task Gateway_posts_signed_json_with_national_numbers_and_returns_the_gateway_id()
    {
        var message = Sms(ShortText) with { Subject = "제목은 SMS에 실리지 않음" };

        var result = await Gateway().SendAsync(message, CancellationToken.None);

        var accepted = Assert.IsType<SendResult.Accepted>(result);
        var delivered = Assert.Single(_provider.Delivered);
        Assert.Equal(delivered.ProviderId, accepted.ProviderMessageId);
        Assert.StartsWith("GW", accepted.ProviderMessageId);

        var request = Assert.Single(_provider.Requests);
        Assert.Equal("/messages", request.Path);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal(message.MessageId.ToString(), request.IdempotencyKey);
        Assert.Null(InboxHmac.Verify(FakeProvider.GatewaySecret, request.Header(InboxHmac.TimestampHeader), request.Header(InboxHmac.SignatureHeader), request.Body, DateTimeOffset.UtcNow));
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["messageId"] = message.MessageId.ToString(),
                ["to"] = "01023456789",
                ["from"] = "18996808",
                ["text"] = ShortText,
                ["type"] = "SMS",
            },
            request.Fields);
        Assert.Contains("안녕하세요", request.BodyText); // Korean as is, not \uXXXX
    }

    [Fact]
    public async Task Gateway_sends_a_text_over_90_euc_kr_bytes_as_lms_with_its_subject()
    {
        var text = new string('가', 46); // 92 bytes in EUC-KR
        var result = await Gateway().SendAsync(Sms(text) with { Subject = "긴급복지지원 안내" }, CancellationToken.None);

        Assert.IsType<SendResult.Accepted>(result);
        var fields = _provider.Requests.Single().Fields;
        Assert.Equal("LMS", fields["type"]);
        Assert.Equal("긴급복지지원 안내", fields["subject"]);
        Assert.Equal(text, fields["text"]);
    }

    [Theory]
    [InlineData("a", "SMS")]
    [InlineData("가", "SMS")]
    [InlineData("😀", "LMS")] // cannot go as SMS at all; replies are refused before this, the gateway never sees it as SMS
    public void Gateway_message_type_follows_the_korean_size_rules(string text, string type)
    {
        Assert.Equal(type, GatewaySmsSender.MessageType(text));
    }

    [Fact]
    public void Gateway_sms_ends_at_exactly_90_bytes()
    {
        Assert.Equal("SMS", GatewaySmsSender.MessageType(new string('가', 45)));
        Assert.Equal("LMS", GatewaySmsSender.MessageType(new string('가', 45) + "a"));
        Assert.Equal("SMS", GatewaySmsSender.MessageType(new string('a', 90)));
        Assert.Equal("LMS", GatewaySmsSender.MessageType(new string('a', 91)));
    }

    [Fact]
    public async Task Gateway_wrong_secret_is_refused_by_the_provider_and_reported_as_failed()
    {
        _configuration[GatewaySmsSender.SecretKey] = "not-the-gateway-secret";

        var failed = Assert.IsType<SendResult.Failed>(await Gateway().SendAsync(Sms(ShortText), CancellationToken.None));

        Assert.Contains("401", failed.Reason);
        Assert.Contains("does not match", failed.Reason);
        Assert.Empty(_provider.Delivered);
    }

    [Fact]
    public async Task Gateway_signature_uses_the_time_providers_clock()
    {
        var sender = new GatewaySmsSender(HttpClients(), _configuration, new ShiftedClock(TimeSpan.FromMinutes(10)), _loggers.CreateLogger<GatewaySmsSender>());

        var failed = Assert.IsType<SendResult.Failed>(await sender.SendAsync(Sms(ShortText), CancellationToken.None));

        Assert.Contains("off the server clock", failed.Reason);
    }

    // ---- Kakao dealer ----

    [Fact]
    public async Task Kakao_posts_signed_chat_write_with_the_serial_number_and_returns_it()
    {
        var message = Kakao("네, 에너지바우처는 주민센터에서 신청하실 수 있습니다.");

        var result = await KakaoDealer().SendAsync(message, CancellationToken.None);

        var accepted = Assert.IsType<SendResult.Accepted>(result);
        Assert.Equal(message.MessageId.ToString("N"), accepted.ProviderMessageId);
        var request = Assert.Single(_provider.Requests);
        Assert.Equal("/chat/write", request.Path);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal(message.MessageId.ToString(), request.IdempotencyKey);
        Assert.Null(InboxHmac.Verify(FakeProvider.KakaoSecret, request.Header(InboxHmac.TimestampHeader), request.Header(InboxHmac.SignatureHeader), request.Body, DateTimeOffset.UtcNow));
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["user_key"] = KakaoUserKey,
                ["sender_key"] = KakaoSenderKey,
                ["serial_number"] = message.MessageId.ToString("N"),
                ["message_type"] = "TX",
                ["message"] = message.Body,
            },
            request.Fields);
        Assert.Equal(message.Body, Assert.Single(_provider.Delivered).Text);
    }

    [Fact]
    public async Task Kakao_non_success_code_in_a_200_answer_is_failed_with_the_code_and_message()
    {
        _provider.FailNext(1, 200, code: "3018", message: "상담 세션이 종료되어 메시지를 보낼 수 없습니다.");

        var failed = Assert.IsType<SendResult.Failed>(await KakaoDealer().SendAsync(Kakao("답변드립니다."), CancellationToken.None));

        Assert.Contains("3018", failed.Reason);
        Assert.Contains("상담 세션이 종료되어", failed.Reason);
        Assert.Empty(_provider.Delivered);
    }

    // ---- What every HTTP sender shares ----

    public static TheoryData<string> Providers => [FakeProvider.Twilio, FakeProvider.Gateway, FakeProvider.Kakao];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Server_errors_throttling_and_request_timeouts_are_retried(string provider)
    {
        foreach (var status in (int[])[500, 502, 503, 429, 408])
        {
            _provider.FailNext(1, status);
            var retry = Assert.IsType<SendResult.Retry>(await SenderFor(provider).SendAsync(MessageFor(provider), CancellationToken.None));
            Assert.Contains(status.ToString(), retry.Reason);
        }
        Assert.Empty(_provider.Delivered);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_400_is_failed_with_the_providers_code_and_message(string provider)
    {
        _provider.FailNext(1, 400, code: provider == FakeProvider.Twilio ? "21610" : "E-BLOCKED", message: "The recipient has opted out.");

        var failed = Assert.IsType<SendResult.Failed>(await SenderFor(provider).SendAsync(MessageFor(provider), CancellationToken.None));

        Assert.Contains("400", failed.Reason);
        Assert.Contains(provider == FakeProvider.Twilio ? "21610" : "E-BLOCKED", failed.Reason);
        Assert.Contains("The recipient has opted out.", failed.Reason);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Connection_refused_is_retried(string provider)
    {
        _configuration = Configuration(ProviderSettings($"http://127.0.0.1:{ClosedPort()}"));

        var retry = Assert.IsType<SendResult.Retry>(await SenderFor(provider).SendAsync(MessageFor(provider), CancellationToken.None));

        Assert.Contains("could not be reached", retry.Reason);
        Assert.Empty(_provider.Requests);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_retry_after_an_error_answered_after_sending_is_delivered_once(string provider)
    {
        _provider.FailNext(1, 500, afterProcessing: true);
        var sender = SenderFor(provider);
        var message = MessageFor(provider);

        Assert.IsType<SendResult.Retry>(await sender.SendAsync(message, CancellationToken.None));
        var accepted = Assert.IsType<SendResult.Accepted>(await sender.SendAsync(message with { Attempt = 2 }, CancellationToken.None));

        Assert.Equal(2, _provider.Requests.Count);
        Assert.Equal(_provider.Requests[0].Key, _provider.Requests[1].Key);
        Assert.Equal(_provider.Requests[0].IdempotencyKey, _provider.Requests[1].IdempotencyKey);
        var delivered = Assert.Single(_provider.Delivered);
        Assert.Equal(delivered.ProviderId, accepted.ProviderMessageId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_timeout_is_retried_and_the_retry_is_delivered_once(string provider)
    {
        _provider.StallNext(1, TimeSpan.FromSeconds(30));
        var sender = SenderFor(provider, HttpClients(TimeSpan.FromMilliseconds(500)));
        var message = MessageFor(provider);

        var retry = Assert.IsType<SendResult.Retry>(await sender.SendAsync(message, CancellationToken.None));
        Assert.Contains("did not answer", retry.Reason);
        Assert.IsType<SendResult.Accepted>(await sender.SendAsync(message with { Attempt = 2 }, CancellationToken.None));

        Assert.Equal(2, _provider.Requests.Count);
        Assert.Single(_provider.Delivered);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Cancellation_by_the_caller_is_thrown_not_reported_as_a_result(string provider)
    {
        _provider.StallNext(1, TimeSpan.FromSeconds(30));
        using var shutdown = new CancellationTokenSource();
        var sending = SenderFor(provider).SendAsync(MessageFor(provider), shutdown.Token);
        await _provider.WaitForRequestsAsync(1, Wait);

        await shutdown.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }

    [Theory]
    [InlineData(FakeProvider.Twilio, TwilioSmsSender.AccountSidKey, "Channels__Sms__Twilio__AccountSid")]
    [InlineData(FakeProvider.Gateway, GatewaySmsSender.BaseUrlKey, "Channels__Sms__Gateway__BaseUrl")]
    [InlineData(FakeProvider.Kakao, KakaoDealerSender.SecretKey, "Channels__Kakao__Secret")]
    public async Task A_setting_removed_after_start_up_is_retried_naming_the_key(string provider, string key, string variable)
    {
        _configuration[key] = null;

        var retry = Assert.IsType<SendResult.Retry>(await SenderFor(provider).SendAsync(MessageFor(provider), CancellationToken.None));

        Assert.Contains(key, retry.Reason);
        Assert.Contains(variable, retry.Reason);
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task Logs_name_the_outcome_but_never_the_text_the_number_or_a_secret()
    {
        await Twilio().SendAsync(Sms(ShortText), CancellationToken.None);
        await Gateway().SendAsync(Sms(ShortText), CancellationToken.None);
        _provider.FailNext(1, 400, message: $"Rejected {Resident}: {ShortText}");
        await Gateway().SendAsync(Sms(ShortText), CancellationToken.None);
        await KakaoDealer().SendAsync(Kakao(ShortText), CancellationToken.None);

        var log = string.Join("\n", _logs.Lines);
        Assert.Contains("accepted by twilio", log);
        Assert.Contains("refused by gateway", log);
        Assert.Contains(ResidentMasked, log);
        Assert.Contains("****zA4b", log);
        foreach (var secret in (string[])[ShortText, Resident, "01023456789", "010-2345-6789", KakaoUserKey, FakeProvider.TwilioAuthToken,
                     FakeProvider.GatewaySecret, FakeProvider.KakaoSecret, Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeProvider.TwilioAccountSid}:{FakeProvider.TwilioAuthToken}"))])
            Assert.DoesNotContain(secret, log);
    }

    [Fact]
    public async Task A_message_of_another_channel_is_a_bug_in_the_caller()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Twilio().SendAsync(Kakao(ShortText), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => KakaoDealer().SendAsync(Sms(ShortText), CancellationToken.None));
        Assert.Empty(_provider.Requests);
    }

    // ---- Loopback ----

    [Fact]
    public async Task Loopback_delivers_nothing_anywhere_and_says_so_in_the_log()
    {
        var sender = new LoopbackSender("sms", SmsDefinition.Outbound, _loggers.CreateLogger<LoopbackSender>());

        var result = await sender.SendAsync(Sms(ShortText), CancellationToken.None);

        Assert.Equal(new SendResult.Accepted(null, Delivered: true), result);
        Assert.Equal(("sms", "loopback"), (sender.Channel, sender.Name));
        Assert.Empty(_provider.Requests);
        var line = Assert.Single(_logs.Lines, l => l.Contains("did not leave this machine"));
        Assert.StartsWith("Information", line);
        Assert.Contains(ResidentMasked, line);
        Assert.Contains("no provider is configured for the sms channel", line);
        Assert.DoesNotContain(Resident, line);
        Assert.DoesNotContain(ShortText, line);
    }

    // ---- Selector ----

    [Fact]
    public void Selector_uses_loopback_when_no_provider_is_chosen()
    {
        var selector = Selector(new Dictionary<string, string?>());

        Assert.IsType<LoopbackSender>(selector.For("sms"));
        Assert.Equal("sms", selector.For("sms").Channel);
        Assert.IsType<LoopbackSender>(selector.For("kakao"));
        Assert.Equal("kakao", selector.For("kakao").Channel);

        var explicitly = Selector(new Dictionary<string, string?> { [SmsDefinition.Outbound] = "loopback", [KakaoDefinition.Outbound] = "" });
        Assert.Equal("loopback", explicitly.For("sms").Name);
        Assert.Equal("loopback", explicitly.For("kakao").Name);
    }

    [Theory]
    [InlineData("twilio", typeof(TwilioSmsSender))]
    [InlineData("Twilio", typeof(TwilioSmsSender))]
    [InlineData("gateway", typeof(GatewaySmsSender))]
    [InlineData(" GATEWAY ", typeof(GatewaySmsSender))]
    public void Selector_picks_the_configured_sms_provider(string setting, Type expected)
    {
        var settings = ProviderSettings(_provider.BaseUrl);
        settings[SmsDefinition.Outbound] = setting;

        Assert.IsType(expected, Selector(settings).For("sms"));
    }

    [Fact]
    public void Selector_picks_the_kakao_dealer()
    {
        var settings = ProviderSettings(_provider.BaseUrl);
        settings[KakaoDefinition.Outbound] = "dealer";

        var sender = Selector(settings).For("kakao");

        Assert.IsType<KakaoDealerSender>(sender);
        Assert.Equal("kakao-dealer", sender.Name);
    }

    [Fact]
    public void Selector_follows_a_changed_setting_without_a_restart()
    {
        var configuration = Configuration(ProviderSettings(_provider.BaseUrl));
        var selector = SelectorOver(configuration);
        Assert.Equal("loopback", selector.For("sms").Name);

        configuration[SmsDefinition.Outbound] = "gateway";
        Assert.Equal("gateway", selector.For("sms").Name);

        configuration[SmsDefinition.Outbound] = "twilio";
        Assert.Equal("twilio", selector.For("sms").Name);
    }

    [Theory]
    [InlineData(SmsDefinition.Outbound, "Channels__Sms__Outbound", "twillio", "twilio, gateway, loopback")]
    [InlineData(SmsDefinition.Outbound, "Channels__Sms__Outbound", "dealer", "twilio, gateway, loopback")]
    [InlineData(KakaoDefinition.Outbound, "Channels__Kakao__Outbound", "twilio", "dealer, loopback")]
    public void Selector_refuses_an_unknown_provider_naming_the_key_and_the_allowed_values(string key, string variable, string value, string allowed)
    {
        var settings = ProviderSettings(_provider.BaseUrl);
        settings[key] = value;
        var channel = key == SmsDefinition.Outbound ? "sms" : "kakao";

        var error = Assert.Throws<InvalidOperationException>(() => Selector(settings).For(channel));

        Assert.Contains(key, error.Message);
        Assert.Contains(variable, error.Message);
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains(allowed, error.Message);
    }

    [Theory]
    [InlineData("sms", "twilio", TwilioSmsSender.AccountSidKey, "Channels__Sms__Twilio__AccountSid")]
    [InlineData("sms", "twilio", TwilioSmsSender.AuthTokenKey, "Channels__Sms__Twilio__AuthToken")]
    [InlineData("sms", "gateway", GatewaySmsSender.BaseUrlKey, "Channels__Sms__Gateway__BaseUrl")]
    [InlineData("sms", "gateway", GatewaySmsSender.SecretKey, "Channels__Sms__Gateway__Secret")]
    [InlineData("kakao", "dealer", KakaoDealerSender.BaseUrlKey, "Channels__Kakao__Dealer__BaseUrl")]
    [InlineData("kakao", "dealer", KakaoDealerSender.SecretKey, "Channels__Kakao__Secret")]
    public void Selector_names_a_setting_the_chosen_provider_is_missing(string channel, string choice, string missing, string variable)
    {
        var settings = ProviderSettings(_provider.BaseUrl);
        settings[Channels.Get(channel).OutboundKey!] = choice;
        settings.Remove(missing);

        var error = Assert.Throws<InvalidOperationException>(() => Selector(settings).For(channel));

        Assert.Contains(missing, error.Message);
        Assert.Contains(variable, error.Message);
    }

    [Fact]
    public void Selector_needs_no_twilio_base_url_but_refuses_a_malformed_one()
    {
        var settings = ProviderSettings(_provider.BaseUrl);
        settings[SmsDefinition.Outbound] = "twilio";
        settings.Remove(TwilioSmsSender.BaseUrlKey);
        Assert.IsType<TwilioSmsSender>(Selector(settings).For("sms"));

        settings[TwilioSmsSender.BaseUrlKey] = "api.twilio.com";
        var error = Assert.Throws<InvalidOperationException>(() => Selector(settings).For("sms"));
        Assert.Contains(TwilioSmsSender.BaseUrlKey, error.Message);
    }

    [Theory]
    [InlineData("phone")]
    [InlineData("fax")]
    public void Selector_refuses_channels_that_cannot_carry_text_replies(string channel)
    {
        var error = Assert.Throws<ArgumentException>(() => Selector(ProviderSettings(_provider.BaseUrl)).For(channel));

        Assert.Contains(channel, error.Message);
    }

    [Fact]
    public void Selector_validate_reports_a_bad_setting_at_start_up()
    {
        Selector(new Dictionary<string, string?>()).Validate();

        var error = Assert.Throws<InvalidOperationException>(() =>
            Selector(new Dictionary<string, string?> { [KakaoDefinition.Outbound] = "dealer" }).Validate());
        Assert.Contains(KakaoDealerSender.BaseUrlKey, error.Message);
    }

    // ---- Registration ----

    [Fact]
    public async Task AddInboxChannels_registers_the_selector_every_sender_and_a_15_second_client()
    {
        var settings = ProviderSettings(_provider.BaseUrl);
        settings[SmsDefinition.Outbound] = "gateway";
        settings[KakaoDefinition.Outbound] = "dealer";
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(Configuration(settings))
            .AddLogging(b => b.AddProvider(_logs))
            .AddInboxChannels();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Equal(TimeSpan.FromSeconds(15), provider.GetRequiredService<IHttpClientFactory>().CreateClient(Inbox.Outbound.Senders.Senders.HttpClientName).Timeout);
        Assert.Equal(
            ["gateway/sms", "kakao-dealer/kakao", "loopback/kakao", "loopback/sms", "twilio/sms"],
            provider.GetServices<IChannelSender>().Select(s => $"{s.Name}/{s.Channel}").Order(StringComparer.Ordinal));

        var selector = provider.GetRequiredService<SenderSelector>();
        Assert.IsType<SendResult.Accepted>(await selector.For("sms").SendAsync(Sms(ShortText), CancellationToken.None));
        Assert.IsType<SendResult.Accepted>(await selector.For("kakao").SendAsync(Kakao(ShortText), CancellationToken.None));
        Assert.Equal([FakeProvider.Gateway, FakeProvider.Kakao], _provider.Delivered.Select(d => d.Endpoint));
    }

    // ---- Helpers ----

    private static readonly ChannelRegistry Channels = new(BuiltInChannels.All);

    private static Dictionary<string, string?> ProviderSettings(string baseUrl) => new()
    {
        [TwilioSmsSender.BaseUrlKey] = baseUrl,
        [TwilioSmsSender.AccountSidKey] = FakeProvider.TwilioAccountSid,
        [TwilioSmsSender.AuthTokenKey] = FakeProvider.TwilioAuthToken,
        [GatewaySmsSender.BaseUrlKey] = baseUrl,
        [GatewaySmsSender.SecretKey] = FakeProvider.GatewaySecret,
        [KakaoDealerSender.BaseUrlKey] = baseUrl,
        [KakaoDealerSender.SecretKey] = FakeProvider.KakaoSecret,
    };

    private static IConfigurationRoot Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static IHttpClientFactory HttpClients(TimeSpan? timeout = null)
    {
        var services = new ServiceCollection().AddHttpClient();
        if (timeout is { } t)
            services.AddHttpClient(Inbox.Outbound.Senders.Senders.HttpClientName, c => c.Timeout = t);
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
    }

    private TwilioSmsSender Twilio(IHttpClientFactory? clients = null) =>
        new(clients ?? HttpClients(), _configuration, TimeProvider.System, _loggers.CreateLogger<TwilioSmsSender>());

    private GatewaySmsSender Gateway(IHttpClientFactory? clients = null) =>
        new(clients ?? HttpClients(), _configuration, TimeProvider.System, _loggers.CreateLogger<GatewaySmsSender>());

    private KakaoDealerSender KakaoDealer(IHttpClientFactory? clients = null) =>
        new(clients ?? HttpClients(), _configuration, TimeProvider.System, _loggers.CreateLogger<KakaoDealerSender>());

    private IChannelSender SenderFor(string provider, IHttpClientFactory? clients = null) => provider switch
    {
        FakeProvider.Twilio => Twilio(clients),
        FakeProvider.Gateway => Gateway(clients),
        _ => KakaoDealer(clients),
    };

    private static OutboundMessage MessageFor(string provider) => provider == FakeProvider.Kakao ? Kakao(ShortText) : Sms(ShortText);

    private SenderSelector Selector(Dictionary<string, string?> settings) => SelectorOver(Configuration(settings));

    private SenderSelector SelectorOver(IConfiguration configuration)
    {
        var clients = HttpClients();
        return new SenderSelector(configuration, Channels,
        [
            new TwilioSmsSender(clients, configuration, TimeProvider.System, _loggers.CreateLogger<TwilioSmsSender>()),
            new GatewaySmsSender(clients, configuration, TimeProvider.System, _loggers.CreateLogger<GatewaySmsSender>()),
            new KakaoDealerSender(clients, configuration, TimeProvider.System, _loggers.CreateLogger<KakaoDealerSender>()),
            new LoopbackSender("sms", SmsDefinition.Outbound, _loggers.CreateLogger<LoopbackSender>()),
            new LoopbackSender("kakao", KakaoDefinition.Outbound, _loggers.CreateLogger<LoopbackSender>()),
        ]);
    }

    private static OutboundMessage Sms(string text) => new()
    {
        MessageId = Guid.CreateVersion7(),
        CenterId = "north",
        Channel = "sms",
        CenterAddress = CenterNumber,
        ResidentAddress = Resident,
        Body = text,
    };

    private static OutboundMessage Kakao(string text) => new()
    {
        MessageId = Guid.CreateVersion7(),
        CenterId = "north",
        Channel = "kakao",
        CenterAddress = KakaoSenderKey,
        ResidentAddress = KakaoUserKey,
        Body = text,
    };

    /// <summary>A loopback port nothing listens on: bound, noted and released.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
