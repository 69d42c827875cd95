using System.Text.RegularExpressions;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Security;

/// <summary>
/// "Is a manager" is decided in one place, src/Inbox/Accounts/Visibility.cs: everything else asks
/// <c>Visibility.IsManager</c>, <c>Visibility.ManagerRoles</c> or an <c>Audience</c>. Read from the source files, so a copy
/// of the check written anywhere else under src/ fails here, naming the file and line.
/// </summary>
public sealed partial class VisibilityOwnerTests
{
    private static readonly string Owner = Path.Combine("src", "Inbox", "Accounts", "Visibility.cs");

    // A role check naming the manager role, or the manager and admin roles together, in C# or in SQL text.
    [GeneratedRegex("""
        Roles\.(Manager|Admin)\s*(or|and|\|\||,)\s*(\w+\.)*Roles\.(Manager|Admin)\b
        | [=!]=\s*(\w+\.)*Roles\.Manager\b | Roles\.Manager\s*[=!]=
        | \bis\s+(not\s+)?\(?\s*(\w+\.)*Roles\.Manager\b
        | RequireRole\([^)]*Roles\.Manager\b
        | Contains\(\s*(\w+\.)*Roles\.Manager\b
        | \bbool\s+IsManager\b
        | \brole\s*(=|<>|!=|\bIN\b)\s*\(?\s*'(manager|admin)'
        """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex ManagerCheck();

    [Fact]
    public void The_manager_check_is_written_only_in_the_visibility_owner()
    {
        var src = Path.Combine(RepoPaths.Root, "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .ToList();
        Assert.Contains(files, f => f.EndsWith(Owner, StringComparison.Ordinal));
        var copies = new List<string>();
        var inOwner = 0;
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!ManagerCheck().IsMatch(lines[i]))
                    continue;
                if (file.EndsWith(Owner, StringComparison.Ordinal))
                    inOwner++;
                else
                    copies.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(inOwner > 0, $"The pattern no longer finds the manager check in {Owner} itself: update the pattern with the rule.");
        Assert.True(copies.Count == 0,
            $"The manager check is written outside {Owner}; ask Visibility.IsManager, Visibility.ManagerRoles or an Audience instead:\n"
            + string.Join('\n', copies));
    }
}
