using BenchmarkDotNet.Attributes;
using Occam.Construction;
using Occam.Physics.Rigid;

namespace Occam.Bench;

/// <summary>
/// The glue task's costs: settling one tower (2 s of simulated time, the task's solver settings), the static
/// stability check of the same tower, and the exact optimum over glue subsets. Towers 0..15 of seed 1, of 5–7 and
/// 9–12 blocks; each invocation covers all 16 (OperationsPerInvoke), so Mean is the time per tower.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench/Occam.Bench -- --filter '*ConstructionBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
public class ConstructionBenchmarks
{
    const int Towers = 16;
    GlueTask[] tasks = [];

    [Params("5-7", "9-12")]
    public string Blocks { get; set; } = "5-7";

    [GlobalSetup]
    public void Setup()
    {
        var range = Blocks.Split('-').Select(int.Parse).ToArray();
        var options = new TowerGeneratorOptions { MinBlocks = range[0], MaxBlocks = range[1] };
        tasks = [.. Enumerable.Range(0, Towers).Select(k => new GlueTask(TowerGenerator.Generate(options, 1, k), new GlueTaskOptions()))];
    }

    [Benchmark(OperationsPerInvoke = Towers, Description = "settle a tower (2 s)")]
    public int Settle() => tasks.Sum(t => t.Settle(new bool[t.Actions]).StayedCount);

    [Benchmark(OperationsPerInvoke = Towers, Description = "static stability check")]
    public int Static() => tasks.Count(t => t.Tower.IsStaticallyStable(null));

    [Benchmark(OperationsPerInvoke = Towers, Description = "exact optimum")]
    public double Optimal() => tasks.Sum(t => t.Optimal()?.Outcome.Reward ?? 0);
}
