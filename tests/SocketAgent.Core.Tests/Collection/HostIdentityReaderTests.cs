using SocketAgent.Collection;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection;

public sealed class HostIdentityReaderTests
{
    [Theory]
    [InlineData("3d1219c7c4c5404aaa1f6d2a48adfda4\n", "3d1219c7c4c5404aaa1f6d2a48adfda4")]
    [InlineData("  0123456789abcdef0123456789abcdef  ", "0123456789abcdef0123456789abcdef")]
    [InlineData("", null)]
    [InlineData("uninitialized\n", null)] // systemd's placeholder before first boot
    [InlineData("3D1219C7C4C5404AAA1F6D2A48ADFDA4", null)]
    [InlineData("3d1219c7c4c5404aaa1f6d2a48adfda", null)]
    [InlineData("3d1219c7-c4c5-404a-aa1f-6d2a48adfda4", null)]
    public void Machine_id_must_be_32_lowercase_hex_characters(string text, string? expected)
    {
        Assert.Equal(expected, HostIdentityReader.ParseMachineId(text));
    }

    [Fact]
    public void Reads_this_machines_id_and_name_and_honours_an_override()
    {
        HostIdentity host = HostIdentityReader.Read();
        Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), host.Id);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), host.Name);

        Assert.Equal("web-01", HostIdentityReader.Read("web-01").Name);
    }

    [Fact]
    public void Missing_machine_id_files_give_no_id()
    {
        Assert.Null(HostIdentityReader.ReadMachineId(["/nonexistent/machine-id"]));
    }
}
