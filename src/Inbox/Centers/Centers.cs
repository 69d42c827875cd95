using Inbox.Contacts;
using Inbox.Conversations;

namespace Inbox.Centers;

/// <summary>One counseling center as configured under <c>Centers</c> (an array).</summary>
public sealed class CenterOptions
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> SmsNumbers { get; set; } = [];
    public List<string> KakaoSenderKeys { get; set; } = [];
    public List<string> PhoneNumbers { get; set; } = [];
    /// <summary>The center's addresses on any other channel, by channel name (<c>Centers:N:Addresses:webchat:0</c>), taken as written.</summary>
    public Dictionary<string, List<string>> Addresses { get; set; } = [];
    public AutoAssignOptions AutoAssign { get; set; } = new();
    public CalendarOptions Calendar { get; set; } = new();
}

/// <summary>A center's business calendar: time zone and working hours (local times, "HH:mm").</summary>
public sealed class CalendarOptions
{
    public string TimeZone { get; set; } = "Asia/Seoul";
    public string Open { get; set; } = "09:00";
    public string Close { get; set; } = "18:00";
    public string? LunchStart { get; set; }
    public string? LunchEnd { get; set; }
    /// <summary>Working weekdays; Monday to Friday when empty.</summary>
    public List<DayOfWeek> Days { get; set; } = [];
}

/// <summary>Auto-assignment of new conversations to available counselors; off unless a center turns it on.</summary>
public sealed class AutoAssignOptions
{
    public bool Enabled { get; set; }
    /// <summary>Most open conversations a counselor is given automatically.</summary>
    public int Capacity { get; set; } = 5;
}

public sealed record Center(
    string Id, string Name, IReadOnlyList<string> SmsNumbers, IReadOnlyList<string> KakaoSenderKeys, IReadOnlyList<string> PhoneNumbers,
    bool AutoAssign = false, int AutoAssignCapacity = 5, TimeZoneInfo? Zone = null, Inbox.Calendar.WorkingHours? Hours = null,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Addresses = null)
{
    /// <summary>The center's addresses on <paramref name="channel"/> (numbers in E.164, Kakao sender keys, …), in configured order.</summary>
    public IReadOnlyList<string> AddressesOn(string channel) => Addresses?.GetValueOrDefault(channel) ?? [];

    public TimeZoneInfo TimeZone => Zone ?? TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul");

    public Inbox.Calendar.WorkingHours WorkingHours => Hours ?? Inbox.Calendar.WorkingHours.Default;
}

/// <summary>Routes inbound traffic to a center by the address it was sent to. Built once from configuration and checked at start-up.</summary>
public sealed class CenterDirectory
{
    private readonly Dictionary<string, Center> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Channel, string Address), Center> _byAddress = [];

    public CenterDirectory(IEnumerable<CenterOptions> options)
    {
        var index = 0;
        foreach (var o in options)
        {
            var where = $"Centers:{index}";
            if (string.IsNullOrWhiteSpace(o.Id))
                throw new InvalidOperationException($"{where}:Id is empty: every center needs an id.");
            if (!_byId.TryAdd(o.Id, null!))
                throw new InvalidOperationException($"{where}:Id '{o.Id}' is used by two centers.");
            IReadOnlyList<string> sms = [.. o.SmsNumbers.Select((n, i) => Number(n, $"{where}:SmsNumbers:{i}"))];
            IReadOnlyList<string> kakao = [.. o.KakaoSenderKeys.Select(k => k.Trim())];
            IReadOnlyList<string> phone = [.. o.PhoneNumbers.Select((n, i) => Number(n, $"{where}:PhoneNumbers:{i}"))];
            // The built-in channels' addresses have keys of their own (README); any other channel's are under Addresses.
            var addresses = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
            {
                [Channel.Sms] = sms, [Channel.Kakao] = kakao, [Channel.Phone] = phone,
            };
            foreach (var (channel, list) in o.Addresses)
            {
                // A built-in channel's numbers are normalized under their own key; taken as written here they would never match.
                if (addresses.ContainsKey(channel))
                    throw new InvalidOperationException($"{where}:Addresses:{channel} is not read: the {channel} channel's addresses go under {where}:{BuiltInKey(channel)}.");
                addresses[channel] = [.. list.Select(a => a.Trim()).Where(a => a.Length > 0)];
            }
            var center = new Center(
                o.Id,
                string.IsNullOrWhiteSpace(o.Name) ? o.Id : o.Name,
                sms,
                kakao,
                phone,
                o.AutoAssign.Enabled,
                o.AutoAssign.Capacity > 0 ? o.AutoAssign.Capacity : throw new InvalidOperationException($"{where}:AutoAssign:Capacity must be at least 1."),
                Zone(o.Calendar.TimeZone, $"{where}:Calendar:TimeZone"),
                Hours(o.Calendar, $"{where}:Calendar"),
                addresses);
            _byId[o.Id] = center;
            foreach (var (channel, list) in addresses)
                Claim(center, channel, list, where);
            index++;
        }
        if (_byId.Count == 0)
            throw new InvalidOperationException(
                "No centers are configured. Set at least one under Centers, e.g. Centers__0__Id=main, Centers__0__Name=..., Centers__0__SmsNumbers__0=1899-6808.");
    }

    public IEnumerable<Center> All => _byId.Values;

    public Center Default => _byId.Values.First();

    public Center? Find(string id) => _byId.GetValueOrDefault(id);

    private static string BuiltInKey(string channel) =>
        channel == Channel.Sms ? nameof(CenterOptions.SmsNumbers) : channel == Channel.Kakao ? nameof(CenterOptions.KakaoSenderKeys) : nameof(CenterOptions.PhoneNumbers);

    /// <summary>The center that owns <paramref name="address"/> (E.164 number, Kakao sender key, …) on <paramref name="channel"/>.</summary>
    public Center? FindByAddress(string channel, string address) => _byAddress.GetValueOrDefault((channel, address));

    private void Claim(Center center, string channel, IEnumerable<string> addresses, string where)
    {
        foreach (var address in addresses)
        {
            if (_byAddress.TryGetValue((channel, address), out var other) && other.Id != center.Id)
                throw new InvalidOperationException($"{where}: the {channel} address {address} is already configured for center '{other.Id}'.");
            _byAddress[(channel, address)] = center;
        }
    }

    private static TimeZoneInfo Zone(string id, string where)
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById(id); }
        catch (TimeZoneNotFoundException) { throw new InvalidOperationException($"{where}: '{id}' is not a time zone (e.g. Asia/Seoul)."); }
    }

    private static Inbox.Calendar.WorkingHours Hours(CalendarOptions o, string where)
    {
        TimeOnly Time(string value, string key) => TimeOnly.TryParseExact(value, "HH:mm", out var t)
            ? t : throw new InvalidOperationException($"{where}:{key}: '{value}' is not a time like 09:00.");
        var hours = new Inbox.Calendar.WorkingHours(
            Time(o.Open, "Open"), Time(o.Close, "Close"),
            o.LunchStart is null ? null : Time(o.LunchStart, "LunchStart"),
            o.LunchEnd is null ? null : Time(o.LunchEnd, "LunchEnd"),
            o.Days.Count == 0 ? Inbox.Calendar.WorkingHours.Default.Days : o.Days.ToHashSet());
        hours.Validate(where);
        return hours;
    }

    private static string Number(string value, string where) =>
        KoreanPhoneNumber.TryNormalize(value, out var e164, out var error)
            ? e164
            : throw new InvalidOperationException($"{where}: '{value}' is not a phone number ({error}).");
}
