using Akka.Actor;
using Akka.Cluster;
using static Akka.Cluster.ClusterEvent;
using AkkaMember = Akka.Cluster.Member;

namespace Occam.Symbolic.Cluster;

/// <summary>Runner → head actor: a new search session.</summary>
internal sealed record StartSession(byte[] Bytes);
/// <summary>Runner → head actor: run one round; answered with <see cref="RoundResult"/> or a failure.</summary>
internal sealed record RunRound(int Round, byte[][] Requests);
/// <summary>The responses of a round, in island order, and the longest time one member spent computing its islands
/// (deserialising the states, evolving, serialising them: everything but the messaging).</summary>
internal sealed record RoundResult(byte[][] Responses, double ComputeSeconds);
/// <summary>Asks how many workers are ready for the current session.</summary>
internal sealed record CountWorkers;
/// <summary>Asks how many island rounds other members than the head have run.</summary>
internal sealed record CountRemoteIslandRounds;
/// <summary>Asks how many workers have passed the handshake.</summary>
internal sealed record CountWelcomedWorkers;
sealed record RoundTimeout(long SessionId, int Round);
sealed record SessionWait(long Id);

/// <summary>
/// The head's coordinator. It owns no island state (the search on the head does); each round it hands the islands'
/// requests to the members (itself included), collects the responses, and when a member leaves, dies or misses the
/// round's deadline, hands that member's islands to the others. An island's round is a pure function of its request, so
/// whoever runs it gives the same response.
/// </summary>
internal sealed class HeadActor : ReceiveActor, IWithTimers
{
    readonly Akka.Cluster.Cluster cluster = Akka.Cluster.Cluster.Get(Context.System);
    readonly IActorRef local;
    readonly TimeSpan roundTimeout;
    readonly Action<string> log;
    readonly Dictionary<Address, IActorRef> workers = [];
    readonly HashSet<IActorRef> ready = [];
    readonly HashSet<Address> gone = [];
    long sessionId;
    long remoteIslandRounds;
    byte[]? session;
    // the round in progress
    int round = -1;
    byte[][] requests = [];
    byte[]?[] responses = [];
    readonly Dictionary<IActorRef, List<int>> outstanding = [];
    double roundCompute;
    IActorRef? replyTo;
    public ITimerScheduler Timers { get; set; } = null!;
    IActorRef? sessionReply;

    public HeadActor(IActorRef local, TimeSpan roundTimeout, Action<string> log)
    {
        this.local = local;
        this.roundTimeout = roundTimeout;
        this.log = log;
        Receive<MemberUp>(m => OnUp(m.Member));
        Receive<CurrentClusterState>(s => { foreach (var m in s.Members) if (m.Status == MemberStatus.Up) OnUp(m); });
        Receive<UnreachableMember>(m =>
        {
            if (m.Member.Address == cluster.SelfAddress) return;
            log($"member {m.Member.Address} unreachable; its islands go to the others");
            cluster.Down(m.Member.Address);
            Lost(m.Member.Address);
        });
        Receive<MemberRemoved>(m => { if (workers.ContainsKey(m.Member.Address)) log($"member {m.Member.Address} left"); Lost(m.Member.Address); });
        Receive<Terminated>(t => Lost(t.ActorRef.Path.Address));
        Receive<Welcome>(_ =>
        {
            var addr = Sender.Path.Address;
            if (gone.Contains(addr)) return;
            workers[addr] = Sender;
            Context.Watch(Sender);
            log($"worker {addr} joined ({workers.Count} worker{(workers.Count == 1 ? "" : "s")})");
            if (session is not null) Sender.Tell(new Session(sessionId, session));
        });
        Receive<Refused>(r => log($"worker {Sender.Path.Address} refused: {r.Reason}"));
        Receive<SessionReady>(s => { if (s.Id == sessionId) { ready.Add(Sender); SessionStartedIfReady(false); } });
        Receive<SessionWait>(s => { if (s.Id == sessionId) SessionStartedIfReady(true); });
        Receive<StartSession>(s =>
        {
            session = s.Bytes;
            sessionId++;
            ready.Clear();
            local.Tell(new Session(sessionId, session));
            foreach (var w in workers.Values) w.Tell(new Session(sessionId, session));
            sessionReply = Sender;
            Timers.StartSingleTimer("session", new SessionWait(sessionId), TimeSpan.FromSeconds(30));
        });
        Receive<CountWorkers>(_ => Sender.Tell(ready.Count(r => !r.Equals(local))));
        Receive<CountWelcomedWorkers>(_ => Sender.Tell(workers.Count));
        Receive<CountRemoteIslandRounds>(_ => Sender.Tell(remoteIslandRounds));
        Receive<RunRound>(r =>
        {
            round = r.Round;
            requests = r.Requests;
            responses = new byte[requests.Length][];
            replyTo = Sender;
            outstanding.Clear();
            roundCompute = 0;
            Assign(Enumerable.Range(0, requests.Length).ToList());
        });
        Receive<WorkDone>(d =>
        {
            if (d.SessionId != sessionId || d.Round != round) return;
            foreach (var resp in d.Responses)
            {
                int i = IslandRound.IndexOf(resp);
                responses[i] ??= resp;
            }
            outstanding.Remove(Sender);
            roundCompute = Math.Max(roundCompute, d.ComputeSeconds);
            if (!Sender.Equals(local)) remoteIslandRounds += d.Responses.Length;
            CompleteIfDone();
        });
        Receive<WorkFailed>(f =>
        {
            if (f.SessionId != sessionId || replyTo is null) return;
            if (f.Round != round && f.Round != -1) return;
            if (f.Round == -1) ready.Remove(Sender);
            Fail(new InvalidOperationException($"cluster member {Describe(Sender)} failed: {f.Error}"));
        });
        Receive<RoundTimeout>(t =>
        {
            if (t.SessionId != sessionId || t.Round != round || replyTo is null) return;
            var late = outstanding.Keys.Where(k => !k.Equals(local)).ToList();
            foreach (var w in late)
            {
                log($"worker {w.Path.Address} missed the round's deadline ({roundTimeout.TotalSeconds:F0} s); its islands go to the others");
                cluster.Down(w.Path.Address);
                Lost(w.Path.Address);
            }
            if (replyTo is not null) Arm();
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
    }

    string Describe(IActorRef r) => r.Equals(local) ? "head" : r.Path.Address.ToString();

    protected override void PreStart() =>
        cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));

    protected override void PostStop() => cluster.Unsubscribe(Self);

    void OnUp(AkkaMember m)
    {
        if (m.Address == cluster.SelfAddress || !m.HasRole("worker") || workers.ContainsKey(m.Address) || gone.Contains(m.Address)) return;
        Context.ActorSelection(new RootActorPath(m.Address) / "user" / "occam-worker").Tell(new Hello(ClusterConfig.Version, ClusterConfig.Fingerprint));
    }

    /// <summary>Answers the session's start once every welcomed worker has read it (or after 30 s without the slow ones).</summary>
    void SessionStartedIfReady(bool anyway)
    {
        if (sessionReply is null) return;
        if (!anyway && !(ready.Contains(local) && workers.Values.All(ready.Contains))) return;
        sessionReply.Tell(sessionId);
        sessionReply = null;
    }

    void Lost(Address address)
    {
        if (address == cluster.SelfAddress) return;
        gone.Add(address);
        if (!workers.Remove(address, out var w)) return;
        ready.Remove(w);
        SessionStartedIfReady(false);
        if (replyTo is not null && outstanding.Remove(w, out var islands))
        {
            var missing = islands.Where(i => responses[i] is null).ToList();
            if (missing.Count > 0) Assign(missing);
        }
    }

    /// <summary>Hands islands to the ready members (the head's own worker included), round-robin in a fixed member order.</summary>
    void Assign(List<int> islands)
    {
        var members = new List<IActorRef> { local };
        members.AddRange(ready.Where(r => !r.Equals(local)).OrderBy(r => r.Path.Address.ToString(), StringComparer.Ordinal));
        var batches = new Dictionary<IActorRef, List<int>>();
        for (int k = 0; k < islands.Count; k++)
        {
            var m = members[(k + 1) % members.Count]; // the head last: it also coordinates
            if (!batches.TryGetValue(m, out var b)) batches[m] = b = [];
            b.Add(islands[k]);
        }
        foreach (var (m, b) in batches)
        {
            if (outstanding.TryGetValue(m, out var have)) have.AddRange(b); else outstanding[m] = b;
            m.Tell(new Work(sessionId, round, b.Select(i => requests[i]).ToArray()));
        }
        Arm();
    }

    void Arm()
    {
        Timers.StartSingleTimer("round", new RoundTimeout(sessionId, round), roundTimeout);
    }

    void CompleteIfDone()
    {
        if (replyTo is null || responses.Any(r => r is null)) return;
        Timers.Cancel("round");
        replyTo.Tell(new RoundResult(responses!, roundCompute));
        replyTo = null;
    }

    void Fail(Exception e)
    {
        Timers.Cancel("round");
        replyTo?.Tell(new Status.Failure(e));
        replyTo = null;
    }

    public static Props Props(IActorRef local, TimeSpan roundTimeout, Action<string> log) =>
        Akka.Actor.Props.Create(() => new HeadActor(local, roundTimeout, log));
}
