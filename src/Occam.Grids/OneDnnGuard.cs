using System.Runtime.InteropServices;

namespace Occam.Grids;

/// <summary>
/// Guards float32 convolutions against wrong results from libtorch's oneDNN JIT kernels seen on an AMD EPYC
/// machine (TorchSharp 0.107, libtorch CPU): <c>conv2d</c> returned values off by O(1), or NaN, for common shapes
/// (e.g. batch 2, 20 → 20 channels at 24×24) with the AVX-512 kernels, and for other shapes (12 → 16) with the AVX2
/// ones; the SSE4.1 kernels and float64 (which does not use oneDNN) were right for every shape tried, the SSE4.1
/// kernels about half as fast as the AVX-512 ones. Before the first convolution, this sets
/// <c>DNNL_MAX_CPU_ISA=SSE41</c> in the native environment (oneDNN reads it once, at its first use) unless the user
/// has set <c>DNNL_MAX_CPU_ISA</c> or <c>ONEDNN_MAX_CPU_ISA</c> already; setting either (e.g. to <c>ALL</c>) opts out.
/// The test <c>Float32_convolution_agrees_with_float64_on_wide_layers</c> checks the result.
/// </summary>
internal static partial class OneDnnGuard
{
    private static int applied;

    /// <summary>Applies the setting once per process (no-op off Linux/macOS).</summary>
    public static void Ensure()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        if (Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is not null || Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is not null) return;
        try
        {
            SetEnv("DNNL_MAX_CPU_ISA", "SSE41", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc to call: leave oneDNN's default.
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
