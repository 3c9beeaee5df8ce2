using Federation.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await FedctlApp.RunAsync(args, CliConsole.System, cancel.Token);
