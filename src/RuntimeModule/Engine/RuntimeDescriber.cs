using Federation.Common;
using System.Diagnostics;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Reports what a destination must match for a restore to work: Docker, containerd, runc and CRIU
/// versions, kernel, architecture, whether CRIU can track dirty memory (pre-dumps) and restore lazily (userfaultfd).
/// CRIU is asked in the Engine's own container, which runs the runtime image and so the same CRIU.
/// </summary>
public sealed class RuntimeDescriber(DockerSocket docker, DockerCheckpointApi api, CheckpointVolume volume, RuncCheckpointer runc, DockerRootDirectory dockerRoot)
{
    private readonly Lazy<Task<(string Version, bool DirtyTracking, string Detail)>> criu = new(ProbeCriuAsync);

    private readonly Lazy<Task<bool>> userfaultfd = new(async () => (await RunAsync("criu", "check --feature uffd-noncoop")).ExitCode == 0);

    public async Task<bool> DirtyTrackingAsync(CancellationToken ct) => (await criu.Value.WaitAsync(ct)).DirtyTracking;

    /// <summary><c>criu check --feature uffd-noncoop</c> passed: this runtime can restore lazily (post-copy).</summary>
    public Task<bool> LazyPagesAsync(CancellationToken ct) => userfaultfd.Value.WaitAsync(ct);

    public async Task<DescribeResponse> DescribeAsync(CancellationToken ct)
    {
        var version = await api.GetVersionAsync(ct);
        var info = await docker.Client.System.GetSystemInfoAsync(ct);
        dockerRoot.Remember(info.DockerRootDir);
        var (criuVersion, dirty, detail) = await criu.Value.WaitAsync(ct);
        var response = new DescribeResponse
        {
            RuntimeId = info.ID ?? "",
            DockerVersion = version.Version ?? "",
            DockerApiVersion = version.ApiVersion ?? "",
            ContainerdVersion = version.ComponentVersion("containerd") ?? "",
            RuncVersion = version.ComponentVersion("runc") ?? "",
            CriuVersion = criuVersion,
            Kernel = info.KernelVersion ?? "",
            Architecture = RuntimePlatform.GoArchitecture(info.Architecture),
            DirtyTracking = dirty,
            DirtyTrackingDetail = detail,
            StorageDriver = info.Driver ?? "",
            CheckpointVolume = volume.Root,
            CheckpointVolumeOnTmpfs = MountInfo.FileSystemOf(volume.Root) == "tmpfs",
            MemoryTotalBytes = (ulong)Math.Max(0, info.MemTotal),
            Cpus = (uint)Math.Max(0, info.NCPU),
            CheckpointMethod = runc.Available ? CheckpointMethod.Runc : CheckpointMethod.Docker,
            LazyPages = await LazyPagesAsync(ct),
        };
        var images = await docker.Client.Images.ListImagesAsync(new Docker.DotNet.Models.ImagesListParameters(), ct);
        response.Images.AddRange(images.SelectMany(i => i.RepoTags ?? []).Where(t => t != "<none>:<none>").Order(StringComparer.Ordinal));
        return response;
    }


    private static async Task<(string, bool, string)> ProbeCriuAsync()
    {
        var version = await RunAsync("criu", "--version");
        if (version.ExitCode != 0) return ("", false, "criu not found: " + version.Output);
        var line = version.Output.Split('\n').FirstOrDefault(l => l.StartsWith("Version:", StringComparison.Ordinal));
        var criuVersion = RuntimePlatform.Version(line ?? version.Output);
        var check = await RunAsync("criu", "check --feature mem_dirty_track");
        var lines = check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var detail = check.ExitCode == 0
            ? "criu check --feature mem_dirty_track passed: pre-dumps usable"
            : lines.FirstOrDefault(l => l.Contains("Dirty tracking", StringComparison.OrdinalIgnoreCase)) ?? lines.LastOrDefault() ?? "criu check failed";
        // "(00.001) Warn  (criu/cr-check.c:824): Dirty tracking is OFF..." -> the sentence only.
        var colon = detail.IndexOf("): ", StringComparison.Ordinal);
        if (colon >= 0) detail = detail[(colon + 3)..];
        return (criuVersion, check.ExitCode == 0, detail);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, (await stdout) + (await stderr));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return (-1, e.Message);
        }
    }
}
