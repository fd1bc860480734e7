using Akka.Actor;
using Akka.Serialization;

namespace Occam.Symbolic.Cluster;

/// <summary>Marker of the messages members exchange; all travel through <see cref="MessageSerializer"/>.</summary>
internal interface IClusterMessage;

/// <summary>Head → worker: who the head is (handshake).</summary>
internal sealed record Hello(string Version, string Fingerprint) : IClusterMessage;
/// <summary>Worker → head: the handshake matched.</summary>
internal sealed record Welcome(string Version) : IClusterMessage;
/// <summary>Worker → head: the handshake did not match; the worker stops.</summary>
internal sealed record Refused(string Reason) : IClusterMessage;
/// <summary>Head → worker, once per search: data, options, operators.</summary>
internal sealed record Session(long Id, byte[] Bytes) : IClusterMessage;
/// <summary>Worker → head: the session is read.</summary>
internal sealed record SessionReady(long Id) : IClusterMessage;
/// <summary>Head → worker: run these islands' round.</summary>
internal sealed record Work(long SessionId, int Round, byte[][] Requests) : IClusterMessage;
/// <summary>Worker → head: the islands' responses.</summary>
internal sealed record WorkDone(long SessionId, int Round, byte[][] Responses, double ComputeSeconds) : IClusterMessage;
/// <summary>Worker → head: a round failed with an error (not a lost member: the search stops with it).</summary>
internal sealed record WorkFailed(long SessionId, int Round, string Error) : IClusterMessage;

/// <summary>
/// Akka serializer of Occam's messages: plain binary (BinaryWriter), so island states and data travel as their bytes and
/// no JSON serializer touches a double.
/// </summary>
internal sealed class MessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka's id of this serializer (unique among the system's serializers).</summary>
    public override int Identifier => 4417;

    public override string Manifest(object o) => o.GetType().Name;

    public override byte[] ToBinary(object obj)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            switch (obj)
            {
                case Hello h: w.Write(h.Version); w.Write(h.Fingerprint); break;
                case Welcome m: w.Write(m.Version); break;
                case Refused m: w.Write(m.Reason); break;
                case Session s: w.Write(s.Id); Bytes(w, s.Bytes); break;
                case SessionReady s: w.Write(s.Id); break;
                case Work m: w.Write(m.SessionId); w.Write(m.Round); Arrays(w, m.Requests); break;
                case WorkDone m: w.Write(m.SessionId); w.Write(m.Round); Arrays(w, m.Responses); w.Write(m.ComputeSeconds); break;
                case WorkFailed m: w.Write(m.SessionId); w.Write(m.Round); w.Write(m.Error); break;
                default: throw new ArgumentException($"cannot serialize {obj.GetType()}");
            }
        }
        return ms.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        return manifest switch
        {
            nameof(Hello) => new Hello(r.ReadString(), r.ReadString()),
            nameof(Welcome) => new Welcome(r.ReadString()),
            nameof(Refused) => new Refused(r.ReadString()),
            nameof(Session) => new Session(r.ReadInt64(), Bytes(r)),
            nameof(SessionReady) => new SessionReady(r.ReadInt64()),
            nameof(Work) => new Work(r.ReadInt64(), r.ReadInt32(), Arrays(r)),
            nameof(WorkDone) => new WorkDone(r.ReadInt64(), r.ReadInt32(), Arrays(r), r.ReadDouble()),
            nameof(WorkFailed) => new WorkFailed(r.ReadInt64(), r.ReadInt32(), r.ReadString()),
            _ => throw new InvalidDataException($"unknown Occam cluster message '{manifest}'"),
        };
    }

    static void Bytes(BinaryWriter w, byte[] b) { w.Write(b.Length); w.Write(b); }
    static byte[] Bytes(BinaryReader r) => r.ReadBytes(r.ReadInt32());
    static void Arrays(BinaryWriter w, byte[][] a) { w.Write(a.Length); foreach (var b in a) Bytes(w, b); }
    static byte[][] Arrays(BinaryReader r)
    {
        var a = new byte[r.ReadInt32()][];
        for (int i = 0; i < a.Length; i++) a[i] = Bytes(r);
        return a;
    }
}
