using Akka.Actor;

namespace Occam.Symbolic.Cluster;

/// <summary>Settings of a <see cref="ClusterHead"/>.</summary>
public sealed record ClusterHeadOptions
{
    /// <summary>Host name or address the head binds and the workers reach it by (default 127.0.0.1).</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Port the head binds (0 = an ephemeral port, see <see cref="ClusterHead.Port"/>).</summary>
    public int Port { get; init; }
    /// <summary>The seed to join as host:port, or null when the head is the seed itself (the usual case).</summary>
    public string? Seed { get; init; }
    /// <summary>How long one round may take before the members that have not answered are dropped and their islands re-run elsewhere.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Threads the head's own worker uses for its islands (default: all cores).</summary>
    public int? Threads { get; init; }
    /// <summary>One line per membership change (joined, left, unreachable, refused); null for none.</summary>
    public Action<string>? Log { get; init; }
    /// <summary>Akka's own logging at INFO on stdout (off by default).</summary>
    public bool Verbose { get; init; }
}

/// <summary>
/// The head of a symbolic-regression cluster: an Akka.Cluster member that keeps every island's state and, each round,
/// has the members (itself included) evolve the islands. Put <see cref="Runner"/> into
/// <see cref="SymbolicRegressionOptions.IslandRunner"/>; the same seed then gives the same Pareto front as the in-process
/// search, at any number of members, and whichever members leave or die during the run.
/// </summary>
public sealed class ClusterHead : IDisposable
{
    readonly ActorSystem system;
    readonly IActorRef head;

    ClusterHead(ActorSystem system, IActorRef head)
    {
        this.system = system;
        this.head = head;
        Runner = new ClusterIslandRunner(head);
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        Host = self.Host!;
        Port = self.Port ?? 0;
    }

    /// <summary>Starts the head's actor system, joins (or founds) the cluster, and waits until the head is a member.</summary>
    /// <exception cref="TimeoutException">The head could not join the seed within 20 s.</exception>
    public static ClusterHead Start(ClusterHeadOptions? options = null)
    {
        options ??= new ClusterHeadOptions();
        var system = ClusterConfig.Create(options.Host, options.Port, "head", options.Verbose);
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var up = new TaskCompletionSource();
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            if (options.Seed is null) cluster.Join(cluster.SelfAddress);
            else
            {
                var (h, p) = ClusterConfig.ParseEndpoint(options.Seed);
                cluster.JoinSeedNodes([ClusterConfig.SeedAddress(h, p)]);
            }
            if (!up.Task.Wait(TimeSpan.FromSeconds(20)))
                throw new TimeoutException($"the head could not join the cluster at {options.Seed ?? "itself"} within 20 s");
            int threads = options.Threads ?? Environment.ProcessorCount;
            var local = system.ActorOf(WorkerActor.Props(ClusterConfig.Version, ClusterConfig.Fingerprint, threads), "occam-worker");
            var log = options.Log ?? (_ => { });
            var head = system.ActorOf(HeadActor.Props(local, options.RoundTimeout, log), "occam-head");
            return new ClusterHead(system, head);
        }
        catch
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    /// <summary>The host the head is reachable at.</summary>
    public string Host { get; }
    /// <summary>The port the head is bound to (the ephemeral one when <see cref="ClusterHeadOptions.Port"/> was 0).</summary>
    public int Port { get; }
    /// <summary>The head's address as host:port, the seed that workers join (<c>occam worker --cluster-seed</c>).</summary>
    public string Seed => $"{Host}:{Port}";
    /// <summary>The runner to put into <see cref="SymbolicRegressionOptions.IslandRunner"/>.</summary>
    public IslandRunner Runner { get; }

    /// <summary>Workers that have joined and passed the handshake.</summary>
    public int Workers => ((ClusterIslandRunner)Runner).CountWelcomed();

    /// <summary>Island rounds that workers (not the head) have run so far.</summary>
    public long RemoteIslandRounds => ((ClusterIslandRunner)Runner).CountRemoteIslandRounds();

    /// <summary>Each round so far (of every search on this head): its time from the head's request to the last answer, and
    /// the slowest member's computing time in it. Their difference is the round's coordination overhead: sending the
    /// states, queueing and answering, beyond the slowest member's computation (<see cref="RoundTiming.OverheadSeconds"/>).</summary>
    public IReadOnlyList<RoundTiming> RoundTimings => ((ClusterIslandRunner)Runner).Timings;

    /// <summary>Waits until at least <paramref name="count"/> workers have joined and passed the handshake.</summary>
    /// <returns>False when the timeout passed first.</returns>
    public bool WaitForWorkers(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Runner is ClusterIslandRunner r && r.CountWelcomed() >= count) return true;
            if (DateTime.UtcNow >= deadline) return false;
            Thread.Sleep(100);
        }
    }

    /// <summary>Leaves the cluster (the workers then stop) and shuts the head's actor system down.</summary>
    public void Dispose()
    {
        try { Akka.Cluster.Cluster.Get(system).LeaveAsync().Wait(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}

/// <summary>The <see cref="IslandRunner"/> of a <see cref="ClusterHead"/>: asks the head actor to run each round.</summary>
internal sealed class ClusterIslandRunner(IActorRef head) : IslandRunner
{
    readonly List<RoundTiming> timings = [];

    internal IReadOnlyList<RoundTiming> Timings { get { lock (timings) return timings.ToArray(); } }

    internal int CountWelcomed() => head.Ask<int>(new CountWelcomedWorkers(), TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

    internal long CountRemoteIslandRounds() => head.Ask<long>(new CountRemoteIslandRounds(), TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

    internal override void Start(byte[] session) => head.Ask<long>(new StartSession(session), TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();

    internal override byte[][] RunRound(int round, byte[][] requests)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = head.Ask<RoundResult>(new RunRound(round, requests), Timeout.InfiniteTimeSpan).GetAwaiter().GetResult();
        var timing = new RoundTiming(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds, result.ComputeSeconds);
        lock (timings) timings.Add(timing);
        return result.Responses;
    }
}

/// <summary>One cluster round as the head saw it.</summary>
/// <param name="Seconds">From the head's request to the last member's answer.</param>
/// <param name="ComputeSeconds">The slowest member's time computing its islands (states read, evolved, written).</param>
public sealed record RoundTiming(double Seconds, double ComputeSeconds)
{
    /// <summary>What the round cost beyond the slowest member's computing: messaging, transfer and scheduling.</summary>
    public double OverheadSeconds => Math.Max(0, Seconds - ComputeSeconds);
}
