using System.Runtime.Intrinsics;

namespace Occam.Physics;

/// <summary>
/// A particle system of Cranmer et al. (2020, appendix): a pair potential U between every two bodies
/// (G = 1), forces F = −∇U, accelerations a = F/m, optionally a uniform velocity damping force −b·v on
/// every body. Distances are softened: r' = |Δx| + <see cref="Softening"/> (0.01) inside the built-in
/// potentials and as the variable <c>r</c> of custom ones.
/// </summary>
/// <remarks>
/// Pair convention (the same as the graph networks: edges go sender → receiver): for a receiver body i
/// and a sender body j, <c>delta = x_i − x_j</c>, "1" is the receiver and "2" the sender, and
/// <see cref="PairForce(ReadOnlySpan{double}, double, double, double, double, Span{double})"/> is the
/// force on the receiver due to the sender, −∂U(delta, m₁, m₂, q₁, q₂)/∂delta. The total potential
/// energy is the sum of U over unordered pairs; for it to be the potential of these forces (and for
/// momentum to be conserved) U must be symmetric under swapping the bodies, which all built-in
/// potentials are.
/// </remarks>
public sealed class ParticleSystem
{
    /// <summary>The softening length added to every distance: r' = r + 0.01.</summary>
    public const double DefaultSoftening = 0.01;

    /// <summary>The damping constant b of the <c>damped</c> system: force −b·vᵢ on every body i.</summary>
    /// <remarks>
    /// The reference code adds a pseudo-potential x·v/n per ordered pair, on the first two axes only,
    /// which damps each body by (n − 1)/n per axis it touches; 0.75 is that strength for the default 4
    /// bodies. Here it is applied uniformly: the same b on every body and every axis.
    /// </remarks>
    public const double DefaultDamping = 0.75;

    readonly PairLaw _law;

    ParticleSystem(string name, double defaultDt, PairLaw law, double damping, bool conservative, bool usesCharges, string? expression)
    {
        Name = name;
        DefaultDt = defaultDt;
        _law = law;
        Damping = damping;
        IsConservative = conservative;
        UsesCharges = usesCharges;
        Expression = expression;
    }

    /// <summary>spring: U = (r' − 1)².</summary>
    public static ParticleSystem Spring { get; } = new("spring", 0.01, new RadialLaw(RadialKind.Spring), 0, true, false, null);

    /// <summary>r1: U = m₁m₂ log r'.</summary>
    public static ParticleSystem R1 { get; } = new("r1", 0.005, new RadialLaw(RadialKind.R1), 0, true, false, null);

    /// <summary>r2: U = −m₁m₂ / r'.</summary>
    public static ParticleSystem R2 { get; } = new("r2", 0.001, new RadialLaw(RadialKind.R2), 0, true, false, null);

    /// <summary>charge: U = q₁q₂ / r'.</summary>
    public static ParticleSystem Charge { get; } = new("charge", 0.001, new RadialLaw(RadialKind.Charge), 0, true, true, null);

    /// <summary>damped: the spring potential plus a damping force −b·vᵢ on every body, b = <see cref="DefaultDamping"/>.</summary>
    public static ParticleSystem Damped { get; } = new("damped", 0.02, new RadialLaw(RadialKind.Spring), DefaultDamping, false, false, null);

    /// <summary>discontinuous: U = 0 for r' &lt; 2 and (r' − 1)² for r' ≥ 2 (not conservative across the jump).</summary>
    public static ParticleSystem Discontinuous { get; } = new("discontinuous", 0.01, new RadialLaw(RadialKind.Discontinuous), 0, false, false, null);

    /// <summary>The built-in systems' names: spring, r1, r2, charge, damped, discontinuous (and custom, which needs an expression).</summary>
    public static IReadOnlyList<string> Names { get; } = ["spring", "r1", "r2", "charge", "damped", "discontinuous", "custom"];

    /// <summary>The variables a custom potential may use.</summary>
    public static IReadOnlyList<string> CustomVariables => CustomLaw.Variables;

    /// <summary>
    /// A system with a custom pair potential given as an expression in <c>r</c> (the softened distance
    /// r' = |Δ| + 0.01), <c>dx</c>, <c>dy</c>, <c>dz</c> (the components of Δ = x₁ − x₂), <c>m1</c>, <c>m2</c>,
    /// <c>q1</c>, <c>q2</c>, e.g. <c>q1*q2*exp(-r)/r</c>. Forces come from the exact symbolic derivative.
    /// </summary>
    /// <param name="expression">The potential.</param>
    /// <param name="defaultDt">The time between recorded frames when none is given (0.001 unless set).</param>
    /// <exception cref="FormatException">The expression does not parse; the message says where.</exception>
    public static ParticleSystem Custom(string expression, double defaultDt = 0.001)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        if (!(defaultDt > 0) || double.IsInfinity(defaultDt))
            throw new ArgumentOutOfRangeException(nameof(defaultDt), defaultDt, "The time step must be positive and finite.");
        var law = new CustomLaw(expression);
        return new ParticleSystem("custom", defaultDt, law, 0, true, law.UsesCharges, expression);
    }

    /// <summary>The system with the given name (case-insensitive); <c>custom</c> needs <paramref name="potential"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name, or a potential given for a built-in system / missing for custom.</exception>
    public static ParticleSystem FromName(string name, string? potential = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        if (key == "custom")
        {
            if (string.IsNullOrWhiteSpace(potential))
                throw new ArgumentException("The custom system needs a potential expression (e.g. --potential \"q1*q2*exp(-r)/r\").");
            return Custom(potential);
        }
        ParticleSystem system = key switch
        {
            "spring" => Spring,
            "r1" => R1,
            "r2" => R2,
            "charge" => Charge,
            "damped" => Damped,
            "discontinuous" => Discontinuous,
            _ => throw new ArgumentException(
                $"Unknown system '{name}' (known: {string.Join(", ", Names)})."),
        };
        if (!string.IsNullOrWhiteSpace(potential))
            throw new ArgumentException($"A potential expression is only used by the custom system, not by '{key}'.");
        return system;
    }

    /// <summary>The system's name: spring, r1, r2, charge, damped, discontinuous or custom.</summary>
    public string Name { get; }

    /// <summary>The custom potential's expression text; null for built-in systems.</summary>
    public string? Expression { get; }

    /// <summary>The paper's step size: r1 0.005, r2 0.001, spring 0.01, damped 0.02, charge 0.001, discontinuous 0.01.</summary>
    public double DefaultDt { get; }

    /// <summary>The softening length added to every distance (0.01).</summary>
    public double Softening => DefaultSoftening;

    /// <summary>The damping constant b (force −b·v on every body); 0 except for <c>damped</c>.</summary>
    public double Damping { get; }

    /// <summary>Whether total energy is conserved (false for damped and discontinuous).</summary>
    public bool IsConservative { get; }

    /// <summary>Whether the potential depends on the charges (charge, and custom ones using q1/q2).</summary>
    public bool UsesCharges { get; }

    /// <summary>Whether the force jumps at some distance: discontinuous, and custom potentials that use
    /// <c>cond</c> or <c>greater</c>.</summary>
    public bool IsPiecewise => Radial == RadialKind.Discontinuous || _law is CustomLaw { IsPiecewise: true };

    /// <summary>The pair potential U for <c>delta = x₁ − x₂</c> (length = dimension, 1 to 3).</summary>
    public double PairPotential(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2)
    {
        CheckDelta(delta.Length);
        return _law.Potential(delta, m1, m2, q1, q2);
    }

    /// <summary>
    /// The exact force on the receiver (body 1) due to the sender (body 2): −∂U/∂delta at
    /// <c>delta = x_receiver − x_sender</c>, written to <paramref name="force"/> (same length as delta).
    /// </summary>
    public void PairForce(ReadOnlySpan<double> delta, double mReceiver, double mSender, double qReceiver, double qSender, Span<double> force)
    {
        CheckDelta(delta.Length);
        if (force.Length != delta.Length)
            throw new ArgumentException($"The force span has length {force.Length} but delta has {delta.Length}.", nameof(force));
        _law.Force(delta, mReceiver, mSender, qReceiver, qSender, force);
    }

    /// <summary>The exact force on the receiver due to the sender, as a new array (see the span overload).</summary>
    public double[] PairForce(double[] delta, double mReceiver, double mSender, double qReceiver, double qSender)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var force = new double[delta.Length];
        PairForce(delta, mReceiver, mSender, qReceiver, qSender, force);
        return force;
    }

    /// <summary>
    /// The accelerations of all bodies in one state: aᵢ = (Σⱼ F(xᵢ − xⱼ) − b·vᵢ) / mᵢ.
    /// Positions, velocities and accelerations are body-major, <c>n × dim</c>.
    /// </summary>
    public void Accelerations(ReadOnlySpan<double> positions, ReadOnlySpan<double> velocities,
        ReadOnlySpan<double> masses, ReadOnlySpan<double> charges, int dim, Span<double> accelerations)
    {
        int n = masses.Length;
        CheckState(positions.Length, velocities.Length, charges.Length, accelerations.Length, n, dim);
        AccelerationsUnchecked(positions, velocities, masses, charges, dim, accelerations);
    }

    internal void AccelerationsUnchecked(ReadOnlySpan<double> x, ReadOnlySpan<double> v,
        ReadOnlySpan<double> m, ReadOnlySpan<double> q, int dim, Span<double> a)
    {
        int n = m.Length;
        a.Clear();
        _law.AccumulateForces(x, m, q, dim, a);
        double b = Damping;
        for (int i = 0; i < n; i++)
        {
            double invM = 1.0 / m[i];
            for (int k = 0; k < dim; k++)
                a[i * dim + k] = (a[i * dim + k] - b * v[i * dim + k]) * invM;
        }
    }

    /// <summary>The total potential energy of one state: Σ over unordered pairs i &lt; j of U(xᵢ − xⱼ, mᵢ, mⱼ, qᵢ, qⱼ).</summary>
    public double PotentialEnergy(ReadOnlySpan<double> positions, ReadOnlySpan<double> masses, ReadOnlySpan<double> charges, int dim)
    {
        int n = masses.Length;
        CheckState(positions.Length, positions.Length, charges.Length, positions.Length, n, dim);
        Span<double> delta = stackalloc double[dim];
        double u = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                for (int k = 0; k < dim; k++) delta[k] = positions[i * dim + k] - positions[j * dim + k];
                u += _law.Potential(delta, masses[i], masses[j], charges[i], charges[j]);
            }
        }
        return u;
    }

    /// <summary>The kinetic energy of one state, Σ ½ mᵢ |vᵢ|².</summary>
    public static double KineticEnergy(ReadOnlySpan<double> velocities, ReadOnlySpan<double> masses, int dim)
    {
        if (dim < 1 || velocities.Length != masses.Length * dim)
            throw new ArgumentException($"Velocities have {velocities.Length} values, not {masses.Length} bodies × {dim} dimensions.", nameof(velocities));
        double t = 0;
        for (int i = 0; i < masses.Length; i++)
        {
            double v2 = 0;
            for (int k = 0; k < dim; k++) v2 += velocities[i * dim + k] * velocities[i * dim + k];
            t += 0.5 * masses[i] * v2;
        }
        return t;
    }

    /// <summary>The total energy (kinetic plus potential) of one state.</summary>
    public double TotalEnergy(ReadOnlySpan<double> positions, ReadOnlySpan<double> velocities,
        ReadOnlySpan<double> masses, ReadOnlySpan<double> charges, int dim) =>
        KineticEnergy(velocities, masses, dim) + PotentialEnergy(positions, masses, charges, dim);

    /// <summary>The built-in radial potential, or null for a custom one (selects the vectorised integrator).</summary>
    internal RadialKind? Radial => _law is RadialLaw radial ? radial.Kind : null;

    /// <summary>The smallest dimension the potential works in (a custom one using dy needs 2, dz needs 3; otherwise 1).</summary>
    internal int MinimumDimension => _law.MinimumDimension;

    /// <inheritdoc />
    public override string ToString() => Expression is null ? Name : $"{Name}: U = {Expression}";

    static void CheckDelta(int length)
    {
        if (length is < 1 or > 3)
            throw new ArgumentException($"delta has {length} components; the dimension must be 1, 2 or 3.", "delta");
    }

    void CheckState(int xLength, int vLength, int qLength, int aLength, int n, int dim)
    {
        if (dim is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The dimension must be 1, 2 or 3.");
        if (dim < _law.MinimumDimension)
            throw new ArgumentException($"The potential of '{Name}' needs at least {_law.MinimumDimension} dimensions, not {dim}.", nameof(dim));
        if (xLength != n * dim) throw new ArgumentException($"Positions have {xLength} values, not {n} bodies × {dim} dimensions.", "positions");
        if (vLength != n * dim) throw new ArgumentException($"Velocities have {vLength} values, not {n} bodies × {dim} dimensions.", "velocities");
        if (qLength != n) throw new ArgumentException($"There are {qLength} charges for {n} bodies.", "charges");
        if (aLength != n * dim) throw new ArgumentException($"The output has {aLength} values, not {n} bodies × {dim} dimensions.", "accelerations");
    }
}

/// <summary>One pair interaction law: potential and the force on body 1 from body 2 at delta = x₁ − x₂.</summary>
internal abstract class PairLaw
{
    /// <summary>Whether F(−delta, 2, 1) = −F(delta, 1, 2) holds by construction (Newton's third law).</summary>
    public abstract bool Symmetric { get; }

    public virtual int MinimumDimension => 1;

    /// <summary>Adds Σⱼ F(xᵢ − xⱼ) to a[i] for every body (forces, not yet divided by mass).</summary>
    public virtual void AccumulateForces(ReadOnlySpan<double> x, ReadOnlySpan<double> m, ReadOnlySpan<double> q, int dim, Span<double> a)
    {
        int n = m.Length;
        Span<double> delta = stackalloc double[dim];
        Span<double> f = stackalloc double[dim];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                for (int k = 0; k < dim; k++) delta[k] = x[i * dim + k] - x[j * dim + k];
                Force(delta, m[i], m[j], q[i], q[j], f);
                if (Symmetric)
                {
                    for (int k = 0; k < dim; k++)
                    {
                        a[i * dim + k] += f[k];
                        a[j * dim + k] -= f[k];
                    }
                }
                else
                {
                    for (int k = 0; k < dim; k++) a[i * dim + k] += f[k];
                    for (int k = 0; k < dim; k++) delta[k] = -delta[k];
                    Force(delta, m[j], m[i], q[j], q[i], f);
                    for (int k = 0; k < dim; k++) a[j * dim + k] += f[k];
                }
            }
        }
    }

    public abstract double Potential(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2);

    public abstract void Force(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2, Span<double> force);
}

internal enum RadialKind { Spring, R1, R2, Charge, Discontinuous }

/// <summary>The built-in potentials, functions of the softened distance r' = r + 0.01.</summary>
internal sealed class RadialLaw(RadialKind kind) : PairLaw
{
    public RadialKind Kind => kind;

    const double Soft = ParticleSystem.DefaultSoftening;

    public override bool Symmetric => true;

    public override double Potential(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2)
    {
        double rs = Norm(delta) + Soft;
        return kind switch
        {
            RadialKind.Spring => (rs - 1) * (rs - 1),
            RadialKind.R1 => m1 * m2 * Math.Log(rs),
            RadialKind.R2 => -m1 * m2 / rs,
            RadialKind.Charge => q1 * q2 / rs,
            RadialKind.Discontinuous => rs < 2 ? 0 : (rs - 1) * (rs - 1),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>dU/dr' at the softened distance.</summary>
    double Derivative(double rs, double m1, double m2, double q1, double q2) => kind switch
    {
        RadialKind.Spring => 2 * (rs - 1),
        RadialKind.R1 => m1 * m2 / rs,
        RadialKind.R2 => m1 * m2 / (rs * rs),
        RadialKind.Charge => -q1 * q2 / (rs * rs),
        RadialKind.Discontinuous => rs < 2 ? 0 : 2 * (rs - 1),
        _ => throw new InvalidOperationException(),
    };

    public override void AccumulateForces(ReadOnlySpan<double> x, ReadOnlySpan<double> m, ReadOnlySpan<double> q, int dim, Span<double> a)
    {
        switch (kind)
        {
            case RadialKind.Spring: Accumulate<SpringKernel>(x, m, q, dim, a); break;
            case RadialKind.R1: Accumulate<R1Kernel>(x, m, q, dim, a); break;
            case RadialKind.R2: Accumulate<R2Kernel>(x, m, q, dim, a); break;
            case RadialKind.Charge: Accumulate<ChargeKernel>(x, m, q, dim, a); break;
            case RadialKind.Discontinuous: Accumulate<DiscontinuousKernel>(x, m, q, dim, a); break;
            default: base.AccumulateForces(x, m, q, dim, a); break;
        }
    }

    /// <summary>The hot loop, specialised per potential (the kernel's dU/dr' inlines) and per dimension.</summary>
    static void Accumulate<TKernel>(ReadOnlySpan<double> x, ReadOnlySpan<double> m, ReadOnlySpan<double> q, int dim, Span<double> a)
        where TKernel : struct, IRadialKernel
    {
        int n = m.Length;
        if (dim == 2)
        {
            for (int i = 0; i < n; i++)
            {
                double xi = x[2 * i], yi = x[2 * i + 1], mi = m[i], qi = q[i];
                double ax = 0, ay = 0;
                for (int j = i + 1; j < n; j++)
                {
                    double dx = xi - x[2 * j], dy = yi - x[2 * j + 1];
                    double r = Math.Sqrt(dx * dx + dy * dy);
                    if (r == 0) continue;
                    double s = -TKernel.Derivative(r + Soft, mi, m[j], qi, q[j]) / r;
                    double fx = s * dx, fy = s * dy;
                    ax += fx;
                    ay += fy;
                    a[2 * j] -= fx;
                    a[2 * j + 1] -= fy;
                }
                a[2 * i] += ax;
                a[2 * i + 1] += ay;
            }
        }
        else if (dim == 3)
        {
            for (int i = 0; i < n; i++)
            {
                double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2], mi = m[i], qi = q[i];
                double ax = 0, ay = 0, az = 0;
                for (int j = i + 1; j < n; j++)
                {
                    double dx = xi - x[3 * j], dy = yi - x[3 * j + 1], dz = zi - x[3 * j + 2];
                    double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                    if (r == 0) continue;
                    double s = -TKernel.Derivative(r + Soft, mi, m[j], qi, q[j]) / r;
                    double fx = s * dx, fy = s * dy, fz = s * dz;
                    ax += fx;
                    ay += fy;
                    az += fz;
                    a[3 * j] -= fx;
                    a[3 * j + 1] -= fy;
                    a[3 * j + 2] -= fz;
                }
                a[3 * i] += ax;
                a[3 * i + 1] += ay;
                a[3 * i + 2] += az;
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    double r2 = 0;
                    for (int k = 0; k < dim; k++) r2 += (x[i * dim + k] - x[j * dim + k]) * (x[i * dim + k] - x[j * dim + k]);
                    double r = Math.Sqrt(r2);
                    if (r == 0) continue;
                    double s = -TKernel.Derivative(r + Soft, m[i], m[j], q[i], q[j]) / r;
                    for (int k = 0; k < dim; k++)
                    {
                        double f = s * (x[i * dim + k] - x[j * dim + k]);
                        a[i * dim + k] += f;
                        a[j * dim + k] -= f;
                    }
                }
        }
    }

    public override void Force(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2, Span<double> force)
    {
        double r = Norm(delta);
        if (r == 0)
        {
            // Coincident bodies: the direction is undefined; by symmetry the force is zero.
            force.Clear();
            return;
        }
        // F = −dU/dr' · ∂r/∂delta = −dU/dr' · delta / r
        double s = -Derivative(r + Soft, m1, m2, q1, q2) / r;
        for (int k = 0; k < delta.Length; k++) force[k] = s * delta[k];
    }

    static double Norm(ReadOnlySpan<double> d)
    {
        double s = 0;
        for (int k = 0; k < d.Length; k++) s += d[k] * d[k];
        return Math.Sqrt(s);
    }
}

/// <summary>dU/dr' of a built-in potential, as static methods so the generic hot loops inline them (scalar and 4 lanes).</summary>
internal interface IRadialKernel
{
    static abstract double Derivative(double rs, double m1, double m2, double q1, double q2);

    static abstract Vector256<double> Derivative(Vector256<double> rs, Vector256<double> m1, Vector256<double> m2, Vector256<double> q1, Vector256<double> q2);
}

internal readonly struct SpringKernel : IRadialKernel
{
    public static double Derivative(double rs, double m1, double m2, double q1, double q2) => 2 * (rs - 1);

    public static Vector256<double> Derivative(Vector256<double> rs, Vector256<double> m1, Vector256<double> m2, Vector256<double> q1, Vector256<double> q2) =>
        Vector256.Create(2.0) * (rs - Vector256<double>.One);
}

internal readonly struct R1Kernel : IRadialKernel
{
    public static double Derivative(double rs, double m1, double m2, double q1, double q2) => m1 * m2 / rs;

    public static Vector256<double> Derivative(Vector256<double> rs, Vector256<double> m1, Vector256<double> m2, Vector256<double> q1, Vector256<double> q2) =>
        m1 * m2 / rs;
}

internal readonly struct R2Kernel : IRadialKernel
{
    public static double Derivative(double rs, double m1, double m2, double q1, double q2) => m1 * m2 / (rs * rs);

    public static Vector256<double> Derivative(Vector256<double> rs, Vector256<double> m1, Vector256<double> m2, Vector256<double> q1, Vector256<double> q2) =>
        m1 * m2 / (rs * rs);
}

internal readonly struct ChargeKernel : IRadialKernel
{
    public static double Derivative(double rs, double m1, double m2, double q1, double q2) => -q1 * q2 / (rs * rs);

    public static Vector256<double> Derivative(Vector256<double> rs, Vector256<double> m1, Vector256<double> m2, Vector256<double> q1, Vector256<double> q2) =>
        -(q1 * q2) / (rs * rs);
}

internal readonly struct DiscontinuousKernel : IRadialKernel
{
    public static double Derivative(double rs, double m1, double m2, double q1, double q2) => rs < 2 ? 0 : 2 * (rs - 1);

    public static Vector256<double> Derivative(Vector256<double> rs, Vector256<double> m1, Vector256<double> m2, Vector256<double> q1, Vector256<double> q2) =>
        Vector256.ConditionalSelect(Vector256.LessThan(rs, Vector256.Create(2.0)), Vector256<double>.Zero,
            Vector256.Create(2.0) * (rs - Vector256<double>.One));
}
