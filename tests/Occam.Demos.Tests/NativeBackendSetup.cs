using System.Runtime.CompilerServices;

namespace Occam.Demos.Tests;

internal static class NativeBackendSetup
{
    /// <summary>Before any test touches libtorch: oneDNN reads its kernel limit once (Occam.Grids.ConvolutionBackend).</summary>
    [ModuleInitializer]
    internal static void Prepare() => Occam.Grids.ConvolutionBackend.Prepare();
}
