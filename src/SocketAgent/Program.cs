using SocketAgent.Cli.Commands;

// stdout carries data only; every diagnostic goes to stderr.
return CliApp.Run(args, StandardStreams.FromConsole());
