namespace Federation.MigrationBench;

/// <summary>What the client saw: the longest time between two answers (the client-visible downtime), failed requests, whether the counter went back.</summary>
public sealed record ClientSummary(int Answered, int Failed, TimeSpan LongestGap, bool CounterWentBack, IReadOnlyList<string> Seeds, ulong LastCounter)
{
    public static ClientSummary Of(IReadOnlyList<ClientAnswer> answers, int failed)
    {
        var gap = TimeSpan.Zero;
        var back = false;
        for (var i = 1; i < answers.Count; i++)
        {
            var between = answers[i].Ended - answers[i - 1].Ended;
            if (between > gap) gap = between;
            if (answers[i].Counter < answers[i - 1].Counter) back = true;
        }
        return new ClientSummary(answers.Count, failed, gap, back, answers.Select(a => a.Seed).Distinct().ToList(),
            answers.Count > 0 ? answers[^1].Counter : 0);
    }
}
