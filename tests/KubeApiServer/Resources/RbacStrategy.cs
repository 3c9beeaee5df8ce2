using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>rbac.authorization.k8s.io/v1: path-segment names, rules with verbs, bindings whose roleRef is valid and cannot change.</summary>
public sealed class RbacStrategy : ResourceStrategy
{
    public override Func<string, IEnumerable<string>> NameRule => NameRules.PathSegment;

    public override IEnumerable<FieldCause> Validate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var rules = model switch
        {
            V1Role role => role.Rules,
            V1ClusterRole clusterRole => clusterRole.Rules,
            _ => null,
        };
        foreach (var (rule, i) in (rules ?? []).Select((r, i) => (r, i)))
        {
            if (rule.Verbs is null || rule.Verbs.Count == 0)
            {
                yield return FieldCause.Required($"rules[{i}].verbs", "verbs must contain at least one value");
            }
            if ((rule.NonResourceURLs?.Count ?? 0) == 0 && (rule.Resources?.Count ?? 0) > 0 && rule.ApiGroups is null)
            {
                yield return FieldCause.Required($"rules[{i}].apiGroups", "resource rules must supply at least one api group");
            }
        }
        var (roleRef, subjects, cluster) = model switch
        {
            V1RoleBinding binding => (binding.RoleRef, binding.Subjects, false),
            V1ClusterRoleBinding binding => (binding.RoleRef, binding.Subjects, true),
            _ => (null, null, false),
        };
        if (model is V1RoleBinding or V1ClusterRoleBinding)
        {
            if (roleRef is null || string.IsNullOrEmpty(roleRef.Name))
            {
                yield return FieldCause.Required("roleRef.name", "");
            }
            if (roleRef is not null && roleRef.ApiGroup != "rbac.authorization.k8s.io")
            {
                yield return FieldCause.NotSupported("roleRef.apiGroup", roleRef.ApiGroup ?? "", "rbac.authorization.k8s.io");
            }
            string[] kinds = cluster ? ["ClusterRole"] : ["ClusterRole", "Role"];
            if (roleRef is not null && !kinds.Contains(roleRef.Kind))
            {
                yield return FieldCause.NotSupported("roleRef.kind", roleRef.Kind ?? "", kinds);
            }
            foreach (var (subject, i) in (subjects ?? []).Select((s, i) => (s, i)))
            {
                if (subject.Kind is not ("ServiceAccount" or "User" or "Group"))
                {
                    yield return FieldCause.NotSupported($"subjects[{i}].kind", subject.Kind ?? "", "ServiceAccount", "User", "Group");
                }
                if (string.IsNullOrEmpty(subject.Name))
                {
                    yield return FieldCause.Required($"subjects[{i}].name", "");
                }
                if (subject.Kind == "ServiceAccount" && cluster && string.IsNullOrEmpty(subject.NamespaceProperty))
                {
                    yield return FieldCause.Required($"subjects[{i}].namespace", "");
                }
            }
        }
    }

    public override IEnumerable<FieldCause> ValidateUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old)
    {
        var (now, before) = (model, old) switch
        {
            (V1RoleBinding a, V1RoleBinding b) => (a.RoleRef, b.RoleRef),
            (V1ClusterRoleBinding a, V1ClusterRoleBinding b) => (a.RoleRef, b.RoleRef),
            _ => (null, null),
        };
        if (now is not null && before is not null && (now.Name != before.Name || now.Kind != before.Kind || now.ApiGroup != before.ApiGroup))
        {
            yield return FieldCause.Invalid("roleRef", $"rbac.RoleRef{{APIGroup:\"{now.ApiGroup}\", Kind:\"{now.Kind}\", Name:\"{now.Name}\"}}", "cannot change roleRef");
        }
    }
}
