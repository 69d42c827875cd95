#:property PublishAot=false

// Signs and posts the request samples in webhooks-samples/ to a running Inbox server,
// one HTTP request per file, so you can watch them arrive in the inbox.
//
//   dotnet run --file scripts/ReplaySamples.cs -- [--url http://localhost:5080] [files or folders...]
//   scripts/replay-samples.sh --help
//
// No NuGet packages: only the BCL (HttpClient, HMACSHA256, HMACSHA1).

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

return await Replay.RunAsync(args);

/// <summary>How a sample file is signed.</summary>
internal enum Scheme
{
    /// <summary>X-Inbox-Timestamp + X-Inbox-Signature: v1=hex(HMAC-SHA256(secret, "{ts}.{body}")).</summary>
    InboxHmac,

    /// <summary>X-Twilio-Signature: base64(HMAC-SHA1(auth token, url + sorted name/value pairs)).</summary>
    Twilio,
}

/// <summary>One kind of webhook request, recognised by the file name prefix.</summary>
/// <param name="IdFields">The provider's own ids of the request (how the server knows a redelivery): --fresh replaces them.</param>
internal sealed record Kind(string Prefix, string Extension, string Endpoint, string ContentType, Scheme Scheme, string SecretVariable, string DefaultSecret, string[] IdFields);

/// <summary>A sample file to replay.</summary>
internal sealed record Sample(string Path, string Display, Kind Kind);

/// <summary>What was sent for one file (headers are kept for --dry-run output).</summary>
internal sealed record Prepared(Uri Url, byte[] Body, string ContentType, IReadOnlyList<KeyValuePair<string, string>> Headers);

internal static class Replay
{
    private const string DefaultUrl = "http://localhost:5080";
    private const int ExitOk = 0;
    private const int ExitFailed = 1;
    private const int ExitUsageOrNoServer = 2;
    private const int MaxShownBody = 4000;

    /// <summary>The kind prefix of a file name decides the endpoint (sms/gateway-*.json → /webhooks/sms/gateway, …).</summary>
    private static readonly Kind[] Kinds =
    [
        new("gateway", ".json", "/webhooks/sms/gateway", "application/json", Scheme.InboxHmac, "INBOX_GATEWAY_SECRET", "dev-gateway-secret", ["messageId"]),
        new("twilio", ".form", "/webhooks/sms/twilio", "application/x-www-form-urlencoded", Scheme.Twilio, "INBOX_TWILIO_AUTH_TOKEN", "dev-twilio-auth-token", ["MessageSid", "SmsMessageSid", "SmsSid"]),
        new("message", ".json", "/webhooks/kakao/message", "application/json", Scheme.InboxHmac, "INBOX_KAKAO_SECRET", "dev-kakao-secret", ["serial_number"]),
        new("reference", ".json", "/webhooks/kakao/reference", "application/json", Scheme.InboxHmac, "INBOX_KAKAO_SECRET", "dev-kakao-secret", []),
        new("expired_session", ".json", "/webhooks/kakao/expired_session", "application/json", Scheme.InboxHmac, "INBOX_KAKAO_SECRET", "dev-kakao-secret", []),
        new("transcript", ".json", "/webhooks/phone/transcripts", "application/json", Scheme.InboxHmac, "INBOX_PHONE_SECRET", "dev-phone-secret", ["callId"]),
    ];

    /// <summary>Channel folders of webhooks-samples, in replay order; other sub-folders follow by name.</summary>
    private static readonly string[] ChannelOrder = ["sms", "kakao", "phone"];
    private static readonly string[] KindOrder = ["reference", "message", "expired_session"];

    public static async Task<int> RunAsync(string[] args)
    {
        var url = DefaultUrl;
        var dryRun = false;
        var fresh = false;
        var inputs = new List<string>();
        var onlyPaths = false;

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (onlyPaths || !arg.StartsWith('-') || arg == "-")
            {
                inputs.Add(arg);
                continue;
            }

            switch (arg)
            {
                case "-h" or "--help" or "-?":
                    PrintHelp();
                    return ExitOk;
                case "--url" or "-u":
                    if (i + 1 >= args.Length)
                    {
                        return UsageError("--url needs a value, e.g. --url http://localhost:5080");
                    }

                    url = args[++i];
                    break;
                case "--dry-run" or "-n":
                    dryRun = true;
                    break;
                case "--fresh" or "-f":
                    fresh = true;
                    break;
                case "--":
                    onlyPaths = true;
                    break;
                default:
                    if (arg.StartsWith("--url=", StringComparison.Ordinal))
                    {
                        url = arg["--url=".Length..];
                        break;
                    }

                    return UsageError($"unknown option {arg}");
            }
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            return UsageError($"--url must be an absolute http:// or https:// address, got \"{url}\"");
        }

        var baseUrl = baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var samplesRoot = FindSamplesRoot();

        List<Sample> samples;
        try
        {
            samples = CollectSamples(inputs, samplesRoot);
        }
        catch (ArgumentException e)
        {
            return UsageError(e.Message);
        }

        if (samples.Count == 0)
        {
            return UsageError("no sample files found (expected names like sms/gateway-01-….json; see --help)");
        }

        var width = samples.Max(s => s.Display.Length);
        var endpointWidth = samples.Max(s => s.Kind.Endpoint.Length);
        Console.WriteLine($"{(dryRun ? "Signing (dry run, nothing is sent)" : "Replaying")} {samples.Count} sample(s) to {baseUrl}");

        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Inbox-ReplaySamples/1.0");

        // One suffix per run: the samples of one replay still belong together (a Kakao session's messages, say).
        var freshSuffix = fresh ? "-" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        var ok = 0;
        var failed = 0;
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            var prefix = $"{sample.Display.PadRight(width)}  POST {sample.Kind.Endpoint.PadRight(endpointWidth)}  ";
            Prepared prepared;
            try
            {
                prepared = Prepare(sample, baseUrl, freshSuffix);
            }
            catch (IOException e)
            {
                Console.WriteLine($"{prefix}not sent: {e.Message}");
                failed++;
                continue;
            }

            if (dryRun)
            {
                Console.WriteLine($"{prefix}(not sent, {prepared.Body.Length} bytes)");
                Console.WriteLine($"    POST {prepared.Url.AbsoluteUri}");
                Console.WriteLine($"    Content-Type: {prepared.ContentType}");
                foreach (var (name, value) in prepared.Headers)
                {
                    Console.WriteLine($"    {name}: {value}");
                }

                ok++;
                continue;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, prepared.Url)
            {
                Content = new ByteArrayContent(prepared.Body),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(prepared.ContentType);
            foreach (var (name, value) in prepared.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            try
            {
                using var response = await http.SendAsync(request);
                var status = (int)response.StatusCode;
                var line = $"{prefix}{status} {response.ReasonPhrase}";
                if (response.IsSuccessStatusCode)
                {
                    // The server says what became of it: "stored", or "duplicate" for a request it had already (nothing new).
                    var (outcome, conversationId) = Accepted(await response.Content.ReadAsStringAsync());
                    // Twilio is answered TwiML, which says nothing of the outcome.
                    Console.WriteLine(outcome is null ? $"{line}  (TwiML)" : $"{line}  {outcome}{(conversationId is null ? "" : $"  conversation {conversationId}")}");
                    outcomes[outcome ?? "TwiML"] = outcomes.GetValueOrDefault(outcome ?? "TwiML") + 1;
                    ok++;
                    continue;
                }

                failed++;
                Console.WriteLine($"{line}  FAILED");
                if (response.Headers.Location is { } location)
                {
                    Console.WriteLine($"    redirected to {location} — pass that address with --url");
                }

                var text = await response.Content.ReadAsStringAsync();
                if (text.Length > MaxShownBody)
                {
                    text = text[..MaxShownBody] + " …";
                }

                foreach (var bodyLine in (text.Length == 0 ? "(empty response body)" : text).Split('\n'))
                {
                    Console.WriteLine($"    {bodyLine.TrimEnd('\r')}");
                }
            }
            catch (HttpRequestException e) when (IsUnreachable(e))
            {
                Console.Out.Flush();
                Console.Error.WriteLine($"no server at {baseUrl} — start it with: dotnet run --project src/Inbox");
                Console.Error.WriteLine($"    ({e.Message})");
                return ExitUsageOrNoServer;
            }
            catch (HttpRequestException e)
            {
                failed++;
                Console.WriteLine($"{prefix}FAILED: {e.Message}");
            }
            catch (TaskCanceledException)
            {
                failed++;
                Console.WriteLine($"{prefix}FAILED: no answer within {http.Timeout.TotalSeconds:0} s");
            }
        }

        Console.WriteLine(dryRun
            ? $"{ok} signed, nothing sent"
            : $"{ok + failed} sent: {ok} ok ({string.Join(", ", outcomes.Select(o => $"{o.Value} {o.Key}"))}), {failed} failed");
        return failed == 0 ? ExitOk : ExitFailed;
    }

    private static void PrintHelp()
    {
        Console.WriteLine($"""
            Usage: scripts/replay-samples.sh [--url URL] [--dry-run] [--fresh] [FILE|FOLDER ...]
                   dotnet run --file scripts/ReplaySamples.cs -- [same arguments]

            Signs each webhook sample exactly as a provider would and POSTs it to a running
            Inbox server, one request per file, printing the file, endpoint, HTTP status and
            what the server did: "stored" (with the conversation id) or "duplicate" (it had
            that request already and stored nothing), or the problem details of a failure.

            Start the server first:   dotnet run --project src/Inbox

            Options:
              -u, --url URL   server base address (default {DefaultUrl})
              -n, --dry-run   sign and print the URL and headers, send nothing
              -f, --fresh     give each request new provider ids (messageId, serial_number,
                              callId, MessageSid), so it is stored as a new message however
                              often the sample was replayed before
              -h, --help      show this help

            Arguments:
              FILE or FOLDER  samples to send, in the order given. A folder sends its files
                              sorted by name (then its sub-folders: sms, kakao, phone first).
                              Default: all of webhooks-samples/ (sms, then kakao, then phone).
                              Files whose names do not match a kind below (README.md, …) are
                              skipped inside folders and refused when named explicitly.

            The file name prefix decides the endpoint and the signature:
              gateway-*.json          POST /webhooks/sms/gateway          Inbox HMAC, INBOX_GATEWAY_SECRET
              twilio-*.form           POST /webhooks/sms/twilio           Twilio,     INBOX_TWILIO_AUTH_TOKEN
              message-*.json          POST /webhooks/kakao/message        Inbox HMAC, INBOX_KAKAO_SECRET
              reference-*.json        POST /webhooks/kakao/reference      Inbox HMAC, INBOX_KAKAO_SECRET
              expired_session-*.json  POST /webhooks/kakao/expired_session Inbox HMAC, INBOX_KAKAO_SECRET
              transcript-*.json       POST /webhooks/phone/transcripts    Inbox HMAC, INBOX_PHONE_SECRET

            Secrets come from those environment variables; unset or empty means the
            Development defaults: dev-gateway-secret, dev-twilio-auth-token,
            dev-kakao-secret, dev-phone-secret.

            Inbox HMAC: X-Inbox-Timestamp = Unix seconds (now), X-Inbox-Signature =
              "v1=" + hex(HMAC-SHA256(secret, "{"{timestamp}.{raw body}"}")); the JSON file is sent byte for byte.
            Twilio: X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL as posted + each
              form name and value concatenated, names sorted ordinally)); the .form file is
              sent as one line (a trailing newline in the file is not sent).

            Exit status: 0 all requests answered 2xx, 1 some request failed,
                         2 bad usage or no server listening at URL.
            """);
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"replay-samples: {message}");
        Console.Error.WriteLine("Try: scripts/replay-samples.sh --help");
        return ExitUsageOrNoServer;
    }

    private static bool IsUnreachable(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
        || e.InnerException is SocketException;

    /// <summary>webhooks-samples/ next to this script's folder, else the nearest one above the current directory.</summary>
    private static string? FindSamplesRoot()
    {
        if (AppContext.GetData("EntryPointFileDirectoryPath") is string scriptDir)
        {
            var candidate = Path.GetFullPath(Path.Combine(scriptDir, "..", "webhooks-samples"));
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "webhooks-samples");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static List<Sample> CollectSamples(List<string> inputs, string? samplesRoot)
    {
        if (inputs.Count == 0)
        {
            if (samplesRoot is null)
            {
                throw new ArgumentException("cannot find the webhooks-samples folder; run from the repository or name the files");
            }

            inputs = [samplesRoot];
        }

        var samples = new List<Sample>();
        foreach (var input in inputs)
        {
            var full = Path.GetFullPath(input);
            if (Directory.Exists(full))
            {
                AddFolder(full, samples, samplesRoot);
            }
            else if (File.Exists(full))
            {
                var kind = KindOf(Path.GetFileName(full))
                    ?? throw new ArgumentException($"{input}: the file name does not start with a known kind (gateway-, twilio-, message-, reference-, expired_session-, transcript-) with the matching extension");
                samples.Add(new Sample(full, Display(full, samplesRoot), kind));
            }
            else
            {
                throw new ArgumentException($"{input}: no such file or folder");
            }
        }

        return samples;
    }

    private static void AddFolder(string folder, List<Sample> samples, string? samplesRoot)
    {
        // A session's natural order: it starts (reference), messages arrive, it expires. Then by name.
        foreach (var file in Directory.GetFiles(folder)
            .OrderBy(f => Array.IndexOf(KindOrder, Path.GetFileName(f).Split('-')[0]))
            .ThenBy(Path.GetFileName, StringComparer.Ordinal))
        {
            if (KindOf(Path.GetFileName(file)) is { } kind)
            {
                samples.Add(new Sample(file, Display(file, samplesRoot), kind));
            }
        }

        var subfolders = Directory.GetDirectories(folder)
            .OrderBy(d => Array.IndexOf(ChannelOrder, Path.GetFileName(d)) is var i && i >= 0 ? i : ChannelOrder.Length)
            .ThenBy(Path.GetFileName, StringComparer.Ordinal);
        foreach (var subfolder in subfolders)
        {
            AddFolder(subfolder, samples, samplesRoot);
        }
    }

    private static Kind? KindOf(string fileName) =>
        Kinds.FirstOrDefault(k =>
            fileName.StartsWith(k.Prefix + "-", StringComparison.Ordinal)
            && fileName.EndsWith(k.Extension, StringComparison.OrdinalIgnoreCase));

    private static string Display(string fullPath, string? samplesRoot)
    {
        if (samplesRoot is not null)
        {
            var relative = Path.GetRelativePath(samplesRoot, fullPath);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return relative.Replace('\\', '/');
            }
        }

        return Path.GetRelativePath(Environment.CurrentDirectory, fullPath).Replace('\\', '/');
    }

    private static string Secret(Kind kind) =>
        Environment.GetEnvironmentVariable(kind.SecretVariable) is { Length: > 0 } value ? value : kind.DefaultSecret;

    /// <summary>The "status" and "conversationId" of an accepted webhook's JSON answer (nulls when it has none).</summary>
    private static (string? Status, string? ConversationId) Accepted(string body)
    {
        try
        {
            var answer = JsonNode.Parse(body) as JsonObject;
            return (answer?["status"]?.GetValue<string>(), answer?["conversationId"]?.GetValue<string>());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    private static Prepared Prepare(Sample sample, string baseUrl, string? freshSuffix)
    {
        var kind = sample.Kind;
        var url = new Uri(baseUrl + kind.Endpoint);
        var secret = Encoding.UTF8.GetBytes(Secret(kind));

        if (kind.Scheme == Scheme.Twilio)
        {
            // A form post is one line; drop the final newline editors add to the file.
            var form = File.ReadAllText(sample.Path, Encoding.UTF8).TrimEnd('\r', '\n');
            if (freshSuffix is not null)
            {
                form = string.Join('&', ParseForm(form).Select(p => Uri.EscapeDataString(p.Key) + "=" +
                    Uri.EscapeDataString(kind.IdFields.Contains(p.Key) ? p.Value + freshSuffix : p.Value)));
            }

            var body = Encoding.UTF8.GetBytes(form);
            var signature = TwilioSignature(secret, url.AbsoluteUri, ParseForm(form));
            return new Prepared(url, body, kind.ContentType, [new("X-Twilio-Signature", signature)]);
        }
        else
        {
            // Sent byte for byte as stored (--fresh: with its ids changed), so the signature covers exactly what the server reads.
            var body = File.ReadAllBytes(sample.Path);
            if (freshSuffix is not null && kind.IdFields.Length > 0)
            {
                var json = JsonNode.Parse(body)!.AsObject();
                foreach (var field in kind.IdFields.Where(json.ContainsKey))
                {
                    json[field] = json[field]!.GetValue<string>() + freshSuffix;
                }

                body = JsonSerializer.SerializeToUtf8Bytes(json, Relaxed);
            }

            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var signature = InboxSignature(secret, timestamp, body);
            return new Prepared(url, body, kind.ContentType, [new("X-Inbox-Timestamp", timestamp), new("X-Inbox-Signature", signature)]);
        }
    }

    /// <summary>Korean text kept as it is when a sample is rewritten (--fresh).</summary>
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>"v1=" + lowercase hex HMAC-SHA256(secret, UTF-8 "{timestamp}." followed by the raw body bytes).</summary>
    internal static string InboxSignature(byte[] secret, string timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, signed));
    }

    /// <summary>base64 HMAC-SHA1(auth token, url + name1 + value1 + name2 + value2 …), names sorted ordinally.</summary>
    internal static string TwilioSignature(byte[] authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }

#pragma warning disable CA5350 // HMAC-SHA1 is Twilio's protocol, not our choice
        return Convert.ToBase64String(HMACSHA1.HashData(authToken, Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
    }

    /// <summary>Decodes application/x-www-form-urlencoded ('+' is a space, %XX are UTF-8 bytes).</summary>
    internal static List<KeyValuePair<string, string>> ParseForm(string form)
    {
        static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in form.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            pairs.Add(eq < 0
                ? new(Decode(part), "")
                : new(Decode(part[..eq]), Decode(part[(eq + 1)..])));
        }

        return pairs;
    }
}
