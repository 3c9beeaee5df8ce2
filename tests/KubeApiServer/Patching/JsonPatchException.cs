namespace Federation.Tests.Kube.Patching;

/// <summary>A JSON patch whose operation cannot apply to the object (the server answers 422).</summary>
public sealed class JsonPatchException(string message) : Exception(message);
