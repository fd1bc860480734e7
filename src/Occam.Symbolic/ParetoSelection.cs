namespace Occam.Symbolic;

/// <summary>
/// PySR's model selection on any list of equations given by complexity and loss: the search's front, or a front whose
/// losses were measured some other way (say on held-out or physical data) or whose complexities were counted some other way.
/// </summary>
public static class ParetoSelection
{
    /// <summary>
    /// The front within the entries: in order of complexity, those whose loss is finite and below every simpler kept entry's
    /// (of equally complex entries, the lowest-loss one).
    /// </summary>
    public static int[] Front(IReadOnlyList<int> complexity, IReadOnlyList<double> loss)
    {
        Check(complexity, loss);
        var front = new List<int>();
        foreach (int i in Enumerable.Range(0, loss.Count).Where(i => double.IsFinite(loss[i])).OrderBy(i => complexity[i]).ThenBy(i => loss[i]))
            if (front.Count == 0 || loss[i] < loss[front[^1]]) front.Add(i);
        return front.ToArray();
    }

    /// <summary>
    /// Scores along a front (complexity ascending, loss descending): −Δln(loss)/Δcomplexity against the previous entry;
    /// 0 for the first entry and where the ratio is not finite. Losses below 1e-300 count as 1e-300.
    /// </summary>
    public static double[] Scores(IReadOnlyList<int> complexity, IReadOnlyList<double> loss)
    {
        Check(complexity, loss);
        var scores = new double[loss.Count];
        for (int i = 1; i < loss.Count; i++)
        {
            double score = -Math.Log(Math.Max(loss[i], 1e-300) / Math.Max(loss[i - 1], 1e-300)) / (complexity[i] - complexity[i - 1]);
            scores[i] = double.IsFinite(score) ? score : 0;
        }
        return scores;
    }

    /// <summary>
    /// The index of the selected entry: the front's lowest loss (<see cref="ModelSelection.Accuracy"/>), highest score
    /// (<see cref="ModelSelection.Score"/>), or highest score among the front's entries with loss at most 1.5× its lowest
    /// (<see cref="ModelSelection.Best"/>); of equal scores, the simplest. Entries off the front are never selected; when no
    /// loss is finite, the simplest entry is.
    /// </summary>
    public static int Select(IReadOnlyList<int> complexity, IReadOnlyList<double> loss, ModelSelection rule)
    {
        var front = Front(complexity, loss);
        if (front.Length == 0)
            return loss.Count == 0 ? throw new ArgumentException("no entries to select from") : Enumerable.Range(0, loss.Count).MinBy(i => complexity[i]);
        if (rule == ModelSelection.Accuracy) return front[^1];
        var scores = Scores(front.Select(i => complexity[i]).ToArray(), front.Select(i => loss[i]).ToArray());
        double limit = rule == ModelSelection.Best ? 1.5 * loss[front[^1]] : double.PositiveInfinity;
        int best = -1;
        for (int k = 0; k < front.Length; k++)
            if (loss[front[k]] <= limit && (best < 0 || scores[k] > scores[best])) best = k;
        return front[best];
    }

    static void Check(IReadOnlyList<int> complexity, IReadOnlyList<double> loss)
    {
        ArgumentNullException.ThrowIfNull(complexity);
        ArgumentNullException.ThrowIfNull(loss);
        if (complexity.Count != loss.Count) throw new ArgumentException($"{complexity.Count} complexities but {loss.Count} losses");
    }
}
