using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Occam.Grids;

/// <summary>
/// Guards float32 convolutions against wrong results from libtorch's oneDNN JIT kernels, seen on an AMD EPYC machine
/// (TorchSharp 0.107, libtorch CPU): <c>conv2d</c> returned values off by O(1), or NaN, for common shapes (e.g. batch
/// 2, 20 → 20 channels at 24×24) with the AVX-512 kernels, and for other shapes (12 → 16) with the AVX2 ones; the
/// SSE4.1 kernels and float64 (which does not use oneDNN) were right for every shape tried, the SSE4.1 kernels about
/// half as fast as the AVX-512 ones.
/// </summary>
/// <remarks>
/// <see cref="Prepare"/> sets <c>DNNL_MAX_CPU_ISA=SSE41</c> in the native environment unless the user has set
/// <c>DNNL_MAX_CPU_ISA</c> or <c>ONEDNN_MAX_CPU_ISA</c> (setting either, e.g. to <c>ALL</c>, opts out). oneDNN reads
/// it once, when the process first uses it, so a program should call <see cref="Prepare"/> before any tensor work (<c>occam demo
/// rotated-digits</c> does, first thing). <see cref="Ensure"/>, which every <see cref="GroupConv2d"/> calls, prepares
/// and then checks float32 <c>conv2d</c> against float64 on a few shapes once per process; if it is still wrong (oneDNN
/// was initialised before the setting), it throws a <see cref="NotSupportedException"/> that says what to do, rather
/// than letting a network compute garbage.
/// </remarks>
public static partial class ConvolutionBackend
{
    private static int prepared;
    private static readonly Lazy<string?> Failure = new(Check, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Sets the oneDNN kernel limit in the native environment, once per process (no-op off Linux/macOS or when the user set it).</summary>
    public static void Prepare()
    {
        if (Interlocked.Exchange(ref prepared, 1) == 1) return;
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        if (Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is not null || Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is not null) return;
        try
        {
            SetEnv("DNNL_MAX_CPU_ISA", "SSE41", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc to call: leave oneDNN's default; Ensure's check still runs.
        }
    }

    /// <summary>Prepares, then checks float32 convolutions once per process.</summary>
    /// <exception cref="NotSupportedException">float32 <c>conv2d</c> disagrees with float64 on this machine.</exception>
    public static void Ensure()
    {
        Prepare();
        if (Failure.Value is { } message) throw new NotSupportedException(message);
    }

    static string? Check()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(20260101);
        foreach (var (batch, cin, cout, size) in new[] { (2, 12, 16, 12), (2, 24, 32, 12), (2, 20, 20, 24), (1, 40, 40, 24) })
        {
            var x = rand([batch, cin, size, size], ScalarType.Float64, generator: generator) - 0.5;
            var w = rand([cout, cin, 3, 3], ScalarType.Float64, generator: generator) - 0.5;
            double error = (nn.functional.conv2d(x.to(ScalarType.Float32), w.to(ScalarType.Float32)).to(ScalarType.Float64) - nn.functional.conv2d(x, w))
                .abs().max().item<double>();
            if (!(error <= 1e-3))
                return $"libtorch's float32 conv2d gives wrong results on this machine (batch {batch}, {cin} → {cout} channels, {size}×{size}: " +
                       $"error {error:G3} against float64); start the process with DNNL_MAX_CPU_ISA=SSE41 in its environment " +
                       "(it was set otherwise, or oneDNN was initialised before Occam.Grids could set it).";
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
