using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Federation.Common;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Installs a registry's CA for the runtime's inner dockerd, which trusts what it finds in
/// <c>/etc/docker/certs.d/&lt;host:port&gt;/ca.crt</c> of its own filesystem (read at every pull, no restart). The Engine
/// reaches that filesystem through dockerd's <c>/proc/&lt;pid&gt;/root</c> (it shares the runtime's process namespace).
/// </summary>
public sealed partial class RegistryTrust(RuntimeProcesses processes)
{
    private const string CertsDirectory = "/etc/docker/certs.d";

    /// <summary>Writes the CA unless the same one is there; the result says whether this call created the registry's directory.</summary>
    /// <exception cref="FederationException">InvalidArgument: not PEM certificates, or a registry name unfit for a directory; FailedPrecondition: dockerd not visible.</exception>
    public async Task<InstalledCa> InstallAsync(string registry, string caPem, CancellationToken ct)
    {
        if (!RegistryHost().IsMatch(registry)) throw FederationException.InvalidArgument($"registry '{Names.Shorten(registry)}' is not a host[:port]");
        CheckCertificates(caPem);
        var certs = processes.InRuntime(CertsDirectory)
            ?? throw FederationException.FailedPrecondition("the registry CA cannot be installed: the runtime's dockerd is not visible to the Engine (it must share the runtime's process namespace)");
        var directory = Path.Combine(certs, registry);
        var file = Path.Combine(directory, "ca.crt");
        var created = !Directory.Exists(directory);
        if (!created && File.Exists(file) && await File.ReadAllTextAsync(file, ct) == caPem) return new InstalledCa(directory, Created: false);
        Directory.CreateDirectory(directory);
        var temporary = file + ".tmp";
        await File.WriteAllTextAsync(temporary, caPem, ct);
        File.Move(temporary, file, overwrite: true);
        return new InstalledCa(directory, created);
    }

    /// <summary>Takes back what <see cref="InstallAsync"/> created (a failed pull leaves nothing behind); a directory that was there stays.</summary>
    public static void Uninstall(InstalledCa installed)
    {
        if (!installed.Created) return;
        try { Directory.Delete(installed.Directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    private static void CheckCertificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw FederationException.InvalidArgument($"the registry CA is not PEM certificates: {e.Message}");
        }
        if (collection.Count == 0) throw FederationException.InvalidArgument("the registry CA holds no PEM certificate");
        foreach (var certificate in collection) certificate.Dispose();
    }

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$")]
    private static partial Regex RegistryHost();
}

/// <summary>Where a registry's CA went for the inner dockerd, and whether the install made its directory.</summary>
public sealed record InstalledCa(string Directory, bool Created);
