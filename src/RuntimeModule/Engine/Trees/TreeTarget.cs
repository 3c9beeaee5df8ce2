using Federation.V1;

namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// One container a restore gives its trees to: the prefix of its tree names ("" for a one-container app,
/// <c>&lt;container&gt;/</c> in a workload of several), the new container, and the spec whose volumes it carries.
/// </summary>
public sealed record TreeTarget(string Prefix, string ContainerId, AppSpec Spec);
