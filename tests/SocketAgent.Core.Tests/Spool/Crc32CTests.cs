using System.Text;
using CsCheck;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

public sealed class Crc32CTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("123456789", 0xE3069283u)] // the CRC-32C check value (RFC 3720, Koopman's catalogue)
    [InlineData("a", 0xC1D04330u)]
    public void Matches_the_published_check_values(string text, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Thirty_two_zero_bytes_match_rfc_3720() =>
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));

    [Fact]
    public void The_hardware_path_agrees_with_the_table_for_any_length() =>
        Gen.Byte.Array[0, 300].Sample(bytes => Crc32C.Compute(bytes) == ~Crc32C.UpdateSoftware(~0u, bytes), iter: 500);
}
