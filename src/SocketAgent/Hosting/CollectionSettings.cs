using SocketAgent.Cli.Configuration;
using SocketAgent.Collection;
using SocketAgent.Collection.Redaction;
using SocketAgent.Model;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// Every setting that changes what is collected or reported — <c>source</c>, <c>netns</c>, <c>collect.*</c>,
/// <c>host_name</c>, <c>redaction.*</c>, <c>filters.*</c> — turned, in this one place, into what the collector and
/// the filter take. <c>--once</c> and the daemon are both built from it, so no setting can apply to one and not the
/// other (the daemon once read sockets over netlink whatever <c>source</c> said, and <c>--once</c> printed secrets
/// the daemon masked).
/// </summary>
internal sealed record CollectionSettings(HostCollectorOptions Collector, SocketQuery Query, SocketFilter Filter)
{
    /// <param name="options">The agent's settings.</param>
    /// <param name="followChanges">True for the daemon (collect again and again), false for one pass.</param>
    /// <param name="time">The clock.</param>
    public static CollectionSettings From(AgentOptions options, bool followChanges, TimeProvider time) => new(
        new HostCollectorOptions
        {
            // The tracer reports transitions; snapshots stay on netlink (ebpf) or netlink with its fallback (auto).
            Source = options.Source == SocketSourceKind.Ebpf ? SocketSourceKind.Netlink : options.Source,
            Parts = options.Collect.Parts,
            Namespaces = options.Netns,
            HostName = options.HostName,
            Redactor = Redactor(options.Redaction),
            FollowChanges = followChanges,
            TimeProvider = time,
        },
        new SocketQuery { Transports = options.Collect.Transports, Families = IpFamilySet.Both },
        new SocketFilter(options.Filters));

    private static CommandLineRedactor Redactor(RedactionOptions redaction) => redaction.Enabled
        ? new CommandLineRedactor(new CommandLineRedactionOptions
        {
            ExtraFlags = redaction.Flags,
            ExtraPatterns = redaction.Patterns.Select(static r => r.ToString()).ToArray(),
        })
        : CommandLineRedactor.Disabled;
}
