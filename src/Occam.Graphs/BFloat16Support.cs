namespace Occam.Graphs;

/// <summary>Whether bfloat16 matrix products are fast on this machine (see <see cref="Mlp.MatmulType"/>).</summary>
public static class BFloat16Support
{
    static readonly Lazy<bool> fast = new(Detect);

    /// <summary>
    /// True when the CPU has bfloat16 dot-product instructions (AVX512-BF16 or AMX-BF16, read from /proc/cpuinfo) and
    /// oneDNN, which runs libtorch's bfloat16 products, is not limited below them by <c>DNNL_MAX_CPU_ISA</c> or
    /// <c>ONEDNN_MAX_CPU_ISA</c> (only <c>ALL</c> or an unset variable count as unlimited). Elsewhere libtorch emulates
    /// bfloat16 products, far slower than float32 ones.
    /// </summary>
    public static bool Fast => fast.Value;

    static bool Detect()
    {
        foreach (var name in new[] { "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA" })
        {
            var limit = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(limit) && !limit.Equals("ALL", StringComparison.OrdinalIgnoreCase)) return false;
        }
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                var flags = line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries);
                return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }
}
