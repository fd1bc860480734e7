using System.Diagnostics;
using System.Text;

namespace Occam.Symbolic.Cluster;

/// <summary>
/// A cluster on this machine: a <see cref="ClusterHead"/> in this process on 127.0.0.1 (ephemeral port) and worker
/// processes joined to it. For tests, benchmarks and trying the cluster out; the workers are killed on dispose.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    readonly List<Process> processes = [];
    readonly List<StringBuilder> errors = [];

    LocalCluster(ClusterHead head) => Head = head;

    /// <summary>The head (in this process).</summary>
    public ClusterHead Head { get; }

    /// <summary>The worker processes, in start order.</summary>
    public IReadOnlyList<Process> Workers => processes;

    /// <summary>What worker <paramref name="index"/> has written on stderr so far.</summary>
    public string ErrorOutput(int index) { lock (errors[index]) return errors[index].ToString(); }

    /// <summary>
    /// The worker host next to this library (<c>occam-cluster-worker.dll</c>, from the Occam.Symbolic.Cluster.Host project),
    /// started as <c>dotnet occam-cluster-worker.dll</c>.
    /// </summary>
    public static string DefaultWorkerHost => Path.Combine(AppContext.BaseDirectory, "occam-cluster-worker.dll");

    /// <summary>
    /// Starts the head and <paramref name="workers"/> worker processes and waits until all have joined and passed the
    /// handshake. <paramref name="workerDll"/> is the worker's .dll (run with <c>dotnet</c>) and <paramref name="workerArguments"/> the arguments before
    /// the cluster options: <see cref="DefaultWorkerHost"/> with none, or the CLI's <c>occam.dll</c> with <c>worker</c>.
    /// </summary>
    /// <exception cref="TimeoutException">Not every worker joined within <paramref name="timeout"/> (default 60 s).</exception>
    public static LocalCluster Start(int workers, ClusterHeadOptions? head = null, string? workerDll = null, IReadOnlyList<string>? workerArguments = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null, int? workerThreads = null)
    {
        var h = ClusterHead.Start((head ?? new ClusterHeadOptions()) with { Host = "127.0.0.1", Port = 0 });
        var cluster = new LocalCluster(h);
        try
        {
            for (int i = 0; i < workers; i++) cluster.StartWorker(workerDll ?? DefaultWorkerHost, workerArguments ?? [], environment, workerThreads);
            var limit = timeout ?? TimeSpan.FromSeconds(60);
            if (!h.WaitForWorkers(workers, limit))
                throw new TimeoutException($"only {h.Workers} of {workers} workers joined within {limit.TotalSeconds:F0} s: {string.Join(" | ", Enumerable.Range(0, workers).Select(cluster.ErrorOutput).Where(e => e.Length > 0))}");
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Starts one more worker process joined to the head (not waited for).</summary>
    public Process StartWorker(string workerDll, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, int? threads = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(workerDll);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var a in (string[])["--cluster-seed", Head.Seed, "--cluster-port", "0"]) psi.ArgumentList.Add(a);
        if (threads is int t) { psi.ArgumentList.Add("--threads"); psi.ArgumentList.Add(t.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start dotnet {workerDll}");
        var err = new StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (err) err.AppendLine(e.Data); };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        processes.Add(p);
        errors.Add(err);
        return p;
    }

    /// <summary>Kills worker <paramref name="index"/> at once (as a crash would).</summary>
    public void Kill(int index)
    {
        try { processes[index].Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    /// <summary>Kills the workers and stops the head.</summary>
    public void Dispose()
    {
        foreach (var p in processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch (Exception) { }
            p.Dispose();
        }
        Head.Dispose();
    }
}
