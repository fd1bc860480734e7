namespace Occam.Physics.Rigid;

/// <summary>
/// A rigid body made of one or more boxes that move as one (blocks glued together form one body). The position is
/// the centre of mass; a static body has infinite mass and never moves.
/// </summary>
public sealed class RigidBody
{
    readonly RigidBox[] local; // centres relative to the centre of mass, angles relative to the body at angle 0

    RigidBody(RigidBox[] worldBoxes, bool isStatic, double friction, double restitution)
    {
        if (worldBoxes.Length == 0) throw new ArgumentException("A rigid body needs at least one box.");
        for (int i = 0; i < worldBoxes.Length; i++) worldBoxes[i].Validate($"box {i}");
        if (!(friction >= 0) || !double.IsFinite(friction)) throw new ArgumentException($"Friction must be non-negative and finite; got {friction}.");
        if (!(restitution >= 0 && restitution <= 1)) throw new ArgumentException($"Restitution must be in [0, 1]; got {restitution}.");
        Friction = friction;
        Restitution = restitution;
        double mass = worldBoxes.Sum(b => b.Mass);
        var center = new Vec2(worldBoxes.Sum(b => b.Mass * b.Center.X) / mass, worldBoxes.Sum(b => b.Mass * b.Center.Y) / mass);
        local = worldBoxes.Select(b => b with { Center = b.Center - center }).ToArray();
        Position = center;
        IsStatic = isStatic;
        Mass = mass;
        // Parallel axis theorem: each box's own inertia plus m·d² about the common centre of mass.
        Inertia = local.Sum(b => b.CentralInertia + b.Mass * Vec2.Dot(b.Center, b.Center));
        InverseMass = isStatic ? 0 : 1 / Mass;
        InverseInertia = isStatic ? 0 : 1 / Inertia;
    }

    /// <summary>A movable body of the given boxes (in world coordinates); they keep their relative placement for ever.</summary>
    public static RigidBody Dynamic(IEnumerable<RigidBox> boxes, double friction = 0.6, double restitution = 0) =>
        new([.. boxes ?? throw new ArgumentNullException(nameof(boxes))], isStatic: false, friction, restitution);

    /// <summary>An immovable body (ground, slope) of the given boxes; their masses only serve the bookkeeping.</summary>
    public static RigidBody Static(IEnumerable<RigidBox> boxes, double friction = 0.6, double restitution = 0) =>
        new([.. boxes ?? throw new ArgumentNullException(nameof(boxes))], isStatic: true, friction, restitution);

    /// <summary>Whether the body is immovable.</summary>
    public bool IsStatic { get; }

    /// <summary>Total mass of the boxes.</summary>
    public double Mass { get; }

    /// <summary>Moment of inertia about the centre of mass.</summary>
    public double Inertia { get; }

    /// <summary>1/mass (0 for a static body).</summary>
    public double InverseMass { get; }

    /// <summary>1/inertia (0 for a static body).</summary>
    public double InverseInertia { get; }

    /// <summary>Coulomb friction coefficient; a contact uses the geometric mean of its two bodies'.</summary>
    public double Friction { get; }

    /// <summary>Coefficient of restitution; a contact uses the larger of its two bodies'.</summary>
    public double Restitution { get; }

    /// <summary>Centre of mass in world coordinates.</summary>
    public Vec2 Position { get; set; }

    /// <summary>Rotation from the placement the body was built in (radians, counter-clockwise).</summary>
    public double Angle { get; set; }

    /// <summary>Velocity of the centre of mass.</summary>
    public Vec2 Velocity { get; set; }

    /// <summary>Angular velocity (radians per second, counter-clockwise).</summary>
    public double AngularVelocity { get; set; }

    /// <summary>Number of boxes in the body.</summary>
    public int BoxCount => local.Length;

    /// <summary>Box <paramref name="index"/> where the body is now.</summary>
    public RigidBox WorldBox(int index)
    {
        var b = local[index];
        return b with { Center = Position + b.Center.Rotate(Angle), Angle = b.Angle + Angle };
    }

    /// <summary>Applies an impulse at a world point (changes the velocities at once).</summary>
    public void ApplyImpulse(Vec2 impulse, Vec2 worldPoint)
    {
        Velocity += InverseMass * impulse;
        AngularVelocity += InverseInertia * Vec2.Cross(worldPoint - Position, impulse);
    }

    /// <summary>Velocity of the body's material at a world point.</summary>
    public Vec2 PointVelocity(Vec2 worldPoint) => Velocity + Vec2.Cross(AngularVelocity, worldPoint - Position);
}
