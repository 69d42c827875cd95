using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Inbox.Tests.Infrastructure;

/// <summary>A request file from webhooks-samples/. The name's kind prefix decides the endpoint, as for scripts/replay-samples.sh.</summary>
public sealed record Sample(string Name, string Endpoint, byte[] Body, string? Secret)
{
    public bool IsTwilio => Secret is null;

    public static IReadOnlyList<Sample> All { get; } = Load();

    public static Sample Get(string name) => All.Single(s => s.Name == name);

    public IReadOnlyList<KeyValuePair<string, string>> Form() =>
        [.. new FormReader(Encoding.UTF8.GetString(Body).TrimEnd('\r', '\n')).ReadForm().Select(p => KeyValuePair.Create(p.Key, p.Value.ToString()))];

    public Task<HttpResponseMessage> PostAsync(TestServer server) =>
        IsTwilio ? server.PostTwilioAsync(Form()) : server.PostSignedAsync(Endpoint, Body, Secret!);

    public override string ToString() => Name;

    private static List<Sample> Load()
    {
        var samples = new List<Sample>();
        string[] kindOrder = ["reference", "message", "expired_session"]; // a Kakao session's natural order, as the replay script sends it
        foreach (var file in Directory.GetFiles(RepoPaths.Samples, "*.*", SearchOption.AllDirectories)
            .OrderBy(f => Array.IndexOf(["sms", "kakao", "phone"], Path.GetFileName(Path.GetDirectoryName(f))))
            .ThenBy(f => Array.IndexOf(kindOrder, Path.GetFileName(f).Split('-')[0]))
            .ThenBy(f => f, StringComparer.Ordinal))
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(file)!);
            var fileName = Path.GetFileName(file);
            var kind = fileName.Split('-')[0];
            (string Endpoint, string? Secret)? route = (folder, kind, Path.GetExtension(file)) switch
            {
                ("sms", "gateway", ".json") => ("/webhooks/sms/gateway", TestServer.GatewaySecret),
                ("sms", "twilio", ".form") => ("/webhooks/sms/twilio", null),
                ("kakao", "message", ".json") => ("/webhooks/kakao/message", TestServer.KakaoSecret),
                ("kakao", "reference", ".json") => ("/webhooks/kakao/reference", TestServer.KakaoSecret),
                ("kakao", "expired_session", ".json") => ("/webhooks/kakao/expired_session", TestServer.KakaoSecret),
                ("phone", "transcript", ".json") => ("/webhooks/phone/transcripts", TestServer.PhoneSecret),
                _ => null,
            };
            if (route is { } r)
                samples.Add(new Sample($"{folder}/{fileName}", r.Endpoint, File.ReadAllBytes(file), r.Secret));
        }
        return samples;
    }
}
