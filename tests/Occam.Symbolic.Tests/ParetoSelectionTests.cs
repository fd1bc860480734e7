using Occam.Symbolic;
using Xunit;

namespace Occam.Symbolic.Tests;

public class ParetoSelectionTests
{
    // Scores along the front, by hand: ln(1/0.2)/2 = 0.80, ln(0.2/0.1)/2 = 0.35, ln(0.1/0.09)/2 = 0.05; the entry at
    // complexity 4 (loss 0.3) is no better than a simpler one and is off the front.
    static readonly double[] Loss = [1, 0.2, 0.3, 0.1, 0.09];
    static readonly int[] Complexity = [1, 3, 4, 5, 7];

    [Fact]
    public void The_front_drops_entries_no_better_than_a_simpler_one_and_the_scores_are_log_loss_ratios_per_complexity()
    {
        Assert.Equal([0, 1, 3, 4], ParetoSelection.Front(Complexity, Loss));
        var scores = ParetoSelection.Scores([1, 3, 5, 7], [1, 0.2, 0.1, 0.09]);
        Assert.Equal([0, Math.Log(5) / 2, Math.Log(2) / 2, Math.Log(0.1 / 0.09) / 2], scores, (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void Each_rule_selects_as_computed_by_hand()
    {
        Assert.Equal(1, ParetoSelection.Select(Complexity, Loss, ModelSelection.Score));
        // Within 1.5× of the smallest loss (0.135) only complexities 5 and 7 remain, and 5 scores higher.
        Assert.Equal(3, ParetoSelection.Select(Complexity, Loss, ModelSelection.Best));
        Assert.Equal(4, ParetoSelection.Select(Complexity, Loss, ModelSelection.Accuracy));
        // Only the simplest within the limit: it is taken although it has no score.
        Assert.Equal(0, ParetoSelection.Select([1, 3], [0.1, 0.2], ModelSelection.Best));
        // A non-finite loss is off the front; with none finite, the simplest entry.
        Assert.Equal(1, ParetoSelection.Select([1, 3], [double.PositiveInfinity, 0.2], ModelSelection.Best));
        Assert.Equal(1, ParetoSelection.Select([4, 2], [double.NaN, double.NaN], ModelSelection.Best));
    }
}
