using Federation.Common.Auth;
using Grpc.Core;

namespace Federation.Coordinator.Auth;

/// <summary>In front of the operator API (service Coordinator): only a call with the operator token gets through.</summary>
public sealed class OperatorAdmissionInterceptor(CallAuthenticator authenticator) : AdmissionInterceptor
{
    protected override void Admit(ServerCallContext context) => authenticator.AdmitOperator(context);
}
