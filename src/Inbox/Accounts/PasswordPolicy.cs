namespace Inbox.Accounts;

/// <summary>
/// What a password must be, for accounts created through the API and for the bootstrap admins alike:
/// 12 to 128 characters; not containing the username; not one repeated character; not a plain run of digits, letters or
/// keyboard keys (forwards or backwards, wrapping round); not on the shipped list of common passwords (exact match, lower-cased).
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;

    /// <summary>Longer input is refused before any hashing (sign-in included): nobody types more, and each character costs hashing time.</summary>
    public const int MaxLength = 128;

    // A run along one of these, in either direction and wrapping round, is a "plain sequence". The keyboard's letter rows
    // are read as one line, so a walk that carries on into the next row (qwertyuiopas) is one too.
    private static readonly string[] Sequences = ["0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm"];

    private static readonly Lazy<HashSet<string>> Common = new(LoadCommon);

    /// <summary>Null when the password is acceptable for <paramref name="username"/>; otherwise why not, as an API problem text.</summary>
    public static string? Check(string username, string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinLength)
            return $"'password' must be at least {MinLength} characters.";
        if (password.Length > MaxLength)
            return $"'password' must be at most {MaxLength} characters.";
        var lower = password.ToLowerInvariant();
        var name = AccountStore.Normalize(username);
        if (name.Length > 0 && lower.Contains(name, StringComparison.Ordinal))
            return "'password' must not contain the username.";
        if (lower.All(c => c == lower[0]))
            return "'password' must not be one repeated character.";
        if (IsPlainSequence(lower))
            return "'password' must not be a plain sequence of digits, letters or keyboard keys.";
        if (Common.Value.Contains(lower))
            return "'password' is on the list of common passwords; choose another.";
        return null;
    }

    private static bool IsPlainSequence(string lower)
    {
        foreach (var sequence in Sequences)
            foreach (var step in new[] { 1, sequence.Length - 1 }) // forwards, backwards
            {
                var at = sequence.IndexOf(lower[0]);
                var run = at >= 0;
                for (var i = 1; run && i < lower.Length; i++)
                {
                    at = (at + step) % sequence.Length;
                    run = lower[i] == sequence[at];
                }
                if (run)
                    return true;
            }
        return false;
    }

    private static HashSet<string> LoadCommon()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("Inbox.Accounts.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0 && line[0] != '#')
                set.Add(line.ToLowerInvariant());
        return set;
    }
}
