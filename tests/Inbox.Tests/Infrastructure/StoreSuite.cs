namespace Inbox.Tests.Infrastructure;

/// <summary>
/// The base of a suite written once and closed per store in one line (<c>SqliteXTests : XTests&lt;SqliteStore&gt;;</c>):
/// where the store cannot run here, every test of the class is skipped with the store's reason.
/// </summary>
public abstract class StoreSuite<TStore> where TStore : TestStore, new()
{
    protected StoreSuite()
    {
        if (Store.SkipReason is { } reason)
            Assert.Skip(reason);
    }

    protected TStore Store { get; } = new();
}

/// <summary>The same for a suite sharing one server per class (<see cref="ServerFixture{TStore}"/>).</summary>
public abstract class ServerSuite<TStore> where TStore : TestStore, new()
{
    private readonly ServerFixture<TStore> _fixture;

    protected ServerSuite(ServerFixture<TStore> fixture)
    {
        if (fixture.Store.SkipReason is { } reason)
            Assert.Skip(reason);
        _fixture = fixture;
    }

    protected TStore Store => _fixture.Store;

    protected TestServer Server => _fixture.Server;
}
