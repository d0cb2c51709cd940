using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using SocketAgent.Cli.Commands;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Cli.Hosting.Telemetry;
using SocketAgent.Cli.Logging;
using SocketAgent.Collection.Tracing;
using SocketAgent.Delivery.Outputs;
using SocketAgent.State;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// <c>socket-agent</c> without <c>--once</c>: a Microsoft.Extensions.Hosting host with systemd integration
/// (Type=notify: READY=1 once the first snapshot is out; journald's log format when run by systemd) that runs
/// <see cref="AgentLoop"/> until SIGTERM or SIGINT. stdout carries data only: every log line goes to stderr, and
/// the host's "Application started. Press Ctrl+C" banner is switched off.
/// </summary>
internal static class DaemonHost
{
    /// <summary>How long a stop waits for the running cycle before its token is cancelled.</summary>
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(10);

    /// <param name="cycle">The cycle to run; null for the event stream (<see cref="EventCycle"/>). Tests pass their own.</param>
    /// <param name="reload">Reads the settings again from every source (SIGHUP); null: they cannot change.</param>
    public static int Run(AgentOptions options, StandardStreams streams, Func<IServiceProvider, IAgentCycle>? cycle = null, Func<AgentOptions>? reload = null)
    {
        // First: from here a SIGHUP or SIGUSR1 no longer ends the process, whatever start is doing.
        using var signals = new DaemonSignals();
        // Until the host's logger exists the lines are written here, in the format the logger will use.
        var log = new StderrLog(options.LogFormat, streams.Error);

        AgentStateStore store;
        try
        {
            store = AgentStateStore.Open(options.StateDirectory, log.Warning);
        }
        catch (AgentStateException ex)
        {
            log.Error(ex.Message);
            return ExitCodes.Failure;
        }

        KernelTransitionSource? transitions = null;
        if (cycle is null)
        {
            try
            {
                transitions = KernelTransitionSource.Open(
                    options.Source,
                    new KernelTracerOptions
                    {
                        RingBufferBytes = options.EbpfRingBufferBytes,
                        UdpFlows = options.EbpfUdpFlows,
                        UdpIdleTimeout = options.EbpfUdpIdleTimeout,
                    },
                    CollectionSettings.From(options, followChanges: true, TimeProvider.System).Collector.Redactor,
                    TimeProvider.System,
                    reason => log.Notice($"eBPF source unavailable, using netlink only: {reason}"));
            }
            catch (TracerUnavailableException ex)
            {
                log.Error($"--source ebpf: {ex.Message}");
                return ExitCodes.Failure;
            }
            if (transitions?.UdpUnavailable is string noUdp)
            {
                log.Notice($"UDP flows are not traced (TCP is): {noUdp}");
            }
            else if (transitions?.UdpReleaseUnavailable is string noRelease)
            {
                log.Notice($"UDP flows end by ebpf.udp_idle_timeout only: {noRelease}");
            }
            cycle = _ => new EventCycle(options, TimeProvider.System, transitions);
        }

        var output = new BufferedStream(DataStream(streams.Output), 1 << 16);
        var status = new DaemonStatus();
        // The agent's own telemetry: instruments only when something exports them (the scrape endpoint, OTLP).
        using var metrics = new AgentMetrics(enabled: options.HttpListen is not null || TelemetryExport.OtlpWanted(options));
        try
        {
            TelemetryExport? export = null;
            OperationsEndpoint? operations = null;
            using IHost host = Build(options, store, output, status, cycle, metrics, signals, reload ?? (() => options));
            ILoggerFactory logs = host.Services.GetRequiredService<ILoggerFactory>();
            signals.Logger = logs.CreateLogger("SocketAgent");
            try
            {
                // Null when neither exporter is on, the same condition as metrics.Enabled.
                export = TelemetryExport.Create(options, store.AgentId, options.HostName ?? Environment.MachineName, logs);
                if (options.HttpListen is { } listen)
                {
                    try
                    {
                        // Before the loop: it answers (and /healthz says 503) while the first snapshot is taken.
                        operations = OperationsEndpoint.Start(listen, export?.Provider, metrics.Health, logs);
                    }
                    catch (OperationsEndpointException ex)
                    {
                        log.Error(ex.Message);
                        status.Fail(ExitCodes.Failure);
                        return status.ExitCode;
                    }
                }
                host.Run();
            }
            finally
            {
                // After the loop, so a scrape during the stop is still answered and OTLP sends its last export; before
                // the host (its logging) is disposed, so an export that fails then is still said.
                operations?.DisposeAsync().AsTask().GetAwaiter().GetResult();
                export?.Dispose();
            }
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
            // The reader of stdout went away while the host stopped: the stop it caused, exit 0 as for --once.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.Error(ex.Message, ex);
            status.Fail(ExitCodes.Failure);
        }
        finally
        {
            transitions?.Dispose();
            try
            {
                output.Dispose();
            }
            catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
            {
            }
        }
        return status.ExitCode;
    }

    /// <summary>
    /// The console's stdout stream swallows EPIPE (writes to a closed pipe "succeed"), which is right for a one-shot
    /// command but would keep a daemon writing into the void after <c>| head</c> exits. A FileStream on fd 1
    /// reports it, so the loop can stop (<see cref="StdoutOutput.OpenStandardOutputStream"/>, which also widens a pipe).
    /// </summary>
    private static Stream DataStream(Stream output) =>
        output.GetType().Name != "UnixConsoleStream" ? output : StdoutOutput.OpenStandardOutputStream();

    private static IHost Build(AgentOptions options, AgentStateStore store, Stream output, DaemonStatus status, Func<IServiceProvider, IAgentCycle> cycle, AgentMetrics metrics,
        DaemonSignals signals, Func<AgentOptions> reload)
    {
        // The empty builder: no appsettings.json, no DOTNET_ variables, no command-line provider — the agent's
        // settings are AgentOptions, read once by AgentConfigurationLoader.
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "socket-agent" });
        ConfigureLogging(builder.Logging, options.LogFormat);
        builder.Services.AddSystemd();
        builder.Services.Configure<ConsoleLifetimeOptions>(static o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(static o => o.ShutdownTimeout = s_shutdownTimeout);

        TimeProvider time = TimeProvider.System;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(status);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(cycle);
        builder.Services.AddSingleton(signals);
        builder.Services.AddSingleton(reload);
        builder.Services.AddSingleton(sp => new CycleContext
        {
            Options = options,
            Identity = store.CreateIdentity(AgentVersion.Current),
            Sequencer = store.CreateSequencer(time),
            PreviousRunUnclean = store.UncleanStop,
            Output = output,
            TimeProvider = time,
            Logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("SocketAgent"),
            StartedAt = time.GetUtcNow(),
        });
        builder.Services.AddSingleton(metrics);
        builder.Services.AddHostedService<AgentLoop>();
        return builder.Build();
    }

    internal static void ConfigureLogging(ILoggingBuilder logging, LogFormat format)
    {
        logging.SetMinimumLevel(LogLevel.Information);
        // The host's own chatter (lifetime, hosted services) only when something is wrong.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddSimpleConsole(static o =>
        {
            o.SingleLine = true;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
            o.IncludeScopes = false;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        // Every level to stderr: stdout is data only.
        logging.Services.Configure<ConsoleLoggerOptions>(static o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (format == LogFormat.Json)
        {
            // The console provider picks its formatter by name among the ConsoleFormatter services. PostConfigure:
            // AddSystemd, which comes after, names journald's formatter when systemd runs the agent — but asked for
            // JSON, the journal gets JSON too (a shipper reading it parses MESSAGE).
            logging.Services.AddSingleton<ConsoleFormatter>(static sp => new EcsConsoleFormatter(TimeProvider.System));
            logging.Services.PostConfigure<ConsoleLoggerOptions>(static o => o.FormatterName = EcsConsoleFormatter.FormatterName);
        }
    }
}
