using System.Data.SqlTypes;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;
using Inbox.Storage;
using Microsoft.Data.SqlClient;

namespace Inbox.Tests.Storage;

/// <summary>
/// What can be checked of the SQL Server store without a SQL Server: the SQL pieces of its dialect, how its migrations
/// split into batches, and which errors count as "the store is unavailable". The store itself is checked by the
/// contract suites when INBOX_TEST_SQLSERVER is set.
/// </summary>
public sealed class SqlServerDialectTests
{
    private static readonly SqlServerDialect Dialect = new("Server=tcp:127.0.0.1,1433;Database=inbox;User ID=inbox;Password=x;Encrypt=True");

    [Fact]
    public void Storage_provider_sqlserver_chooses_sql_server_and_needs_a_connection_string()
    {
        static SqlDialect Choose(string? connectionString)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:Provider"] = " SqlServer ",
                ["ConnectionStrings:Inbox"] = connectionString,
            }).Build();
            using var services = new ServiceCollection().AddLogging().AddInboxStorage(configuration, Path.GetTempPath()).BuildServiceProvider();
            return services.GetRequiredService<SqlDialect>();
        }

        Assert.IsType<SqlServerDialect>(Choose("Server=tcp:db,1433;Database=inbox;User ID=inbox;Password=x;Encrypt=True"));
        Assert.Contains("ConnectionStrings:Inbox", Assert.Throws<InvalidOperationException>(() => Choose(null)).Message);
        Assert.Contains("Database=", Assert.Throws<InvalidOperationException>(() => Choose("Server=tcp:db,1433;User ID=inbox;Password=x")).Message);
    }

    [Fact]
    public void Rows_to_work_on_are_locked_with_a_table_hint_where_postgres_appends_for_update_skip_locked()
    {
        Assert.Equal("outbox WITH (UPDLOCK, READPAST, ROWLOCK)", Dialect.SkipLockedTable("outbox"));
        Assert.Equal("", Dialect.SkipLocked);

        using var postgres = new PostgresDialect("Host=127.0.0.1;Database=inbox");
        Assert.Equal("outbox", postgres.SkipLockedTable("outbox"));
        Assert.Equal("FOR UPDATE SKIP LOCKED", postgres.SkipLocked);
    }

    [Fact]
    public void Sql_server_pieces_replace_limit_returning_and_on_conflict()
    {
        Assert.Equal("OFFSET 0 ROWS FETCH NEXT @batch ROWS ONLY", Dialect.Limit("@batch"));
        Assert.Contains("OUTPUT inserted.value", Dialect.ReserveEventSequence);
        Assert.DoesNotContain("RETURNING", Dialect.ReserveEventSequence);
        var insert = Dialect.InsertIgnoringDuplicates("contacts", "id, phone", "@id, @phone");
        Assert.Contains("INSERT INTO contacts (id, phone) VALUES (@id, @phone);", insert);
        Assert.Contains("IF ERROR_NUMBER() NOT IN (2601, 2627) THROW;", insert);
        Assert.DoesNotContain("ON CONFLICT", insert);
        Assert.Equal("LOWER(CONVERT(NVARCHAR(36), counselor_id))", Dialect.IdAsText("counselor_id"));
        Assert.Contains("sp_getapplock", Dialect.MigrationLock);
        Assert.Contains("sp_releaseapplock", Dialect.MigrationUnlock);
        Assert.DoesNotContain("IF NOT EXISTS", Dialect.CreateMigrationJournal);
    }

    /// <summary>
    /// The reason for <see cref="SqlDialect.IdOrder"/>: SQL Server orders uniqueidentifier as <see cref="SqlGuid"/> does
    /// (last six bytes first), which is not the creation order of UUIDv7 ids; the canonical text SQL Server converts an id
    /// to (upper-case hex in byte order), compared in a binary collation, is.
    /// </summary>
    [Fact]
    public void Ids_ordered_as_sql_server_text_come_in_creation_order_and_as_uniqueidentifier_they_do_not()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add(Ids.New());
            if (i % 10 == 9)
                Thread.Sleep(3); // several milliseconds, so the timestamp bytes differ too
        }

        var asText = ids.OrderBy(id => id.ToString("D").ToUpperInvariant(), StringComparer.Ordinal).ToList();
        Assert.Equal(ids, asText);
        var asUniqueIdentifier = ids.OrderBy(id => new SqlGuid(id)).ToList();
        Assert.NotEqual(ids, asUniqueIdentifier);

        Assert.Equal("(CONVERT(CHAR(36), c.id) COLLATE Latin1_General_BIN2)", Dialect.IdOrder("c.id"));
    }

    [Fact]
    public void Scripts_split_on_lines_holding_only_go()
    {
        const string script = "CREATE TABLE a (id INT);\r\nGO\r\n-- only a comment\n  go  \nCREATE TRIGGER t ON a INSTEAD OF DELETE AS\nBEGIN\n    THROW 50001, 'GO away', 1; -- GO\nEND;\nGo\n\nGOTO_label: SELECT 1;\nGO";

        var batches = Dialect.SplitBatches(script);

        Assert.Equal(3, batches.Count);
        Assert.Equal("CREATE TABLE a (id INT);", batches[0]);
        Assert.StartsWith("CREATE TRIGGER t ON a", batches[1]);
        Assert.Contains("THROW 50001, 'GO away', 1; -- GO", batches[1]);
        Assert.Equal("GOTO_label: SELECT 1;", batches[2]);
    }

    [Fact]
    public void Other_dialects_run_a_script_as_one_batch()
    {
        using var postgres = new PostgresDialect("Host=127.0.0.1;Database=inbox");
        Assert.Equal(["SELECT 1;\nGO\nSELECT 2;"], postgres.SplitBatches("SELECT 1;\nGO\nSELECT 2;"));
    }

    [Fact]
    public void Every_sql_server_migration_splits_into_batches_a_server_accepts_in_that_form()
    {
        foreach (var script in Migrator.LoadScripts("sqlserver"))
        {
            var batches = Dialect.SplitBatches(script.Sql);
            Assert.NotEmpty(batches);
            foreach (var batch in batches)
            {
                var code = Regex.Replace(batch, "--[^\n]*", "");
                Assert.DoesNotMatch(@"(?im)^\s*GO\s*$", code);
                // CREATE/ALTER TRIGGER must be the first statement of its batch.
                var trigger = Regex.Match(code, @"(?i)\b(CREATE|ALTER)\s+TRIGGER\b");
                if (trigger.Success)
                    Assert.True(code[..trigger.Index].Trim().Length == 0, $"{script.Name}: a trigger does not begin its batch:\n{batch}");
                // A column added by ALTER TABLE is visible to later batches only.
                foreach (Match added in Regex.Matches(code, @"(?i)ALTER\s+TABLE\s+\w+\s+ADD\s+(\w+)"))
                {
                    var column = added.Groups[1].Value;
                    var uses = Regex.Count(code, $@"\b{column}\b");
                    Assert.True(uses == 1, $"{script.Name}: '{column}' is used in the batch that adds it");
                }
                // Nothing PostgreSQL or SQLite only.
                Assert.DoesNotMatch(@"(?i)\b(TIMESTAMPTZ|UUID|BOOLEAN|RETURNING|LIMIT|ILIKE|plpgsql)\b|ON CONFLICT|IF NOT EXISTS|\$\$|\|\||\bTEXT\s+(NOT\s+)?NULL", code);
            }
        }
    }

    [Fact]
    public void A_refused_connection_counts_as_the_store_being_unavailable()
    {
        // A loopback port nobody listens on: SqlClient raises a real SqlException for the refused connection.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var dialect = new SqlServerDialect($"Server=tcp:127.0.0.1,{port};Database=inbox;User ID=inbox;Password=x;Connect Timeout=3;Pooling=false");

        using var connection = dialect.CreateConnection();
        var error = Assert.Throws<SqlException>(() => connection.Open());

        Assert.True(dialect.IsUnavailable(error), $"SqlException {error.Number} (class {error.Class}) was not taken as unavailable: {error.Message}");
    }

    [Theory]
    [InlineData(-2, true)]      // timeout
    [InlineData(53, true)]      // server not found
    [InlineData(10054, true)]   // connection reset
    [InlineData(4060, true)]    // cannot open the database
    [InlineData(40613, true)]   // Azure SQL: database unavailable
    [InlineData(2627, false)]   // duplicate key
    [InlineData(547, false)]    // constraint (CHECK, foreign key)
    [InlineData(50001, false)]  // the audit log's append-only trigger
    [InlineData(18456, false)]  // login failed: a configuration error, not an outage
    [InlineData(1205, false)]   // deadlock victim
    public void Error_numbers_are_classified(int number, bool unavailable)
    {
        Assert.Equal(unavailable, Dialect.IsUnavailable(SqlExceptions.With(number, errorClass: 16)));
    }

    [Fact]
    public void A_fatal_severity_closes_the_connection_and_counts_as_unavailable_other_exceptions_do_not()
    {
        Assert.True(Dialect.IsUnavailable(SqlExceptions.With(0, errorClass: 20)));
        Assert.True(Dialect.IsUnavailable(new TimeoutException()));
        Assert.False(Dialect.IsUnavailable(new InvalidOperationException("not a store error")));
    }
}

/// <summary>Builds a <see cref="SqlException"/> as SqlClient does (it has no public constructor), through its internal factory.</summary>
internal static class SqlExceptions
{
    public static SqlException With(int number, byte errorClass)
    {
        var flags = BindingFlags.NonPublic | BindingFlags.Instance;
        var errorConstructor = typeof(SqlError).GetConstructors(flags)
            .Where(c => c.GetParameters() is [{ ParameterType.Name: "Int32" }, { ParameterType.Name: "Byte" }, { ParameterType.Name: "Byte" }, ..])
            .OrderByDescending(c => c.GetParameters().Length)
            .First();
        var arguments = errorConstructor.GetParameters().Select(p => p.Name switch
        {
            "infoNumber" => number,
            "errorState" => (byte)1,
            "errorClass" => errorClass,
            "server" => "test",
            "errorMessage" => $"error {number}",
            "procedure" => "",
            _ => p.ParameterType == typeof(int) ? 0 : p.ParameterType == typeof(uint) ? 0u : (object?)null,
        }).ToArray();
        var error = (SqlError)errorConstructor.Invoke(arguments);
        var errors = (SqlErrorCollection)Activator.CreateInstance(typeof(SqlErrorCollection), nonPublic: true)!;
        typeof(SqlErrorCollection).GetMethod("Add", flags)!.Invoke(errors, [error]);
        var create = typeof(SqlException).GetMethod("CreateException", BindingFlags.NonPublic | BindingFlags.Static, [typeof(SqlErrorCollection), typeof(string)])!;
        var exception = (SqlException)create.Invoke(null, [errors, "15.0"])!;
        Assert.Equal(number, exception.Number); // the factory did build what the test asks for
        return exception;
    }
}
