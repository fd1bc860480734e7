namespace Occam.Physics.Rigid;

/// <summary>A 2D vector in double precision (x to the right, y up).</summary>
public readonly record struct Vec2(double X, double Y)
{
    /// <summary>The zero vector.</summary>
    public static Vec2 Zero => default;

    /// <summary>Component-wise sum.</summary>
    public static Vec2 operator +(Vec2 a, Vec2 b) => new(a.X + b.X, a.Y + b.Y);

    /// <summary>Component-wise difference.</summary>
    public static Vec2 operator -(Vec2 a, Vec2 b) => new(a.X - b.X, a.Y - b.Y);

    /// <summary>Negation.</summary>
    public static Vec2 operator -(Vec2 a) => new(-a.X, -a.Y);

    /// <summary>Scaling.</summary>
    public static Vec2 operator *(double s, Vec2 a) => new(s * a.X, s * a.Y);

    /// <summary>Dot product.</summary>
    public static double Dot(Vec2 a, Vec2 b) => a.X * b.X + a.Y * b.Y;

    /// <summary>The 2D cross product a × b (the z component).</summary>
    public static double Cross(Vec2 a, Vec2 b) => a.X * b.Y - a.Y * b.X;

    /// <summary>ω × r for an angular velocity ω about z.</summary>
    public static Vec2 Cross(double w, Vec2 r) => new(-w * r.Y, w * r.X);

    /// <summary>The vector turned by +90°.</summary>
    public Vec2 Perp => new(-Y, X);

    /// <summary>Euclidean length.</summary>
    public double Length => Math.Sqrt(X * X + Y * Y);

    /// <summary>"(x, y)" in invariant notation.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"({X:G6}, {Y:G6})");

    /// <summary>The vector turned by <paramref name="angle"/> radians (counter-clockwise).</summary>
    public Vec2 Rotate(double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        return new Vec2(c * X - s * Y, s * X + c * Y);
    }
}
