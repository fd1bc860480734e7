using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Occam.Symbolic;
using Occam.Symbolic.Cluster;

// The cluster tests start processes and bind ports: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Occam.Symbolic.Cluster.Tests;

/// <summary>
/// Real worker processes (occam-cluster-worker, the same worker as `occam worker`) on loopback. The reference for every
/// front is the in-process threaded search, which knows nothing of Akka.
/// </summary>
public sealed class ClusterSearchTests
{
    static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(60);

    static (double[,] X, double[] Y) Data()
    {
        // y = 1.5·softplus(x0) − x1 (softplus defined from an expression below), 80 rows
        var rng = new Random(3);
        int n = 80;
        var x = new double[n, 2];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = rng.NextDouble() * 6 - 3;
            x[i, 1] = rng.NextDouble() * 2;
            y[i] = 1.5 * Math.Log(1 + Math.Exp(x[i, 0])) - x[i, 1];
        }
        return (x, y);
    }

    static SymbolicRegressionOptions Options(int seed) => new()
    {
        Seed = seed, MaxRounds = 6, Populations = 6, PopulationSize = 20, CyclesPerRound = 15, Threads = 2,
        UnaryOperators = ["softplus", "cos"], MaxSize = 14, CustomOperators = OperatorSet.Empty.Define("softplus(x)=log(1+exp(x))"),
    };

    static SymbolicRegressionResult Fit(SymbolicRegressionOptions o)
    {
        var (x, y) = Data();
        return SymbolicRegression.Fit(x, y, o);
    }

    static string[] Front(SymbolicRegressionResult r) =>
        r.Pareto.Select(e => $"{e.Complexity} {BitConverter.DoubleToInt64Bits(e.Loss):X16} {e.Infix}").Append($"evaluations {r.Evaluations}").ToArray();

    [Fact]
    public void One_process_three_processes_and_threads_give_the_same_front_bit_for_bit()
    {
        var threaded = Front(Fit(Options(5)));
        Assert.True(threaded.Length > 2);
        string[] single, three;
        using (var alone = LocalCluster.Start(0))
            single = Front(Fit(Options(5) with { IslandRunner = alone.Head.Runner }));
        long remote;
        using (var cluster = LocalCluster.Start(2, workerThreads: 1))
        {
            three = Front(Fit(Options(5) with { IslandRunner = cluster.Head.Runner }));
            remote = cluster.Head.RemoteIslandRounds;
        }
        Assert.Equal(threaded, single);
        Assert.Equal(threaded, three);
        Assert.True(remote >= 6 * 6 / 2, $"the workers ran only {remote} of 36 island rounds");
        // negative control: another seed gives another front, so the comparison can fail
        Assert.NotEqual(threaded, Front(Fit(Options(6))));
    }

    [Fact]
    public void Killing_a_worker_mid_run_still_gives_the_same_front()
    {
        var reference = Front(Fit(Options(7)));
        using var cluster = LocalCluster.Start(2, new ClusterHeadOptions { RoundTimeout = TimeSpan.FromSeconds(10) }, workerThreads: 1);
        int killedAfter = -1;
        var progress = new SyncProgress(p =>
        {
            if (p.Round == 2) { cluster.Kill(0); killedAfter = p.Round; }
        });
        var front = Front(Fit(Options(7) with { IslandRunner = cluster.Head.Runner, Progress = progress }));
        Assert.Equal(2, killedAfter);
        Assert.True(cluster.Workers[0].WaitForExit(10_000));
        Assert.Equal(reference, front);
    }

    [Fact]
    public async Task A_worker_that_cannot_reach_the_seed_fails_with_one_line_in_bounded_time()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])[LocalCluster.DefaultWorkerHost, "--cluster-seed", $"127.0.0.1:{closedPort}", "--join-timeout", "3"])
            psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(ExitLimit), "the worker did not give up");
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains($"could not join the cluster at 127.0.0.1:{closedPort} within 3 s", lines[0]);
        Assert.Equal("", (await stdout).Trim()); // Akka's own logging stays quiet
    }

    [Theory]
    [InlineData(ClusterWorker.VersionOverrideVariable, "0.0.1-old", "Occam versions differ")]
    [InlineData(ClusterWorker.FingerprintOverrideVariable, "0123456789ABCDEF", "operator sets differ")]
    public void Workers_of_another_version_or_operator_set_are_refused(string variable, string value, string message)
    {
        var log = new List<string>();
        using var cluster = LocalCluster.Start(0, new ClusterHeadOptions { Log = l => { lock (log) log.Add(l); } });
        var p = cluster.StartWorker(LocalCluster.DefaultWorkerHost, [], new Dictionary<string, string> { [variable] = value });
        Assert.True(p.WaitForExit(ExitLimit), "the refused worker did not stop");
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        var lines = cluster.ErrorOutput(0).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(message, lines[0]);
        Assert.Equal(0, cluster.Head.Workers);
        lock (log) Assert.Contains(log, l => l.Contains("refused") && l.Contains(message));
    }

    [Fact]
    public void An_operator_made_from_compiled_code_cannot_go_to_the_cluster_and_says_so()
    {
        var squash = CustomOperator.FromFunction("compiledsquash", v => v / (1 + Math.Abs(v)));
        using var cluster = LocalCluster.Start(0);
        var o = Options(1) with { IslandRunner = cluster.Head.Runner, UnaryOperators = ["compiledsquash"] };
        var e = Assert.Throws<NotSupportedException>(() => Fit(o with { CustomOperators = o.CustomOperators.With(squash) }));
        Assert.Contains("'compiledsquash' was made from a compiled function", e.Message);
    }

    [Fact]
    public void A_constant_fit_cannot_go_to_the_cluster_and_says_so()
    {
        using var cluster = LocalCluster.Start(0);
        var o = Options(1) with { IslandRunner = cluster.Head.Runner, ConstantFit = e => e };
        var e = Assert.Throws<NotSupportedException>(() => Fit(o));
        Assert.Contains("constant fit is a compiled function", e.Message);
    }

    sealed class SyncProgress(Action<SymbolicRegressionProgress> report) : IProgress<SymbolicRegressionProgress>
    {
        public void Report(SymbolicRegressionProgress value) => report(value);
    }
}
