#:sdk Microsoft.NET.Sdk.Web
#:project ../src/Inbox/Inbox.csproj
#:property PublishAot=false

// Crisis triage against long texts: the time of CrisisTriage.Match (the default phrases and exclusions, as ingest runs
// it inside the message's transaction) for 1, 2, 4 and 8 × 32 KiB of text. Linear means each doubling of the text
// roughly doubles the time. Texts: "보일러 고장 " repeated (first parts of an ellipsis phrase with nothing after them),
// and "자살예방 " repeated (every occurrence of a phrase covered by an exclusion).
//
//   dotnet run --file scripts/BenchTriage.cs -- [--runs 5] [--sizes 1,2,4,8]   (sizes in multiples of 32 KiB)

using System.Diagnostics;
using System.Text;
using Inbox.Ingest;

var runs = 5;
int[] sizes = [1, 2, 4, 8];
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[i + 1]); break;
        case "--sizes": sizes = [.. args[i + 1].Split(',').Select(int.Parse)]; break;
        default: Console.Error.WriteLine("usage: BenchTriage.cs [--runs 5] [--sizes 1,2,4,8]"); return 2;
    }
}
string[] fillers = ["보일러 고장 ", "자살예방 ", "가정폭력 상담 때리고 "];
CrisisTriage.Match("warm-up 보일러 고장", CrisisTriage.DefaultPhrases, CrisisTriage.DefaultExclusions);

Console.WriteLine($"{"text",-22} {"KiB",5} {"chars",8} {"best of " + runs,12} {"per KiB",10}");
foreach (var filler in fillers)
{
    double? previous = null;
    foreach (var multiple in sizes)
    {
        var text = Repeat(filler, multiple * 32 * 1024);
        var best = double.MaxValue;
        string? match = null;
        for (var run = 0; run < runs; run++)
        {
            var started = Stopwatch.GetTimestamp();
            match = CrisisTriage.Match(text, CrisisTriage.DefaultPhrases, CrisisTriage.DefaultExclusions);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        var ratio = previous is { } p ? $"  ×{best / p:0.0} for ×2 text" : "";
        Console.WriteLine($"{'"' + filler.Trim() + '"',-22} {multiple * 32,5} {text.Length,8} {best,9:0.0} ms {best / (multiple * 32),7:0.00} ms{ratio}  (match: {match ?? "none"})");
        previous = best;
    }
}
return 0;

// The text of about the given UTF-8 size, whole repetitions only.
static string Repeat(string filler, int bytes)
{
    var each = Encoding.UTF8.GetByteCount(filler);
    return new StringBuilder(bytes).Insert(0, filler, bytes / each).ToString();
}
