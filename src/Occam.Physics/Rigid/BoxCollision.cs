namespace Occam.Physics.Rigid;

/// <summary>One point of contact between two boxes: where, the unit normal from the first box to the second, the
/// signed gap along it (negative: overlap) and a key that names the features in touch (for warm starting).</summary>
internal readonly record struct ContactPoint(Vec2 Position, Vec2 Normal, double Separation, int Feature);

/// <summary>
/// Box–box contact by the separating axis test and clipping: the axis of least overlap (preferring the first box's
/// faces when nearly tied, so that resting contacts keep their features from step to step) gives the reference face;
/// the other box's face most opposed to it is clipped to the reference face's sides; the clipped points within
/// <c>margin</c> of the face are the contacts (at most two).
/// </summary>
internal static class BoxCollision
{
    const double RelativeTolerance = 0.95, AbsoluteTolerance = 0.01;

    public static int Collide(in RigidBox a, in RigidBox b, double margin, Span<ContactPoint> result)
    {
        Vec2 ax = a.AxisX, ay = a.AxisY, bx = b.AxisX, by = b.AxisY;
        Vec2 d = b.Center - a.Center;
        double c00 = Math.Abs(Vec2.Dot(ax, bx)), c01 = Math.Abs(Vec2.Dot(ax, by));
        double c10 = Math.Abs(Vec2.Dot(ay, bx)), c11 = Math.Abs(Vec2.Dot(ay, by));
        double dax = Vec2.Dot(ax, d), day = Vec2.Dot(ay, d), dbx = Vec2.Dot(bx, d), dby = Vec2.Dot(by, d);
        Vec2 ha = a.HalfSize, hb = b.HalfSize;

        double sepAx = Math.Abs(dax) - ha.X - (c00 * hb.X + c01 * hb.Y);
        double sepAy = Math.Abs(day) - ha.Y - (c10 * hb.X + c11 * hb.Y);
        double sepBx = Math.Abs(dbx) - hb.X - (c00 * ha.X + c10 * ha.Y);
        double sepBy = Math.Abs(dby) - hb.Y - (c01 * ha.X + c11 * ha.Y);
        if (sepAx > margin || sepAy > margin || sepBx > margin || sepBy > margin) return 0;

        // Axis 0/1: a's x/y faces; 2/3: b's x/y faces.
        int axis = 0;
        double best = sepAx;
        if (sepAy > RelativeTolerance * best + AbsoluteTolerance * ha.Y) { axis = 1; best = sepAy; }
        if (sepBx > RelativeTolerance * best + AbsoluteTolerance * hb.X) { axis = 2; best = sepBx; }
        if (sepBy > RelativeTolerance * best + AbsoluteTolerance * hb.Y) { axis = 3; }

        bool referenceIsA = axis < 2;
        ref readonly RigidBox reference = ref referenceIsA ? ref a : ref b;
        ref readonly RigidBox incident = ref referenceIsA ? ref b : ref a;
        Vec2 rx = referenceIsA ? ax : bx, ry = referenceIsA ? ay : by;
        Vec2 hr = reference.HalfSize;
        // The reference face's outward normal points from the reference box toward the incident one.
        Vec2 toIncident = incident.Center - reference.Center;
        Vec2 normal, side;
        double normalExtent, sideExtent;
        int referenceFace;
        if (axis % 2 == 0)
        {
            bool positive = Vec2.Dot(rx, toIncident) >= 0;
            normal = positive ? rx : -rx;
            side = ry;
            normalExtent = hr.X;
            sideExtent = hr.Y;
            referenceFace = positive ? 0 : 2;
        }
        else
        {
            bool positive = Vec2.Dot(ry, toIncident) >= 0;
            normal = positive ? ry : -ry;
            side = rx;
            normalExtent = hr.Y;
            sideExtent = hr.X;
            referenceFace = positive ? 1 : 3;
        }

        // The incident face: the face of the other box whose outward normal is most opposed to the reference normal.
        Vec2 ix = incident.AxisX, iy = incident.AxisY;
        Span<Vec2> faceNormals = [ix, iy, -ix, -iy];
        int incidentFace = 0;
        double lowest = double.PositiveInfinity;
        for (int f = 0; f < 4; f++)
        {
            double dot = Vec2.Dot(faceNormals[f], normal);
            if (dot < lowest) { lowest = dot; incidentFace = f; }
        }
        Vec2 faceNormal = faceNormals[incidentFace];
        Vec2 faceTangent = faceNormal.Perp;
        double incidentNormalExtent = incidentFace % 2 == 0 ? incident.HalfSize.X : incident.HalfSize.Y;
        double incidentTangentExtent = incidentFace % 2 == 0 ? incident.HalfSize.Y : incident.HalfSize.X;
        Vec2 faceCenter = incident.Center + incidentNormalExtent * faceNormal;
        Span<Vec2> points = [faceCenter - incidentTangentExtent * faceTangent, faceCenter + incidentTangentExtent * faceTangent];
        Span<int> ids = [0, 1];

        // Clip the incident segment to the two side planes of the reference face.
        double sideCenter = Vec2.Dot(side, reference.Center);
        if (!Clip(points, ids, side, sideCenter + sideExtent, clipId: 2)) return 0;
        if (!Clip(points, ids, -side, -sideCenter + sideExtent, clipId: 3)) return 0;

        double front = Vec2.Dot(normal, reference.Center) + normalExtent;
        Vec2 outwardNormal = referenceIsA ? normal : -normal; // always from a to b
        int count = 0;
        for (int k = 0; k < 2; k++)
        {
            double separation = Vec2.Dot(normal, points[k]) - front;
            if (separation > margin) continue;
            int feature = (referenceIsA ? 0 : 1000) + referenceFace * 100 + incidentFace * 10 + ids[k];
            // Halfway between the incident point and its projection on the reference face.
            result[count++] = new ContactPoint(points[k] - 0.5 * separation * normal, outwardNormal, separation, feature);
        }
        return count;
    }

    /// <summary>Keeps the part of the segment with dot(n, p) ≤ offset; false when nothing is left.</summary>
    static bool Clip(Span<Vec2> points, Span<int> ids, Vec2 n, double offset, int clipId)
    {
        double d0 = Vec2.Dot(n, points[0]) - offset, d1 = Vec2.Dot(n, points[1]) - offset;
        if (d0 > 0 && d1 > 0) return false;
        if (d0 <= 0 && d1 <= 0) return true;
        var cut = points[0] + d0 / (d0 - d1) * (points[1] - points[0]);
        if (d0 > 0) { points[0] = cut; ids[0] = clipId; }
        else { points[1] = cut; ids[1] = clipId; }
        return true;
    }
}
