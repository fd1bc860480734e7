namespace Occam.Discovery;

/// <summary>
/// How the messages of the particle network are constrained (Cranmer et al. 2020, Table 1 columns).
/// </summary>
public enum MessageVariant
{
    /// <summary>Message size 100, no regulariser.</summary>
    Standard,
    /// <summary>Message size equal to the spatial dimension, no regulariser.</summary>
    Bottleneck,
    /// <summary>Message size 100 with α·(mean over all edges of ‖m‖₁), α = 1e-2.</summary>
    L1,
    /// <summary>Edge model outputs mean and log-variance halves; one sample per pass; KL to N(0, 1), α = 1.</summary>
    KL,
    /// <summary>Pair energy on edges and self energy on nodes; accelerations are −∂H/∂q / m by autograd.</summary>
    Hamiltonian,
}

/// <summary>Parsing and default settings of <see cref="MessageVariant"/>.</summary>
public static class MessageVariants
{
    /// <summary>Parses "l1", "bottleneck", "kl", "standard" or "hamiltonian" (case-insensitive).</summary>
    public static MessageVariant Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "standard" => MessageVariant.Standard,
        "bottleneck" => MessageVariant.Bottleneck,
        "l1" => MessageVariant.L1,
        "kl" => MessageVariant.KL,
        "hamiltonian" or "hgn" => MessageVariant.Hamiltonian,
        _ => throw new ArgumentException(
            $"unknown variant '{name}': expected one of standard, bottleneck, l1, kl, hamiltonian", nameof(name)),
    };

    /// <summary>The lower-case name used on the command line and in reports.</summary>
    public static string Name(this MessageVariant variant) => variant switch
    {
        MessageVariant.Standard => "standard",
        MessageVariant.Bottleneck => "bottleneck",
        MessageVariant.L1 => "l1",
        MessageVariant.KL => "kl",
        MessageVariant.Hamiltonian => "hamiltonian",
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>The paper's regulariser weight: 1e-2 for L1, 1 for KL, 0 otherwise.</summary>
    public static double DefaultAlpha(this MessageVariant variant) => variant switch
    {
        MessageVariant.L1 => 1e-2,
        MessageVariant.KL => 1.0,
        _ => 0.0,
    };

    /// <summary>The paper's message size: the spatial dimension for bottleneck, 1 (the pair energy) for
    /// Hamiltonian, 100 otherwise.</summary>
    public static int DefaultMessageSize(this MessageVariant variant, int dim) => variant switch
    {
        MessageVariant.Bottleneck => dim,
        MessageVariant.Hamiltonian => 1,
        _ => 100,
    };
}
