using System.Text.RegularExpressions;
using Inbox.Tests.Infrastructure;

namespace Inbox.Tests.Conversations;

/// <summary>
/// A conversation's deadline and response state has one owner, <c>src/Inbox/Conversations/Deadlines.cs</c>: no other source
/// file under src/ writes its columns (an UPDATE … SET of them, or an INSERT naming them). Reads may be anywhere.
/// Read from the source files themselves, so a new path that writes a deadline on its own fails here before it ships.
/// </summary>
public sealed partial class DeadlineOwnerTests
{
    public static readonly string[] Columns =
        ["due_at", "due_reason", "due_line", "due_calendar_version", "waiting_since", "first_response_at", "breached_at", "acknowledged_at"];

    private static readonly string Owner = Path.Combine("src", "Inbox", "Conversations", "Deadlines.cs");

    [Fact]
    public void Only_the_owner_writes_deadline_and_response_columns()
    {
        var outside = Writes(Path.Combine(RepoPaths.Root, "src")).Where(w => w.File != Owner).ToList();
        Assert.True(outside.Count == 0,
            $"Deadline and response columns are written outside {Owner}; call Deadlines there instead:\n"
            + string.Join("\n", outside.Select(w => $"  {w.File}:{w.Line} writes {w.Column}: {w.Statement}")));
    }

    /// <summary>The owner is found writing every column: the patterns above still see the writes they are meant to see.</summary>
    [Fact]
    public void The_owner_is_seen_writing_every_column()
    {
        var owned = Writes(Path.Combine(RepoPaths.Root, "src")).Where(w => w.File == Owner).Select(w => w.Column).ToHashSet();
        Assert.Equal(Columns, Columns.Where(owned.Contains));
    }

    [Fact]
    public void Every_form_of_a_write_is_seen_and_reads_are_not()
    {
        var dir = Directory.CreateTempSubdirectory("inbox-deadline-owner-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "Writes.cs"), """"
                class Writes
                {
                    const string A = "UPDATE conversations SET priority = 'high', due_at = @due WHERE id = @id";
                    const string B = """
                        UPDATE conversations c
                        SET c.waiting_since = NULL
                        WHERE c.id = @id
                        """;
                    const string C = "INSERT INTO conversations (id, center_id, breached_at) VALUES (@id, @c, @now)";
                    string D(Dialect d) => d.InsertIgnoringDuplicates("conversations", "id, acknowledged_at", "@id, @now");
                    const string E = "INSERT INTO t (id) VALUES (@id) ON CONFLICT (id) DO UPDATE SET first_response_at = excluded.first_response_at";
                }
                """");
            File.WriteAllText(Path.Combine(dir.FullName, "Reads.cs"), """"
                class Reads
                {
                    const string A = "SELECT due_at, waiting_since FROM conversations WHERE due_at = @due AND breached_at IS NULL";
                    const string B = "UPDATE conversations SET last_activity_at = @now WHERE id = @id AND due_at <= @now";
                    const string C = "UPDATE callback_requests SET due_at = @due WHERE id = @id";
                    const string D = "INSERT INTO report_events (id, due_at) SELECT @id, c.due_at FROM conversations c";
                    const string E = "UPDATE conversations SET priority = CASE WHEN due_at = @due THEN 'high' ELSE priority END WHERE id = @id";
                }
                """");
            var writes = Writes(dir.FullName);
            Assert.All(writes, w => Assert.Equal("Writes.cs", w.File));
            Assert.Equal(
                ["acknowledged_at", "breached_at", "due_at", "first_response_at", "waiting_since"],
                writes.Select(w => w.Column).Order());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public sealed record Write(string File, int Line, string Column, string Statement);

    /// <summary>Every write of a deadline or response column in the C# files under <paramref name="root"/>, with paths relative to
    /// the repository root (or to <paramref name="root"/> outside it).</summary>
    public static IReadOnlyList<Write> Writes(string root)
    {
        var baseDir = root.StartsWith(RepoPaths.Root, StringComparison.Ordinal) ? RepoPaths.Root : root;
        var writes = new List<Write>();
        foreach (var path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                     .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj")))
        {
            var file = Path.GetRelativePath(baseDir, path);
            var text = File.ReadAllText(path);
            int LineOf(int index) => text.AsSpan(0, index).Count('\n') + 1;

            foreach (Match update in Update().Matches(text))
            {
                // UPDATE conversations [alias] SET …, or an upsert's DO UPDATE SET (whatever its table).
                var table = update.Groups["table"];
                if (table.Success && !table.Value.Equals("conversations", StringComparison.OrdinalIgnoreCase))
                    continue;
                var set = update.Groups["set"];
                foreach (Match assignment in Assignment().Matches(set.Value))
                {
                    var column = assignment.Groups["column"].Value.ToLowerInvariant();
                    if (Columns.Contains(column))
                        writes.Add(new Write(file, LineOf(set.Index + assignment.Index), column, FirstLine(update.Value)));
                }
            }
            foreach (Match insert in Insert().Matches(text))
            {
                foreach (var column in insert.Groups["columns"].Value.Split(',').Select(c => c.Trim().ToLowerInvariant()))
                {
                    if (Columns.Contains(column))
                        writes.Add(new Write(file, LineOf(insert.Index), column, FirstLine(insert.Value)));
                }
            }
        }
        return writes;
    }

    private static string FirstLine(string statement) => statement.Trim().Split('\n')[0].Trim();

    /// <summary>An UPDATE's SET clause, up to its WHERE, FROM, RETURNING or OUTPUT, or to the end of the string it is in.</summary>
    [GeneratedRegex("""\bUPDATE\s+(?:(?<table>\w+)(?:\s+(?:AS\s+)?(?!SET\b)\w+)?\s+)?SET\b(?<set>.*?)(?=\bWHERE\b|\bFROM\b|\bRETURNING\b|\bOUTPUT\b|"|$)""",
        RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Update();

    /// <summary>One assignment of a SET clause: at its start or after a comma, <c>[alias.]column =</c> (not a comparison).</summary>
    [GeneratedRegex("""(?:^|,)\s*(?:\w+\.)?(?<column>\w+)\s*=(?!=)""")]
    private static partial Regex Assignment();

    /// <summary>The column list of an INSERT into conversations, written out or handed to a dialect helper with the table's name.</summary>
    [GeneratedRegex(""""\bINSERT\s+INTO\s+conversations\s*\((?<columns>[^)]*)\)|"conversations"\s*,\s*\$?@?"(?<columns>[^"]*)"""",
        RegexOptions.IgnoreCase)]
    private static partial Regex Insert();
}
