using System.Globalization;
using Docker.DotNet.Models;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>One container of a pod on this node: its Docker container, restarts, probes, and its status as the kubelet reports it.</summary>
public sealed class ContainerSlot(V1Container spec, bool init)
{
    public V1Container Spec { get; } = spec;
    public bool Init { get; } = init;
    public string? Id { get; set; }
    public int RestartCount { get; set; }
    public V1ContainerStateTerminated? LastTerminated { get; set; }

    /// <summary>Why it does not run yet (ContainerCreating, ErrImagePull, CreateContainerConfigError, CrashLoopBackOff...).</summary>
    public (string Reason, string Message)? Waiting { get; set; }

    /// <summary>When it exited (and has not been started again).</summary>
    public V1ContainerStateTerminated? Terminated { get; set; }
    public DateTime? RunningSince { get; set; }
    public DateTimeOffset? RestartAt { get; set; }
    public string ImageId { get; set; } = "";

    public ProbeRunner? Readiness { get; } = spec.ReadinessProbe is { } r ? new ProbeRunner(r, spec) : null;
    public ProbeRunner? Liveness { get; } = spec.LivenessProbe is { } l ? new ProbeRunner(l, spec) : null;

    public bool Running => RunningSince is not null;

    public bool Ready => Running && (Readiness is null || Readiness.Healthy == true);

    /// <summary>An init container that finished with 0.</summary>
    public bool Completed => Terminated is { ExitCode: 0 } && RestartAt is null;

    /// <summary>Takes Docker's view of the container in.</summary>
    public void Observe(ContainerInspectResponse inspect)
    {
        ImageId = inspect.Image ?? "";
        var state = inspect.State;
        if (state.Running)
        {
            var started = ParseTime(state.StartedAt) ?? DateTime.UtcNow;
            if (RunningSince != started)
            {
                Readiness?.Reset(started);
                Liveness?.Reset(started);
            }
            RunningSince = started;
            Terminated = null;
            Waiting = null;
            return;
        }
        RunningSince = null;
        if (ParseTime(state.FinishedAt) is not { } finished || finished.Year < 2000) return;
        Terminated = new V1ContainerStateTerminated
        {
            ExitCode = (int)state.ExitCode,
            Reason = state.OOMKilled ? "OOMKilled" : state.ExitCode == 0 ? "Completed" : "Error",
            Message = string.IsNullOrEmpty(state.Error) ? null : state.Error,
            StartedAt = ParseTime(state.StartedAt),
            FinishedAt = finished,
            ContainerID = $"docker://{inspect.ID}",
        };
    }

    public V1ContainerStatus Status() => new()
    {
        Name = Spec.Name,
        Image = Spec.Image,
        ImageID = ImageId,
        ContainerID = Id is null ? null : $"docker://{Id}",
        Ready = Ready,
        Started = Running,
        RestartCount = RestartCount,
        State = Running ? new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = RunningSince } }
            : Terminated is { } t && RestartAt is null && Waiting is null ? new V1ContainerState { Terminated = t }
            : new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = Waiting?.Reason ?? "ContainerCreating", Message = Waiting?.Message } },
        LastState = LastTerminated is { } last ? new V1ContainerState { Terminated = last } : new V1ContainerState(),
    };

    private static DateTime? ParseTime(string? value) =>
        DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
