using System.Net;
using k8s.Autorest;

namespace Federation.Tests.Kube;

/// <summary>One pass of a controller over its objects: each reconciled in turn; a write that lost a race (409) or found its object gone (404) leaves the pass unsettled, and the caller passes again.</summary>
public static class ReconcileLoop
{
    /// <returns>True when every object settled.</returns>
    public static async Task<bool> EachAsync<T>(IEnumerable<T> objects, Func<T, Task<bool>> reconcileOne)
    {
        var settled = true;
        foreach (var item in objects) settled &= await OneAsync(() => reconcileOne(item));
        return settled;
    }

    /// <summary>One object's reconcile; false when it lost a race.</summary>
    public static async Task<bool> OneAsync(Func<Task<bool>> reconcileOne)
    {
        try { return await reconcileOne(); }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound) { return false; }
    }
}
