using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Occam.Physics.IO;
using Occam.Symbolic;
using Occam.Symbolic.IO;

namespace Occam.Cli;

/// <summary><c>occam regress</c>: symbolic regression on a table (CSV with header, .npy, .npz or HDF5).</summary>
internal static class RegressCommand
{

    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Data file: .csv with a header line, .npz (one 1-D array per column), .npy (2-D, columns c0, c1, …), "
            + "or HDF5: file.h5[:/group] (its 1-D datasets are the columns) or file.h5:/group/table (a 2-D dataset; column names "
            + "from its 'columns' attribute, else c0, c1, …)." };
        var target = new Option<string>("--target", "-t") { Description = "Target column.", Required = true };
        var inputs = new Option<string?>("--inputs", "-i") { Description = "Comma-separated input columns (default: all other columns)." };
        var operators = new Option<string>("--operators")
        {
            Description = "Comma-separated operators: + - * / ^ greater cond (binary), neg square cube sqrt exp log abs sin cos tanh inv step (unary), "
                + "or custom ones defined from an expression, e.g. 'softplus(x)=log(1+exp(x))' or 'hypot(a,b)=sqrt(a*a+b*b)'. "
                + "sin, cos, exp and log are not nested in one another, nor sqrt in sqrt or square (see --allow-nesting).",
            DefaultValueFactory = _ => DefaultOperators,
        };
        var allowNesting = new Option<bool>("--allow-nesting") { Description = "Let sin, cos, exp and log nest in one another (sin(cos(x)), exp(log(x)), …) and sqrt in sqrt or square." };
        var noEarlyStop = new Option<bool>("--no-early-stop")
        {
            Description = "Run the whole budget even once the best equation fits exactly (residuals within 1e-7 of the target's spread) "
                + "or reaches the data's noise floor (the Gamma test's noise variance, where noise makes up 80 % of nearest-neighbour differences).",
        };
        var maxSize = new Option<int>("--max-size") { Description = $"Maximum equation complexity (node count), at most {SymbolicRegressionOptions.MaxSizeLimit}.", DefaultValueFactory = _ => 20 };
        var timeLimit = new Option<double>("--time-limit") { Description = "Time budget in seconds (honoured within about a second).", DefaultValueFactory = _ => 60 };
        var maxEvals = new Option<long?>("--max-evals") { Description = "Evaluation budget (deterministic stop)." };
        var batchSize = new Option<int?>("--batch-size")
        {
            Description = "Mini-batching for large data: each cycle of the search compares equations on this many rows drawn at random; "
                + "every round's survivors are rescored on all rows, so the front and its losses are the whole data's (default: all rows).",
        };
        var lossThreshold = new Option<double?>("--loss-threshold") { Description = "Stop when some equation's loss is at or below this." };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same result at any thread count.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: all cores)." };
        var populations = new Option<int>("--populations") { Description = $"Number of islands, at most {SymbolicRegressionOptions.PopulationsLimit}.", DefaultValueFactory = _ => 12 };
        var loss = new Option<string>("--loss") { Description = "Loss: l2, l1 or huber.", DefaultValueFactory = _ => "l2" };
        loss.AcceptOnlyFromAmong("l2", "l1", "huber");
        var json = new Option<string?>("--json") { Description = "Write the result (best and pareto, each with complexity, loss, equation, sympy, latex) to this JSON file." };
        var hof = new Option<string?>("--hall-of-fame") { Description = "Hall-of-fame file: saved as the front improves; an existing one warm-starts the run." };
        var export = new Option<string?>("--export")
        {
            Description = "Also write the best equation as source code, one file per format (comma-separated): numpy, jax, julia, csharp "
                + "(a function of the inputs) or torchsharp (a TorchSharp module class, constants as parameters). Files are "
                + "<base>_<format>.py / .jl / .cs, <base> from --export-out, else the --json path without its extension.",
        };
        export.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && ExportFormats(value) is { Bad: { } bad })
                result.AddError($"--export takes numpy, jax, julia, csharp or torchsharp, comma-separated (got '{bad}').");
        });
        var exportOut = new Option<string?>("--export-out") { Description = "Base path of the --export files (default: the --json path without its extension)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress on stderr." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the --hall-of-fame file of an interrupted run (a warm start from its front; required to exist)." };
        var clusterSeed = new Option<string?>("--cluster-seed") { Description = "Run the islands on an Akka cluster with this process as head: host:port it binds and workers join ('occam worker --cluster-seed host:port'). Same seed, same front." };
        var clusterPort = new Option<int?>("--cluster-port") { Description = "Port the head binds when it is not the seed itself (default: the seed's port)." };
        var clusterWorkers = new Option<int>("--cluster-workers") { Description = "Wait (up to 2 minutes) for this many workers before the first round; later ones join from the next round.", DefaultValueFactory = _ => 0 };

        var command = new Command("regress", "Symbolic regression: search for equations target = f(inputs) and print the Pareto front of complexity against loss.")
        {
            data, target, inputs, operators, allowNesting, maxSize, timeLimit, maxEvals, lossThreshold, noEarlyStop, seed, threads, populations, loss,
            batchSize, json, hof, export, exportOut, quiet, resume, clusterSeed, clusterPort, clusterWorkers,
        };

        command.SetAction((parse, cancel) =>
        {
            string path = parse.GetValue(data)!;
            string y = parse.GetValue(target)!;
            // Settings and output paths first: nothing is loaded or searched for a run that cannot finish.
            var dataFile = Hdf5Location.TryParse(path, out var location) ? location.File : path;
            if (!File.Exists(dataFile)) throw new UserInputException($"{dataFile}: file not found");
            int sizeLimit = OptionValues.InRange(parse, maxSize, 1, SymbolicRegressionOptions.MaxSizeLimit);
            int islands = OptionValues.InRange(parse, populations, 1, SymbolicRegressionOptions.PopulationsLimit);
            var workers = OptionValues.InRange(parse, threads, 1, 4096);
            var evaluations = OptionValues.InRange(parse, maxEvals, 1);
            var batch = OptionValues.InRange(parse, batchSize, 1, int.MaxValue);
            var threshold = OptionValues.Number(parse, lossThreshold);
            double seconds = parse.GetValue(timeLimit);
            if (!(seconds > 0 && seconds <= 1e9)) throw new UserInputException($"--time-limit must be positive seconds, at most 1e9 (got {seconds.ToString(CultureInfo.InvariantCulture)}).");
            var jsonPath = parse.GetValue(json);
            var hofPath = parse.GetValue(hof);
            OutputGuard.CheckFile(jsonPath, "--json", path, hofPath);
            OutputGuard.CheckFile(hofPath, "--hall-of-fame", path);
            var exports = ExportFiles(parse.GetValue(export), OptionValues.NotBlank(parse, exportOut), jsonPath);
            foreach (var (_, file) in exports) OutputGuard.CheckFile(file, "--export", path, hofPath, jsonPath);
            if (parse.GetValue(resume) && (hofPath is null || !File.Exists(hofPath)))
                throw new UserInputException("--resume needs the --hall-of-fame file of the interrupted run, and it does not exist");
            var seedEndpoint = OptionValues.NotBlank(parse, clusterSeed);
            int? headPort = OptionValues.InRange(parse, clusterPort, 0, 65535);
            int waitWorkers = OptionValues.InRange(parse, clusterWorkers, 0, 100_000);
            var inputList = parse.GetValue(inputs)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var table = Load(path, y, inputList);
            var error = parse.InvocationConfiguration.Error;
            var output = parse.InvocationConfiguration.Output;
            bool silent = parse.GetValue(quiet);
            var options = new SymbolicRegressionOptions
            {
                VariableNames = table.InputNames,
                EarlyStop = !parse.GetValue(noEarlyStop),
                MaxSize = sizeLimit,
                TimeLimit = TimeSpan.FromSeconds(seconds),
                MaxEvaluations = evaluations,
                LossThreshold = threshold,
                Seed = parse.GetValue(seed),
                Threads = workers,
                Populations = islands,
                Loss = parse.GetValue(loss) switch { "l1" => LossKind.L1, "huber" => LossKind.Huber, _ => LossKind.L2 },
                BatchSize = batch,
                HallOfFameFile = hofPath,
                Progress = silent ? null : new LineProgress(error),
                Cancel = cancel, // Ctrl+C ends the search after its current round; the front so far is printed and written
            };
            try { options = options.WithOperators(SplitOperators(parse.GetValue(operators)!)); }
            catch (ArgumentException e) { throw new UserInputException($"--operators: {e.Message}"); }
            if (!parse.GetValue(allowNesting)) options = options with { NestedConstraints = SymbolicRegressionOptions.TranscendentalNesting(options.UnaryOperators) };
            if (!silent) error.WriteLine($"occam regress: {table.Rows} rows, inputs {string.Join(", ", table.InputNames)}, target {y}");
            using var head = seedEndpoint is null ? null : ClusterHeadFor(seedEndpoint, headPort, waitWorkers, silent ? null : error);
            if (head is not null) options = options with { IslandRunner = head.Runner };
            var result = SymbolicRegression.Fit(table.X, table.Y, options);
            output.WriteLine($"Pareto front ({result.Rounds} rounds, {result.Evaluations:N0} evaluations, {result.Elapsed.TotalSeconds:F1} s, stopped: {result.StopReason}):");
            output.WriteLine($"{"complexity",10}  {"loss",12}  {"score",8}  equation");
            foreach (var e in result.Pareto)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Complexity,10}  {e.Loss,12:G6}  {e.Score,8:F4}  {e.Infix}{(ReferenceEquals(e, result.Best) ? "   <- best" : "")}"));
            output.WriteLine($"best: {y} = {result.Best.Infix}");
            if (result.NoiseVariance is double noise)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"noise floor: variance {noise:G4} (Gamma test), early stop at loss {result.StopLoss:G4}"));
            if (jsonPath is not null)
            {
                var doc = HallOfFameFile.ToJson(result.Pareto, result.Best);
                doc["target"] = y;
                doc["evaluations"] = result.Evaluations;
                doc["seconds"] = result.Elapsed.TotalSeconds;
                doc["stop_reason"] = result.StopReason;
                doc["stop_loss"] = result.StopLoss;
                if (result.NoiseVariance is double nv) doc["noise_variance"] = nv;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
                AtomicFile.WriteText(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                if (!silent) error.WriteLine($"wrote {jsonPath}");
            }
            foreach (var (format, file) in exports)
            {
                AtomicFile.WriteText(file, ExportSource(result.Best.Expression, format, y));
                if (!silent) error.WriteLine($"wrote {file}");
            }
            return Task.FromResult(result.StopReason == "cancelled" ? 130 : 0);
        });
        return command;
    }

    /// <summary>The operators when --operators is not given: + − × ÷ and <see cref="SymbolicRegressionOptions.BroadUnaryOperators"/>.</summary>
    internal static readonly string DefaultOperators = "+,-,*,/," + string.Join(",", SymbolicRegressionOptions.BroadUnaryOperators);

    /// <summary>The --export formats and the file suffix of each.</summary>
    static readonly (string Format, string Suffix)[] Formats =
        [("numpy", "_numpy.py"), ("jax", "_jax.py"), ("julia", "_julia.jl"), ("csharp", "_csharp.cs"), ("torchsharp", "_torchsharp.cs")];

    /// <summary>The formats of an --export list, or the first entry that is none.</summary>
    static (string[] Formats, string? Bad) ExportFormats(string value)
    {
        var list = value.Split(',', StringSplitOptions.TrimEntries);
        var bad = list.FirstOrDefault(f => !Formats.Any(k => k.Format == f));
        return (list.Distinct().ToArray(), bad);
    }

    /// <summary>Each requested format with its file: <paramref name="stem"/> (else the JSON path without its extension)
    /// plus the format's suffix.</summary>
    static (string Format, string File)[] ExportFiles(string? value, string? stem, string? jsonPath)
    {
        if (value is null)
        {
            if (stem is not null) throw new UserInputException("--export-out names the files of --export; give --export too (e.g. --export numpy).");
            return [];
        }
        stem ??= jsonPath is null
            ? throw new UserInputException("--export needs --export-out (or --json) to name its files.")
            : Path.Combine(Path.GetDirectoryName(jsonPath) ?? "", Path.GetFileNameWithoutExtension(jsonPath));
        return ExportFormats(value).Formats.Select(f => (f, stem + Formats.First(k => k.Format == f).Suffix)).ToArray();
    }

    /// <summary>The equation as source in one format: a function named after the target where that is an identifier (else
    /// f), or a TorchSharp module class <c>SymbolicLaw</c>.</summary>
    static string ExportSource(Expression best, string format, string target)
    {
        if (format == "torchsharp") return Occam.Discovery.SymbolicModule.ToSource(best, "SymbolicLaw");
        var language = format switch
        {
            "numpy" => SourceLanguage.Numpy, "jax" => SourceLanguage.Jax, "julia" => SourceLanguage.Julia, _ => SourceLanguage.CSharp,
        };
        foreach (var name in new[] { target, "f", "law", "occam_law" })
        {
            try { return best.ToFunction(language, name); }
            catch (ArgumentException) { } // not an identifier of the language, a keyword, or an input's name: the next one
        }
        return best.ToFunction(language, "occam_law_");
    }

    /// <summary>Starts the head on the seed's address (or joins the seed from <paramref name="port"/>) and waits for workers.</summary>
    static Occam.Symbolic.Cluster.ClusterHead ClusterHeadFor(string seed, int? port, int workers, TextWriter? log)
    {
        int colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int seedPort) || seedPort is < 1 or > 65535)
            throw new UserInputException($"--cluster-seed must read host:port, e.g. node01:4053 (got '{seed}')");
        string host = seed[..colon];
        bool isSeed = port is null || port == seedPort;
        var head = Occam.Symbolic.Cluster.ClusterHead.Start(new Occam.Symbolic.Cluster.ClusterHeadOptions
        {
            Host = host, Port = isSeed ? seedPort : port!.Value, Seed = isSeed ? null : seed,
            Log = log is null ? null : line => log.WriteLine($"occam regress: {line}"),
        });
        log?.WriteLine($"occam regress: cluster head at {head.Seed}{(workers > 0 ? $", waiting for {workers} worker(s)" : "")}");
        if (workers > 0 && !head.WaitForWorkers(workers, TimeSpan.FromMinutes(2)))
        {
            int have = head.Workers;
            head.Dispose();
            throw new UserInputException($"only {have} of {workers} cluster workers joined {seed} within 2 minutes");
        }
        return head;
    }

    /// <summary>Splits the operator list at the commas outside parentheses (a binary definition has one inside).</summary>
    internal static List<string> SplitOperators(string text)
    {
        var items = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '(') depth++;
            else if (i < text.Length && text[i] == ')') depth--;
            else if (i == text.Length || (text[i] == ',' && depth == 0))
            {
                var item = text[start..i].Trim();
                if (item.Length > 0) items.Add(item);
                start = i + 1;
            }
        }
        return items;
    }

    static TabularData Load(string path, string target, string[]? inputs)
    {
        if (Hdf5Location.TryParse(path, out var location))
        {
            var columns = Hdf5.ReadColumns(location);
            var byName = columns.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
            double[] Column(string name) => byName.TryGetValue(name, out var values) ? values
                : throw new UserInputException($"{location}: no column '{name}' (columns: {string.Join(", ", columns.Select(c => c.Key))})");
            var names = inputs ?? columns.Select(c => c.Key).Where(n => n != target).ToArray();
            var yv = Column(target);
            return TabularData.FromColumns(names.Select(Column).ToArray(), names, yv, target, location.ToString());
        }
        string ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".npz":
            {
                IReadOnlyDictionary<string, NpyArray> arrays;
                try { arrays = Npz.Read(path); }
                catch (Exception e) when (e is not IOException and not InvalidDataException) { throw new InvalidDataException($"{path}: {e.Message}"); }
                NpyArray Column(string name)
                {
                    if (!arrays.TryGetValue(name, out var a)) throw new UserInputException($"{path}: no array '{name}' (arrays: {string.Join(", ", arrays.Keys)})");
                    if (a.Rank != 1) throw new InvalidDataException($"{path}: array '{name}' has shape {a.ShapeText}; regress needs 1-D arrays, one per column");
                    return a;
                }
                var names = inputs ?? arrays.Where(kv => kv.Key != target && kv.Value.Rank == 1).Select(kv => kv.Key).ToArray();
                var yv = Column(target).ToDoubles();
                return TabularData.FromColumns(names.Select(n => Column(n).ToDoubles()).ToArray(), names, yv, target, path);
            }
            case ".npy":
            {
                var a = Npy.Read(path);
                if (a.Rank != 2) throw new InvalidDataException($"{path}: array has shape {a.ShapeText}; regress needs a 2-D (rows, columns) array");
                int rows = a.Shape[0], cols = a.Shape[1];
                var flat = a.ToDoubles();
                var colNames = Enumerable.Range(0, cols).Select(c => $"c{c}").ToArray();
                int Index(string n) => Array.IndexOf(colNames, n) is int k and >= 0 ? k
                    : throw new UserInputException($"{path}: no column '{n}' (columns: {string.Join(", ", colNames)})");
                int ti = Index(target);
                var names = inputs ?? colNames.Where((_, i) => i != ti).ToArray();
                double[] Col(int c) { var o = new double[rows]; for (int r = 0; r < rows; r++) o[r] = flat[r * cols + c]; return o; }
                return TabularData.FromColumns(names.Select(n => Col(Index(n))).ToArray(), names, Col(ti), target, path);
            }
            default:
                return TabularData.ReadCsv(path, target, inputs);
        }
    }

    /// <summary>Progress as one line on stderr at most once a second.</summary>
    sealed class LineProgress(TextWriter error) : IProgress<SymbolicRegressionProgress>
    {
        DateTime last = DateTime.MinValue;

        public void Report(SymbolicRegressionProgress p)
        {
            if ((DateTime.UtcNow - last).TotalSeconds < 1) return;
            last = DateTime.UtcNow;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{p.Elapsed.TotalSeconds,6:F1} s] round {p.Round}, {p.Evaluations:N0} evals, best loss {p.BestLoss:G4}, front {p.ParetoSize}: {p.Best}"));
        }
    }
}
