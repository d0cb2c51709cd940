using System.Runtime.InteropServices;

namespace SocketAgent.Interop;

internal static partial class Sys
{
    /// <summary>
    /// glibc/musl <c>struct passwd</c>. Blittable (pointers and 32-bit ids), so no marshalling code is generated.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Passwd
    {
        internal byte* pw_name;
        internal byte* pw_passwd;
        internal uint pw_uid;
        internal uint pw_gid;
        internal byte* pw_gecos;
        internal byte* pw_dir;
        internal byte* pw_shell;
    }

    /// <summary>
    /// getpwuid_r(3): goes through NSS (files, sssd, ldap, systemd), unlike parsing /etc/passwd. Returns 0 and sets
    /// <paramref name="result"/> to null when the uid is unknown; returns ERANGE when <paramref name="buffer"/> is too small.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getpwuid_r")]
    internal static unsafe partial int GetPwUidR(uint uid, Passwd* pwd, byte* buffer, nuint bufferLength, Passwd** result);
}
