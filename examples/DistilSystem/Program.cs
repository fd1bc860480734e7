// Symbolic distillation in code with Occam.Discovery (Cranmer et al. 2020): simulate springs, train a graph
// network with L1-sparse messages, run symbolic regression on its messages and compare with the true law.
// A short run for the example (about a minute on 2 cores); `occam discover` runs the quick preset.
using Occam.Discovery;

var options = DiscoveryOptions.Quick with
{
    System = "spring",
    Dim = 2,
    Variant = MessageVariant.Bottleneck,   // messages as wide as the dimension: learns the force in few steps
    Sims = 100,
    Steps = 3000,
    SymbolicRounds = 4,
    Seed = 0,
};

var progress = new SyncProgress<DiscoveryProgress>(p =>
{
    if (p.Stage != "train" || Math.Abs(p.Fraction * 10 - Math.Round(p.Fraction * 10)) < 1e-9)
        Console.WriteLine($"{p.Stage,-20} {p.Fraction,4:P0}  {p.Detail}");
});
var result = SymbolicDistillation.Discover(options, progress: progress);

var distillation = result.Distillation;
Console.WriteLine();
Console.WriteLine($"trained {options.Steps} steps in {result.TrainSeconds:F0} s; final loss {result.TrainLoss:G4}");
if (distillation.Radial is { } radial)
    Console.WriteLine($"law of the pair force's magnitude: {radial.Law.ToInfix()}");
else
    foreach (var component in distillation.Components)
        Console.WriteLine($"message component: {component.Best.Infix}");
Console.WriteLine($"recovered the spring law: {result.Recovered} ({distillation.Recovery.Reason})");
