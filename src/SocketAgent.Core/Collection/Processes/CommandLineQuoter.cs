using System.Buffers;
using System.Text;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// Joins an argument vector into one POSIX shell command line that <c>sh -c</c> splits back into the same
/// arguments (the rules of Python's <c>shlex.quote</c>).
/// </summary>
internal static class CommandLineQuoter
{
    // Characters no POSIX shell treats specially anywhere in a word. Everything else (including non-ASCII,
    // which a shell in a non-UTF-8 locale may split oddly) is single-quoted.
    private static readonly SearchValues<char> s_safe =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-");

    public static string Quote(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            return string.Empty;
        }

        if (args.Count == 1 && IsSafe(args[0]))
        {
            return args[0];
        }

        var builder = new StringBuilder();
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }
            Append(builder, args[i]);
        }
        return builder.ToString();
    }

    /// <summary>Quotes a single argument.</summary>
    public static string QuoteArgument(string arg)
    {
        if (IsSafe(arg))
        {
            return arg;
        }
        var builder = new StringBuilder(arg.Length + 2);
        Append(builder, arg);
        return builder.ToString();
    }

    private static bool IsSafe(string arg) => arg.Length > 0 && !arg.AsSpan().ContainsAnyExcept(s_safe);

    private static void Append(StringBuilder builder, string arg)
    {
        if (IsSafe(arg))
        {
            builder.Append(arg);
            return;
        }

        // Inside single quotes nothing is special except the closing quote, so a quote becomes '\'' :
        // close, an escaped quote, reopen. An empty argument becomes ''.
        builder.Append('\'');
        ReadOnlySpan<char> rest = arg;
        int quote;
        while ((quote = rest.IndexOf('\'')) >= 0)
        {
            builder.Append(rest[..quote]).Append(@"'\''");
            rest = rest[(quote + 1)..];
        }
        builder.Append(rest).Append('\'');
    }
}
