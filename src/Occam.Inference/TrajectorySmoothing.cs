using MathNet.Numerics.LinearAlgebra;
using Occam.Physics.IO;

namespace Occam.Inference;

/// <summary>
/// The constant-velocity (white-noise acceleration) model for positions observed at arbitrary, increasing times: per
/// axis the state is (position, velocity), the transition over Δt_k = t_k − t_{k−1} is [[1, Δt], [0, 1]] with process
/// noise q²·[[Δt³/3, Δt²/2], [Δt²/2, Δt]], and the positions are observed with noise r²·I (Bar-Shalom et al.,
/// "Estimation with Applications to Tracking and Navigation", 6.2.2).
/// </summary>
public sealed class TimestampedConstantVelocityModel : StateSpaceModel
{
    private readonly double[] times;
    private readonly int axes;
    private readonly double accelerationNoise, medianStep;

    /// <summary>Creates the model for observations at <paramref name="times"/> of <paramref name="axes"/> coordinates.</summary>
    public TimestampedConstantVelocityModel(IReadOnlyList<double> times, int axes, double accelerationNoise, double observationNoise)
        : base(Noise(MedianStep(times), axes, accelerationNoise), Observation(axes), Matrix<double>.Build.DenseIdentity(axes) * (observationNoise * observationNoise),
            Vector<double>.Build.Dense(2 * axes), Matrix<double>.Build.DenseIdentity(2 * axes) * 1e8)
    {
        this.times = times.ToArray();
        this.axes = axes;
        this.accelerationNoise = accelerationNoise;
        medianStep = MedianStep(times);
    }

    /// <summary>The time between the states <paramref name="step"/> − 1 and <paramref name="step"/>.</summary>
    public double Step(int step) => times[step] - times[step - 1];

    /// <inheritdoc />
    public override void Transition(ReadOnlySpan<double> x, Span<double> result) => Advance(medianStep, x, result);

    /// <inheritdoc />
    public override void TransitionJacobian(ReadOnlySpan<double> x, Span<double> jacobian) => Jacobian(medianStep, jacobian);

    /// <inheritdoc />
    public override void Transition(int step, ReadOnlySpan<double> x, Span<double> result) => Advance(Step(step), x, result);

    /// <inheritdoc />
    public override void TransitionJacobian(int step, ReadOnlySpan<double> x, Span<double> jacobian) => Jacobian(Step(step), jacobian);

    /// <inheritdoc />
    public override Matrix<double> ProcessNoise(int step) => Noise(Step(step), axes, accelerationNoise);

    void Advance(double dt, ReadOnlySpan<double> x, Span<double> result)
    {
        for (int a = 0; a < axes; a++)
        {
            result[2 * a] = x[2 * a] + dt * x[2 * a + 1];
            result[2 * a + 1] = x[2 * a + 1];
        }
    }

    void Jacobian(double dt, Span<double> jacobian)
    {
        int n = 2 * axes;
        jacobian.Clear();
        for (int a = 0; a < axes; a++)
        {
            jacobian[(2 * a) * n + 2 * a] = 1;
            jacobian[(2 * a) * n + 2 * a + 1] = dt;
            jacobian[(2 * a + 1) * n + 2 * a + 1] = 1;
        }
    }

    static Matrix<double> Noise(double dt, int axes, double q)
    {
        var m = Matrix<double>.Build.Dense(2 * axes, 2 * axes);
        for (int a = 0; a < axes; a++)
        {
            m[2 * a, 2 * a] = q * q * dt * dt * dt / 3;
            m[2 * a, 2 * a + 1] = m[2 * a + 1, 2 * a] = q * q * dt * dt / 2;
            m[2 * a + 1, 2 * a + 1] = q * q * dt;
        }
        return m;
    }

    static Matrix<double> Observation(int axes)
    {
        var h = Matrix<double>.Build.Dense(axes, 2 * axes);
        for (int a = 0; a < axes; a++) h[a, 2 * a] = 1;
        return h;
    }

    static double MedianStep(IReadOnlyList<double> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Count < 2) throw new ArgumentException("At least two time stamps are needed.");
        var steps = Enumerable.Range(1, times.Count - 1).Select(i => times[i] - times[i - 1]).Order().ToArray();
        return steps[steps.Length / 2];
    }
}

/// <summary>
/// Smoothing of real, timestamped observations (GPS fixes, tracked positions): a CSV with a time column <c>t</c> (or
/// <c>time</c>) and 2 or 3 coordinate columns in, the Rauch–Tung–Striebel smoother's positions and velocities out. The
/// acceleration and observation noise scales are chosen by maximum likelihood (the filter's innovation likelihood) on
/// logarithmic grids: a coarse one, then two finer ones around its best point.
/// </summary>
public static class TrajectorySmoothing
{
    /// <summary>The result: the chosen noise scales and the smoothed trajectory.</summary>
    public sealed record Result(double AccelerationNoise, double ObservationNoise, double LogLikelihood, double[] Times, GaussianTrajectory Trajectory);

    /// <summary>Reads <paramref name="path"/>, smooths it and writes <c>smoothed.csv</c> to <paramref name="directory"/>; returns the file written.</summary>
    /// <exception cref="InvalidDataException">The CSV is malformed (<see cref="Occam.Symbolic.IO.NumericTable"/>); the message names file, line and column.</exception>
    /// <exception cref="FormatException">The CSV has no time column, or too few or too many coordinates; the message names the file.</exception>
    /// <exception cref="ArgumentException">A value is not finite or the times do not increase; the message names the row.</exception>
    public static string SmoothCsv(string path, string directory, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        var table = Csv.Read(path);
        int timeColumn = Enumerable.Range(0, table.Columns.Count).FirstOrDefault(c => table.Columns[c] is "t" or "time", -1);
        if (timeColumn < 0) throw new FormatException($"{path}: no time column (a column named t or time); columns: {string.Join(", ", table.Columns)}.");
        var coordinates = Enumerable.Range(0, table.Columns.Count).Where(c => c != timeColumn).ToArray();
        if (coordinates.Length is < 1 or > 3) throw new FormatException($"{path}: {coordinates.Length} coordinate columns besides the time; 1 to 3 are supported.");
        var times = new double[table.Rows];
        var observations = new double[table.Rows][];
        for (int r = 0; r < table.Rows; r++)
        {
            times[r] = table[r, timeColumn];
            observations[r] = coordinates.Select(c => table[r, c]).ToArray();
            if (!double.IsFinite(times[r])) throw new ArgumentException($"{path}, data row {r + 1}: the time is {times[r]} (not finite).");
            for (int i = 0; i < coordinates.Length; i++)
                if (!double.IsFinite(observations[r][i])) throw new ArgumentException($"{path}, data row {r + 1}, column '{table.Columns[coordinates[i]]}': {observations[r][i]} is not finite.");
            if (r > 0 && !(times[r] > times[r - 1]))
                throw new ArgumentException($"{path}, data row {r + 1}: time {times[r]} does not follow {times[r - 1]} (the time column must increase).");
        }
        if (table.Rows < 3) throw new ArgumentException($"{path}: {table.Rows} rows; at least 3 observations are needed.");
        var result = Smooth(times, observations);
        log?.Invoke($"{path}: {table.Rows} observations of {coordinates.Length} coordinates; maximum-likelihood noise: acceleration {result.AccelerationNoise:G3}, observation {result.ObservationNoise:G3} (log-likelihood {result.LogLikelihood:F1})");
        var names = new List<string> { table.Columns[timeColumn] };
        names.AddRange(coordinates.Select(c => table.Columns[c]));
        names.AddRange(coordinates.Select(c => "v_" + table.Columns[c]));
        var values = new double[table.Rows * names.Count];
        for (int r = 0; r < table.Rows; r++)
        {
            var mean = result.Trajectory.Means[r];
            values[r * names.Count] = times[r];
            for (int i = 0; i < coordinates.Length; i++)
            {
                values[r * names.Count + 1 + i] = mean[2 * i];
                values[r * names.Count + 1 + coordinates.Length + i] = mean[2 * i + 1];
            }
        }
        Directory.CreateDirectory(directory);
        var output = Path.Combine(directory, "smoothed.csv");
        if (Path.GetFullPath(output) == Path.GetFullPath(path)) throw new IOException($"{output} is the input file; choose another --out.");
        Csv.Write(output, new CsvTable(names, values));
        return output;
    }

    /// <summary>Smooths positions observed at increasing <paramref name="times"/>, choosing the noise scales by maximum likelihood.</summary>
    public static Result Smooth(IReadOnlyList<double> times, IReadOnlyList<double[]> observations)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(observations);
        if (times.Count != observations.Count) throw new ArgumentException($"{times.Count} times but {observations.Count} observations.");
        int axes = observations[0].Length;
        // Scales relative to the data: the spread of the steps between fixes, per unit time.
        double spread = Math.Sqrt(Enumerable.Range(1, observations.Count - 1)
            .Average(i => Enumerable.Range(0, axes).Sum(a => Math.Pow(observations[i][a] - observations[i - 1][a], 2)) / axes));
        double step = times[^1] - times[0];
        double unit = Math.Max(spread, 1e-12);
        double dt = step / (times.Count - 1);
        // Maximum likelihood over log q and log r: a coarse grid over six decades of q and four of r, then two finer
        // grids around the best point (each a third of the previous spacing).
        double qScale = unit / (dt * Math.Sqrt(dt));
        (double LogQ, double LogR, double LogLikelihood) best = (double.NaN, double.NaN, double.NegativeInfinity);
        void Search(double qLow, double qHigh, double rLow, double rHigh, int count)
        {
            for (int i = 0; i < count; i++)
                for (int j = 0; j < count; j++)
                {
                    double logQ = qLow + (qHigh - qLow) * i / (count - 1), logR = rLow + (rHigh - rLow) * j / (count - 1);
                    var model = new TimestampedConstantVelocityModel(times, axes, Math.Exp(logQ), Math.Exp(logR));
                    double logLikelihood = KalmanSmoother.Filter(model, observations).LogLikelihood;
                    if (logLikelihood > best.LogLikelihood) best = (logQ, logR, logLikelihood);
                }
        }
        double qStep = Math.Log(1e6) / 8, rStep = Math.Log(1e4) / 8;
        Search(Math.Log(qScale * 1e-4), Math.Log(qScale * 1e2), Math.Log(unit * 1e-3), Math.Log(unit * 10), 9);
        for (int round = 0; round < 2; round++)
        {
            Search(best.LogQ - qStep, best.LogQ + qStep, best.LogR - rStep, best.LogR + rStep, 7);
            qStep /= 3;
            rStep /= 3;
        }
        var chosen = new TimestampedConstantVelocityModel(times, axes, Math.Exp(best.LogQ), Math.Exp(best.LogR));
        return new Result(Math.Exp(best.LogQ), Math.Exp(best.LogR), best.LogLikelihood, times.ToArray(), KalmanSmoother.Smooth(chosen, observations));
    }

    static IEnumerable<double> Grid(double low, double high, int count) =>
        Enumerable.Range(0, count).Select(i => low * Math.Pow(high / low, i / (count - 1.0)));
}
