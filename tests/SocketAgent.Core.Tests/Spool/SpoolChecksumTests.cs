using System.Text;
using SocketAgent.Spool;

namespace SocketAgent.Tests.Spool;

/// <summary>
/// The spool's record checksum is CRC-32C, from System.IO.Hashing: the published check values pin the parameter set
/// (the IEEE CRC-32 of "123456789" is CBF43926, not E3069283), so a wrong one fails here and not only on old spools.
/// </summary>
public sealed class SpoolChecksumTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("123456789", 0xE3069283u)] // the CRC-32C check value (RFC 3720, Koopman's catalogue)
    [InlineData("a", 0xC1D04330u)]
    public void Matches_the_published_check_values(string text, uint expected) =>
        Assert.Equal(expected, SpoolRecordFormat.Checksum(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Thirty_two_zero_bytes_match_rfc_3720() =>
        Assert.Equal(0x8A9136AAu, SpoolRecordFormat.Checksum(new byte[32]));
}
