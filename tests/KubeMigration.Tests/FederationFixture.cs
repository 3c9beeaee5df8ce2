namespace Federation.KubeMigration.Tests;

/// <summary>Base of this assembly's fixtures: a failed test shows what the coordinators logged while it ran.</summary>
public abstract class FederationFixture
{
    [SetUp]
    public void ForgetEarlierLogs()
    {
        foreach (var capture in FederatedClusters.Logs.Values) capture.Messages.Clear();
    }

    [TearDown]
    public void ShowLogsOfAFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed) FederatedClusters.WriteLogs();
    }
}
