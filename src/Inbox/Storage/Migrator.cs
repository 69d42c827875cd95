using System.Reflection;
using System.Text.RegularExpressions;

namespace Inbox.Storage;

/// <summary>
/// Applies the numbered scripts under Storage/Migrations/{dialect}/ (NNNN_name.sql) that the journal does not
/// list yet, each in its own transaction together with its journal row.
/// </summary>
public sealed partial class Migrator(Database database, TimeProvider clock, ILogger<Migrator> logger)
{
    public Task<int> MigrateAsync(CancellationToken cancellationToken) => MigrateAsync(int.MaxValue, cancellationToken);

    /// <summary>Applies the scripts up to <paramref name="lastVersion"/> only (tests of a migration start from the schema before it).</summary>
    public async Task<int> MigrateAsync(int lastVersion, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        await dialect.PrepareAsync(cancellationToken);
        var scripts = LoadScripts(dialect.Name).Where(s => s.Version <= lastVersion).ToList();

        await using var lockSession = await database.ReadAsync(cancellationToken);
        if (dialect.MigrationLock is { } take)
            await lockSession.ScalarAsync<object>(take, null, cancellationToken);
        try
        {
            await using (var session = await database.BeginAsync(cancellationToken))
            {
                await session.ExecuteAsync(dialect.CreateMigrationJournal, null, cancellationToken);
                await session.CommitAsync(cancellationToken);
            }

            HashSet<int> applied;
            await using (var session = await database.ReadAsync(cancellationToken))
                applied = [.. await session.QueryAsync<int>("SELECT version FROM schema_migrations", null, cancellationToken)];

            var count = 0;
            foreach (var script in scripts.Where(s => !applied.Contains(s.Version)))
            {
                await using var session = await database.BeginAsync(cancellationToken);
                foreach (var batch in dialect.SplitBatches(script.Sql))
                    await session.ExecuteAsync(batch, null, cancellationToken);
                await session.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
                    new { script.Version, script.Name, AppliedAt = clock.GetUtcNow().ToString("O") }, cancellationToken);
                await session.CommitAsync(cancellationToken);
                Log.MigrationApplied(logger, script.Version, script.Name, dialect.Name);
                count++;
            }
            return count;
        }
        finally
        {
            if (dialect.MigrationUnlock is { } release)
                await lockSession.ScalarAsync<object>(release, null, CancellationToken.None);
        }
    }

    internal static IReadOnlyList<MigrationScript> LoadScripts(string dialectName)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{dialectName}.";
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..];
            var match = ScriptName().Match(fileName);
            if (!match.Success)
                throw new InvalidOperationException($"Migration '{fileName}' is not named NNNN_name.sql.");
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            scripts.Add(new MigrationScript(int.Parse(match.Groups[1].Value), match.Groups[2].Value, reader.ReadToEnd()));
        }
        if (scripts.Count == 0)
            throw new InvalidOperationException($"No migrations are embedded for the '{dialectName}' store.");
        var duplicate = scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two migrations share the number {duplicate.Key:D4}.");
        return [.. scripts.OrderBy(s => s.Version)];
    }

    [GeneratedRegex(@"^(\d{4})_(\w+)\.sql$")]
    private static partial Regex ScriptName();
}

internal sealed record MigrationScript(int Version, string Name, string Sql);

internal static partial class Log
{
    [LoggerMessage(LogLevel.Information, "Applied migration {Version:D4} {Name} ({Dialect})")]
    public static partial void MigrationApplied(ILogger logger, int version, string name, string dialect);
}
