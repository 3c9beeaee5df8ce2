using Federation.Coordinator.Hosting;

// One coordinator per cluster. Settings come from appsettings/environment (Coordinator__Cluster) or
// the command line: --cluster a --port 7401 --journal /var/lib/federation/a.db --runtime-image IMAGE
// --Coordinator:Peers:b=http://127.0.0.1:7402; TLS: --tls-cert --tls-key [--client-ca] and, towards
// https:// peers, --peer-ca --peer-cert --peer-key.
return await CoordinatorMain.RunAsync(args, Console.Error, CancellationToken.None);
