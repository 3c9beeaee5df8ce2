namespace Federation.Tests.Kube.Http;

/// <summary>The query options of a write: fieldValidation (Strict, Warn, Ignore), dryRun=All; warnings go back as Warning headers.</summary>
public sealed class WriteOptions
{
    public string FieldValidation { get; init; } = "Warn";
    public bool DryRun { get; init; }
    public List<string> Warnings { get; } = [];

    public static WriteOptions From(Microsoft.AspNetCore.Http.IQueryCollection query)
    {
        var validation = query["fieldValidation"].ToString();
        if (validation.Length > 0 && validation is not ("Strict" or "Warn" or "Ignore"))
        {
            throw KubeStatusException.BadRequest($"fieldValidation: Unsupported value: \"{validation}\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }
        var dryRun = query["dryRun"].ToString();
        if (dryRun.Length > 0 && dryRun != "All")
        {
            throw KubeStatusException.BadRequest($"dryRun: Unsupported value: \"{dryRun}\": supported values: \"All\"");
        }
        return new WriteOptions { FieldValidation = validation.Length == 0 ? "Warn" : validation, DryRun = dryRun == "All" };
    }
}
