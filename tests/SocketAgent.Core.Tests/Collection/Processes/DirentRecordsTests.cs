using System.Buffers.Binary;
using System.Text;
using CsCheck;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public sealed class DirentRecordsTests
{
    [Fact]
    public unsafe void Lists_a_real_directory_as_getdents64_returns_it()
    {
        string directory = Directory.CreateTempSubdirectory("dirent-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "a file"), "");
            Directory.CreateDirectory(Path.Combine(directory, "sub"));

            var names = new Dictionary<string, byte>();
            int fd = ProcFs.OpenDirectory(directory);
            Assert.True(fd >= 0);
            try
            {
                byte[] buffer = new byte[4096];
                fixed (byte* b = buffer)
                {
                    nint n;
                    while ((n = Interop.Sys.GetDents64(fd, b, (nuint)buffer.Length)) > 0)
                    {
                        foreach (DirentRecord entry in new DirentRecords(buffer.AsSpan(0, (int)n)))
                        {
                            // The offset must point at the same NUL-terminated name the *at() calls receive.
                            Assert.Equal(0, buffer[entry.NameOffset + entry.Name.Length]);
                            names[Encoding.UTF8.GetString(entry.Name)] = entry.Type;
                        }
                    }
                }
            }
            finally
            {
                Interop.Sys.Close(fd);
            }

            Assert.Equal([".", "..", "a file", "sub"], names.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(DirentRecords.DT_DIR, names["sub"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Stops_at_a_record_length_that_cannot_be()
    {
        byte[] buffer = new byte[64];
        Write(buffer, 0, 24, "ab");
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(24 + 16), 200); // past the end

        var seen = new List<string>();
        foreach (DirentRecord entry in new DirentRecords(buffer))
        {
            seen.Add(Encoding.UTF8.GetString(entry.Name));
        }

        Assert.Equal(["ab"], seen);
    }

    [Fact]
    public void Random_bytes_never_read_outside_the_buffer() =>
        Gen.Byte.Array[0, 512].Sample(bytes =>
        {
            int count = 0;
            foreach (DirentRecord entry in new DirentRecords(bytes))
            {
                Assert.InRange(entry.NameOffset + entry.Name.Length, 0, bytes.Length);
                count++;
            }
            Assert.True(count <= bytes.Length / 20);
        }, iter: 2000);

    private static void Write(byte[] buffer, int offset, int recordLength, string name)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(offset + 16), (ushort)recordLength);
        buffer[offset + 18] = DirentRecords.DT_DIR;
        Encoding.ASCII.GetBytes(name).CopyTo(buffer, offset + 19);
    }
}
