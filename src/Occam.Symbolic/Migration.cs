namespace Occam.Symbolic;

/// <summary>
/// Migration between islands after a round (PySR's <c>migration!</c>): each island member is replaced, with probability
/// <see cref="SymbolicRegressionOptions.FractionReplaced"/>, by a copy of one of the best members of all islands (the
/// best tenth of each population, taken before anyone is replaced), else, with probability
/// <see cref="SymbolicRegressionOptions.FractionReplacedHof"/>, by a copy of a hall-of-fame member. Islands are visited in
/// order and every choice comes from the search's own generator, so migration is the same for the same seed.
/// </summary>
internal static class Migration
{
    public static void Exchange(Island[] islands, List<Member> front, Rng rng, SymbolicRegressionOptions o)
    {
        var pool = new List<Member>();
        foreach (var isl in islands)
            pool.AddRange(isl.Population.OrderBy(m => m.Cost).ThenBy(m => m.Birth).Take(Math.Max(1, o.PopulationSize / 10)));
        foreach (var isl in islands)
        {
            for (int j = 0; j < isl.Population.Length; j++)
            {
                if (pool.Count > 0 && rng.Chance(o.FractionReplaced))
                    isl.Population[j] = pool[rng.Next(pool.Count)].Clone(isl.NextBirth());
                else if (front.Count > 0 && rng.Chance(o.FractionReplacedHof))
                    isl.Population[j] = front[rng.Next(front.Count)].Clone(isl.NextBirth());
            }
        }
    }
}
