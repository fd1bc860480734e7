using Occam.Symbolic.Cluster;

// occam-cluster-worker --cluster-seed host:port [--cluster-port P] [--cluster-host H] [--join-timeout S] [--threads N]
// The same worker as `occam worker`; exit 0 when the head leaves, 1 with one line on stderr on failure, 2 on bad arguments.
try
{
    return ClusterWorker.Run(WorkerArguments.Parse(args), Console.Error, Console.Out);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"occam-cluster-worker: error: {e.Message}");
    return 2;
}
