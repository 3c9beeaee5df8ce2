using Federation.Adapters.Docker;

namespace Federation.Tests.Shared;

/// <summary>
/// What a test that runs the runtime image needs from this host, located as the Docker adapter locates it: the image, this
/// build's module directory (asserted to hold the module) and the dotnet root. Link it into test projects that reference
/// adapters/Docker and tests/RuntimeModule.Tests/TestEnvironment.cs.
/// </summary>
public sealed record RuntimeModuleOnHost(string RuntimeImage, string ModuleDirectory, string DotnetRoot)
{
    public static RuntimeModuleOnHost Locate()
    {
        var runtimeImage = Federation.RuntimeModule.Tests.TestEnvironment.RuntimeImage;
        var moduleDir = RuntimeLaunchOptions.DefaultModuleDirectory();
        var dotnet = RuntimeLaunchOptions.DefaultDotnetRoot();
        Assert.That(File.Exists(Path.Combine(moduleDir, "Federation.RuntimeModule.dll")), "the module is built next to the tests: " + moduleDir);
        return new RuntimeModuleOnHost(runtimeImage, moduleDir, dotnet);
    }
}
