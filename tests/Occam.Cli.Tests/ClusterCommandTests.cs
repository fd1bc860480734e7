using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

/// <summary><c>occam worker</c> and <c>occam regress --cluster-seed</c>, in process (the multi-process runs are in
/// Occam.Symbolic.Cluster.Tests, with real worker processes).</summary>
public sealed class ClusterCommandTests
{
    static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public void Worker_help_documents_the_seed_and_the_port()
    {
        var (code, output, _) = Run("worker", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--cluster-seed", output);
        Assert.Contains("--cluster-port", output);
        Assert.Contains("--join-timeout", output);
    }

    [Fact]
    public void A_worker_that_cannot_reach_the_seed_fails_with_one_line_and_exit_code_1()
    {
        int port = FreePort();
        var sw = Stopwatch.StartNew();
        var (code, _, error) = Run("worker", "--cluster-seed", $"127.0.0.1:{port}", "--join-timeout", "2");
        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains($"could not join the cluster at 127.0.0.1:{port} within 2 s", error);
    }

    [Fact]
    public void Regress_on_a_cluster_of_one_head_prints_the_same_front_as_without_and_takes_operator_definitions()
    {
        using var dir = new TempDir();
        string data = dir.File("data.csv");
        File.WriteAllText(data, "x0,y\n" + string.Concat(Enumerable.Range(0, 30).Select(i =>
        {
            double x = -3 + 0.2 * i;
            return FormattableString.Invariant($"{x},{2 * Math.Log(1 + Math.Exp(x))}\n");
        })));
        string[] common = ["regress", data, "--target", "y", "--max-evals", "6000", "--seed", "4", "--populations", "3", "--quiet",
            "--operators", "+,*,softplus(x)=log(1+exp(x)),hyp(a,b)=sqrt(a*a+b*b)"];
        var (code, alone, error) = Run(common);
        Assert.True(code == 0, error);
        var (clusterCode, clustered, clusterError) = Run([.. common, "--cluster-seed", $"127.0.0.1:{FreePort()}"]);
        Assert.True(clusterCode == 0, clusterError);
        static string Front(string text) => string.Join("\n", text.Split('\n').Where(l => !l.StartsWith("Pareto front", StringComparison.Ordinal)));
        Assert.Equal(Front(alone), Front(clustered));
        Assert.Contains("softplus(", alone);
    }

    [Fact]
    public void Resume_needs_an_existing_hall_of_fame_file()
    {
        using var dir = new TempDir();
        string data = dir.File("data.csv");
        File.WriteAllText(data, "x0,y\n1,2\n2,4\n3,6\n");
        var (code, _, error) = Run("regress", data, "--target", "y", "--resume", "--hall-of-fame", dir.File("hof.json"), "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("--resume needs the --hall-of-fame file", error);
    }
}
