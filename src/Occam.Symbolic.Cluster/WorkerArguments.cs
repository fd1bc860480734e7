using System.Globalization;

namespace Occam.Symbolic.Cluster;

/// <summary>The worker's command line, shared by <c>occam-cluster-worker</c> and the launcher.</summary>
public static class WorkerArguments
{
    /// <summary>Parses <c>--cluster-seed host:port [--cluster-port P] [--cluster-host H] [--join-timeout S] [--threads N]</c>.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing value, or no seed.</exception>
    public static ClusterWorkerOptions Parse(IReadOnlyList<string> args)
    {
        string? seed = null, host = null;
        int port = 0;
        int? threads = null;
        double joinTimeout = 20;
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0 ? v
                : throw new ArgumentException($"{args[i - 1]} needs a non-negative integer, got '{args[i]}'");
            switch (args[i])
            {
                case "--cluster-seed": seed = Value(); break;
                case "--cluster-host": host = Value(); break;
                case "--cluster-port": port = Int(); break;
                case "--threads": threads = Math.Max(1, Int()); break;
                case "--join-timeout": joinTimeout = Math.Max(1, Int()); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (seed is null) throw new ArgumentException("--cluster-seed host:port is required");
        ClusterConfig.ParseEndpoint(seed);
        return new ClusterWorkerOptions { Seed = seed, Host = host, Port = port, Threads = threads, JoinTimeout = TimeSpan.FromSeconds(joinTimeout) };
    }
}
