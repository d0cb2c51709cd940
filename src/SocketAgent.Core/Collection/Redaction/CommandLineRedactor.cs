using System.Text;
using System.Text.RegularExpressions;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;

namespace SocketAgent.Collection.Redaction;

/// <summary>
/// Replaces what looks like a secret in a process's argument vector with <see cref="Mask"/>, before
/// <c>process.args</c> and <c>process.command_line</c> leave the host. Built-in rules:
/// <list type="bullet">
/// <item>the value of a secret flag, attached or next: <c>--password=X</c>, <c>--password X</c>, <c>--db-password</c>,
/// <c>--token</c>, <c>--api-key</c>, <c>--client-secret</c>, <c>--access-key</c>, <c>--auth</c>… (any flag whose name
/// ends with password, passwd, passphrase, secret, token, apikey, api-key, access-key, secret-key, bearer,
/// authorization, or -pass / -auth; not <c>--no-…</c>, and a next argument that starts with '-' is not a value);</item>
/// <item>program-specific short flags: <c>mysql -pX</c> (attached only: <c>-p X</c> means "prompt, database X"),
/// <c>sshpass -p X</c>, <c>mongo -p X</c>, <c>redis-cli -a X</c>, <c>curl -u user:X</c> — also after a wrapper
/// (<c>sudo</c>, <c>docker exec … mysql</c>);</item>
/// <item><c>key=value</c> anywhere in an argument with such a key: <c>PASSWORD=X</c>, <c>AWS_SECRET_ACCESS_KEY=X</c>,
/// <c>GITHUB_TOKEN=X</c>, <c>-Djavax.net.ssl.keyStorePassword=X</c>, <c>?access_token=X&amp;</c>,
/// <c>host=db password=X</c>;</item>
/// <item>URL user info: <c>https://user:X@host</c> → <c>https://user:[REDACTED]@host</c>;</item>
/// <item>headers: <c>Authorization: Bearer X</c> (the scheme is kept), <c>X-Api-Key: X</c>, <c>Cookie: X</c>;
/// openssl's <c>pass:X</c>.</item>
/// </list>
/// An argument with spaces (<c>sh -c "mysql -pX"</c>) is also redacted word by word. The number of arguments never
/// changes. Immutable and thread-safe.
/// </summary>
public sealed class CommandLineRedactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "[REDACTED]";

    // A pathological user pattern must not stall collection: past this, the whole argument is masked.
    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromMilliseconds(50);

    // Secret-name endings that are specific enough to match without a separator (keyStorePassword, sessiontoken).
    private static readonly string[] s_longSuffixes =
    [
        "password", "passwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key", "accesskey", "access_key",
        "access-key", "secretkey", "secret_key", "secret-key", "bearer", "authorization",
    ];

    // Endings too short to match inside a word (bypass, oauth): only alone or after '-', '_' or '.'.
    private static readonly string[] s_shortSuffixes = ["pass", "pwd", "auth"];

    // PWD/OLDPWD are the shell's working directories, not passwords.
    private static readonly HashSet<string> s_notSecret = new(StringComparer.OrdinalIgnoreCase) { "pwd", "oldpwd" };

    private static readonly HashSet<string> s_mysqlFamily = new(StringComparer.Ordinal)
    {
        "mysql", "mysqladmin", "mysqldump", "mysqlimport", "mysqlshow", "mysqlcheck", "mysqlpump", "mysqlsh", "mysqlslap", "mysqlbinlog",
        "mariadb", "mariadb-admin", "mariadb-dump", "mariadb-import", "mariadb-show", "mariadb-check", "mariadb-slap", "mariadb-binlog",
    };

    private static readonly HashSet<string> s_dashPPrograms = new(StringComparer.Ordinal)
    {
        "sshpass", "mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport", "mongostat", "mongotop", "mongofiles",
    };

    private static readonly HashSet<string> s_dashAPrograms = new(StringComparer.Ordinal) { "redis-cli", "valkey-cli", "keydb-cli", "redis-benchmark" };

    private static readonly HashSet<string> s_userInfoPrograms = new(StringComparer.Ordinal) { "curl" };

    private static readonly HashSet<string> s_userInfoFlags = new(StringComparer.Ordinal) { "-u", "--user", "-U", "--proxy-user" };

    private static readonly HashSet<string> s_secretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "proxy-authorization", "cookie", "set-cookie",
    };

    private readonly bool _enabled;
    private readonly HashSet<string> _extraFlags;
    private readonly Regex[] _extraPatterns;

    /// <summary>The built-in rules, on.</summary>
    public static CommandLineRedactor Default { get; } = new(new CommandLineRedactionOptions());

    /// <summary>Redacts nothing.</summary>
    public static CommandLineRedactor Disabled { get; } = new(new CommandLineRedactionOptions { Enabled = false });

    /// <exception cref="ArgumentException">A pattern of <see cref="CommandLineRedactionOptions.ExtraPatterns"/> is not a valid regular expression.</exception>
    public CommandLineRedactor(CommandLineRedactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _enabled = options.Enabled;
        _extraFlags = new HashSet<string>(StringComparer.Ordinal);
        foreach (string flag in options.ExtraFlags ?? [])
        {
            if (!string.IsNullOrWhiteSpace(flag))
            {
                _extraFlags.Add(flag.Trim());
            }
        }

        var patterns = new List<Regex>();
        foreach (string pattern in options.ExtraPatterns ?? [])
        {
            try
            {
                patterns.Add(new Regex(pattern, RegexOptions.CultureInvariant, s_regexTimeout));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"redaction pattern '{pattern}' is not a valid regular expression: {ex.Message}", nameof(options), ex);
            }
        }
        _extraPatterns = [.. patterns];
    }

    public bool IsEnabled => _enabled;

    /// <summary>
    /// <paramref name="process"/> with its secrets redacted: a copy with new <see cref="ProcessInfo.Args"/> and a
    /// <see cref="ProcessInfo.CommandLine"/> re-quoted from them, or the same instance when nothing was redacted.
    /// </summary>
    public ProcessInfo Redact(ProcessInfo process)
    {
        ArgumentNullException.ThrowIfNull(process);
        IReadOnlyList<string> args = Redact(process.Args);
        if (ReferenceEquals(args, process.Args))
        {
            return process;
        }
        return new ProcessInfo
        {
            Pid = process.Pid,
            ParentPid = process.ParentPid,
            ParentName = process.ParentName,
            ParentExecutable = process.ParentExecutable,
            Name = process.Name,
            Args = args,
            CommandLine = CommandLineQuoter.Quote(args),
            Executable = process.Executable,
            Uid = process.Uid,
            UserName = process.UserName,
            StartTime = process.StartTime,
            Cgroup = process.Cgroup,
        };
    }

    /// <summary>The argument vector with its secrets redacted; the same instance when there was nothing to redact.</summary>
    public IReadOnlyList<string> Redact(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!_enabled || args.Count == 0)
        {
            return args;
        }

        string[]? result = null;
        var state = new TokenState();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i] ?? string.Empty;
            string redacted = RedactToken(arg, ref state);
            if (redacted.Contains(' ') || redacted.Contains('\t'))
            {
                redacted = RedactWords(redacted);
            }
            redacted = ApplyExtraPatterns(redacted);

            if (!ReferenceEquals(redacted, arg) && redacted != arg)
            {
                result ??= CopyOf(args);
                result[i] = redacted;
            }
        }
        return result ?? args;
    }

    private static string[] CopyOf(IReadOnlyList<string> args)
    {
        var copy = new string[args.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = args[i] ?? string.Empty;
        }
        return copy;
    }

    /// <summary>What the previous token said about this one.</summary>
    private struct TokenState
    {
        public string? Program;
        public PendingValue Pending;
    }

    private enum PendingValue : byte
    {
        None,
        Secret,
        UserInfo,
    }

    /// <summary>An argument with spaces (a <c>sh -c</c> script, a conninfo string): its words as a command line of their own.</summary>
    private string RedactWords(string arg)
    {
        string[] words = arg.Split(' ');
        var state = new TokenState();
        bool changed = false;
        for (int i = 0; i < words.Length; i++)
        {
            string word = words[i];
            if (word.Length == 0)
            {
                continue;
            }
            // Quotes of the inner shell are not part of the word ('-pX' is -pX).
            char quote = word[0] is '\'' or '"' ? word[0] : '\0';
            string inner = quote != '\0' ? word[1..] : word;
            bool closes = quote != '\0' && inner.Length > 0 && inner[^1] == quote;
            if (closes)
            {
                inner = inner[..^1];
            }
            string redacted = RedactToken(inner, ref state);
            if (!ReferenceEquals(redacted, inner) && redacted != inner)
            {
                words[i] = quote == '\0' ? redacted : closes ? quote + redacted + quote : quote + redacted;
                changed = true;
            }
        }
        return changed ? string.Join(' ', words) : arg;
    }

    private string RedactToken(string arg, ref TokenState state)
    {
        PendingValue pending = state.Pending;
        state.Pending = PendingValue.None;
        if (pending != PendingValue.None && !LooksLikeFlag(arg))
        {
            return pending == PendingValue.UserInfo ? RedactUserInfo(arg) : arg.Length == 0 ? arg : Mask;
        }

        string? program = ProgramName(arg);
        if (program is not null)
        {
            state.Program = program;
            return arg;
        }

        if (arg.Length > 1 && arg[0] == '-')
        {
            string? flagged = RedactFlag(arg, ref state);
            if (flagged is not null)
            {
                return flagged;
            }
        }

        return RedactInline(arg);
    }

    /// <summary>A flag of a secret: its attached value redacted, or <see cref="TokenState.Pending"/> set for the next argument. Null when not one.</summary>
    private string? RedactFlag(string arg, ref TokenState state)
    {
        string? program = state.Program;
        int equals = arg.IndexOf('=');
        string flag = equals > 0 ? arg[..equals] : arg;

        if (program is not null && s_userInfoPrograms.Contains(program) && s_userInfoFlags.Contains(flag))
        {
            if (equals > 0)
            {
                string value = RedactUserInfo(arg[(equals + 1)..]);
                return flag + "=" + value;
            }
            state.Pending = PendingValue.UserInfo;
            return arg;
        }
        if (program is not null && s_userInfoPrograms.Contains(program) && arg.Length > 2 && arg[1] is 'u' or 'U' && arg[0] == '-' && arg[1] != '-')
        {
            // curl -uuser:pass
            return arg[..2] + RedactUserInfo(arg[2..]);
        }

        if (IsSecretFlag(flag))
        {
            if (equals > 0)
            {
                return equals == arg.Length - 1 ? arg : arg[..(equals + 1)] + Mask;
            }
            state.Pending = PendingValue.Secret;
            return arg;
        }

        if (arg.Length >= 2 && arg[1] != '-' && program is not null)
        {
            char letter = arg[1];
            bool attached = arg.Length > 2;
            if (letter == 'p' && s_mysqlFamily.Contains(program))
            {
                // mysql -pSECRET; "-p SECRET" prompts and SECRET is the database.
                return attached ? "-p" + Mask : arg;
            }
            if ((letter == 'p' && s_dashPPrograms.Contains(program)) || (letter == 'a' && s_dashAPrograms.Contains(program)))
            {
                if (attached)
                {
                    return arg[..2] + Mask;
                }
                state.Pending = PendingValue.Secret;
                return arg;
            }
        }

        // A one-letter extra flag may carry its value attached: -kSECRET.
        if (arg.Length > 2 && arg[1] != '-' && _extraFlags.Contains(arg[..2]))
        {
            return arg[..2] + Mask;
        }
        return null;
    }

    private bool IsSecretFlag(string flag)
    {
        if (_extraFlags.Contains(flag))
        {
            return true;
        }
        ReadOnlySpan<char> name = flag.AsSpan().TrimStart('-');
        // One letter (-p, -a) means something else to every program: only the program rules know.
        return name.Length > 1 && IsSecretName(name);
    }

    /// <summary>True for names of secrets: db_password, GITHUB_TOKEN, client-secret, keyStorePassword, api_key; not --no-password, max_tokens, PWD.</summary>
    internal static bool IsSecretName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 256)
        {
            return false;
        }
        Span<char> lower = stackalloc char[name.Length];
        name.ToLowerInvariant(lower);
        if (lower.StartsWith("no-") || lower.StartsWith("no_") || s_notSecret.Contains(lower.ToString()))
        {
            return false;
        }
        foreach (string suffix in s_longSuffixes)
        {
            if (lower.EndsWith(suffix))
            {
                return true;
            }
        }
        foreach (string suffix in s_shortSuffixes)
        {
            if (lower.EndsWith(suffix) && (lower.Length == suffix.Length || lower[^(suffix.Length + 1)] is '-' or '_' or '.'))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The rules that look inside any argument: URLs, headers, key=value, openssl's pass:.</summary>
    private static string RedactInline(string arg)
    {
        string result = arg;
        if (result.Contains("://", StringComparison.Ordinal))
        {
            result = RedactUrls(result);
        }
        if (result.Contains(':'))
        {
            result = RedactHeader(result);
        }
        if (result.Contains('='))
        {
            result = RedactAssignments(result);
        }
        if (result.StartsWith("pass:", StringComparison.Ordinal) && result.Length > 5)
        {
            result = "pass:" + Mask;
        }
        return result;
    }

    /// <summary><c>scheme://user:password@host</c> → <c>scheme://user:[REDACTED]@host</c>, for every URL in the argument.</summary>
    private static string RedactUrls(string arg)
    {
        StringBuilder? builder = null;
        int copied = 0;
        int search = 0;
        int scheme;
        while ((scheme = arg.IndexOf("://", search, StringComparison.Ordinal)) >= 0)
        {
            int start = scheme + 3;
            int end = start;
            while (end < arg.Length && arg[end] is not ('/' or '?' or '#' or ' ' or '\t' or '\'' or '"'))
            {
                end++;
            }
            int at = arg.LastIndexOf('@', end - 1, end - start);
            if (at > start)
            {
                int colon = arg.IndexOf(':', start, at - start);
                if (colon >= 0 && colon + 1 < at)
                {
                    builder ??= new StringBuilder(arg.Length);
                    builder.Append(arg, copied, colon + 1 - copied).Append(Mask);
                    copied = at;
                }
            }
            search = Math.Max(end, start);
        }
        if (builder is null)
        {
            return arg;
        }
        return builder.Append(arg, copied, arg.Length - copied).ToString();
    }

    /// <summary>
    /// <c>Authorization: Bearer X</c> anywhere in the argument (the scheme is kept), and a whole-argument header whose
    /// name is a secret's (<c>X-Api-Key: X</c>, <c>Private-Token: X</c>, <c>Cookie: X</c>).
    /// </summary>
    private static string RedactHeader(string arg)
    {
        int colon = arg.IndexOf(':');
        ReadOnlySpan<char> name = arg.AsSpan(0, colon).Trim();
        if (name.Length > 0 && !name.ContainsAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") &&
            (s_secretHeaders.Contains(name.ToString()) || IsSecretName(name)))
        {
            ReadOnlySpan<char> value = arg.AsSpan(colon + 1).TrimStart();
            if (value.IsEmpty)
            {
                return arg;
            }
            int space = value.IndexOfAny(' ', '\t');
            // Authorization values are "<scheme> <credentials>": the scheme says what kind of secret it was.
            bool hasScheme = space > 0 && !value[(space + 1)..].Trim().IsEmpty &&
                (name.Equals("authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("proxy-authorization", StringComparison.OrdinalIgnoreCase));
            string kept = hasScheme ? " " + value[..space].ToString() + " " : " ";
            return string.Concat(arg.AsSpan(0, colon + 1), kept.AsSpan(), Mask.AsSpan());
        }

        // Inside a longer argument (sh -c "curl -H 'Authorization: Bearer X' …").
        int header = arg.IndexOf("authorization:", StringComparison.OrdinalIgnoreCase);
        if (header < 0)
        {
            return arg;
        }
        int i = header + "authorization:".Length;
        while (i < arg.Length && arg[i] is ' ' or '\t')
        {
            i++;
        }
        int wordEnd = WordEnd(arg, i);
        if (wordEnd == i)
        {
            return arg;
        }
        int next = wordEnd;
        while (next < arg.Length && arg[next] is ' ' or '\t')
        {
            next++;
        }
        int credentialEnd = next > wordEnd ? WordEnd(arg, next) : next;
        if (credentialEnd > next)
        {
            return string.Concat(arg.AsSpan(0, next), Mask.AsSpan(), arg.AsSpan(credentialEnd));
        }
        return string.Concat(arg.AsSpan(0, i), Mask.AsSpan(), arg.AsSpan(wordEnd));

        static int WordEnd(string s, int from)
        {
            int j = from;
            while (j < s.Length && s[j] is not (' ' or '\t' or '\'' or '"'))
            {
                j++;
            }
            return j;
        }
    }

    /// <summary>Every <c>key=value</c> whose key names a secret: the value (to the end of the argument when the key starts it, else to the next separator) becomes the mask.</summary>
    private static string RedactAssignments(string arg)
    {
        StringBuilder? builder = null;
        int copied = 0;
        int equals = -1;
        while ((equals = arg.IndexOf('=', equals + 1)) > 0)
        {
            int keyStart = equals;
            while (keyStart > 0 && IsKeyChar(arg[keyStart - 1]))
            {
                keyStart--;
            }
            if (keyStart == equals || keyStart < copied || !IsSecretName(arg.AsSpan(keyStart, equals - keyStart).TrimStart('-')))
            {
                continue;
            }

            int valueStart = equals + 1;
            if (valueStart >= arg.Length)
            {
                break;
            }
            int valueEnd;
            if (arg[valueStart] is '\'' or '"')
            {
                int close = arg.IndexOf(arg[valueStart], valueStart + 1);
                valueEnd = close < 0 ? arg.Length : close + 1;
            }
            else
            {
                // A key that starts the argument owns the rest of it (PASSWORD=a;b&c is one value), but words of a
                // conninfo string ("host=x password=y") end at whitespace; a key inside (a query string) ends at its separator.
                bool whole = keyStart == 0 || arg.AsSpan(0, keyStart).TrimStart('-').IsEmpty;
                valueEnd = whole ? arg.IndexOfAny([' ', '\t'], valueStart) : arg.IndexOfAny([' ', '\t', '&', ';', ',', '#'], valueStart);
                if (valueEnd < 0)
                {
                    valueEnd = arg.Length;
                }
            }
            if (valueEnd <= valueStart || arg.AsSpan(valueStart, valueEnd - valueStart).SequenceEqual(Mask))
            {
                continue;
            }
            builder ??= new StringBuilder(arg.Length);
            builder.Append(arg, copied, valueStart - copied).Append(Mask);
            copied = valueEnd;
            equals = valueEnd - 1;
        }
        if (builder is null)
        {
            return arg;
        }
        return builder.Append(arg, copied, arg.Length - copied).ToString();

        static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
    }

    /// <summary><c>user:password</c> → <c>user:[REDACTED]</c>; a value without ':' (curl then prompts) is kept.</summary>
    private static string RedactUserInfo(string value)
    {
        int colon = value.IndexOf(':');
        return colon < 0 || colon == value.Length - 1 ? value : value[..(colon + 1)] + Mask;
    }

    private static bool LooksLikeFlag(string arg) => arg.Length > 1 && arg[0] == '-';

    /// <summary>The basename when <paramref name="arg"/> names a program with rules of its own; null otherwise.</summary>
    private static string? ProgramName(string arg)
    {
        if (arg.Length == 0 || arg[0] == '-' || arg.Length > 4096)
        {
            return null;
        }
        string name = arg[(arg.LastIndexOf('/') + 1)..];
        return s_mysqlFamily.Contains(name) || s_dashPPrograms.Contains(name) || s_dashAPrograms.Contains(name) || s_userInfoPrograms.Contains(name)
            ? name
            : null;
    }

    private string ApplyExtraPatterns(string arg)
    {
        if (_extraPatterns.Length == 0)
        {
            return arg;
        }
        string result = arg;
        foreach (Regex pattern in _extraPatterns)
        {
            try
            {
                int secret = pattern.GroupNumberFromName("secret");
                result = pattern.Replace(result, match =>
                {
                    if (secret < 0)
                    {
                        return Mask;
                    }
                    Group group = match.Groups[secret];
                    if (!group.Success)
                    {
                        return match.Value;
                    }
                    return string.Concat(
                        match.ValueSpan[..(group.Index - match.Index)], Mask.AsSpan(), match.ValueSpan[(group.Index - match.Index + group.Length)..]);
                });
            }
            catch (RegexMatchTimeoutException)
            {
                // Fail closed: a pattern that cannot decide hides the whole argument.
                return Mask;
            }
        }
        return result;
    }
}
