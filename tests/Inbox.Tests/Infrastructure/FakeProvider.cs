using System.Collections.ObjectModel;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Inbox.Channels;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Inbox.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on a free loopback port standing in for the three providers replies go out through:
/// Twilio (<c>POST /2010-04-01/Accounts/{sid}/Messages.json</c>, form, basic auth), the Korean SMS gateway
/// (<c>POST /messages</c>, JSON, Inbox HMAC) and the KakaoTalk dealer (<c>POST /chat/write</c>, JSON, Inbox HMAC).
/// Every request is recorded; <see cref="Delivered"/> holds what actually reached residents, once per idempotency key
/// (Twilio: the Idempotency-Key header, gateway: messageId, Kakao: serial_number), as a real provider would.
/// Failures are scripted with <see cref="FailNext"/> and <see cref="StallNext"/>.
/// </summary>
public sealed class FakeProvider : IAsyncDisposable
{
    public const string Twilio = "twilio";
    public const string Gateway = "gateway";
    public const string Kakao = "kakao";

    public const string TwilioAccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string TwilioAuthToken = "fake-twilio-auth-token";
    public const string GatewaySecret = "fake-gateway-secret";
    public const string KakaoSecret = "fake-kakao-secret";

    private const string TwilioPathPrefix = "/2010-04-01/Accounts/";
    private const string TwilioPathSuffix = "/Messages.json";

    private readonly Lock _gate = new();
    private readonly List<ProviderRequest> _requests = [];
    private readonly List<DeliveredMessage> _delivered = [];
    private readonly Dictionary<(string Endpoint, string Key), DeliveredMessage> _byKey = [];
    private readonly Queue<PlannedAnswer> _plan = new();
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private int _providerIds;

    private FakeProvider()
    {
    }

    /// <summary>"http://127.0.0.1:{port}", without a trailing slash: the BaseUrl of all three providers.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Every request received, in order (also refused and failed ones).</summary>
    public IReadOnlyList<ProviderRequest> Requests
    {
        get { lock (_gate) return _requests.ToArray(); }
    }

    /// <summary>The distinct messages that reached a resident: one per idempotency key, however often it was posted.</summary>
    public IReadOnlyList<DeliveredMessage> Delivered
    {
        get { lock (_gate) return _delivered.ToArray(); }
    }

    public static async Task<FakeProvider> StartAsync()
    {
        var provider = new FakeProvider();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(provider.HandleAsync);
        await app.StartAsync();
        provider._app = app;
        provider.BaseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single().TrimEnd('/');
        return provider;
    }

    /// <summary>
    /// The next <paramref name="count"/> well-formed, authentic requests (any endpoint) are answered with
    /// <paramref name="status"/> and an error body in the provider's own shape (its <c>code</c> and <c>message</c>;
    /// <paramref name="code"/>/<paramref name="message"/> override the defaults). With <paramref name="afterProcessing"/>
    /// the message is delivered first, like a provider that sent it and then failed to say so, so a retry with the same
    /// key must not deliver it again. A 2xx <paramref name="status"/> with a <paramref name="code"/> is a Kakao-style
    /// refusal inside a successful HTTP answer (nothing delivered).
    /// </summary>
    public void FailNext(int count, int status = 500, bool afterProcessing = false, string? code = null, string? message = null)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
                _plan.Enqueue(new PlannedAnswer(status, afterProcessing, code, message, null));
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> requests are delivered, then their (successful) answer is held back for
    /// <paramref name="delay"/> or until the caller gives up: a provider that is slow after having sent.
    /// </summary>
    public void StallNext(int count, TimeSpan delay)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
                _plan.Enqueue(new PlannedAnswer(null, true, null, null, delay));
        }
    }

    public Task WaitForRequestsAsync(int count, TimeSpan timeout) =>
        WaitUntilAsync(p => p._requests.Count >= count, timeout, $"{count} request(s)");

    /// <summary>Waits until <paramref name="condition"/> holds (checked on every change, under the provider's lock), or throws <see cref="TimeoutException"/>.</summary>
    public async Task WaitUntilAsync(Func<FakeProvider, bool> condition, TimeSpan timeout, string what = "the condition")
    {
        using var expired = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(this))
                    return;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(expired.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The fake provider did not see {what} within {timeout.TotalSeconds:0.#} s; it has {Requests.Count} request(s) and {Delivered.Count} delivered message(s).");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(deadline.Token);
            await _app.DisposeAsync();
        }
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        var raw = body.ToArray();
        var path = http.Request.Path.Value ?? "";
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

        Exchange exchange;
        if (http.Request.Method != HttpMethods.Post)
            exchange = Exchange.Unknown(405);
        else if (path.StartsWith(TwilioPathPrefix, StringComparison.Ordinal) && path.EndsWith(TwilioPathSuffix, StringComparison.Ordinal))
            exchange = TwilioExchange(http.Request, path[TwilioPathPrefix.Length..^TwilioPathSuffix.Length], raw);
        else if (path == "/messages")
            exchange = GatewayExchange(http.Request, raw);
        else if (path == "/chat/write")
            exchange = KakaoExchange(http.Request, raw);
        else
            exchange = Exchange.Unknown(404);

        var (status, answer, delay, delivered) = Process(exchange);
        var request = new ProviderRequest(exchange.Endpoint, http.Request.Method, path, new ReadOnlyDictionary<string, string>(headers), raw,
            new ReadOnlyDictionary<string, string?>(exchange.Fields), exchange.Key, status, delivered, exchange.Refusal);
        TaskCompletionSource changed;
        lock (_gate)
        {
            _requests.Add(request);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();

        if (delay is { } wait)
        {
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
            try
            {
                await Task.Delay(wait, gone.Token);
            }
            catch (OperationCanceledException)
            {
                return; // the caller gave up (timeout) or the provider is shutting down: nobody reads the answer
            }
        }

        http.Response.StatusCode = status;
        if (answer is not null)
        {
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.ToJsonString()));
        }
    }

    /// <summary>Refusal, planned failure, delivery (once per key) and the answer, decided under the lock.</summary>
    private (int Status, System.Text.Json.Nodes.JsonObject? Answer, TimeSpan? Delay, bool Delivered) Process(Exchange exchange)
    {
        if (exchange.Refusal is not null)
            return (exchange.RefusalStatus, exchange.ErrorAnswer(exchange.RefusalStatus, null, exchange.Refusal), null, false);

        lock (_gate)
        {
            var planned = _plan.Count > 0 ? _plan.Dequeue() : null;
            if (planned is { AfterProcessing: false, Status: { } early })
                return (early, exchange.ErrorAnswer(early, planned.Code, planned.Message), null, false);

            var key = exchange.Key ?? Guid.NewGuid().ToString(); // no key: nothing to deduplicate on
            var isNew = !_byKey.TryGetValue((exchange.Endpoint, key), out var message);
            if (message is null)
            {
                var number = ++_providerIds;
                message = new DeliveredMessage(exchange.Endpoint, key, exchange.NewProviderId(number),
                    exchange.To ?? "", exchange.From ?? "", exchange.Text ?? "", exchange.Fields.GetValueOrDefault("subject"));
                _byKey[(exchange.Endpoint, key)] = message;
                _delivered.Add(message);
            }

            if (planned is { Status: { } late })
                return (late, exchange.ErrorAnswer(late, planned.Code, planned.Message), null, isNew);
            return (exchange.SuccessStatus, exchange.SuccessAnswer(message), planned?.Delay, isNew);
        }
    }

    private static Exchange TwilioExchange(HttpRequest request, string accountSid, byte[] raw)
    {
        var exchange = new Exchange(Twilio) { SuccessStatus = 201 };
        if (!IsContentType(request, "application/x-www-form-urlencoded"))
            return exchange.Refuse(415, "Content-Type must be application/x-www-form-urlencoded.");
        foreach (var (name, value) in new FormReader(Encoding.UTF8.GetString(raw)).ReadForm())
            exchange.Fields[name] = value.ToString();
        exchange.Key = request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null;
        exchange.To = exchange.Fields.GetValueOrDefault("To");
        exchange.From = exchange.Fields.GetValueOrDefault("From");
        exchange.Text = exchange.Fields.GetValueOrDefault("Body");

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioAccountSid}:{TwilioAuthToken}"));
        if (accountSid != TwilioAccountSid || request.Headers.Authorization.ToString() != expected)
            return exchange.Refuse(401, "Authenticate", 20003);
        if (string.IsNullOrEmpty(exchange.To))
            return exchange.Refuse(400, "A 'To' phone number is required.", 21604);
        if (string.IsNullOrEmpty(exchange.From))
            return exchange.Refuse(400, "A 'From' phone number is required.", 21603);
        if (string.IsNullOrEmpty(exchange.Text))
            return exchange.Refuse(400, "Message body is required.", 21602);
        return exchange;
    }

    private static Exchange GatewayExchange(HttpRequest request, byte[] raw)
    {
        var exchange = new Exchange(Gateway);
        if (!IsContentType(request, "application/json"))
            return exchange.Refuse(415, "Content-Type must be application/json.");
        if (InboxHmac.Verify(GatewaySecret, request.Headers[InboxHmac.TimestampHeader], request.Headers[InboxHmac.SignatureHeader], raw, DateTimeOffset.UtcNow) is { } problem)
            return exchange.Refuse(401, problem);
        if (!exchange.ReadJson(raw))
            return exchange.Refuse(400, "The body is not a JSON object.");
        foreach (var field in (string[])["messageId", "to", "from", "text", "type"])
        {
            if (string.IsNullOrEmpty(exchange.Fields.GetValueOrDefault(field)))
                return exchange.Refuse(400, $"'{field}' is required.");
        }
        if (exchange.Fields["type"] is not ("SMS" or "LMS"))
            return exchange.Refuse(400, "'type' must be SMS or LMS.");
        exchange.Key = exchange.Fields["messageId"];
        exchange.To = exchange.Fields["to"];
        exchange.From = exchange.Fields["from"];
        exchange.Text = exchange.Fields["text"];
        return exchange;
    }

    private static Exchange KakaoExchange(HttpRequest request, byte[] raw)
    {
        var exchange = new Exchange(Kakao);
        if (!IsContentType(request, "application/json"))
            return exchange.Refuse(415, "Content-Type must be application/json.");
        if (InboxHmac.Verify(KakaoSecret, request.Headers[InboxHmac.TimestampHeader], request.Headers[InboxHmac.SignatureHeader], raw, DateTimeOffset.UtcNow) is { } problem)
            return exchange.Refuse(401, problem);
        if (!exchange.ReadJson(raw))
            return exchange.Refuse(400, "The body is not a JSON object.");
        foreach (var field in (string[])["user_key", "sender_key", "serial_number", "message_type", "message"])
        {
            if (string.IsNullOrEmpty(exchange.Fields.GetValueOrDefault(field)))
                return exchange.Refuse(400, $"'{field}' is required.");
        }
        exchange.Key = exchange.Fields["serial_number"];
        exchange.To = exchange.Fields["user_key"];
        exchange.From = exchange.Fields["sender_key"];
        exchange.Text = exchange.Fields["message"];
        return exchange;
    }

    private static bool IsContentType(HttpRequest request, string mediaType) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) && string.Equals(parsed.MediaType, mediaType, StringComparison.OrdinalIgnoreCase);

    private sealed record PlannedAnswer(int? Status, bool AfterProcessing, string? Code, string? Message, TimeSpan? Delay);

    /// <summary>One request as the provider understood it, and how that provider shapes its answers.</summary>
    private sealed class Exchange(string endpoint)
    {
        public string Endpoint { get; } = endpoint;
        public Dictionary<string, string?> Fields { get; } = new(StringComparer.Ordinal);
        public string? Key { get; set; }
        public string? To { get; set; }
        public string? From { get; set; }
        public string? Text { get; set; }
        public int SuccessStatus { get; init; } = 200;
        public string? Refusal { get; private set; }
        public int RefusalStatus { get; private set; }
        private int? RefusalCode { get; set; }

        public static Exchange Unknown(int status) => new Exchange("unknown").Refuse(status, "No such endpoint.");

        public Exchange Refuse(int status, string reason, int? code = null)
        {
            RefusalStatus = status;
            Refusal = reason;
            RefusalCode = code;
            return this;
        }

        public bool ReadJson(byte[] raw)
        {
            try
            {
                using var document = JsonDocument.Parse(raw);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    return false;
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    Fields[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Null => null,
                        _ => property.Value.GetRawText(),
                    };
                }
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        public string NewProviderId(int number) => Endpoint switch
        {
            Twilio => "SM" + Guid.NewGuid().ToString("N"),
            Gateway => $"GW{number:D8}",
            _ => Key ?? number.ToString(CultureInfo.InvariantCulture),
        };

        public System.Text.Json.Nodes.JsonObject SuccessAnswer(DeliveredMessage message) => Endpoint switch
        {
            Twilio => new() { ["sid"] = message.ProviderId, ["status"] = "queued", ["to"] = message.To, ["from"] = message.From, ["num_segments"] = "1" },
            Gateway => new() { ["messageId"] = message.ProviderId },
            _ => new() { ["code"] = "0000", ["received_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) },
        };

        public System.Text.Json.Nodes.JsonObject ErrorAnswer(int status, string? code, string? message)
        {
            message ??= Refusal ?? DefaultMessage(status);
            if (Endpoint == Twilio)
            {
                var twilioCode = code is not null ? int.Parse(code, CultureInfo.InvariantCulture) : RefusalCode ?? DefaultTwilioCode(status);
                return new() { ["code"] = twilioCode, ["message"] = message, ["more_info"] = $"https://www.twilio.com/docs/errors/{twilioCode}", ["status"] = status };
            }
            return new() { ["code"] = code ?? (Endpoint == Kakao ? DefaultKakaoCode(status) : $"E{status}"), ["message"] = message };
        }

        private static string DefaultMessage(int status) => status switch
        {
            400 => "The message was refused.",
            401 => "Authentication failed.",
            429 => "Too many requests.",
            >= 500 => "Internal server error.",
            _ => "Request failed.",
        };

        private static int DefaultTwilioCode(int status) => status switch
        {
            400 => 21211,
            401 => 20003,
            404 => 20404,
            429 => 20429,
            _ => 20500,
        };

        private static string DefaultKakaoCode(int status) => status switch
        {
            400 => "1001",
            401 => "1002",
            _ => "9999",
        };
    }
}

/// <summary>One HTTP request as the fake provider received it.</summary>
/// <param name="Endpoint"><see cref="FakeProvider.Twilio"/>, <see cref="FakeProvider.Gateway"/>, <see cref="FakeProvider.Kakao"/> or "unknown".</param>
/// <param name="Headers">Request headers, names compared ignoring case.</param>
/// <param name="Body">The exact bytes received.</param>
/// <param name="Fields">Form fields (Twilio) or top-level JSON properties (strings as is, other values as raw JSON).</param>
/// <param name="Key">What the provider deduplicates on: Twilio's Idempotency-Key header, the gateway's messageId, Kakao's serial_number.</param>
/// <param name="Status">The HTTP status answered.</param>
/// <param name="DeliveredNow">This request delivered a message that had not been delivered before.</param>
/// <param name="Refusal">Why the request was refused (401, 400, 415), if it was.</param>
public sealed record ProviderRequest(
    string Endpoint, string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body,
    IReadOnlyDictionary<string, string?> Fields, string? Key, int Status, bool DeliveredNow, string? Refusal)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? IdempotencyKey => Header("Idempotency-Key");

    public string? Authorization => Header("Authorization");
}

/// <summary>A message that reached a resident, once per idempotency key.</summary>
public sealed record DeliveredMessage(string Endpoint, string Key, string ProviderId, string To, string From, string Text, string? Subject);
