using Federation.Common.Auth;
using Grpc.Core;

namespace Federation.Coordinator.Auth;

/// <summary>In front of the peer API (service CoordinatorPeer): only a configured peer with its secret gets through, as this call's <see cref="PeerCaller"/>.</summary>
public sealed class PeerAdmissionInterceptor(CallAuthenticator authenticator, PeerCaller caller) : AdmissionInterceptor
{
    protected override void Admit(ServerCallContext context) => authenticator.AdmitPeer(context, caller);
}
