namespace Occam.Physics.Rigid;

/// <summary>
/// A solid rectangle: its centre, half width and half height, its angle (radians, counter-clockwise) and its mass
/// (uniform density). Used in world coordinates to build bodies, and returned by <see cref="RigidBody.WorldBox"/>.
/// </summary>
public readonly record struct RigidBox(Vec2 Center, Vec2 HalfSize, double Angle = 0, double Mass = 1)
{
    /// <summary>The moment of inertia about the box's own centre, m(w² + h²)/12 with w, h the full sizes.</summary>
    public double CentralInertia => Mass * (HalfSize.X * HalfSize.X + HalfSize.Y * HalfSize.Y) / 3;

    /// <summary>The unit vector along the box's local x axis.</summary>
    public Vec2 AxisX => new(Math.Cos(Angle), Math.Sin(Angle));

    /// <summary>The unit vector along the box's local y axis.</summary>
    public Vec2 AxisY => new(-Math.Sin(Angle), Math.Cos(Angle));

    /// <summary>The four corners, counter-clockwise from (−w/2, −h/2).</summary>
    public Vec2[] Corners()
    {
        Vec2 ex = HalfSize.X * AxisX, ey = HalfSize.Y * AxisY;
        return [Center - ex - ey, Center + ex - ey, Center + ex + ey, Center - ex + ey];
    }

    internal void Validate(string what)
    {
        if (!double.IsFinite(Center.X) || !double.IsFinite(Center.Y) || !double.IsFinite(Angle))
            throw new ArgumentException($"{what}: the centre and angle must be finite; got {Center} at {Angle}.");
        if (!(HalfSize.X > 0) || !(HalfSize.Y > 0) || !double.IsFinite(HalfSize.X) || !double.IsFinite(HalfSize.Y))
            throw new ArgumentException($"{what}: half sizes must be positive and finite; got {HalfSize.X} × {HalfSize.Y}.");
        if (!(Mass > 0) || !double.IsFinite(Mass))
            throw new ArgumentException($"{what}: the mass must be positive and finite; got {Mass}.");
    }
}
