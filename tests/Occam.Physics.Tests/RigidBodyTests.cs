using Occam.Physics.Rigid;

namespace Occam.Physics.Tests;

public sealed class RigidBodyTests
{
    const double G = 9.81;

    static RigidBody Ground(double friction = 0.6) => RigidBody.Static([new RigidBox(new Vec2(0, -0.5), new Vec2(20, 0.5))], friction);

    static RigidBox Block(double x, double y, double halfWidth = 0.5, double halfHeight = 0.25, double mass = 1) =>
        new(new Vec2(x, y), new Vec2(halfWidth, halfHeight), 0, mass);

    static double Distance(Vec2 a, Vec2 b) => (a - b).Length;

    [Fact]
    public void A_box_at_rest_on_the_ground_stays_put()
    {
        var world = new RigidWorld();
        world.Add(Ground());
        var box = RigidBody.Dynamic([Block(0.3, 0.25)]);
        world.Add(box);
        world.Advance(3);
        // The contact settles into the solver's slop (0.005) and no further.
        Assert.True(Distance(box.Position, new Vec2(0.3, 0.25)) < 0.006, $"moved to {box.Position}");
        Assert.True(Math.Abs(box.Angle) < 1e-6, $"turned by {box.Angle}");
        Assert.True(world.KineticEnergy() < 1e-8, $"kinetic energy {world.KineticEnergy():E2}");
    }

    [Fact]
    public void Free_fall_matches_half_g_t_squared()
    {
        var settings = new RigidWorldSettings();
        var world = new RigidWorld(settings);
        var box = RigidBody.Dynamic([Block(0, 10)]);
        world.Add(box);
        world.Advance(1.0);
        double t = world.Time, dt = settings.TimeStep;
        double drop = 10 - box.Position.Y;
        // Semi-implicit Euler drops ½g·t·(t + dt): ½gt² within ½g·dt·t, and the step sum exactly.
        Assert.True(Math.Abs(drop - 0.5 * G * t * t) <= 0.5 * G * dt * t + 1e-9, $"drop {drop} against ½gt² = {0.5 * G * t * t}");
        Assert.Equal(0.5 * G * t * (t + dt), drop, 9);
        Assert.Equal(-G * t, box.Velocity.Y, 9);
    }

    [Theory]
    [InlineData(20, 0.5)]
    [InlineData(30, 0.7)]
    [InlineData(35, 0.5)]
    [InlineData(40, 0.3)]
    public void A_box_on_a_slope_slides_iff_tan_theta_exceeds_mu_with_the_analytic_acceleration(double degrees, double mu)
    {
        double theta = degrees * Math.PI / 180;
        var world = new RigidWorld();
        world.Add(RigidBody.Static([new RigidBox(Vec2.Zero, new Vec2(20, 0.5), theta)], mu));
        var normal = new Vec2(-Math.Sin(theta), Math.Cos(theta));
        var downhill = new Vec2(-Math.Cos(theta), -Math.Sin(theta));
        var start = (0.5 + 0.25) * normal;
        var box = RigidBody.Dynamic([new RigidBox(start, new Vec2(0.5, 0.25), theta)], mu);
        world.Add(box);
        world.Advance(1.0);
        double t = world.Time;
        double travelled = Vec2.Dot(box.Position - start, downhill);
        if (Math.Tan(theta) > mu)
        {
            double expected = 0.5 * G * (Math.Sin(theta) - mu * Math.Cos(theta)) * t * t;
            // Within 2 %: the Euler step's ½a·dt·t (0.8 % at one second) plus the contact settling in.
            Assert.True(Math.Abs(travelled - expected) < 0.02 * expected, $"slid {travelled}, analytic {expected}");
        }
        else
        {
            Assert.True(Math.Abs(travelled) < 2e-3, $"slid {travelled} although tan θ = {Math.Tan(theta):F3} ≤ μ = {mu}");
        }
    }

    [Fact]
    public void Momentum_is_conserved_in_a_collision_between_free_boxes()
    {
        var world = new RigidWorld(new RigidWorldSettings { Gravity = 0 });
        var a = RigidBody.Dynamic([new RigidBox(new Vec2(-1, 0), new Vec2(0.4, 0.3), 0.2, 1.0)], restitution: 0.5);
        var b = RigidBody.Dynamic([new RigidBox(new Vec2(1, 0.15), new Vec2(0.3, 0.5), -0.1, 3.0)], restitution: 0.5);
        a.Velocity = new Vec2(3, 0.2);
        b.Velocity = new Vec2(-1, 0);
        b.AngularVelocity = 0.5;
        world.Add(a);
        world.Add(b);
        Vec2 Momentum() => a.Mass * a.Velocity + b.Mass * b.Velocity;
        double AngularMomentum() => a.Inertia * a.AngularVelocity + a.Mass * Vec2.Cross(a.Position, a.Velocity)
                                  + b.Inertia * b.AngularVelocity + b.Mass * Vec2.Cross(b.Position, b.Velocity);
        var p0 = Momentum();
        double l0 = AngularMomentum();
        var vBefore = a.Velocity;
        world.Advance(1.5);
        Assert.True(Vec2.Dot(a.Velocity - vBefore, new Vec2(1, 0)) < -1, "the boxes did not collide");
        Assert.True(Distance(Momentum(), p0) < 1e-9 * p0.Length, $"momentum {p0} became {Momentum()}");
        Assert.True(Math.Abs(AngularMomentum() - l0) < 1e-9 * (Math.Abs(l0) + 1), $"angular momentum {l0} became {AngularMomentum()}");
    }

    [Fact]
    public void Equal_boxes_in_an_elastic_head_on_collision_exchange_velocities()
    {
        var world = new RigidWorld(new RigidWorldSettings { Gravity = 0 });
        var a = RigidBody.Dynamic([Block(-1, 0)], restitution: 1);
        var b = RigidBody.Dynamic([Block(1, 0)], restitution: 1);
        a.Velocity = new Vec2(2, 0);
        world.Add(a);
        world.Add(b);
        world.Advance(1.0);
        Assert.Equal(0, a.Velocity.X, 3);
        Assert.Equal(2, b.Velocity.X, 3);
    }

    static (RigidWorld World, RigidBody Upper) Overhang(double offset, bool glued)
    {
        var world = new RigidWorld();
        world.Add(Ground());
        var lower = Block(0, 0.25);
        var upper = Block(offset, 0.75);
        if (glued)
        {
            var body = RigidBody.Dynamic([lower, upper]);
            world.Add(body);
            return (world, body);
        }
        world.Add(RigidBody.Dynamic([lower]));
        var top = RigidBody.Dynamic([upper]);
        world.Add(top);
        return (world, top);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    [InlineData(-0.4)]
    [InlineData(0.45)]
    [InlineData(0.55)]
    [InlineData(-0.6)]
    [InlineData(0.8)]
    public void A_two_block_overhang_is_stable_iff_the_upper_centre_of_mass_is_over_the_lower_block(double offset)
    {
        bool analytic = Math.Abs(offset) < 0.5; // the lower block spans [−0.5, 0.5]
        var (world, upper) = Overhang(offset, glued: false);
        Assert.Equal(analytic, StaticStability.IsStable(world));
        var start = upper.WorldBox(0).Center;
        world.Advance(2);
        bool stayed = Distance(upper.WorldBox(0).Center, start) < 0.05;
        Assert.Equal(analytic, stayed);
    }

    [Fact]
    public void The_static_check_fails_without_support_and_without_friction_on_a_slope()
    {
        var floating = new RigidWorld();
        floating.Add(Ground());
        floating.Add(RigidBody.Dynamic([Block(0, 1)]));
        Assert.False(StaticStability.IsStable(floating));

        static RigidWorld Slope(double mu)
        {
            double theta = 30 * Math.PI / 180;
            var world = new RigidWorld();
            world.Add(RigidBody.Static([new RigidBox(Vec2.Zero, new Vec2(20, 0.5), theta)], mu));
            world.Add(RigidBody.Dynamic([new RigidBox(0.75 * new Vec2(-Math.Sin(theta), Math.Cos(theta)), new Vec2(0.5, 0.25), theta)], mu));
            return world;
        }
        Assert.True(StaticStability.IsStable(Slope(0.6)));   // tan 30° = 0.577
        Assert.False(StaticStability.IsStable(Slope(0.55)));
    }

    [Fact]
    public void A_glued_pair_is_one_body_of_the_summed_mass_and_inertia()
    {
        var lower = Block(0, 0.25, mass: 1);
        var upper = Block(0.7, 0.75, halfWidth: 0.4, halfHeight: 0.2, mass: 2);
        var body = RigidBody.Dynamic([lower, upper]);
        Assert.Equal(3, body.Mass, 12);
        var com = new Vec2((0 * 1 + 0.7 * 2) / 3, (0.25 * 1 + 0.75 * 2) / 3);
        Assert.Equal(com.X, body.Position.X, 12);
        Assert.Equal(com.Y, body.Position.Y, 12);
        // Each box: m(w² + h²)/12 about its centre, plus m·d² to the common centre of mass.
        double inertia = 1 * (1.0 * 1.0 + 0.5 * 0.5) / 12 + 1 * (com.X * com.X + (0.25 - com.Y) * (0.25 - com.Y))
                       + 2 * (0.8 * 0.8 + 0.4 * 0.4) / 12 + 2 * ((0.7 - com.X) * (0.7 - com.X) + (0.75 - com.Y) * (0.75 - com.Y));
        Assert.Equal(inertia, body.Inertia, 12);

        // An impulse spins it as one body: ω = r × J / I, and the boxes keep their distance.
        var world = new RigidWorld(new RigidWorldSettings { Gravity = 0 });
        world.Add(body);
        var point = new Vec2(0.7, 0.95);
        var impulse = new Vec2(1.5, -0.5);
        body.ApplyImpulse(impulse, point);
        Assert.Equal(Vec2.Cross(point - com, impulse) / inertia, body.AngularVelocity, 12);
        double gap = Distance(body.WorldBox(0).Center, body.WorldBox(1).Center);
        world.Advance(1);
        Assert.Equal(gap, Distance(body.WorldBox(0).Center, body.WorldBox(1).Center), 9);
        Assert.Equal(com.X + impulse.X / 3 * world.Time, body.Position.X, 9);
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(-0.9)]
    public void Gluing_saves_an_overhang_whose_joint_centre_of_mass_is_over_the_base(double offset)
    {
        // Apart, the upper block falls; glued, the pair's centre of mass (offset/2) is over the lower block's base.
        var (apart, upper) = Overhang(offset, glued: false);
        var (glued, pair) = Overhang(offset, glued: true);
        Assert.False(StaticStability.IsStable(apart));
        Assert.True(StaticStability.IsStable(glued));
        var startApart = upper.WorldBox(0).Center;
        var startGlued = pair.WorldBox(1).Center;
        apart.Advance(2);
        glued.Advance(2);
        Assert.True(Distance(upper.WorldBox(0).Center, startApart) > 0.1, $"apart, the upper block went from {startApart} to {upper.WorldBox(0).Center}");
        Assert.True(Distance(pair.WorldBox(1).Center, startGlued) < 0.02, $"glued, the upper block went from {startGlued} to {pair.WorldBox(1).Center}");
    }

    [Fact]
    public void The_linear_feasibility_solver_finds_non_negative_solutions_and_reports_none()
    {
        // x + y = 1, x − y = 0.5: the solution (0.75, 0.25) is non-negative.
        var x = LinearFeasibility.Solve(new double[,] { { 1, 1 }, { 1, -1 } }, [1, 0.5]);
        Assert.NotNull(x);
        Assert.Equal(0.75, x[0], 9);
        Assert.Equal(0.25, x[1], 9);
        // x + y = 1, x − y = 2 needs y = −0.5.
        Assert.Null(LinearFeasibility.Solve(new double[,] { { 1, 1 }, { 1, -1 } }, [1, 2]));
        // Underdetermined: x + 2y − z = −3 has non-negative solutions (z ≥ 3); any it returns must satisfy the row.
        var y = LinearFeasibility.Solve(new double[,] { { 1, 2, -1 } }, [-3]);
        Assert.NotNull(y);
        Assert.Equal(-3, y[0] + 2 * y[1] - y[2], 9);
        Assert.All(y, v => Assert.True(v >= 0));
    }

    [Fact]
    public void Bad_bodies_are_refused_with_what_is_wrong()
    {
        Assert.Contains("half sizes", Assert.Throws<ArgumentException>(() => RigidBody.Dynamic([new RigidBox(Vec2.Zero, new Vec2(0, 1))])).Message);
        Assert.Contains("mass", Assert.Throws<ArgumentException>(() => RigidBody.Dynamic([new RigidBox(Vec2.Zero, new Vec2(1, 1), 0, double.NaN)])).Message);
        Assert.Contains("at least one box", Assert.Throws<ArgumentException>(() => RigidBody.Dynamic([])).Message);
        Assert.Throws<ArgumentException>(() => new RigidWorld(new RigidWorldSettings { TimeStep = 0 }));
    }
}
