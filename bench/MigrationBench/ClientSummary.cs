namespace Federation.MigrationBench;

/// <summary>
/// What the client saw: the longest time between two answers in the order they arrived (the client-visible downtime), failed
/// requests, and whether the counter went back (an answer lower than one that had arrived before its request started).
/// </summary>
public sealed record ClientSummary(int Answered, int Failed, TimeSpan LongestGap, bool CounterWentBack, IReadOnlyList<string> Seeds, ulong LastCounter)
{
    public static ClientSummary Of(IReadOnlyList<ClientAnswer> all, int failed)
    {
        var answers = all.OrderBy(a => a.Ended).ToList();
        var gap = TimeSpan.Zero;
        for (var i = 1; i < answers.Count; i++)
        {
            var between = answers[i].Ended - answers[i - 1].Ended;
            if (between > gap) gap = between;
        }
        // Highest counter among the answers that had arrived by each instant, for the went-back check.
        var highest = new ulong[answers.Count];
        for (var i = 0; i < answers.Count; i++) highest[i] = Math.Max(i > 0 ? highest[i - 1] : 0, answers[i].Counter);
        var ends = answers.Select(a => a.Ended).ToList();
        var back = answers.Any(a =>
        {
            var before = ends.BinarySearch(a.Started);
            var last = (before >= 0 ? before : ~before) - 1;
            return last >= 0 && highest[last] > a.Counter;
        });
        return new ClientSummary(answers.Count, failed, gap, back, answers.Select(a => a.Seed).Distinct().ToList(),
            answers.Count > 0 ? answers.Max(a => a.Counter) : 0);
    }
}
