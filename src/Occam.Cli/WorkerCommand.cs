using System.CommandLine;
using Occam.Symbolic.Cluster;

namespace Occam.Cli;

/// <summary><c>occam worker</c>: a symbolic-regression cluster worker (the logic is in Occam.Symbolic.Cluster).</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var seed = new Option<string>("--cluster-seed") { Description = "The head's host:port ('occam regress … --cluster-seed host:port').", Required = true };
        var port = new Option<int>("--cluster-port") { Description = "Port this worker binds (0 = any free port).", DefaultValueFactory = _ => 0 };
        var host = new Option<string?>("--cluster-host") { Description = "Host name or address the head reaches this worker by (default: 127.0.0.1 for a loopback seed, else this machine's name)." };
        var joinTimeout = new Option<int>("--join-timeout") { Description = "Seconds to try to reach the seed before failing.", DefaultValueFactory = _ => 20 };
        var threads = new Option<int?>("--threads") { Description = "Threads for this worker's islands (default: all cores)." };
        var verbose = new Option<bool>("--verbose") { Description = "Akka's own log on stdout (off by default)." };
        var command = new Command("worker",
            "Symbolic-regression cluster worker: joins the head at --cluster-seed, evolves the islands it is sent each round, and stops when the head leaves. "
            + "Fails with one line (exit 1) if the seed cannot be reached within --join-timeout or the head refuses it (another Occam version or operator set). See docs/cluster.md.")
        {
            seed, port, host, joinTimeout, threads, verbose,
        };
        command.SetAction((parse, cancel) =>
        {
            var options = new ClusterWorkerOptions
            {
                Seed = parse.GetValue(seed)!,
                Port = OptionValues.InRange(parse, port, 0, 65535),
                Host = OptionValues.NotBlank(parse, host),
                JoinTimeout = TimeSpan.FromSeconds(OptionValues.InRange(parse, joinTimeout, 1, 3600)),
                Threads = OptionValues.InRange(parse, threads, 1, 4096),
                Verbose = parse.GetValue(verbose),
            };
            var error = parse.InvocationConfiguration.Error;
            int code = ClusterWorker.Run(options, error, error, cancel);
            return Task.FromResult(code);
        });
        return command;
    }
}
