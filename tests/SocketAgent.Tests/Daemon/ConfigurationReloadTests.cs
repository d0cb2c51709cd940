using System.Text;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting;
using SocketAgent.Cli.Logging;
using SocketAgent.Collection;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// A SIGHUP that changes nothing must change nothing: every setting that cannot change at run time keeps its running
/// value, whatever its default, and none is reported as applied or kept.
/// </summary>
public sealed class ConfigurationReloadTests
{
    [Fact]
    public void Reloading_the_same_settings_keeps_every_running_value_and_reports_nothing()
    {
        ConfigurationReload.Result result = ConfigurationReload.Apply(NonDefault(), NonDefault);

        Assert.Null(result.Refusal);
        Assert.Empty(result.Applied);
        Assert.Empty(result.Kept);
        Assert.Equal(Printed(NonDefault()), Printed(result.Options));
    }

    [Fact]
    public void A_new_field_profile_waits_for_a_restart_and_is_named()
    {
        AgentOptions running = NonDefault();

        ConfigurationReload.Result result = ConfigurationReload.Apply(running, () =>
        {
            AgentOptions loaded = NonDefault();
            loaded.Fields = FieldProfile.Minimal;
            return loaded;
        });

        // The writer that encodes the lines is built once: the profile it was built with stays.
        Assert.Equal(FieldProfile.Full, result.Options.Fields);
        Assert.Equal(["fields"], result.Kept);
        Assert.Empty(result.Applied);
    }

    [Fact]
    public void A_new_log_format_waits_for_a_restart_and_is_named()
    {
        ConfigurationReload.Result result = ConfigurationReload.Apply(NonDefault(), () =>
        {
            AgentOptions loaded = NonDefault();
            loaded.LogFormat = LogFormat.Text;
            return loaded;
        });

        // The console logger's formatter is chosen when the host is built; a shipper parsing stderr keeps its format.
        Assert.Equal(LogFormat.Json, result.Options.LogFormat);
        Assert.Equal(["log.format"], result.Kept);
        Assert.Empty(result.Applied);
    }

    /// <summary>Settings away from their defaults, those built once at start in particular.</summary>
    private static AgentOptions NonDefault() => new()
    {
        Interval = TimeSpan.FromSeconds(5),
        HostName = "web-01",
        Source = SocketSourceKind.Netlink,
        Fields = FieldProfile.Full,
        EbpfRingBufferBytes = 1 << 20,
        EbpfUdpFlows = 8192,
        EbpfUdpIdleTimeout = TimeSpan.FromMinutes(5),
        LogFormat = LogFormat.Json,
    };

    private static string Printed(AgentOptions options)
    {
        using var buffer = new MemoryStream();
        AgentOptionsJson.Write(options, buffer, indented: false);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
