using Federation.Adapters.Docker;
using Federation.Adapters.K3s;
using Federation.Adapters.Kubernetes;
using Federation.Adapters.Mesos;
using Federation.Coordinator.Hosting;

// The coordinator process: the core with every adapter this build carries; --adapter (Coordinator:Adapter:Kind)
// picks one. Settings come from appsettings/environment (Coordinator__Cluster) or the command line:
// --cluster a --port 7401 --journal /var/lib/federation/a.db --adapter docker|kubernetes|k3s|marathon --runtime-image IMAGE
// (kubernetes, k3s: --kubeconfig FILE --module-source image|hostPath --webhook-port 8443 --webhook-cert --webhook-key)
// (marathon: --marathon-url URL [--marathon-user U --marathon-password-file F | --marathon-token-file F] --marathon-lb-host H --relay-host AGENT)
// --Coordinator:Peers:b=http://127.0.0.1:7402 --peer-secret b=FILE; TLS: --tls-cert --tls-key [--client-ca] and, towards
// https:// peers, --peer-ca --peer-cert --peer-key; --operator-token-file FILE; --insecure (no authentication, warned about).
return await CoordinatorMain.RunAsync(args, [DockerAdapterRegistration.Module, KubernetesAdapterRegistration.Module, K3sAdapterRegistration.Module, MarathonAdapterRegistration.Module], Console.Error, CancellationToken.None);
