namespace Occam.Physics.Rigid;

/// <summary>Settings of the rigid-body solver. The defaults suit blocks of about a unit in size.</summary>
public sealed record RigidWorldSettings
{
    /// <summary>Gravitational acceleration (m/s², pointing down).</summary>
    public double Gravity { get; init; } = 9.81;

    /// <summary>Fixed time step (s).</summary>
    public double TimeStep { get; init; } = 1.0 / 120;

    /// <summary>Sequential-impulse sweeps over all contacts per step.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Fraction of the overlap (beyond <see cref="Slop"/>) removed per step by a velocity bias (Baumgarte).</summary>
    public double BiasFactor { get; init; } = 0.2;

    /// <summary>Overlap left uncorrected, so that resting contacts persist from step to step.</summary>
    public double Slop { get; init; } = 0.005;

    /// <summary>Closing speeds below this get no bounce (m/s).</summary>
    public double RestitutionThreshold { get; init; } = 0.5;

    internal void Validate()
    {
        if (!(Gravity >= 0) || !double.IsFinite(Gravity)) throw new ArgumentException($"Gravity must be non-negative and finite; got {Gravity}.");
        if (!(TimeStep > 0) || !double.IsFinite(TimeStep)) throw new ArgumentException($"The time step must be positive; got {TimeStep}.");
        if (Iterations < 1) throw new ArgumentException($"Iterations must be at least 1; got {Iterations}.");
        if (!(BiasFactor >= 0 && BiasFactor <= 1)) throw new ArgumentException($"The bias factor must be in [0, 1]; got {BiasFactor}.");
        if (!(Slop >= 0) || !(RestitutionThreshold >= 0)) throw new ArgumentException("Slop and restitution threshold must be non-negative.");
    }
}

/// <summary>
/// 2D rigid bodies of boxes under gravity with a sequential-impulse contact solver (Catto's scheme, as in Box2D):
/// each fixed step adds gravity to the velocities, finds the contacts, solves the non-penetration and Coulomb
/// friction impulses over several sweeps, starting from the previous step's impulses on the same features (warm
/// starting), then moves the bodies (semi-implicit Euler). Restitution applies above a closing-speed threshold.
/// The bodies are processed in the order they were added, so a run is reproducible bit for bit.
/// </summary>
public sealed class RigidWorld
{
    sealed class Contact
    {
        public ContactPoint Point;
        public double NormalImpulse, TangentImpulse;
        public double NormalMass, TangentMass, Bias, Friction;
        public Vec2 ArmA, ArmB;
    }

    sealed record Manifold(int A, int B, List<Contact> Points);

    readonly List<RigidBody> bodies = [];
    // In discovery order (bodies, then boxes), so the sweeps run in the same order every time.
    List<Manifold> manifolds = [];
    Dictionary<(int, int, int, int), Manifold> byKey = [];
    readonly ContactPoint[] scratch = new ContactPoint[2];

    /// <summary>A world with the given settings (defaults when null).</summary>
    public RigidWorld(RigidWorldSettings? settings = null)
    {
        Settings = settings ?? new RigidWorldSettings();
        Settings.Validate();
    }

    /// <summary>The solver settings.</summary>
    public RigidWorldSettings Settings { get; }

    /// <summary>The bodies, in the order they were added.</summary>
    public IReadOnlyList<RigidBody> Bodies => bodies;

    /// <summary>Simulated time so far (s).</summary>
    public double Time { get; private set; }

    /// <summary>Adds a body and returns its index.</summary>
    public int Add(RigidBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        bodies.Add(body);
        return bodies.Count - 1;
    }

    /// <summary>Advances by <paramref name="steps"/> fixed steps.</summary>
    public void Step(int steps = 1)
    {
        for (int s = 0; s < steps; s++) StepOnce();
    }

    /// <summary>Advances by at least <paramref name="seconds"/> of simulated time (whole steps).</summary>
    public void Advance(double seconds) => Step((int)Math.Ceiling(seconds / Settings.TimeStep - 1e-9));

    /// <summary>Total kinetic energy (translational and rotational).</summary>
    public double KineticEnergy() => bodies.Where(b => !b.IsStatic).Sum(b =>
        0.5 * b.Mass * Vec2.Dot(b.Velocity, b.Velocity) + 0.5 * b.Inertia * b.AngularVelocity * b.AngularVelocity);

    void StepOnce()
    {
        double dt = Settings.TimeStep;
        FindContacts();
        foreach (var body in bodies)
        {
            if (body.IsStatic) continue;
            body.Velocity += new Vec2(0, -Settings.Gravity * dt);
            if (!double.IsFinite(body.Velocity.X) || !double.IsFinite(body.Velocity.Y) || !double.IsFinite(body.AngularVelocity))
                throw new SimulationException("A rigid body's velocity became non-finite.", Time);
        }
        foreach (var m in manifolds)
            foreach (var c in m.Points) Prepare(bodies[m.A], bodies[m.B], c, dt);
        for (int iteration = 0; iteration < Settings.Iterations; iteration++)
            foreach (var m in manifolds)
                foreach (var c in m.Points) Solve(bodies[m.A], bodies[m.B], c);
        foreach (var body in bodies)
        {
            if (body.IsStatic) continue;
            body.Position += dt * body.Velocity;
            body.Angle += dt * body.AngularVelocity;
        }
        Time += dt;
    }

    /// <summary>Finds this step's contacts, carrying over the accumulated impulses of features still in touch.</summary>
    void FindContacts()
    {
        var nextList = new List<Manifold>();
        var nextByKey = new Dictionary<(int, int, int, int), Manifold>();
        var (boxes, extents) = Placements();
        for (int i = 0; i < bodies.Count; i++)
        {
            for (int j = i + 1; j < bodies.Count; j++)
            {
                if (bodies[i].IsStatic && bodies[j].IsStatic) continue;
                for (int p = 0; p < boxes[i].Length; p++)
                {
                    for (int q = 0; q < boxes[j].Length; q++)
                    {
                        if (!BoundsOverlap(boxes[i][p], extents[i][p], boxes[j][q], extents[j][q], 0)) continue;
                        int count = BoxCollision.Collide(boxes[i][p], boxes[j][q], 0, scratch); // the solver acts on touching boxes only
                        if (count == 0) continue;
                        var key = (i, j, p, q);
                        var old = byKey.GetValueOrDefault(key)?.Points;
                        var list = new List<Contact>(count);
                        for (int k = 0; k < count; k++)
                        {
                            var contact = new Contact { Point = scratch[k] };
                            foreach (var previous in old ?? [])
                            {
                                if (previous.Point.Feature != scratch[k].Feature) continue;
                                contact.NormalImpulse = previous.NormalImpulse;
                                contact.TangentImpulse = previous.TangentImpulse;
                                break;
                            }
                            list.Add(contact);
                        }
                        var manifold = new Manifold(i, j, list);
                        nextList.Add(manifold);
                        nextByKey[key] = manifold;
                    }
                }
            }
        }
        manifolds = nextList;
        byKey = nextByKey;
    }

    /// <summary>Every body's boxes where they are now, with the half extents of their axis-aligned bounds (computed once per step).</summary>
    (RigidBox[][] Boxes, Vec2[][] Extents) Placements()
    {
        var boxes = new RigidBox[bodies.Count][];
        var extents = new Vec2[bodies.Count][];
        for (int i = 0; i < bodies.Count; i++)
        {
            boxes[i] = new RigidBox[bodies[i].BoxCount];
            extents[i] = new Vec2[bodies[i].BoxCount];
            for (int p = 0; p < boxes[i].Length; p++)
            {
                var box = boxes[i][p] = bodies[i].WorldBox(p);
                double c = Math.Abs(Math.Cos(box.Angle)), s = Math.Abs(Math.Sin(box.Angle));
                extents[i][p] = new Vec2(c * box.HalfSize.X + s * box.HalfSize.Y, s * box.HalfSize.X + c * box.HalfSize.Y);
            }
        }
        return (boxes, extents);
    }

    static bool BoundsOverlap(in RigidBox a, Vec2 ea, in RigidBox b, Vec2 eb, double margin) =>
        Math.Abs(a.Center.X - b.Center.X) <= ea.X + eb.X + margin && Math.Abs(a.Center.Y - b.Center.Y) <= ea.Y + eb.Y + margin;

    void Prepare(RigidBody a, RigidBody b, Contact c, double dt)
    {
        Vec2 n = c.Point.Normal, t = n.Perp;
        c.ArmA = c.Point.Position - a.Position;
        c.ArmB = c.Point.Position - b.Position;
        c.NormalMass = 1 / EffectiveInverseMass(a, b, c.ArmA, c.ArmB, n);
        c.TangentMass = 1 / EffectiveInverseMass(a, b, c.ArmA, c.ArmB, t);
        c.Friction = Math.Sqrt(a.Friction * b.Friction);
        double baumgarte = -Settings.BiasFactor / dt * Math.Min(0, c.Point.Separation + Settings.Slop);
        double closing = Vec2.Dot(b.PointVelocity(c.Point.Position) - a.PointVelocity(c.Point.Position), n);
        double restitution = Math.Max(a.Restitution, b.Restitution);
        double bounce = closing < -Settings.RestitutionThreshold ? -restitution * closing : 0;
        c.Bias = Math.Max(baumgarte, bounce);
        var impulse = c.NormalImpulse * n + c.TangentImpulse * t; // warm start
        a.ApplyImpulse(-impulse, c.Point.Position);
        b.ApplyImpulse(impulse, c.Point.Position);
    }

    static double EffectiveInverseMass(RigidBody a, RigidBody b, Vec2 ra, Vec2 rb, Vec2 direction)
    {
        double ca = Vec2.Cross(ra, direction), cb = Vec2.Cross(rb, direction);
        return a.InverseMass + b.InverseMass + a.InverseInertia * ca * ca + b.InverseInertia * cb * cb;
    }

    static void Solve(RigidBody a, RigidBody b, Contact c)
    {
        Vec2 n = c.Point.Normal, t = n.Perp, p = c.Point.Position;
        Vec2 relative = b.PointVelocity(p) - a.PointVelocity(p);
        double previous = c.NormalImpulse;
        c.NormalImpulse = Math.Max(previous + c.NormalMass * (c.Bias - Vec2.Dot(relative, n)), 0);
        var normalImpulse = (c.NormalImpulse - previous) * n;
        a.ApplyImpulse(-normalImpulse, p);
        b.ApplyImpulse(normalImpulse, p);

        relative = b.PointVelocity(p) - a.PointVelocity(p);
        double limit = c.Friction * c.NormalImpulse;
        previous = c.TangentImpulse;
        c.TangentImpulse = Math.Clamp(previous - c.TangentMass * Vec2.Dot(relative, t), -limit, limit);
        var tangentImpulse = (c.TangentImpulse - previous) * t;
        a.ApplyImpulse(-tangentImpulse, p);
        b.ApplyImpulse(tangentImpulse, p);
    }

    /// <summary>
    /// The contacts between boxes of different bodies where the bodies are now (boxes less than <paramref name="gap"/>
    /// apart count as touching), for the static check and for contact graphs: each with the indices of the two bodies
    /// and boxes, the point, and the unit normal pointing from the first body to the second.
    /// </summary>
    public IReadOnlyList<BodyContact> CurrentContacts(double gap = 1e-3)
    {
        if (!(gap >= 0)) throw new ArgumentException($"The contact gap must be non-negative; got {gap}.");
        var result = new List<BodyContact>();
        var (boxes, extents) = Placements();
        for (int i = 0; i < bodies.Count; i++)
            for (int j = i + 1; j < bodies.Count; j++)
            {
                if (bodies[i].IsStatic && bodies[j].IsStatic) continue;
                for (int p = 0; p < boxes[i].Length; p++)
                    for (int q = 0; q < boxes[j].Length; q++)
                    {
                        if (!BoundsOverlap(boxes[i][p], extents[i][p], boxes[j][q], extents[j][q], gap)) continue;
                        var (boxA, boxB) = (boxes[i][p], boxes[j][q]);
                        int count = BoxCollision.Collide(boxA, boxB, gap, scratch);
                        for (int k = 0; k < count; k++)
                            result.Add(new BodyContact(i, j, p, q, scratch[k].Position, scratch[k].Normal));
                    }
            }
        return result;
    }
}

/// <summary>A contact point between box <see cref="BoxA"/> of body <see cref="BodyA"/> and box <see cref="BoxB"/> of
/// body <see cref="BodyB"/>; <see cref="Normal"/> points from A to B.</summary>
public readonly record struct BodyContact(int BodyA, int BodyB, int BoxA, int BoxB, Vec2 Position, Vec2 Normal);
