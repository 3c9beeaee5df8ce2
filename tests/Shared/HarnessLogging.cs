using Microsoft.Extensions.Logging;

namespace Federation.Tests.Shared;

/// <summary>The test harnesses' log switch: single-line console logs at Information when the variable is "1", else none.</summary>
public static class HarnessLogging
{
    public static ILoggerFactory? FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) == "1"
            ? LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information))
            : null;
}
