namespace Inbox.Tests.Infrastructure;

public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Samples => Path.Combine(Root, "webhooks-samples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Inbox.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (Inbox.sln) above " + AppContext.BaseDirectory);
    }
}
