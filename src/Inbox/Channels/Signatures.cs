using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Inbox.Channels;

/// <summary>
/// "Inbox HMAC", the signature of every webhook except Twilio's: <c>X-Inbox-Timestamp</c> = Unix seconds,
/// <c>X-Inbox-Signature</c> = <c>v1=</c> + lowercase hex HMAC-SHA256(secret, "{timestamp}.{raw body}").
/// </summary>
public static class InboxHmac
{
    public const string TimestampHeader = "X-Inbox-Timestamp";
    public const string SignatureHeader = "X-Inbox-Signature";
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>Null when the request is authentic; otherwise why not (safe to return to the caller).</summary>
    public static string? Verify(string secret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(timestampHeader) || string.IsNullOrEmpty(signatureHeader))
            return $"The {TimestampHeader} and {SignatureHeader} headers are required.";
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
            return $"{TimestampHeader} must be Unix seconds.";
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > Tolerance.TotalSeconds)
            return $"{TimestampHeader} is more than {Tolerance.TotalSeconds:0} seconds off the server clock.";
        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        // Several signatures may be sent during a secret rotation: "v1=…, v1=…".
        foreach (var candidate in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate.ToLowerInvariant())))
                return null;
        }
        return $"{SignatureHeader} does not match the body.";
    }
}

/// <summary>Twilio's request signature: base64(HMAC-SHA1(auth token, URL + each POST parameter name and value, names sorted ordinally)).</summary>
public static class TwilioSignature
{
    public const string Header = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            data.Append(name).Append(value);
#pragma warning disable CA5350 // HMAC-SHA1 is Twilio's protocol, not our choice
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
    }

    public static bool Verify(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters, string? signature) =>
        !string.IsNullOrEmpty(signature)
        && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(authToken, url, parameters)),
            Encoding.ASCII.GetBytes(signature));
}
