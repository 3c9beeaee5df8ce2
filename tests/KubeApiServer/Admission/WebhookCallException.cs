namespace Federation.Tests.Kube.Admission;

/// <summary>A webhook that could not be called or answered nonsense; its failurePolicy decides what happens.</summary>
public sealed class WebhookCallException(string message) : Exception(message);
