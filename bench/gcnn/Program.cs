// Times one training epoch of the rotated-MNIST G-CNNs (docs/gcnn.md, "Speed").
//   dotnet run --project bench/gcnn -c Release -- [images=512] [threads=1] [epoch=8000]
// Trains each model on `images` random 28×28 images (batch 128, Adam, dropout on), after one warm-up batch, and
// extrapolates linearly to an epoch of `epoch` images: epoch time = measured time × epoch / images. The time per
// image does not depend on the data, so random pixels measure the same work as digits.
using System.Diagnostics;
using System.Globalization;
using Occam.Grids;
using TorchSharp;
using static TorchSharp.torch;

ConvolutionBackend.Prepare(); // before any tensor work (docs/gcnn.md)
int images = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 512;
int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
int epoch = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8000;
const int batch = 128;
set_num_threads(threads);
Console.WriteLine($"images {images}, batch {batch}, TorchSharp threads {threads}, extrapolated to an epoch of {epoch:N0} images");
Console.WriteLine("| model | parameters | measured (s) | ms per image | epoch (s, extrapolated) | × Z2CNN |");
Console.WriteLine("|---|---|---|---|---|---|");
double? baseline = null;
foreach (var architecture in GCnnArchitecture.All)
{
    using var model = new GCnnClassifier(architecture, new Generator(1));
    model.train();
    var optimizer = optim.Adam(model.parameters(), 1e-3);
    using var x = rand([images, 1, 28, 28], generator: new Generator(2));
    using var y = randint(0, 10, [images], generator: new Generator(3));
    void Step(long start, long count)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.forward(x.narrow(0, start, count)), y.narrow(0, start, count));
        loss.backward();
        optimizer.step();
    }
    Step(0, Math.Min(batch, images)); // warm-up: allocations, oneDNN primitives, optimiser state
    var clock = Stopwatch.StartNew();
    for (long start = 0; start < images; start += batch) Step(start, Math.Min(batch, images - start));
    double seconds = clock.Elapsed.TotalSeconds;
    double epochSeconds = seconds * epoch / images;
    baseline ??= epochSeconds;
    Console.WriteLine($"| {architecture.Name} | {model.ParameterCount:N0} | {seconds:F2} | {1000 * seconds / images:F2} | {epochSeconds:F0} | {epochSeconds / baseline.Value:F2} |");
}
