using SocketAgent.Cli.Commands;
using SocketAgent.Cli.Hosting;

// First: a SIGHUP during the start is held until the command is known (the daemon reloads, the others end).
StartupHangUp.Hold();
try
{
    // stdout carries data only; every diagnostic goes to stderr.
    return CliApp.Run(args, StandardStreams.FromConsole());
}
finally
{
    StartupHangUp.Release();
}
