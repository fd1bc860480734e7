namespace Occam.Physics.Rigid;

/// <summary>
/// The static stability check: a set of bodies at rest is stable when contact forces exist that only push, stay in
/// the friction cone and balance each movable body's weight in force and torque. In 2D the cone is exact as two
/// linear inequalities, so this is a linear feasibility problem, solved by <c>LinearFeasibility</c>.
/// </summary>
/// <remarks>
/// Each face contact is the segment between its two contact points; forces at its ends span every force the
/// segment can carry. <c>supportMargin</c> moves the ends inward (positive: a stricter test, stable with a margin)
/// or outward (negative: a looser one), so that a tower can be called clearly stable or clearly unstable.
/// </remarks>
public static class StaticStability
{
    /// <summary>Whether the bodies of <paramref name="world"/> can stay at rest as they are now (boxes less than
    /// <paramref name="contactGap"/> apart count as touching).</summary>
    public static bool IsStable(RigidWorld world, double supportMargin = 0, double contactGap = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(world);
        var contacts = Adjust(world.CurrentContacts(contactGap), supportMargin);
        var bodies = world.Bodies;
        var rowOf = new int[bodies.Count];
        int rows = 0;
        for (int i = 0; i < bodies.Count; i++) rowOf[i] = bodies[i].IsStatic ? -1 : 3 * rows++;
        if (rows == 0) return true;
        int equilibriumRows = 3 * rows;
        // Per contact: normal force, tangential force split in its positive and negative parts, friction slack.
        var a = new double[equilibriumRows + contacts.Count, 4 * contacts.Count];
        var b = new double[equilibriumRows + contacts.Count];
        double length = 0; // torques in units of the largest movable box, so that all rows weigh alike
        foreach (var body in bodies.Where(b => !b.IsStatic))
            for (int k = 0; k < body.BoxCount; k++) length = Math.Max(length, body.WorldBox(k).HalfSize.Length);
        for (int i = 0; i < bodies.Count; i++)
            if (rowOf[i] >= 0) b[rowOf[i] + 1] = bodies[i].Mass; // weight, in units of g, balanced by the contacts' lift

        for (int k = 0; k < contacts.Count; k++)
        {
            var c = contacts[k];
            Vec2 n = c.Normal, t = n.Perp;
            double friction = Math.Sqrt(bodies[c.BodyA].Friction * bodies[c.BodyB].Friction);
            // Column 4k: normal, 4k+1: +tangent, 4k+2: −tangent; the force acts on B as given and on A reversed.
            Span<Vec2> directions = [n, t, -t];
            foreach (var (body, sign) in new[] { (c.BodyA, -1.0), (c.BodyB, 1.0) })
            {
                int row = rowOf[body];
                if (row < 0) continue;
                var arm = c.Position - bodies[body].Position;
                for (int d = 0; d < 3; d++)
                {
                    var force = sign * directions[d];
                    a[row, 4 * k + d] += force.X;
                    a[row + 1, 4 * k + d] += force.Y;
                    a[row + 2, 4 * k + d] += Vec2.Cross(arm, force) / length;
                }
            }
            int cone = equilibriumRows + k; // μ·f_n − f_t⁺ − f_t⁻ − slack = 0
            a[cone, 4 * k] = friction;
            a[cone, 4 * k + 1] = -1;
            a[cone, 4 * k + 2] = -1;
            a[cone, 4 * k + 3] = -1;
        }
        return LinearFeasibility.Solve(a, b) is not null;
    }

    /// <summary>Moves the ends of each two-point contact along their segment by the margin (inward when positive).</summary>
    static List<BodyContact> Adjust(IReadOnlyList<BodyContact> contacts, double margin)
    {
        var result = new List<BodyContact>(contacts.Count);
        for (int k = 0; k < contacts.Count; k++)
        {
            var c = contacts[k];
            bool pair = k + 1 < contacts.Count && SameBoxes(c, contacts[k + 1]);
            if (!pair || margin == 0)
            {
                result.Add(c);
                continue;
            }
            var d = contacts[k + 1];
            var along = d.Position - c.Position;
            double length = along.Length;
            if (length < 1e-12)
            {
                result.Add(c);
                result.Add(d);
            }
            else if (margin > 0 && 2 * margin >= length)
            {
                var middle = c.Position + 0.5 * along;
                result.Add(c with { Position = middle });
            }
            else
            {
                var shift = margin / length * along;
                result.Add(c with { Position = c.Position + shift });
                result.Add(d with { Position = d.Position - shift });
            }
            k++;
        }
        return result;
    }

    static bool SameBoxes(BodyContact x, BodyContact y) => x.BodyA == y.BodyA && x.BodyB == y.BodyB && x.BoxA == y.BoxA && x.BoxB == y.BoxB;
}
