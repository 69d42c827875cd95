using Inbox.Centers;

namespace Inbox.Tests.Centers;

public sealed class CenterDirectoryTests
{
    [Fact]
    public void Routes_each_address_to_its_center_whatever_way_the_number_was_written()
    {
        var directory = new CenterDirectory(
        [
            new CenterOptions { Id = "north", SmsNumbers = ["1899-6808"], PhoneNumbers = ["02-123-4567"], KakaoSenderKeys = ["key-north"] },
            new CenterOptions { Id = "south", SmsNumbers = ["+82 1588 0000"] },
        ]);

        Assert.Equal("north", directory.FindByAddress("sms", "+8218996808")?.Id);
        Assert.Equal("north", directory.FindByAddress("phone", "+8221234567")?.Id);
        Assert.Equal("north", directory.FindByAddress("kakao", "key-north")?.Id);
        Assert.Equal("south", directory.FindByAddress("sms", "+8215880000")?.Id);
        Assert.Null(directory.FindByAddress("phone", "+8218996808"));
        Assert.Equal("north", directory.Default.Id);
    }

    [Fact]
    public void Refuses_a_configuration_without_centers_with_the_keys_to_set()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new CenterDirectory([]));
        Assert.Contains("Centers__0__Id", error.Message);
    }

    [Fact]
    public void Refuses_one_address_claimed_by_two_centers()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new CenterDirectory(
        [
            new CenterOptions { Id = "a", SmsNumbers = ["1899-6808"] },
            new CenterOptions { Id = "b", SmsNumbers = ["18996808"] },
        ]));
        Assert.Contains("already configured for center 'a'", error.Message);
    }

    [Theory]
    [InlineData("", "Id is empty")]
    [InlineData("dup", "used by two centers")]
    public void Refuses_missing_and_duplicate_ids(string id, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new CenterDirectory(
            [new CenterOptions { Id = "dup" }, new CenterOptions { Id = id }]));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Refuses_a_number_that_is_not_a_phone_number_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new CenterDirectory([new CenterOptions { Id = "a", PhoneNumbers = ["12"] }]));
        Assert.Contains("Centers:0:PhoneNumbers:0", error.Message);
    }

    [Fact]
    public void Routes_another_channels_addresses_and_refuses_a_built_in_channel_under_addresses()
    {
        var directory = new CenterDirectory(
        [
            new CenterOptions { Id = "north", Addresses = new() { ["webchat"] = [" widget-north "] } },
            new CenterOptions { Id = "south", Addresses = new() { ["webchat"] = ["widget-south"] } },
        ]);
        Assert.Equal("north", directory.FindByAddress("webchat", "widget-north")?.Id);
        Assert.Equal(["widget-south"], directory.Find("south")!.AddressesOn("webchat"));

        // Written under Addresses, an SMS number would be taken as written and never match a normalized sender.
        var error = Assert.Throws<InvalidOperationException>(() => new CenterDirectory(
            [new CenterOptions { Id = "a", Addresses = new() { ["sms"] = ["1899-6808"] } }]));
        Assert.Contains("Centers:0:Addresses:sms is not read", error.Message);
        Assert.Contains("Centers:0:SmsNumbers", error.Message);
    }
}
