using System.Text;
using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>core/v1 configmaps and secrets: valid, unique keys; a secret's stringData folded into data; type Opaque by default.</summary>
public sealed class ConfigDataStrategy(bool secret) : ResourceStrategy
{
    public override void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        if (model is V1Secret s)
        {
            s.Type ??= "Opaque";
            foreach (var (key, value) in s.StringData ?? new Dictionary<string, string>())
            {
                s.Data ??= new Dictionary<string, byte[]>();
                s.Data[key] = Encoding.UTF8.GetBytes(value ?? "");
            }
            s.StringData = null;
        }
    }

    public override IEnumerable<FieldCause> Validate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        IEnumerable<string> keys;
        IEnumerable<string> binaryKeys = [];
        if (secret)
        {
            keys = ((V1Secret)model).Data?.Keys ?? (IEnumerable<string>)[];
        }
        else
        {
            var map = (V1ConfigMap)model;
            keys = map.Data?.Keys ?? (IEnumerable<string>)[];
            binaryKeys = map.BinaryData?.Keys ?? (IEnumerable<string>)[];
            foreach (var duplicate in keys.Intersect(binaryKeys))
            {
                yield return FieldCause.Invalid("data", duplicate, "duplicate of key present in binaryData");
            }
        }
        foreach (var key in keys)
        {
            foreach (var message in NameRules.ConfigKey(key))
            {
                yield return FieldCause.Invalid($"data[{key}]", key, message);
            }
        }
        foreach (var key in binaryKeys)
        {
            foreach (var message in NameRules.ConfigKey(key))
            {
                yield return FieldCause.Invalid($"binaryData[{key}]", key, message);
            }
        }
    }

    public override IEnumerable<FieldCause> ValidateUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old)
    {
        if (model is V1Secret s && old is V1Secret before && s.Type != before.Type)
        {
            yield return FieldCause.Invalid("type", s.Type, "field is immutable");
        }
    }

    public override IReadOnlyList<TableColumn> Columns { get; } = secret
        ?
        [
            TableColumn.NameColumn,
            TableColumn.Text("Type", o => o["type"]?.GetValue<string>()),
            TableColumn.Integer("Data", o => o["data"]?.AsObject().Count ?? 0),
            TableColumn.AgeColumn,
        ]
        :
        [
            TableColumn.NameColumn,
            TableColumn.Integer("Data", o => (o["data"]?.AsObject().Count ?? 0) + (o["binaryData"]?.AsObject().Count ?? 0)),
            TableColumn.AgeColumn,
        ];
}
