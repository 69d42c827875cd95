using System.Security.Cryptography;
using System.Text;
using Inbox.Storage;

namespace Inbox.Tests.Storage;

/// <summary>
/// A migration on main has run somewhere: the journal lists it by number, so an edit to it never reaches a store that
/// applied it, and stores built before and after the edit differ for good. Schema changes go in a new numbered script.
/// Each script's SHA-256 is recorded here (of the embedded text with CRLF read as LF, so a Windows checkout hashes the
/// same); a new script adds its line in the commit that adds it, and no line here ever changes.
/// </summary>
public sealed class ReleasedMigrationsTests
{
    private static readonly Dictionary<string, string> Released = new()
    {
        ["postgres/0001_initial.sql"] = "6a381fb1f7c8e99e733c0b45c31192e07f759c2ffec055846306621193873634",
        ["postgres/0002_reporting.sql"] = "3ba69f3a2e3f66a070e820e75bba89b3d1eb6ffaf523c525ca7cab4a9a778001",
        ["postgres/0003_report_indexes.sql"] = "802df39a93c4ab4689fa1f3471034e90cee724986b9361ebc0d0c9416067c9cb",
        ["postgres/0004_calendar_closures.sql"] = "2548de60af40012990c84a615afba8fe7165cecf5d3152a90b51ca3aa84daa58",
        ["postgres/0005_chat_claims.sql"] = "7400acee61f604034d707b80ea103731a20b4044fcea785dbce0d8d08c295abd",
        ["postgres/0006_access_days.sql"] = "d06ed8ad1cf062e6862f96c3887e0fc0f876f6e729c86f66f929999144d5be20",
        ["postgres/0007_session_generation.sql"] = "12bdf47bc9371d34a6bb7527e3236f508abf939875bf76bdb5c85a3138532d9b",
        ["sqlite/0001_initial.sql"] = "6273ae928aa1698abc355a6c856324699917cf2762bf1413181a5c4d0a468812",
        ["sqlite/0002_reporting.sql"] = "e6af61a13173e7c840cc853eee8ea725a3ae51bf52420915ecc922c4540f7ee0",
        ["sqlite/0003_report_indexes.sql"] = "a57f9d4a2991894870d6b5ca6b642102354ebc6a35f50644b872c95d66398457",
        ["sqlite/0004_calendar_closures.sql"] = "f412d0c0194f9f11fed79806518bf4ed76a1d78ad9b8eef22e7e6addaca38fa9",
        ["sqlite/0005_chat_claims.sql"] = "7400acee61f604034d707b80ea103731a20b4044fcea785dbce0d8d08c295abd",
        ["sqlite/0006_access_days.sql"] = "d06ed8ad1cf062e6862f96c3887e0fc0f876f6e729c86f66f929999144d5be20",
        ["sqlite/0007_session_generation.sql"] = "12bdf47bc9371d34a6bb7527e3236f508abf939875bf76bdb5c85a3138532d9b",
        ["sqlserver/0001_initial.sql"] = "bef0d9f548f0d74dcfedc57749be2e1de48a906869d7683c8d212b31e88d4a1a",
        ["sqlserver/0002_reporting.sql"] = "60662fef838c3216cb4e7476b271128bf71930da65f1f52fd8074b38f94af90e",
        ["sqlserver/0003_report_indexes.sql"] = "5457dd7775edcfac98f6d4f3b29516838eb3bdf578b85c4f44f3a22f60e2c684",
        ["sqlserver/0004_calendar_closures.sql"] = "80c00e32e7be86f79243d45212cc6b5908a21a0ff25fffea5a9170b0c98f9554",
        ["sqlserver/0005_chat_claims.sql"] = "7400acee61f604034d707b80ea103731a20b4044fcea785dbce0d8d08c295abd",
        ["sqlserver/0006_access_days.sql"] = "e5db1efcab8769ab2fbe55d32d7a81536f3876e85f785900df17114f1e6965a7",
        ["sqlserver/0007_session_generation.sql"] = "eee171890078bd1a5b7101b40e459add38f80d9ac6221cf548bb2ad680b41085",
    };

    [Fact]
    public void No_released_migration_has_changed_and_every_new_one_records_its_hash()
    {
        var embedded = new[] { "postgres", "sqlite", "sqlserver" }
            .SelectMany(dialect => Migrator.LoadScripts(dialect).Select(s => (File: $"{dialect}/{s.Version:D4}_{s.Name}.sql", Hash: Hash(s.Sql))))
            .ToDictionary(s => s.File, s => s.Hash);

        var problems = new List<string>();
        foreach (var (file, hash) in Released)
        {
            if (!embedded.TryGetValue(file, out var now))
                problems.Add($"{file} is gone or renamed: a store that applied it keeps it; restore it and add a new migration instead.");
            else if (now != hash)
                problems.Add($"{file} has changed since it was released: restore it and add a new migration instead.");
        }
        foreach (var (file, hash) in embedded.Where(e => !Released.ContainsKey(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal))
            problems.Add($"{file} is new: record it in {nameof(ReleasedMigrationsTests)}: [\"{file}\"] = \"{hash}\",");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static string Hash(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.Replace("\r\n", "\n", StringComparison.Ordinal))));
}
