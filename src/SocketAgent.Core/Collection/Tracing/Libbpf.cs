using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// The part of libbpf (<c>libbpf.so.1</c>, Debian's libbpf1 ≥ 1.1) the tracer uses: open an object from memory,
/// size a map, load, attach, read maps, consume a ring buffer. Pointers are libbpf's opaque handles. Functions that
/// fail return NULL or a negative errno (libbpf 1.x "strict" mode) and set errno.
/// </summary>
internal static unsafe partial class Libbpf
{
    private const string Library = "libbpf.so.1";

    [StructLayout(LayoutKind.Sequential)]
    internal struct OpenOptions
    {
        /// <summary>sizeof(struct bpf_object_open_opts) as this code knows it: libbpf accepts any older size.</summary>
        public nuint Size;
        public byte* ObjectName;
    }

    [LibraryImport(Library, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
    internal static partial nint ObjectOpenMem(void* buffer, nuint size, OpenOptions* options);

    [LibraryImport(Library, EntryPoint = "bpf_object__load", SetLastError = true)]
    internal static partial int ObjectLoad(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__close")]
    internal static partial void ObjectClose(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__find_map_by_name", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint FindMap(nint obj, string name);

    [LibraryImport(Library, EntryPoint = "bpf_object__find_program_by_name", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint FindProgram(nint obj, string name);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_max_entries")]
    internal static partial int MapSetMaxEntries(nint map, uint maxEntries);

    [LibraryImport(Library, EntryPoint = "bpf_map__fd")]
    internal static partial int MapFd(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_elem", SetLastError = true)]
    internal static partial int MapLookup(int fd, void* key, void* value);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach", SetLastError = true)]
    internal static partial nint ProgramAttach(nint program);

    [LibraryImport(Library, EntryPoint = "bpf_program__fd")]
    internal static partial int ProgramFd(nint program);

    [LibraryImport(Library, EntryPoint = "bpf_link__destroy")]
    internal static partial int LinkDestroy(nint link);

    [LibraryImport(Library, EntryPoint = "ring_buffer__new", SetLastError = true)]
    internal static partial nint RingBufferNew(int mapFd, delegate* unmanaged<void*, void*, nuint, int> sample, void* context, void* options);

    [LibraryImport(Library, EntryPoint = "ring_buffer__consume")]
    internal static partial int RingBufferConsume(nint ringBuffer);

    [LibraryImport(Library, EntryPoint = "ring_buffer__free")]
    internal static partial void RingBufferFree(nint ringBuffer);

    [LibraryImport(Library, EntryPoint = "libbpf_set_print")]
    internal static partial nint SetPrint(delegate* unmanaged<int, byte*, nint, int> print);

    [LibraryImport(Library, EntryPoint = "bpf_obj_get_info_by_fd", SetLastError = true)]
    internal static partial int ObjectGetInfo(int fd, void* info, uint* length);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_and_delete_elem", SetLastError = true)]
    internal static partial int MapLookupAndDelete(int fd, void* key, void* value);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_autoload")]
    internal static partial int ProgramSetAutoload(nint program, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_cgroup", SetLastError = true)]
    internal static partial nint ProgramAttachCgroup(nint program, int cgroupFd);
}
