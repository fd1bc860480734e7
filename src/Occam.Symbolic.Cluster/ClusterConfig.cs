using System.Globalization;
using Akka.Actor;
using Akka.Configuration;

namespace Occam.Symbolic.Cluster;

/// <summary>The Akka configuration of a member: quiet logging, Occam's serializer, large frames, no automatic downing.</summary>
internal static class ClusterConfig
{
    public const string SystemName = "occam";
    public const string WorkerPath = "/user/occam-worker";

    /// <summary>Version and operator-table fingerprint every member must share.</summary>
    public static string Version =>
        typeof(SymbolicRegression).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion ?? "unknown";

    /// <summary>A fingerprint of the built-in operator table (names and arities in opcode order).</summary>
    public static string Fingerprint
    {
        get
        {
            var text = string.Join(";", Enum.GetValues<OpCode>().Select(op => $"{(int)op}:{Operators.Name(op)}/{Operators.Arity(op)}"));
            return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        }
    }

    public static ActorSystem Create(string host, int port, string role, bool verbose)
    {
        string level = verbose ? "INFO" : "OFF";
        var hocon = string.Create(CultureInfo.InvariantCulture, $$"""
            akka {
              loglevel = {{level}}
              stdout-loglevel = OFF
              log-config-on-start = off
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor {
                provider = cluster
                serializers { occam = "Occam.Symbolic.Cluster.MessageSerializer, Occam.Symbolic.Cluster" }
                serialization-bindings { "Occam.Symbolic.Cluster.IClusterMessage, Occam.Symbolic.Cluster" = occam }
              }
              remote {
                log-remote-lifecycle-events = off
                dot-netty.tcp {
                  hostname = "{{host}}"
                  port = {{port}}
                  maximum-frame-size = 256000000b
                  send-buffer-size = 256000000b
                  receive-buffer-size = 256000000b
                }
              }
              cluster {
                roles = ["{{role}}"]
                downing-provider-class = ""
                run-coordinated-shutdown-when-down = on
                log-info = {{(verbose ? "on" : "off")}}
                failure-detector.acceptable-heartbeat-pause = 8s
                jmx.enabled = off
              }
              coordinated-shutdown.exit-clr = off
            }
            """);
        return ActorSystem.Create(SystemName, ConfigurationFactory.ParseString(hocon));
    }

    /// <summary>Parses host:port (the port required).</summary>
    public static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"cluster seed '{endpoint}' must read host:port, e.g. node01:4053");
        return (endpoint[..colon], port);
    }

    public static Address SeedAddress(string host, int port) => new("akka.tcp", SystemName, host, port);
}
