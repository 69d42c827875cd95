using Inbox;

var app = InboxApp.Build(args);
await InboxApp.InitializeAsync(app);
await app.RunAsync();
