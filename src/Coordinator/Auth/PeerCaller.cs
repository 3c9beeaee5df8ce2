namespace Federation.Coordinator.Auth;

/// <summary>
/// The peer coordinator behind one call of the peer API, as <see cref="PeerAdmissionInterceptor"/> admitted it (one per call):
/// a configured peer proven by its shared secret, or, under --insecure, whatever cluster the call claims to come from (or
/// anyone, when it claims none). The peer API acts for a caller only on migrations that caller is a party to.
/// </summary>
public sealed class PeerCaller
{
    private bool admitted;

    /// <summary>The calling cluster; null only under --insecure for a call that names none.</summary>
    public string? Cluster { get; private set; }

    /// <summary>The cluster was proven by its secret (false under --insecure).</summary>
    public bool Verified { get; private set; }

    /// <summary>This call comes from <paramref name="cluster"/>, proven by its secret.</summary>
    public void AdmitProven(string cluster) => (admitted, Cluster, Verified) = (true, cluster, true);

    /// <summary>Under --insecure: this call claims to come from <paramref name="cluster"/> (null: it does not say).</summary>
    public void AdmitClaimed(string? cluster) => (admitted, Cluster, Verified) = (true, cluster, false);

    /// <summary>The caller may act as <paramref name="cluster"/>: it is that cluster, or an unnamed caller under --insecure.</summary>
    public bool Is(string cluster) => admitted && (Cluster is null || Cluster == cluster);

    /// <summary>Refuses with PermissionDenied unless the caller <see cref="Is"/> <paramref name="cluster"/>.</summary>
    /// <param name="refusal">What the caller may not do, for the message ("prepare a target for cluster 'a'").</param>
    public void MustBe(string cluster, string refusal)
    {
        if (!Is(cluster)) throw Denied(refusal);
    }

    /// <summary>A PermissionDenied naming the caller.</summary>
    public FederationException Denied(string refusal) => new(FederationError.PermissionDenied,
        admitted ? $"peer '{Cluster}' may not {refusal}" : $"this call was not admitted as a peer's and may not {refusal}");
}
