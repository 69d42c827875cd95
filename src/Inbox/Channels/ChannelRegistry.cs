using System.Text.RegularExpressions;

namespace Inbox.Channels;

/// <summary>The registered channels, by name: what generic code asks instead of switching on channel names.</summary>
public sealed partial class ChannelRegistry
{
    /// <summary>The longest name the stores take (SQL Server's channel columns are NVARCHAR(20)).</summary>
    public const int MaxNameLength = 20;

    private readonly Dictionary<string, ChannelDefinition> _byName = new(StringComparer.Ordinal);

    public ChannelRegistry(IEnumerable<ChannelDefinition> channels)
    {
        foreach (var channel in channels)
        {
            if (!ValidName().IsMatch(channel.Name))
                throw new InvalidOperationException(
                    $"The channel name '{channel.Name}' ({channel.GetType().Name}) must be 1 to {MaxNameLength} lowercase letters, digits, '_' or '-'.");
            if (!_byName.TryAdd(channel.Name, channel))
                throw new InvalidOperationException($"The channel '{channel.Name}' is registered twice ({_byName[channel.Name].GetType().Name}, {channel.GetType().Name}).");
            if (!Conversations.Line.All.Contains(channel.Line))
                throw new InvalidOperationException($"The channel '{channel.Name}' names the line '{channel.Line}'; lines are {string.Join(", ", Conversations.Line.All)}.");
            if (channel.Address is not null && string.IsNullOrEmpty(channel.OutboundKey))
                throw new InvalidOperationException($"The channel '{channel.Name}' carries text replies but names no OutboundKey to choose its provider.");
        }
        All = [.. _byName.Values];
        TextChannels = [.. All.Where(c => c.Address is not null)];
        foreach (var channel in All)
        {
            if (channel.ReplyChannel is { } reply && Find(reply)?.Address is null)
                throw new InvalidOperationException($"The channel '{channel.Name}' sends its replies on '{reply}', which is not a registered channel with text replies.");
        }
    }

    /// <summary>Every channel, in the order registered.</summary>
    public IReadOnlyList<ChannelDefinition> All { get; }

    public IEnumerable<string> Names => All.Select(c => c.Name);

    /// <summary>The channels that carry text replies, in the order registered.</summary>
    public IReadOnlyList<ChannelDefinition> TextChannels { get; }

    public ChannelDefinition? Find(string? name) => name is null ? null : _byName.GetValueOrDefault(name);

    /// <exception cref="ArgumentException">No channel of that name is registered.</exception>
    public ChannelDefinition Get(string name) =>
        Find(name) ?? throw new ArgumentException($"No channel '{name}' is registered; the channels are {string.Join(", ", Names)}.", nameof(name));

    [GeneratedRegex("^[a-z0-9_-]{1,20}$")]
    private static partial Regex ValidName();
}
