using Federation.Coordinator.Hosting;
using Microsoft.Extensions.Options;

// One coordinator per cluster. Settings come from appsettings/environment (Coordinator__Cluster) or
// the command line: --cluster a --port 7401 --journal /var/lib/federation/a.db --runtime-image IMAGE
// --Coordinator:Peers:b=http://127.0.0.1:7402
try
{
    var app = CoordinatorApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine($"federation-coordinator: invalid configuration: {string.Join("; ", e.Failures)}");
    return 2;
}
