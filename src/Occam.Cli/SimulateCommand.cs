using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Occam.Physics;
using Occam.Physics.IO;
using Occam.Symbolic.IO;
using Spectre.Console;

namespace Occam.Cli;

/// <summary><c>occam simulate</c>: generate particle-simulation datasets (Cranmer et al. 2020 systems).</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var system = new Argument<string?>("system")
        {
            Description = "The particle system: spring (U = (r'-1)^2), r1 (U = m1 m2 log r'), r2 (U = -m1 m2 / r'), "
                + "charge (U = q1 q2 / r'), damped (spring plus force -0.75 v on every body), "
                + "discontinuous (U = 0 for r' < 2, (r'-1)^2 beyond), or custom (needs --potential). "
                + "r' = r + 0.01 is the softened distance. Default: custom when --potential is given, else spring.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        // An optional argument would otherwise swallow a mistyped option (--frob) as a system name.
        system.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && value.StartsWith('-'))
                result.AddError($"Unrecognized command or argument '{value}'.");
        });
        var potential = new Option<string?>("--potential")
        {
            Description = "Custom pair potential, an expression in r (softened distance), dx, dy, dz (x1 - x2), m1, m2, q1, q2; "
                + "e.g. \"q1*q2*exp(-r)/r\". Forces come from its exact derivative. Implies the custom system.",
        };
        var dim = new Option<int>("--dim") { Description = "Spatial dimension: 1, 2 or 3.", DefaultValueFactory = _ => 2 };
        var bodies = new Option<int>("--bodies", "-n") { Description = "Bodies per simulation.", DefaultValueFactory = _ => 4 };
        var sims = new Option<int>("--sims") { Description = "Number of independent simulations.", DefaultValueFactory = _ => 1000 };
        var steps = new Option<int>("--steps")
        {
            Description = "Recorded frames per simulation, the initial state included (frame t is at time t*dt).",
            DefaultValueFactory = _ => 500,
        };
        var dt = new Option<double?>("--dt")
        {
            Description = "Time between recorded frames. Default: the paper's step for the system "
                + "(r1 0.005, r2 0.001, spring 0.01, damped 0.02, charge 0.001, discontinuous 0.01, custom 0.001). "
                + "The integrator sub-steps adaptively between frames.",
        };
        var seed = new Option<long>("--seed") { Description = "Random seed; the same seed gives identical files.", DefaultValueFactory = _ => 0 };
        var tolerance = new Option<double>("--tolerance")
        {
            Description = "Error tolerance (relative and absolute) per adaptive Dormand-Prince sub-step.",
            DefaultValueFactory = _ => 1e-10,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Output path: a .npz file, a .csv file, an HDF5 file (.h5/.hdf5), or a folder of .npy files (with --format npy).",
            DefaultValueFactory = _ => "data.npz",
        };
        var format = new Option<string?>("--format")
        {
            Description = "npz, npy (a folder with one .npy per array), csv or h5 (HDF5). Default: csv for a .csv path, h5 for a .h5/.hdf5 path, else npz.",
        };
        format.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && value is not ("npz" or "npy" or "csv" or "h5"))
                result.AddError($"--format must be npz, npy, csv or h5 (got '{value}').");
        });
        var threads = new Option<int?>("--threads") { Description = "Threads to use (default: all cores)." };

        var command = new Command("simulate",
            "Simulate n-body particle systems and write positions, velocities, exact accelerations, masses and charges "
            + "(arrays of shape (sims, steps, bodies, dim) and (sims, bodies)) with dt, the system name and the settings. "
            + "Initial positions and velocities ~ N(0,1), masses = exp(N(0,1)), charges +-1. See docs/simulate.md.")
        {
            system, potential, dim, bodies, sims, steps, dt, seed, tolerance, output, format, threads,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(system);
            var expression = OptionValues.NotBlank(parse, potential);
            name ??= expression is null ? "spring" : "custom";
            if (expression is not null && !name.Equals("custom", StringComparison.OrdinalIgnoreCase))
                throw new UserInputException($"--potential is only used with the custom system, not '{name}'.");
            var law = ParticleSystem.FromName(name, expression);

            int nDim = parse.GetValue(dim), nBodies = parse.GetValue(bodies), nSims = parse.GetValue(sims), nSteps = parse.GetValue(steps);
            Positive("--bodies", nBodies);
            Positive("--sims", nSims);
            Positive("--steps", nSteps);
            if (nDim is < 1 or > 3) throw new UserInputException($"--dim must be 1, 2 or 3 (got {nDim}).");
            var step = parse.GetValue(dt);
            if (step is { } s && !(s > 0 && double.IsFinite(s))) throw new UserInputException($"--dt must be positive (got {s.ToString(CultureInfo.InvariantCulture)}).");
            double tol = parse.GetValue(tolerance);
            if (!(tol > 0 && tol < 1)) throw new UserInputException($"--tolerance must be in (0, 1) (got {tol.ToString(CultureInfo.InvariantCulture)}).");
            var nThreads = parse.GetValue(threads);
            if (nThreads is < 1) throw new UserInputException($"--threads must be at least 1 (got {nThreads}).");

            var options = new SimulationOptions
            {
                System = law, Dim = nDim, Bodies = nBodies, Sims = nSims, Steps = nSteps, Dt = step,
                Seed = parse.GetValue(seed), Tolerance = tol, MaxDegreeOfParallelism = nThreads,
            };
            options.Validate();

            var path = parse.GetValue(output)!;
            var formatName = parse.GetValue(format);
            var fileFormat = formatName switch
            {
                null => ParticleDataset.FormatOf(path),
                "h5" => DatasetFormat.Hdf5,
                _ => Enum.Parse<DatasetFormat>(formatName, ignoreCase: true),
            };
            CheckWritable(path, fileFormat);

            var clock = Stopwatch.StartNew();
            var data = await RunWithProgress(options, parse.InvocationConfiguration.Error, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            data.Save(path, fileFormat);
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {path} ({fileFormat.ToString().ToLowerInvariant()}): {law.Name}, {nSims} sims x {nSteps} steps x {nBodies} bodies, "
                + $"{nDim}D, dt {options.EffectiveDt}, seed {options.Seed}, {clock.Elapsed.TotalSeconds:F1} s"));
            return 0;
        });
        return command;
    }

    static void Positive(string option, int value)
    {
        if (value < 1) throw new UserInputException($"{option} must be at least 1 (got {value}).");
    }

    static void CheckWritable(string path, DatasetFormat format)
    {
        if (format != DatasetFormat.Npy)
        {
            AtomicFile.EnsureWritable(path);
            return;
        }
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(full)) throw new IOException($"Cannot write the .npy folder {path}: a file of that name exists.");
        if (!Directory.Exists(full)) AtomicFile.EnsureWritable(full); // the folder it will be created in must be writable
    }

    static async Task<ParticleDataset> RunWithProgress(SimulationOptions options, TextWriter error, CancellationToken cancellationToken)
    {
        bool interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        if (!interactive)
            return await Task.Run(() => Simulator.Run(options, null, cancellationToken), cancellationToken);

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ParticleDataset? result = null;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"simulating {options.System.Name}", maxValue: options.Sims);
                var reporter = new DirectProgress(task);
                result = await Task.Run(() => Simulator.Run(options, reporter, cancellationToken), cancellationToken);
                task.Value = options.Sims;
            });
        return result!;
    }

    /// <summary>Reports straight from the worker threads (Spectre's task value is thread-safe).</summary>
    sealed class DirectProgress(ProgressTask task) : IProgress<int>
    {
        public void Report(int value)
        {
            if (value > task.Value) task.Value = value;
        }
    }
}
