using System.Text.Json.Nodes;

namespace Federation.Tests.Kube.Http;

/// <summary>The <c>v1.Status</c> bodies the real server answers with.</summary>
public static class StatusBodies
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
        };
        if (reason.Length > 0)
        {
            status["reason"] = reason;
        }
        if (details is not null)
        {
            status["details"] = details;
        }
        status["code"] = code;
        return status;
    }

    public static JsonObject Success(string name, string group, string kind, string? uid)
    {
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }
        details["kind"] = kind;
        if (uid is not null)
        {
            details["uid"] = uid;
        }
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }
}
