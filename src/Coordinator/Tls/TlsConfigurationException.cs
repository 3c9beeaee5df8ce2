namespace Federation.Coordinator.Tls;

/// <summary>A TLS file that cannot be used (missing, not PEM, key not matching); the message is one line for the operator.</summary>
public sealed class TlsConfigurationException(string message) : Exception(message);
