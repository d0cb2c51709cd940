namespace SocketAgent.Tests;
public class SmokeTests { [Fact] public void Works() => Assert.Equal(2, 1 + 1); }
