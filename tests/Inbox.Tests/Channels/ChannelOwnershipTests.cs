using Inbox.Channels;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Channels;

/// <summary>
/// A channel's rules are written in its folder only: generic code asks the registry. This fails when a channel's text
/// sizing, its provider setting or its report name is written again elsewhere under src/Inbox.
/// </summary>
public sealed class ChannelOwnershipTests
{
    [Fact]
    public void Each_channels_sizing_rule_provider_setting_and_report_name_are_written_only_in_its_own_folder()
    {
        var source = Path.Combine(RepoPaths.Root, "src", "Inbox");
        var channels = new ChannelRegistry(BuiltInChannels.All);
        var owned = new List<(string Text, string Folder)>();
        foreach (var channel in channels.All)
        {
            var folder = Path.GetDirectoryName(Path.GetRelativePath(source, FileOf(source, channel.GetType().Name)))!;
            if (channel.OutboundKey is { } key)
                owned.Add(($"\"{key}\"", folder));
            if (channel.Address is not null)
                owned.Add(($"\"{channel.DisplayName}\"", folder)); // "전화" is also the phone line's label
        }
        owned.Add(("KoreanText.Split", "Channels"));

        var strays = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => owned
                .Where(o => !Path.GetRelativePath(source, f).StartsWith(o.Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                            && File.ReadAllText(f).Contains(o.Text, StringComparison.Ordinal))
                .Select(o => $"{Path.GetRelativePath(source, f)} writes {o.Text}, which is {o.Folder}'s"))
            .ToList();

        Assert.Empty(strays);
    }

    private static string FileOf(string source, string typeName) =>
        Directory.EnumerateFiles(source, typeName + ".cs", SearchOption.AllDirectories).Single();
}
