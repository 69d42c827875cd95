namespace Inbox.Tests.Infrastructure;

/// <summary>A running Inbox a test talks to: the in-process <see cref="TestServer"/> or a <see cref="NodeProcess"/>.</summary>
public interface IInboxEndpoint
{
    Uri BaseAddress { get; }

    Task<string> TokenAsync(string username, string password);

    Task<HttpClient> ClientAsAsync(string username, string password);
}
