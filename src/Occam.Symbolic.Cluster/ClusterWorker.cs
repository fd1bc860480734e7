using System.Net;
using Akka.Actor;
using Akka.Cluster;

namespace Occam.Symbolic.Cluster;

/// <summary>Settings of <see cref="ClusterWorker.Run"/>.</summary>
public sealed record ClusterWorkerOptions
{
    /// <summary>The seed (the head) as host:port.</summary>
    public required string Seed { get; init; }
    /// <summary>Port this worker binds (0 = ephemeral).</summary>
    public int Port { get; init; }
    /// <summary>Host name or address the others reach this worker by (default: 127.0.0.1 when the seed is on loopback, else this machine's name).</summary>
    public string? Host { get; init; }
    /// <summary>How long to try to join the seed before failing (default 20 s).</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>How long the head may stay unreachable before the worker stops (default 15 s).</summary>
    public TimeSpan HeadLostTimeout { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Threads for this worker's islands (default: all cores).</summary>
    public int? Threads { get; init; }
    /// <summary>Akka's own logging at INFO on stdout (off by default).</summary>
    public bool Verbose { get; init; }
}

/// <summary>
/// A worker of a symbolic-regression cluster (<c>occam worker</c>): joins the head's cluster, evolves the islands the
/// head sends each round, and stops when the head leaves. Holds no island state between rounds.
/// </summary>
public static class ClusterWorker
{
    /// <summary>
    /// Environment variable that replaces the version this worker reports in the handshake (for testing the refusal
    /// of mismatched members).
    /// </summary>
    public const string VersionOverrideVariable = "OCCAM_CLUSTER_VERSION_OVERRIDE";
    /// <summary>Environment variable that replaces this worker's operator-set fingerprint (for testing).</summary>
    public const string FingerprintOverrideVariable = "OCCAM_CLUSTER_FINGERPRINT_OVERRIDE";

    /// <summary>
    /// Runs the worker until the head leaves (0), or fails with one line on <paramref name="error"/> (1): the seed could
    /// not be reached within <see cref="ClusterWorkerOptions.JoinTimeout"/>, or the head refused this worker (different
    /// Occam version or operator set).
    /// </summary>
    public static int Run(ClusterWorkerOptions options, TextWriter error, TextWriter? log = null, CancellationToken cancel = default)
    {
        var (seedHost, seedPort) = ClusterConfig.ParseEndpoint(options.Seed);
        string host = options.Host ?? (IsLoopback(seedHost) ? "127.0.0.1" : Dns.GetHostName());
        var system = ClusterConfig.Create(host, options.Port, "worker", options.Verbose);
        bool joined = false;
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var done = new TaskCompletionSource<(int Code, string? Message)>(TaskCreationOptions.RunContinuationsAsynchronously);
            string version = Environment.GetEnvironmentVariable(VersionOverrideVariable) is { Length: > 0 } v ? v : ClusterConfig.Version;
            string fingerprint = Environment.GetEnvironmentVariable(FingerprintOverrideVariable) is { Length: > 0 } f ? f : ClusterConfig.Fingerprint;
            int threads = options.Threads ?? Environment.ProcessorCount;
            system.ActorOf(WorkerActor.Props(version, fingerprint, threads,
                reason => done.TrySetResult((1, $"the head refused this worker: {reason}"))), "occam-worker");
            var up = new TaskCompletionSource();
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            cluster.JoinSeedNodes([ClusterConfig.SeedAddress(seedHost, seedPort)]);
            if (!WaitJoined(up.Task, options.JoinTimeout, cancel))
            {
                error.WriteLine($"occam worker: error: could not join the cluster at {options.Seed} within {options.JoinTimeout.TotalSeconds:F0} s (is the head running there?)");
                return 1;
            }
            joined = true;
            log?.WriteLine($"occam worker: joined {options.Seed} as {cluster.SelfAddress}");
            system.ActorOf(Props.Create(() => new HeadWatch(done, options.HeadLostTimeout)), "occam-head-watch");
            cluster.RegisterOnMemberRemoved(() => done.TrySetResult((0, null)));
            using var reg = cancel.Register(() => done.TrySetResult((130, null)));
            var (code, message) = done.Task.GetAwaiter().GetResult();
            if (message is not null) error.WriteLine($"occam worker: error: {message}");
            else if (code == 0) log?.WriteLine("occam worker: the head left; stopping");
            if (code == 1) Thread.Sleep(500); // let the refusal reach the head
            return code;
        }
        finally
        {
            if (joined) try { Akka.Cluster.Cluster.Get(system).LeaveAsync().Wait(TimeSpan.FromSeconds(3)); } catch (Exception) { }
            system.Terminate().Wait(TimeSpan.FromSeconds(5));
        }
    }

    static bool WaitJoined(Task up, TimeSpan timeout, CancellationToken cancel)
    {
        try { return up.Wait(timeout, cancel); }
        catch (OperationCanceledException) { return false; }
    }

    static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Ends the worker when the head leaves or stays unreachable.</summary>
    sealed class HeadWatch : ReceiveActor, IWithTimers
    {
        readonly Akka.Cluster.Cluster cluster = Akka.Cluster.Cluster.Get(Context.System);
        public ITimerScheduler Timers { get; set; } = null!;

        public HeadWatch(TaskCompletionSource<(int, string?)> done, TimeSpan lostTimeout)
        {
            Receive<ClusterEvent.MemberRemoved>(m => { if (m.Member.HasRole("head")) done.TrySetResult((0, null)); });
            Receive<ClusterEvent.MemberExited>(m => { if (m.Member.HasRole("head")) done.TrySetResult((0, null)); });
            Receive<ClusterEvent.MemberLeft>(m => { if (m.Member.HasRole("head")) done.TrySetResult((0, null)); });
            Receive<ClusterEvent.UnreachableMember>(m =>
            {
                if (m.Member.HasRole("head"))
                    Timers.StartSingleTimer(m.Member.Address, new HeadStillLost(m.Member.Address), lostTimeout);
            });
            Receive<HeadStillLost>(l =>
            {
                if (cluster.State.Unreachable.Any(u => u.Address == l.Address))
                    done.TrySetResult((1, $"the head at {l.Address} has been unreachable for {lostTimeout.TotalSeconds:F0} s; stopping"));
            });
            Receive<object>(_ => { });
        }

        protected override void PreStart() =>
            cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));

        sealed record HeadStillLost(Address Address);
    }
}
