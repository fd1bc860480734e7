using BenchmarkDotNet.Attributes;
using Occam.Physics;

namespace Occam.Bench;

/// <summary>
/// Simulation throughput. Each invocation simulates <see cref="Sims"/> × <see cref="Steps"/> frames of 4
/// bodies and is declared as that many body-steps (OperationsPerInvoke), so BenchmarkDotNet's Mean is the
/// time per body-step and 1 / Mean is body-steps per second. Default accuracy (tolerance 1e-10), the
/// paper's dt. Threads = 0 means all cores.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench/Occam.Bench -- --filter '*PhysicsBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
public class PhysicsBenchmarks
{
    const int Sims = 200, Steps = 100, Bodies = 4;
    const int BodySteps = Sims * Steps * Bodies;

    /// <summary>1 = one thread, 0 = all cores.</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    SimulationOptions Options(ParticleSystem system, int dim) => new()
    {
        System = system, Dim = dim, Bodies = Bodies, Sims = Sims, Steps = Steps, Seed = 1,
        MaxDegreeOfParallelism = Threads == 0 ? null : Threads,
    };

    [Benchmark(OperationsPerInvoke = BodySteps, Description = "spring-2D body-step")]
    public ParticleDataset Spring2D() => Simulator.Run(Options(ParticleSystem.Spring, 2));

    [Benchmark(OperationsPerInvoke = BodySteps, Description = "r2-3D body-step")]
    public ParticleDataset R2ThreeD() => Simulator.Run(Options(ParticleSystem.R2, 3));
}
