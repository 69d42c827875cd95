using Inbox.Storage;

namespace Inbox.Tests.Storage;

public sealed class IdsTests
{
    [Fact]
    public void Ids_are_version_7_and_sort_in_creation_order_even_within_one_millisecond()
    {
        var ids = Enumerable.Range(0, 20_000).Select(_ => Ids.New()).ToList();

        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.All(ids, id => Assert.Contains(id.ToString("N")[16], "89ab")); // RFC 9562 variant 10xx
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Sorted as PostgreSQL sorts uuid and SQLite sorts their text: byte by byte, big-endian.
        var asText = ids.Select(id => id.ToString("N")).ToList();
        Assert.Equal(asText.Order(StringComparer.Ordinal), asText);
    }
}
