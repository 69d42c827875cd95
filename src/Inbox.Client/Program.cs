using System.Net.Http.Json;
using System.Text.Json;
using Inbox.Client;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

// A console for the live queue: signs in, connects to /hubs/inbox, prints every push, and takes commands.
//   dotnet run --project src/Inbox.Client -- --url http://localhost:5080 --user admin   (password from INBOX_PASSWORD or asked)

var options = Options.Parse(args);
if (options is null)
{
    Console.WriteLine("""
        usage: inbox-client [--url http://localhost:5080] [--user NAME] [--password PASSWORD]
          The password can also come from INBOX_PASSWORD; without either it is asked for.
        commands once connected:
          queue                      the conversations you may work (numbered)
          claim N                    take conversation N: a number from the last queue, an id,
                                     or 'last' (the conversation of the last push printed)
          reply N TEXT               answer the resident on the channel they last wrote on
          note N TEXT                an internal note, never sent
          transfer N ACCOUNT-ID      give it to another counselor
          resolve N | reopen N
          presence available|away|offline
          catchup SEQ                every event after SEQ you may see
          quit
        """);
    return 2;
}

using var http = new HttpClient { BaseAddress = options.Url };
var signIn = await http.PostAsJsonAsync("/api/auth/token", new { username = options.User, password = options.Password });
if (!signIn.IsSuccessStatusCode)
{
    Console.Error.WriteLine($"Sign-in failed ({(int)signIn.StatusCode}): {await signIn.Content.ReadAsStringAsync()}");
    return 1;
}
var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;

await using var hub = HubClient.Build(options.Url, token);
Guid? lastPushed = null;
foreach (var method in new[] { "ConversationChanged", "MessageAdded", "MessageUpdated", "PresenceChanged", "Typing" })
{
    hub.On<JsonElement>(method, payload =>
    {
        if (method is "ConversationChanged" or "MessageAdded")
            lastPushed = payload.GetProperty(method == "MessageAdded" ? "conversationId" : "id").GetGuid();
        Console.WriteLine($"<< {method} {Describe(method, payload)}");
    });
}
hub.Closed += error =>
{
    Console.WriteLine($"connection closed{(error is null ? "" : ": " + error.Message)}");
    return Task.CompletedTask;
};
await hub.StartAsync();
Console.WriteLine($"connected to {options.Url} as {options.User}; type 'help' for commands");

var numbered = new List<Guid>();
while (Console.ReadLine() is { } line)
{
    var parts = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
    if (parts.Length == 0)
        continue;
    try
    {
        switch (parts[0].ToLowerInvariant())
        {
            case "quit" or "exit":
                return 0;
            case "queue":
                // The first page, and the pages after it (each names the next with its cursor).
                var queue = await hub.InvokeAsync<JsonElement>("GetQueue");
                var seq = queue.GetProperty("seq").GetInt64();
                numbered = [];
                while (true)
                {
                    foreach (var c in queue.GetProperty("conversations").EnumerateArray())
                    {
                        numbered.Add(c.GetProperty("id").GetGuid());
                        Console.WriteLine($"{numbered.Count,3}. {Describe("ConversationChanged", c)}");
                    }
                    if (queue.GetProperty("nextCursor").GetString() is not { } cursor)
                        break;
                    queue = await hub.InvokeAsync<JsonElement>("GetQueuePage", cursor, 200);
                }
                Console.WriteLine($"(as of seq {seq})");
                break;
            case "claim":
                await hub.InvokeAsync("Claim", Conversation(parts));
                Console.WriteLine("claimed");
                break;
            case "reply":
                var ids = await hub.InvokeAsync<Guid[]>("Reply", Conversation(parts), Text(parts), Guid.NewGuid().ToString("N"));
                Console.WriteLine($"queued {ids.Length} part(s): message {string.Join(", ", ids)}");
                break;
            case "note":
                await hub.InvokeAsync<Guid>("AddNote", Conversation(parts), Text(parts));
                break;
            case "transfer":
                await hub.InvokeAsync("Transfer", Conversation(parts), Guid.Parse(Text(parts)));
                break;
            case "resolve":
                await hub.InvokeAsync("Resolve", Conversation(parts));
                break;
            case "reopen":
                await hub.InvokeAsync("Reopen", Conversation(parts));
                break;
            case "presence":
                await hub.InvokeAsync("SetPresence", parts.Length > 1 ? parts[1] : "available");
                break;
            case "catchup":
                // Calls again from upTo (the last stored sequence read, visible or not) while there is more.
                var after = parts.Length > 1 ? long.Parse(parts[1]) : 0L;
                while (true)
                {
                    var result = await hub.InvokeAsync<JsonElement>("CatchUp", after);
                    if (result.GetProperty("reload").GetBoolean())
                    {
                        Console.WriteLine("too far behind to catch up: take 'queue' again");
                        break;
                    }
                    foreach (var e in result.GetProperty("events").EnumerateArray())
                        Console.WriteLine($"   {e.GetProperty("method").GetString()} {Describe(e.GetProperty("method").GetString()!, e.GetProperty("payload"))}");
                    after = result.GetProperty("upTo").GetInt64();
                    if (!result.GetProperty("more").GetBoolean())
                        break;
                }
                break;
            default:
                Console.WriteLine("commands: queue, claim N, reply N TEXT, note N TEXT, transfer N ACCOUNT-ID, resolve N, reopen N, presence STATE, catchup SEQ, quit");
                break;
        }
    }
    catch (HubException e)
    {
        Console.WriteLine($"refused: {e.Message}");
    }
    catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
    {
        Console.WriteLine($"? {e.Message}");
    }
}
return 0;

Guid Conversation(string[] parts)
{
    if (parts.Length < 2)
        throw new ArgumentException("Which conversation? Give its number from 'queue', its id, or 'last'.");
    if (parts[1].Equals("last", StringComparison.OrdinalIgnoreCase))
        return lastPushed ?? throw new ArgumentException("No conversation was pushed yet.");
    if (int.TryParse(parts[1], out var index))
        return index >= 1 && index <= numbered.Count
            ? numbered[index - 1]
            : throw new ArgumentException($"The last 'queue' listed no conversation {index}.");
    return Guid.TryParse(parts[1], out var id) ? id : throw new ArgumentException($"'{parts[1]}' is neither a number from 'queue', a conversation id nor 'last'.");
}

static string Text(string[] parts) => parts.Length > 2 ? parts[2] : throw new ArgumentException("The text is missing.");

static string Describe(string method, JsonElement p) => method switch
{
    "ConversationChanged" =>
        $"[{p.GetProperty("seq")}] {p.GetProperty("id")} {p.GetProperty("status")} {p.GetProperty("line")}/{p.GetProperty("channel")} " +
        $"{p.GetProperty("priority")} {(p.GetProperty("assigneeId").ValueKind == JsonValueKind.Null ? "unassigned" : "assigned " + p.GetProperty("assigneeId"))} " +
        $"{p.GetProperty("contact").GetProperty("phone")} ({p.GetProperty("reason")})",
    "MessageAdded" =>
        $"[{p.GetProperty("seq")}] {p.GetProperty("conversationId")} {p.GetProperty("direction")} {p.GetProperty("channel")} {p.GetProperty("kind")} " +
        $"{p.GetProperty("deliveryStatus")}: {p.GetProperty("body")}",
    "MessageUpdated" => $"[{p.GetProperty("seq")}] message {p.GetProperty("id")} is {p.GetProperty("deliveryStatus")} {p.GetProperty("deliveryError")}",
    "PresenceChanged" => $"[{p.GetProperty("seq")}] {p.GetProperty("displayName")} ({p.GetProperty("accountId")}) is {p.GetProperty("presence")}",
    "Typing" => $"[{p.GetProperty("seq")}] {p.GetProperty("username")} is typing in {p.GetProperty("conversationId")}",
    _ => p.GetRawText(),
};

internal sealed record Options(Uri Url, string User, string Password)
{
    public static Options? Parse(string[] args)
    {
        var url = "http://localhost:5080";
        string? user = null, password = Environment.GetEnvironmentVariable("INBOX_PASSWORD");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--url" when i + 1 < args.Length: url = args[++i]; break;
                case "--user" when i + 1 < args.Length: user = args[++i]; break;
                case "--password" when i + 1 < args.Length: password = args[++i]; break;
                default: return null;
            }
        }
        if (user is null)
        {
            Console.Write("user: ");
            user = Console.ReadLine();
        }
        if (string.IsNullOrEmpty(password))
        {
            Console.Write("password: ");
            password = Console.ReadLine();
        }
        return string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password) ? null : new Options(new Uri(url), user, password);
    }
}
