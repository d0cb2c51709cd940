using BenchmarkDotNet.Running;

namespace SocketAgent.Benchmarks;

internal static class Program
{
    // Pick benchmarks on the command line, e.g. --filter '*ProcFd*' (BenchmarkDotNet's own options apply).
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
