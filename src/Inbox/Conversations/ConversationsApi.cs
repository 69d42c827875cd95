using System.Text.Json;
using Inbox.Accounts;
using Inbox.Audit;
using Inbox.Channels;
using Inbox.Contacts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inbox.Conversations;

public static class ConversationsApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static void MapConversations(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/conversations").WithTags("Conversations").RequireAuthorization();
        api.MapGet("/", ListAsync).WithName("ListConversations")
            .WithSummary("Conversations of the caller's center, most recent activity first, keyset-paged.");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetConversation")
            .WithSummary("One conversation with its contact, the contact's channel identities and every message in order.");
        api.MapPut("/{id:guid}/category", (Guid id, CategoryRequest request, HttpContext http, ConversationService service, CancellationToken ct) =>
                ActAsync(async () =>
                {
                    await service.SetCategoryAsync(Caller.From(http.User), id, request.Category, request.Program, ct);
                    return TypedResults.NoContent();
                }))
            .WithName("SetConversationCategory")
            .WithSummary("Files the conversation under 복지일반, 저소득층지원, 여성과가족, 장애인복지, 보건의료 or 기타, with an optional program name.");
        api.MapPost("/{id:guid}/referrals", (Guid id, ReferralRequest request, HttpContext http, ConversationService service, CancellationToken ct) =>
                ActAsync(async () =>
                {
                    var created = await service.AddReferralAsync(Caller.From(http.User), id, request.Kind, request.Target, request.Note, ct);
                    return TypedResults.Created($"/api/conversations/{id}", new { id = created });
                }))
            .WithName("AddReferral")
            .WithSummary("Records that the resident was referred to another department, a community center (동주민센터) or an agency.");
        api.MapPost("/{id:guid}/link-contact", (Guid id, LinkContactRequest request, HttpContext http, ConversationService service, CancellationToken ct) =>
                ActAsync(async () =>
                {
                    var linked = await service.LinkContactAsync(Caller.From(http.User), id, request.ContactId, request.Phone, request.Reason,
                        http.Connection.RemoteIpAddress?.ToString(), ct);
                    return TypedResults.Ok(linked);
                }))
            .WithName("LinkContact")
            .WithSummary("Joins the conversation's contact with a resident's record (a contact or a number) after the counselor verified the person; audited with the reason.");
    }

    /// <summary>Runs a counselor's action; a refusal becomes 400, 403, 404 or 409 with the reason.</summary>
    private static async Task<IResult> ActAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }

        catch (ConversationActionException e)
        {
            return e.Refusal switch
            {
                Refusal.Invalid when e.Field is { } field => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [e.Message] }),
                Refusal.Invalid => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid."),
                Refusal.Forbidden => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed."),
                Refusal.NotFound => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found."),
                _ => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "The conversation does not allow this now."),
            };
        }
    }


    private static async Task<Results<Ok<Page<ConversationListItem>>, ValidationProblem>> ListAsync(
        HttpContext http, ConversationQueries queries, AuditLog audit, ChannelRegistry channels,
        string? status, string? channel, string? line, string? assignee, string? phone, int? limit, string? cursor, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var errors = new Dictionary<string, string[]>();
        void Check(string? value, IReadOnlyList<string> allowed, string name)
        {
            if (value is not null && !allowed.Contains(value))
                errors[name] = [$"'{name}' must be one of {string.Join(", ", allowed)}."];
        }
        Check(status, ConversationStatus.All, "status");
        Check(channel, [.. channels.Names], "channel");
        Check(line, Line.All, "line");

        Guid? assigneeId = null;
        var unassigned = false;
        switch (assignee)
        {
            case null: break;
            case "none": unassigned = true; break;
            case "me": assigneeId = caller.AccountId; break;
            default:
                if (Guid.TryParse(assignee, out var parsed)) assigneeId = parsed;
                else errors["assignee"] = ["'assignee' must be an account id, 'me' or 'none'."];
                break;
        }
        string? contactPhone = null;
        if (phone is not null)
        {
            if (KoreanPhoneNumber.TryNormalize(phone, out var e164, out var error)) contactPhone = e164;
            else errors["phone"] = [$"'phone' is not a valid phone number: {error}"];
        }
        if (limit is < 1 or > MaxPageSize)
            errors["limit"] = [$"'limit' must be between 1 and {MaxPageSize}."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        Page<ConversationSummary> page;
        try
        {
            page = await queries.ListAsync(
                new ConversationFilter(caller, status, channel, line, assigneeId, unassigned, contactPhone),
                limit ?? DefaultPageSize, cursor, ct);
        }
        catch (FormatException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = [e.Message] });
        }

        // The list shows residents' numbers: each resident on the page is a read of their record.
        await audit.WriteAsync([.. page.Items.Select(c => c.ContactId).Distinct()
            .Select(contactId => AuditEntry.For(caller, http, AuditActions.ConversationList, contactId))], ct);
        return TypedResults.Ok(new Page<ConversationListItem>([.. page.Items.Select(ConversationListItem.From)], page.NextCursor));
    }

    private static async Task<Results<Ok<ConversationView>, NotFound>> GetAsync(
        Guid id, HttpContext http, ConversationQueries queries, AuditLog audit, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var detail = await queries.GetAsync(caller, id, ct);
        if (detail is null)
            return TypedResults.NotFound(); // also for another center's or a colleague's conversation: its existence is not disclosed
        await audit.WriteAsync([AuditEntry.For(caller, http, AuditActions.ConversationRead, detail.Contact.Id, detail.Conversation.Id)], ct);
        return TypedResults.Ok(ConversationView.From(detail));
    }
}

public sealed record ContactView(
    Guid Id, string? DisplayName, string? Phone,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<IdentityView>? Identities);

public sealed record IdentityView(string Channel, string Address, string? Source, DateTimeOffset CreatedAt);

public sealed record ConversationListItem(
    Guid Id, string Status, string Line, string Channel, string OriginChannel, string Priority, Guid? AssigneeId, string? Category, string? Program,
    DateTimeOffset CreatedAt, DateTimeOffset? FirstResponseAt, DateTimeOffset? WaitingSince, DateTimeOffset? DueAt, DateTimeOffset? ResolvedAt,
    DateTimeOffset LastActivityAt, string? TriagePhrase, ContactView Contact)
{
    public static ConversationListItem From(ConversationSummary c) => new(
        c.Id, c.Status, c.Line, c.Channel, c.OriginChannel, c.Priority, c.AssigneeId, c.Category, c.Program, c.CreatedAt, c.FirstResponseAt,
        c.WaitingSince, c.DueAt, c.ResolvedAt, c.LastActivityAt, c.TriagePhrase,
        new ContactView(c.ContactId, c.ContactName, c.ContactPhone, null));
}

public sealed record AttachmentView(string Purpose, string Url, string? ContentType, string? FileName, long? SizeBytes);

public sealed record SegmentView(string Speaker, int StartMs, int EndMs, string Text, double? Confidence);

public sealed record MessageView(
    Guid Id, string Channel, string Direction, string Kind, string? Body, string? Subject, string? ProviderMessageId, Guid? AuthorId,
    DateTimeOffset? ProviderAt, DateTimeOffset ReceivedAt, string? DeliveryStatus, string? DeliveryError, JsonElement? Metadata,
    IReadOnlyList<AttachmentView> Attachments, IReadOnlyList<SegmentView> Segments);

/// <summary>A callback request; <paramref name="PhoneVerified"/> is false for a number typed in a chat ("given in chat, not verified").</summary>
public sealed record CallbackView(
    Guid Id, string? Phone, string Source, string Status, DateTimeOffset RequestedAt, DateTimeOffset DueAt, string CalendarVersion,
    int Attempts, DateTimeOffset? CompletedAt, Guid? CompletedBy, bool PhoneVerified);

public sealed record ReferralView(Guid Id, string Kind, string Target, string? Note, Guid? ReferredBy, DateTimeOffset ReferredAt);

public sealed record ConversationView(
    ConversationListItem Conversation, ContactView Contact, IReadOnlyList<MessageView> Messages, IReadOnlyList<CallbackView> Callbacks,
    IReadOnlyList<ReferralView> Referrals)
{
    public static ConversationView From(ConversationDetail d)
    {
        var attachments = d.Attachments.ToLookup(a => a.MessageId);
        var segments = d.Segments.ToLookup(s => s.MessageId);
        return new ConversationView(
            ConversationListItem.From(d.Conversation),
            new ContactView(d.Contact.Id, d.Contact.DisplayName, d.Contact.Phone, [.. d.Identities.Select(i => new IdentityView(i.Channel, i.Address, i.Source, i.CreatedAt))]),
            [.. d.Messages.Select(m => new MessageView(
                m.Id, m.Channel, m.Direction, m.Kind, m.Body, m.Subject, m.ProviderMessageId, m.AuthorId, m.ProviderAt, m.ReceivedAt,
                m.DeliveryStatus, m.DeliveryError,
                m.Metadata is null ? null : JsonDocument.Parse(m.Metadata).RootElement.Clone(),
                [.. attachments[m.Id].Select(a => new AttachmentView(a.Purpose, a.Url, a.ContentType, a.FileName, a.SizeBytes))],
                [.. segments[m.Id].Select(s => new SegmentView(s.Speaker, s.StartMs, s.EndMs, s.Text, s.Confidence))]))],
            [.. d.Callbacks.Select(c => new CallbackView(c.Id, c.Phone, c.Source, c.Status, c.RequestedAt, c.DueAt, c.DueCalendarVersion, c.Attempts, c.CompletedAt, c.CompletedBy, c.PhoneVerified))],
            [.. d.Referrals.Select(r => new ReferralView(r.Id, r.Kind, r.Target, r.Note, r.ReferredBy, r.ReferredAt))]);
    }
}

public sealed record CategoryRequest(string? Category, string? Program);

public sealed record ReferralRequest(string? Kind, string? Target, string? Note);

/// <summary>The resident to join: exactly one of <paramref name="ContactId"/> or <paramref name="Phone"/>; and how the person was verified.</summary>
public sealed record LinkContactRequest(Guid? ContactId, string? Phone, string? Reason);
