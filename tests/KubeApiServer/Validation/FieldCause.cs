namespace Federation.Tests.Kube.Validation;

/// <summary>One field error of an Invalid (422) status: reason FieldValueRequired, FieldValueInvalid, ... as the real server names them.</summary>
public sealed record FieldCause(string Reason, string Field, string Message)
{
    public static FieldCause Required(string field, string detail = "") =>
        new("FieldValueRequired", field, detail.Length == 0 ? "Required value" : $"Required value: {detail}");

    public static FieldCause Invalid(string field, object? value, string detail) =>
        new("FieldValueInvalid", field, $"Invalid value: {Show(value)}: {detail}");

    public static FieldCause Duplicate(string field, object? value) =>
        new("FieldValueDuplicate", field, $"Duplicate value: {Show(value)}");

    public static FieldCause NotSupported(string field, object? value, params string[] supported) =>
        new("FieldValueNotSupported", field, $"Unsupported value: {Show(value)}: supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}");

    public static FieldCause NotFound(string field, object? value) =>
        new("FieldValueNotFound", field, $"Not found: {Show(value)}");

    public static FieldCause Forbidden(string field, string detail) =>
        new("FieldValueForbidden", field, $"Forbidden: {detail}");

    /// <summary>The field and message as the Status message lists them.</summary>
    public override string ToString() => $"{Field}: {Message}";

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };
}
