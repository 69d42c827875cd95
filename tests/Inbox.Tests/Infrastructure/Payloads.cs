using System.Text.Json;

namespace Inbox.Tests.Infrastructure;

/// <summary>Made-up residents and webhook bodies for tests that need many distinct ones.</summary>
public static class Payloads
{
    public static (string Dashed, string Compact, string E164) RandomMobile()
    {
        var n = Random.Shared.Next(2000_0000, 9999_9999).ToString();
        return ($"010-{n[..4]}-{n[4..]}", $"010{n}", $"+8210{n}");
    }

    public static string Gateway(string from, string text, string to = "1899-6808") => JsonSerializer.Serialize(new
    {
        messageId = "MO-" + Guid.NewGuid().ToString("N"),
        from,
        to,
        text,
        receivedAt = "2026-11-20T10:15:00+09:00",
    });

    public static string Transcript(string caller, string status) => JsonSerializer.Serialize(new
    {
        callId = "call-" + Guid.NewGuid().ToString("N"),
        direction = "inbound",
        callerNumber = caller,
        calledNumber = "1899-6808",
        status,
        startedAt = "2026-11-20T10:20:00+09:00",
        endedAt = "2026-11-20T10:24:00+09:00",
        language = "ko-KR",
        segments = status == "answered"
            ? new object[] { new { speaker = "resident", startMs = 0, endMs = 2400, text = "기초연금 문의드려요", confidence = 0.93 } }
            : [],
    });
}
