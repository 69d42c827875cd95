namespace Inbox.Outbound;

/// <summary>One message part on its way to a resident, as the outbox worker hands it to a channel's sender.</summary>
public sealed record OutboundMessage
{
    /// <summary>Our message id: also the idempotency key, stable across retries, so a retry never reaches the resident twice.</summary>
    public required Guid MessageId { get; init; }
    public required string CenterId { get; init; }
    public required string Channel { get; init; }
    /// <summary>The center's address to send from: its SMS number (E.164) or Kakao sender key.</summary>
    public required string CenterAddress { get; init; }
    /// <summary>The resident's address: E.164 number (sms) or Kakao user key.</summary>
    public required string ResidentAddress { get; init; }
    public required string Body { get; init; }
    public string? Subject { get; init; }
    /// <summary>1 for the first try.</summary>
    public int Attempt { get; init; } = 1;
}

public abstract record SendResult
{
    /// <summary>The provider took it. <paramref name="Delivered"/> when it is known to have reached the resident already.</summary>
    public sealed record Accepted(string? ProviderMessageId, bool Delivered = false) : SendResult;

    /// <summary>Worth trying again later (timeouts, 5xx, 429, connection refused).</summary>
    public sealed record Retry(string Reason) : SendResult;

    /// <summary>Trying again cannot help (4xx other than 408/429, invalid number, blocked user).</summary>
    public sealed record Failed(string Reason) : SendResult;
}

/// <summary>Sends replies on one channel through one provider. Chosen from configuration per channel.</summary>
public interface IChannelSender
{
    string Channel { get; }

    /// <summary>Short name for logs and the README ("twilio", "gateway", "kakao-dealer", "loopback").</summary>
    string Name { get; }

    Task<SendResult> SendAsync(OutboundMessage message, CancellationToken ct);
}
