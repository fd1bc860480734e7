using BenchmarkDotNet.Attributes;
using Occam.Symbolic;

namespace Occam.Bench;

/// <summary>
/// Evaluator throughput: one pass = 1,000 random trees (size 1–30; + − × ÷ sin cos exp log sqrt square) over 10,000 rows
/// on one thread. Node-evaluations per second = <see cref="NodesPerPass"/> / (time per pass); the EmpiricalBench runner
/// (<c>bench/empiricalbench --throughput</c>) prints that number directly.
/// </summary>
[MemoryDiagnoser]
public class SymbolicEvaluationBenchmarks
{
    const int Trees = 1000, Rows = 10_000, Features = 5;
    List<Expression> trees = [];
    Dataset<float> data32 = null!;
    Dataset<double> data64 = null!;
    readonly Evaluator<float> ev32 = new(fastMath: true);
    readonly Evaluator<double> ev64 = new(fastMath: true);
    readonly Evaluator<double> ev64Accurate = new(fastMath: false);
    float[] out32 = [];
    double[] out64 = [];

    /// <summary>Node evaluations in one pass.</summary>
    public long NodesPerPass { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var x = new double[Rows, Features];
        for (int r = 0; r < Rows; r++) for (int f = 0; f < Features; f++) x[r, f] = rng.NextDouble() * 4 - 2;
        data32 = Dataset<float>.FromRows(x);
        data64 = Dataset<double>.FromRows(x);
        out32 = new float[Rows];
        out64 = new double[Rows];
        var tr = new Random(2);
        OpCode[] bin = [OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div];
        OpCode[] un = [OpCode.Sin, OpCode.Cos, OpCode.Exp, OpCode.Log, OpCode.Sqrt, OpCode.Square];
        trees = [];
        for (int i = 0; i < Trees; i++)
        {
            var nodes = new List<Node>();
            Grow(tr, 1 + tr.Next(30), nodes, bin, un);
            trees.Add(new Expression(nodes));
        }
        NodesPerPass = trees.Sum(t => (long)t.Length) * Rows;
    }

    /// <summary>Appends a random tree of <paramref name="size"/> nodes in postfix order: leaves are constants in [−2, 2)
    /// with probability <paramref name="constantShare"/>, else one of <paramref name="features"/> variables.</summary>
    internal static void Grow(Random rng, int size, List<Node> o, OpCode[] bin, OpCode[] un, int features = Features, double constantShare = 0.3)
    {
        if (size == 1) { o.Add(rng.NextDouble() < constantShare ? Node.Const(rng.NextDouble() * 4 - 2) : Node.Var(rng.Next(features))); return; }
        if (size == 2 || rng.NextDouble() < 0.2) { Grow(rng, size - 1, o, bin, un, features, constantShare); o.Add(Node.Of(un[rng.Next(un.Length)])); return; }
        int left = 1 + rng.Next(size - 2);
        Grow(rng, left, o, bin, un, features, constantShare);
        Grow(rng, size - 1 - left, o, bin, un, features, constantShare);
        o.Add(Node.Of(bin[rng.Next(bin.Length)]));
    }

    [Benchmark]
    public void Float32()
    {
        foreach (var t in trees) ev32.Evaluate(t, data32, out32);
    }

    [Benchmark(Baseline = true)]
    public void Float64()
    {
        foreach (var t in trees) ev64.Evaluate(t, data64, out64);
    }

    [Benchmark]
    public void Float64Accurate()
    {
        foreach (var t in trees) ev64Accurate.Evaluate(t, data64, out64);
    }
}

/// <summary>A small end-to-end search with a fixed evaluation budget (deterministic work).</summary>
public class SymbolicSearchBenchmarks
{
    double[,] x = new double[0, 0];
    double[] y = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        x = new double[500, 3];
        y = new double[500];
        for (int r = 0; r < 500; r++)
        {
            for (int f = 0; f < 3; f++) x[r, f] = 0.5 + 2 * rng.NextDouble();
            y[r] = x[r, 0] * x[r, 1] / (x[r, 2] * x[r, 2]);
        }
    }

    [Benchmark]
    public double Fit100kEvaluations() =>
        SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions { Seed = 1, MaxEvaluations = 100_000, Threads = 1 }).Best.Loss;
}

/// <summary>
/// The constant optimiser's inner loop, the search's hottest code (about 60 % of a search's time on EmpiricalBench's
/// Rydberg data, by dotnet-trace): loss and exact Jacobian of 200 random trees with constants (size 1–20) over
/// <see cref="Rows"/> rows, one loss-and-Jacobian and one loss-only pass per tree, as one Levenberg–Marquardt step does.
/// Blocked (the library's, rows in blocks of 64) against RowByRow (the earlier one row at a time, kept as the tests'
/// reference); both give identical results.
/// </summary>
public class ConstantOptimizerBenchmarks
{
    [Params(50, 1000)]
    public int Rows { get; set; }

    List<Node[]> trees = [];
    ConstantOptimizer blocked = null!;
    Occam.Symbolic.Tests.RowByRowAccumulate rowByRow = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(4);
        var x = new double[Rows, 3];
        var y = new double[Rows];
        for (int r = 0; r < Rows; r++)
        {
            for (int f = 0; f < 3; f++) x[r, f] = 0.5 + 2 * rng.NextDouble();
            y[r] = x[r, 0] * x[r, 1] / (x[r, 2] * x[r, 2]);
        }
        var data = Dataset<double>.FromRows(x, y);
        blocked = new ConstantOptimizer(data);
        rowByRow = new Occam.Symbolic.Tests.RowByRowAccumulate(data.X, Rows, y, null);
        OpCode[] bin = [OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div, OpCode.Pow];
        OpCode[] un = [OpCode.Exp, OpCode.Log, OpCode.Square];
        trees = [];
        while (trees.Count < 200)
        {
            var nodes = new List<Node>();
            SymbolicEvaluationBenchmarks.Grow(rng, 1 + rng.Next(20), nodes, bin, un, features: 3, constantShare: 0.4);
            if (nodes.Any(n => n.Op == OpCode.Constant)) trees.Add(nodes.ToArray());
        }
    }

    [Benchmark]
    public double Blocked()
    {
        double sum = 0;
        foreach (var t in trees)
        {
            var p = Constants(t);
            int k = p.Length;
            sum += blocked.Accumulate(t, p, new double[k * k], new double[k], true) + blocked.Accumulate(t, p, null, null, false);
        }
        return sum;
    }

    [Benchmark(Baseline = true)]
    public double RowByRow()
    {
        double sum = 0;
        foreach (var t in trees)
        {
            var p = Constants(t);
            int k = p.Length;
            sum += rowByRow.Accumulate(t, p, new double[k * k], new double[k], true, null) + rowByRow.Accumulate(t, p, null, null, false, null);
        }
        return sum;
    }

    static double[] Constants(Node[] t) => t.Where(n => n.Op == OpCode.Constant).Select(n => n.Value).ToArray();
}
