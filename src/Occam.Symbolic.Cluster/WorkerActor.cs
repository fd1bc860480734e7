using Akka.Actor;

namespace Occam.Symbolic.Cluster;

/// <summary>
/// Runs islands' rounds for the head. Stateless apart from the session (data, options, operators) it received once:
/// every <see cref="Work"/> carries the islands' states, and the answer carries them back.
/// </summary>
internal sealed class WorkerActor : ReceiveActor
{
    long sessionId = -1;
    SearchContext? context;

    public WorkerActor(string version, string fingerprint, int threads, Action<string>? refused)
    {
        Receive<Hello>(h =>
        {
            string? reason = null;
            if (h.Version != version) reason = $"Occam versions differ: head {h.Version}, worker {version}";
            else if (h.Fingerprint != fingerprint) reason = $"operator sets differ: head's built-in operators {h.Fingerprint}, worker's {fingerprint}";
            if (reason is null) { Sender.Tell(new Welcome(version)); return; }
            Sender.Tell(new Refused(reason));
            refused?.Invoke(reason);
        });
        Receive<Session>(s =>
        {
            try
            {
                context = SearchSession.Read(s.Bytes);
                sessionId = s.Id;
                Sender.Tell(new SessionReady(s.Id));
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or NotSupportedException or EndOfStreamException)
            {
                context = null;
                sessionId = s.Id;
                Sender.Tell(new WorkFailed(s.Id, -1, $"cannot read the search session: {e.Message}"));
            }
        });
        Receive<Work>(w =>
        {
            var ctx = context;
            if (w.SessionId != sessionId || ctx is null) { Sender.Tell(new WorkFailed(w.SessionId, w.Round, "no session")); return; }
            var sender = Sender;
            Task.Run(() =>
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                var responses = new byte[w.Requests.Length][];
                var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
                Parallel.For(0, w.Requests.Length, po, i => responses[i] = IslandRound.Run(ctx, w.Requests[i]));
                return (object)new WorkDone(w.SessionId, w.Round, responses, System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds);
            }).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result
                : new WorkFailed(w.SessionId, w.Round, t.Exception?.GetBaseException().Message ?? "cancelled"), TaskScheduler.Default)
              .PipeTo(sender);
        });
    }

    public static Props Props(string version, string fingerprint, int threads, Action<string>? refused = null) =>
        Akka.Actor.Props.Create(() => new WorkerActor(version, fingerprint, threads, refused));
}
