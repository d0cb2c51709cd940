namespace SocketAgent.Workload;

internal static class Program
{
    /// <summary>Set by the coordinator for its children, so a child can tell whether its parent already died.</summary>
    internal const string ParentPidVariable = "SOCKET_AGENT_WORKLOAD_PARENT";

    private static int Main(string[] args)
    {
        if (args is ["--help"] or ["-h"])
        {
            Console.Out.WriteLine(WorkloadOptions.Usage);
            return 0;
        }

        WorkloadOptions options;
        try
        {
            options = WorkloadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"workload: {e.Message}");
            Console.Error.WriteLine(WorkloadOptions.Usage);
            return 2;
        }

        if (options.Churn > 0)
        {
            Console.Out.WriteLine($"OPENED {ChurnWorkload.Run(options, Console.Out)}");
            return 0;
        }

        return options.IsChild ? RunChild(options) : RunCoordinator(options);
    }

    private static int RunCoordinator(WorkloadOptions options)
    {
        try
        {
            using var coordinator = new Coordinator(options);
            coordinator.Run();
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or OperationCanceledException
                                      or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"workload: error: {e.Message}");
            return 1;
        }
    }

    private static int RunChild(WorkloadOptions options)
    {
        Interop.KillMeWhenParentDies();
        // The parent may have died before prctl took effect; then we were re-parented and must not linger.
        if (Environment.GetEnvironmentVariable(ParentPidVariable) is string parent && parent != Interop.getppid().ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return 1;
        }

        // Open stdio before the sockets: once the fd limit is reached, Console could not open them to report it.
        TextWriter stdout = Console.Out;
        using Stream stdin = Console.OpenStandardInput();

        using var workload = new ChildWorkload(options);
        try
        {
            workload.Open();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // One line on stdout so the coordinator can name the cause (e.g. "Too many open files"). Close the
            // sockets first: Console may need a descriptor of its own to write.
            int opened = workload.Count;
            workload.Dispose();
            stdout.WriteLine($"ERROR after {opened} sockets: {e.GetType().Name}: {e.Message}");
            stdout.Flush();
            return 1;
        }

        stdout.WriteLine($"READY {workload.Count}");
        stdout.Flush();

        // Hold the sockets until the coordinator closes our stdin, which also happens when it dies.
        byte[] buffer = new byte[256];
        while (stdin.Read(buffer) > 0)
        {
        }

        return 0;
    }
}
