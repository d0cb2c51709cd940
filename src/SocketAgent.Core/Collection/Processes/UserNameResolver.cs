using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// uid → user name through getpwuid_r, so every NSS source (files, sssd, LDAP, systemd dynamic users) answers,
/// not only /etc/passwd. Results, including "unknown", are cached per uid for the resolver's life. Thread-safe.
/// </summary>
internal sealed class UserNameResolver
{
    private const int InitialBufferSize = 1024;
    private const int MaxBufferSize = 1 << 20;

    private readonly ConcurrentDictionary<uint, string?> _cache = new();

    /// <summary>The user name of <paramref name="uid"/>, or null when no NSS source knows it (netstat -e prints the number then).</summary>
    public string? GetUserName(uint uid) => _cache.GetOrAdd(uid, static uid => Lookup(uid));

    private static unsafe string? Lookup(uint uid)
    {
        int size = InitialBufferSize;
        for (int attempt = 0; attempt < 16 && size <= MaxBufferSize; attempt++)
        {
            byte[] buffer = new byte[size];
            Interop.Sys.Passwd passwd;
            Interop.Sys.Passwd* result = null;
            int error;
            fixed (byte* bufferPtr = buffer)
            {
                error = Interop.Sys.GetPwUidR(uid, &passwd, bufferPtr, (nuint)buffer.Length, &result);
                if (error == 0)
                {
                    // result is null (error 0) when the uid has no entry; pw_name points into buffer, so read it here.
                    return result is null || result->pw_name is null
                        ? null
                        : Marshal.PtrToStringUTF8((nint)result->pw_name);
                }
            }

            if (error == Interop.Sys.ERANGE)
            {
                size *= 4;
            }
            else if (error != Interop.Sys.EINTR)
            {
                // ENOENT/ESRCH/EPERM etc.: some NSS modules report "not found" as an error; treat it as unknown.
                return null;
            }
        }
        return null;
    }
}
