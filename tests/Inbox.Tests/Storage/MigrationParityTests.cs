using System.Text.RegularExpressions;
using Inbox.Storage;

namespace Inbox.Tests.Storage;

/// <summary>
/// Every dialect's migrations build the same schema: the same numbered scripts, tables, columns and indexes as the
/// PostgreSQL ones. Read from the script files themselves, so it holds for SQL Server too, which cannot run here.
/// </summary>
public sealed partial class MigrationParityTests
{
    public static TheoryData<string> OtherDialects => ["sqlite", "sqlserver"];

    [Theory]
    [MemberData(nameof(OtherDialects))]
    public void The_same_numbered_scripts_exist_for_every_dialect(string dialect) =>
        Assert.Equal(
            Migrator.LoadScripts("postgres").Select(s => (s.Version, s.Name)),
            Migrator.LoadScripts(dialect).Select(s => (s.Version, s.Name)));

    [Theory]
    [MemberData(nameof(OtherDialects))]
    public void Tables_and_columns_match_postgres(string dialect)
    {
        var expected = Parse("postgres");
        var actual = Parse(dialect);
        Assert.NotEmpty(expected.Columns);
        Assert.Equal(Lines(expected.Columns), Lines(actual.Columns));
    }

    /// <summary>Indexes a dialect has instead of PostgreSQL's, each for a reason of that database.</summary>
    private static readonly Dictionary<string, (string[] Without, string[] With)> Unlike = new()
    {
        // SQLite keeps the ledger clustered on (center_id, at, id), so a period is one contiguous read without the
        // kind-first index; the id, the primary key elsewhere, stays unique by an index.
        ["sqlite"] = (["ix_report_events_kind"], ["ux_report_events_id"]),
    };

    [Theory]
    [MemberData(nameof(OtherDialects))]
    public void Indexes_match_postgres_and_partial_ones_stay_partial(string dialect)
    {
        var expected = Parse("postgres");
        var actual = Parse(dialect);
        Assert.NotEmpty(expected.Indexes);
        var (without, with) = Unlike.GetValueOrDefault(dialect, ([], []));
        foreach (var name in without)
            expected.Indexes.Remove(name);
        Assert.Equal(expected.Indexes.Keys.Concat(with).Order(), actual.Indexes.Keys.Order());
        foreach (var (name, index) in expected.Indexes)
        {
            var other = actual.Indexes[name];
            Assert.Equal((index.Table, index.Unique, index.Columns), (other.Table, other.Unique, other.Columns));
            if (index.Filter is not null)
                Assert.True(other.Filter is not null, $"{dialect}: {name} is partial in postgres ({index.Filter}) but not here");
        }
    }

    /// <summary>SQL Server counts NULLs as equal in a unique index; PostgreSQL does not. Each unique index over a nullable
    /// column is filtered on that column being set, so SQL Server refuses exactly what PostgreSQL refuses.</summary>
    [Fact]
    public void Sql_server_unique_indexes_skip_rows_with_a_null_key_as_postgres_does()
    {
        var schema = Parse("sqlserver");
        foreach (var (name, index) in schema.Indexes.Where(i => i.Value.Unique))
        {
            foreach (var column in index.Columns.Split(", ").Select(c => c.Split(' ')[0]))
            {
                if (!schema.Nullable.Contains($"{index.Table}.{column}"))
                    continue;
                Assert.True(index.Filter?.Contains($"{column} IS NOT NULL", StringComparison.Ordinal) == true,
                    $"{name}: {column} may be NULL, but the index is not filtered on '{column} IS NOT NULL'");
            }
        }
    }

    /// <summary>SQL Server refuses to create an index whose key may exceed 1,700 bytes (900 for the clustered primary key)
    /// and cannot index nvarchar(max) at all; checked here from the declared types, since no server runs here.</summary>
    [Fact]
    public void Sql_server_index_keys_fit_the_key_size_limits()
    {
        var schema = Parse("sqlserver");
        Assert.NotEmpty(schema.Types);
        foreach (var (name, index) in schema.Indexes)
            Assert.True(KeyBytes(schema, index.Table, index.Columns) <= 1700, $"{name}: key longer than 1700 bytes");
        foreach (var (table, key) in schema.PrimaryKeys)
            Assert.True(KeyBytes(schema, table, key) <= 900, $"{table}: primary key longer than 900 bytes");
    }

    /// <summary>SQL Server databases usually compare text case-insensitively; PostgreSQL and SQLite do not. The columns
    /// that identify a resident or a message must not merge values that differ only in case.</summary>
    [Theory]
    [InlineData("channel_identities.address")]
    [InlineData("messages.provider_message_id")]
    [InlineData("messages.client_message_id")]
    public void Sql_server_identifying_text_compares_case_sensitively(string column) =>
        Assert.Contains("COLLATE LATIN1_GENERAL_100_BIN2", Parse("sqlserver").Types[column]);

    private static int KeyBytes(Schema schema, string table, string columns) => columns.Split(',')
        .Select(c => c.Trim().Split(' ')[0].ToLowerInvariant())
        .Sum(column => schema.Types[$"{table}.{column}"] switch
        {
            var t when t.StartsWith("NVARCHAR(MAX)", StringComparison.Ordinal) => int.MaxValue / 16,
            var t when t.StartsWith("NVARCHAR(", StringComparison.Ordinal) => 2 * int.Parse(t[9..t.IndexOf(')')], System.Globalization.CultureInfo.InvariantCulture),
            var t when t.StartsWith("UNIQUEIDENTIFIER", StringComparison.Ordinal) => 16,
            var t when t.StartsWith("DATETIMEOFFSET", StringComparison.Ordinal) => 10,
            var t when t.StartsWith("BIGINT", StringComparison.Ordinal) || t.StartsWith("FLOAT", StringComparison.Ordinal) => 8,
            var t when t.StartsWith("INTEGER", StringComparison.Ordinal) => 4,
            var t => throw new InvalidOperationException($"{table}.{column}: no size known for {t}"),
        });

    private static List<string> Lines(Dictionary<string, SortedSet<string>> columns) =>
        [.. columns.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}: {string.Join(", ", t.Value)}")];

    private sealed record Index(string Table, bool Unique, string Columns, string? Filter);

    private sealed record Schema(
        Dictionary<string, SortedSet<string>> Columns, Dictionary<string, Index> Indexes, HashSet<string> Nullable,
        Dictionary<string, string> Types, Dictionary<string, string> PrimaryKeys);

    private static readonly HashSet<string> NotColumns = ["PRIMARY", "CHECK", "CONSTRAINT", "UNIQUE", "FOREIGN"];

    /// <summary>The schema the scripts of one dialect build, in order: CREATE TABLE (one column per line), ALTER TABLE … ADD,
    /// CREATE [UNIQUE] INDEX, DROP INDEX, DROP TABLE, ALTER TABLE … RENAME TO.</summary>
    private static Schema Parse(string dialect)
    {
        var columns = new Dictionary<string, SortedSet<string>>();
        var indexes = new Dictionary<string, Index>();
        var nullable = new HashSet<string>();
        var types = new Dictionary<string, string>();
        var primaryKeys = new Dictionary<string, string>();
        foreach (var script in Migrator.LoadScripts(dialect))
        {
            string? table = null;
            foreach (var raw in script.Sql.Split('\n'))
            {
                var line = Regex.Replace(raw, "--.*$", "").Trim();
                if (line.Length == 0)
                    continue;
                if (table is not null)
                {
                    if (line.StartsWith(')'))
                    {
                        table = null;
                        continue;
                    }
                    var name = line.Split(' ', 2)[0];
                    if (PrimaryKey().Match(line) is { Success: true } key)
                        primaryKeys[table] = key.Groups[1].Value;
                    if (NotColumns.Contains(name.ToUpperInvariant()))
                        continue;
                    columns[table].Add(name.ToLowerInvariant());
                    types[$"{table}.{name.ToLowerInvariant()}"] = line.Split(' ', 2)[1].Trim().ToUpperInvariant();
                    if (line.Contains(" PRIMARY KEY", StringComparison.OrdinalIgnoreCase))
                        primaryKeys[table] = name;
                    if (!line.Contains("NOT NULL", StringComparison.OrdinalIgnoreCase) && !line.Contains("PRIMARY KEY", StringComparison.OrdinalIgnoreCase))
                        nullable.Add($"{table}.{name.ToLowerInvariant()}");
                    continue;
                }
                if (DropIndex().Match(line) is { Success: true } drop)
                {
                    Assert.True(indexes.Remove(drop.Groups[1].Value), $"{dialect} {script.Version}: drops {drop.Groups[1].Value}, which no script created");
                }
                else if (DropTable().Match(line) is { Success: true } dropTable)
                {
                    var name = dropTable.Groups[1].Value.ToLowerInvariant();
                    columns.Remove(name);
                    foreach (var gone in indexes.Where(i => i.Value.Table.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(i => i.Key).ToList())
                        indexes.Remove(gone);
                }
                else if (RenameTable().Match(line) is { Success: true } rename)
                {
                    var (from, to) = (rename.Groups[1].Value.ToLowerInvariant(), rename.Groups[2].Value.ToLowerInvariant());
                    columns[to] = columns[from];
                    columns.Remove(from);
                    foreach (var key in types.Keys.Where(k => k.StartsWith(from + ".", StringComparison.Ordinal)).ToList())
                    {
                        types[to + key[from.Length..]] = types[key];
                        types.Remove(key);
                    }
                    foreach (var key in nullable.Where(k => k.StartsWith(from + ".", StringComparison.Ordinal)).ToList())
                    {
                        nullable.Remove(key);
                        nullable.Add(to + key[from.Length..]);
                    }
                    if (primaryKeys.Remove(from, out var pk))
                        primaryKeys[to] = pk;
                    foreach (var (name, index) in indexes.Where(i => i.Value.Table.Equals(from, StringComparison.OrdinalIgnoreCase)).ToList())
                        indexes[name] = index with { Table = to };
                }
                else if (CreateTable().Match(line) is { Success: true } create)
                {
                    table = create.Groups[1].Value.ToLowerInvariant();
                    columns[table] = [];
                }
                else if (AddColumn().Match(line) is { Success: true } add)
                {
                    var column = add.Groups[2].Value.ToLowerInvariant();
                    columns[add.Groups[1].Value.ToLowerInvariant()].Add(column);
                    types[$"{add.Groups[1].Value.ToLowerInvariant()}.{column}"] = line[add.Length..].Trim().ToUpperInvariant();
                    if (!line.Contains("NOT NULL", StringComparison.OrdinalIgnoreCase))
                        nullable.Add($"{add.Groups[1].Value.ToLowerInvariant()}.{column}");
                }
                else if (CreateIndex().Match(line) is { Success: true } index)
                {
                    var list = string.Join(", ", index.Groups[4].Value.Split(',').Select(c => Regex.Replace(c.Trim(), @"\s+", " ")));
                    indexes[index.Groups[2].Value] = new Index(index.Groups[3].Value, index.Groups[1].Success, list,
                        index.Groups[5].Success ? index.Groups[5].Value.Trim().TrimEnd(';') : null);
                }
            }
        }
        return new Schema(columns, indexes, nullable, types, primaryKeys);
    }

    [GeneratedRegex(@"^CREATE TABLE (\w+) \($", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTable();

    [GeneratedRegex(@"^PRIMARY KEY \(([^)]*)\)", RegexOptions.IgnoreCase)]
    private static partial Regex PrimaryKey();

    [GeneratedRegex(@"^ALTER TABLE (\w+) ADD (?:COLUMN )?(\w+) ", RegexOptions.IgnoreCase)]
    private static partial Regex AddColumn();

    [GeneratedRegex(@"^DROP INDEX (\w+)(?: ON \w+)?;$", RegexOptions.IgnoreCase)]
    private static partial Regex DropIndex();

    [GeneratedRegex(@"^DROP TABLE (\w+);$", RegexOptions.IgnoreCase)]
    private static partial Regex DropTable();

    [GeneratedRegex(@"^ALTER TABLE (\w+) RENAME TO (\w+);$", RegexOptions.IgnoreCase)]
    private static partial Regex RenameTable();

    [GeneratedRegex(@"^CREATE (UNIQUE )?INDEX (\w+) ON (\w+) \(([^)]*)\)(?: WHERE (.*))?;$", RegexOptions.IgnoreCase)]
    private static partial Regex CreateIndex();
}
