namespace Inbox.Live;

/// <summary>The bounds of what one hub caller can make the server do (section <c>Hub</c>).</summary>
public sealed class InboxHubOptions
{
    /// <summary>Open hub connections one account may hold on one node (several console tabs); one more is refused.</summary>
    public int MaxConnectionsPerAccount { get; set; } = 8;

    public CatchUpOptions CatchUp { get; set; } = new();

    public QueueOptions Queue { get; set; } = new();

    public sealed class CatchUpOptions
    {
        /// <summary>Stored events one CatchUp call reads at most, visible to the caller or not.</summary>
        public int ScanLimit { get; set; } = 10_000;

        /// <summary>More stored events than this after the caller's sequence: CatchUp answers reload (GetQueue again).</summary>
        public int ReloadDistance { get; set; } = 50_000;
    }

    public sealed class QueueOptions
    {
        /// <summary>Conversations GetQueue returns at most; the rest come page by page through GetQueuePage.</summary>
        public int PageSize { get; set; } = 200;
    }

    /// <summary>The largest page GetQueuePage hands out, whatever the caller asks.</summary>
    public const int MaxQueuePage = 1000;
}
