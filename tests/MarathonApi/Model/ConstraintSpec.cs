namespace Federation.Tests.Marathon.Model;

/// <summary>One placement constraint: <c>[field, operator, value]</c>.</summary>
public sealed record ConstraintSpec(string Field, string Operator, string? Value);
