using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>How values falling into one segment (e.g. the edges arriving at one node) are combined.</summary>
public enum Reducer
{
    /// <summary>Sum (0 for an empty segment).</summary>
    Sum,
    /// <summary>Arithmetic mean (0 for an empty segment).</summary>
    Mean,
    /// <summary>Element-wise maximum (0 for an empty segment).</summary>
    Max,
    /// <summary>Element-wise minimum (0 for an empty segment).</summary>
    Min,
}

/// <summary>
/// Differentiable reductions over segments: row <c>i</c> of <c>data</c> belongs to segment <c>segmentIds[i]</c>
/// (Int64, in <c>[0, numSegments)</c>, any order). The result has <c>numSegments</c> rows; empty segments give 0.
/// <para>
/// TorchSharp 0.107 has no <c>scatter_reduce</c>, so max/min either build a dense padded view
/// <c>[numSegments, largest segment, …]</c> filled with ∓∞ by <c>index_copy</c> and reduce it with <c>max/min(dim)</c>,
/// or, when segment sizes are too skewed for that, take log₂ rounds of pairwise maxima over rows sorted by segment;
/// gradients flow through <c>index_copy</c>/<c>index_select</c> back to the selected rows.
/// </para>
/// </summary>
public static class Aggregations
{
    /// <summary>Applies <paramref name="reducer"/> over segments.</summary>
    public static Tensor Segment(Reducer reducer, Tensor data, Tensor segmentIds, long numSegments) => reducer switch
    {
        Reducer.Sum => SegmentSum(data, segmentIds, numSegments),
        Reducer.Mean => SegmentMean(data, segmentIds, numSegments),
        Reducer.Max => SegmentMax(data, segmentIds, numSegments),
        Reducer.Min => SegmentMin(data, segmentIds, numSegments),
        _ => throw new ArgumentOutOfRangeException(nameof(reducer), reducer, "Unknown reducer."),
    };

    /// <summary>Sum of the rows of each segment.</summary>
    public static Tensor SegmentSum(Tensor data, Tensor segmentIds, long numSegments)
    {
        Check(data, segmentIds, numSegments);
        using var scope = NewDisposeScope();
        var shape = data.shape.ToArray();
        shape[0] = numSegments;
        // An explicit Scalar, disposed after the call: an implicitly converted one is unreachable once its handle is
        // passed, and its finalizer freed it during a long index_add (libtorch "INTERNAL ASSERT FAILED at Scalar.h:279",
        // seen once in a parallel test run).
        using var one = 1.0.ToScalar();
        var result = zeros(shape, dtype: data.dtype, device: data.device).index_add(0, segmentIds, data, one);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Mean of the rows of each segment.</summary>
    public static Tensor SegmentMean(Tensor data, Tensor segmentIds, long numSegments)
    {
        Check(data, segmentIds, numSegments);
        using var scope = NewDisposeScope();
        var sum = SegmentSum(data, segmentIds, numSegments);
        using var one = 1.0.ToScalar(); // explicit, as in SegmentSum
        var count = Counts(segmentIds, numSegments).to_type(data.dtype).clamp_min(one);
        return (sum / BroadcastRows(count, data.dim())).MoveToOuterDisposeScope();
    }

    /// <summary>Element-wise maximum over the rows of each segment.</summary>
    public static Tensor SegmentMax(Tensor data, Tensor segmentIds, long numSegments) => Extremum(data, segmentIds, numSegments, max: true, ExtremumMethod.Auto);

    /// <summary>Element-wise minimum over the rows of each segment.</summary>
    public static Tensor SegmentMin(Tensor data, Tensor segmentIds, long numSegments) => Extremum(data, segmentIds, numSegments, max: false, ExtremumMethod.Auto);

    internal enum ExtremumMethod { Auto, Dense, Doubling }

    /// <summary>
    /// Segment max/min. Two exact, differentiable methods: <c>Dense</c> copies the rows into a padded
    /// <c>[numSegments, largest segment, …]</c> view filled with ∓∞ and reduces it with <c>max/min(dim)</c>;
    /// <c>Doubling</c> sorts the rows by segment and takes ⌈log₂(largest segment)⌉ rounds of pairwise
    /// <c>maximum/minimum</c> with the row 1, 2, 4, … places ahead in the same segment (memory O(rows) per round).
    /// <c>Auto</c> uses the dense view unless it would be more than 4× larger than the data (skewed segment sizes).
    /// </summary>
    internal static Tensor Extremum(Tensor data, Tensor segmentIds, long numSegments, bool max, ExtremumMethod method)
    {
        Check(data, segmentIds, numSegments);
        using var scope = NewDisposeScope();
        var n = data.shape[0];
        if (n == 0 || numSegments == 0) return ZerosLike(data, numSegments).MoveToOuterDisposeScope();
        var device = data.device;
        var counts = Counts(segmentIds, numSegments);
        var maxSize = counts.max().item<long>();
        var (sortedIds, order) = segmentIds.sort(0, descending: false, stable: true);
        var starts = counts.cumsum(0) - counts;
        var rankSorted = arange(n, dtype: ScalarType.Int64, device: device) - starts.index_select(0, sortedIds);
        if (method == ExtremumMethod.Auto)
            method = numSegments * maxSize <= 4 * n ? ExtremumMethod.Dense : ExtremumMethod.Doubling;

        Tensor result;
        if (method == ExtremumMethod.Dense)
        {
            var rank = empty(n, dtype: ScalarType.Int64, device: device).index_copy(0, order, rankSorted);
            var slot = segmentIds * maxSize + rank;
            var shape = data.shape.ToArray();
            shape[0] = numSegments * maxSize;
            var fill = max ? double.NegativeInfinity : double.PositiveInfinity;
            var dense = full(shape, fill, dtype: data.dtype, device: device).index_copy(0, slot, data);
            var denseShape = new long[shape.Length + 1];
            denseShape[0] = numSegments;
            denseShape[1] = maxSize;
            Array.Copy(shape, 1, denseShape, 2, shape.Length - 1);
            var (values, _) = max ? dense.reshape(denseShape).max(1) : dense.reshape(denseShape).min(1);
            using var zero = 0.0.ToScalar(); // kept alive through the call, as in SegmentSum
            result = values.masked_fill(BroadcastRows(counts.eq(0), data.dim()), zero);
        }
        else
        {
            var x = data.index_select(0, order);
            var sizeSorted = counts.index_select(0, sortedIds);
            var position = arange(n, dtype: ScalarType.Int64, device: device);
            for (long step = 1; step < maxSize; step *= 2)
            {
                var valid = BroadcastRows((rankSorted + step).lt(sizeSorted), data.dim());
                var partner = x.index_select(0, (position + step).clamp_max(n - 1));
                x = where(valid, max ? maximum(x, partner) : minimum(x, partner), x);
            }
            var nonEmpty = counts.gt(0).nonzero().reshape(-1);
            result = ZerosLike(data, numSegments).index_copy(0, nonEmpty, x.index_select(0, starts.index_select(0, nonEmpty)));
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Softmax of <paramref name="logits"/> within each segment (independently per feature column):
    /// <c>exp(xᵢ − max) / Σ_{j in segment} exp(xⱼ − max)</c>. The result has the shape of <paramref name="logits"/>.
    /// </summary>
    public static Tensor SegmentSoftmax(Tensor logits, Tensor segmentIds, long numSegments)
    {
        Check(logits, segmentIds, numSegments);
        using var scope = NewDisposeScope();
        // Shifting by a per-segment constant leaves the softmax unchanged, so the (detached) max only adds stability.
        Tensor shift;
        using (no_grad()) shift = SegmentMax(logits.detach(), segmentIds, numSegments).index_select(0, segmentIds);
        var ex = (logits - shift).exp();
        var denominator = SegmentSum(ex, segmentIds, numSegments).index_select(0, segmentIds);
        return (ex / denominator).MoveToOuterDisposeScope();
    }

    /// <summary>Int64 <c>[numSegments]</c>: number of rows in each segment.</summary>
    public static Tensor Counts(Tensor segmentIds, long numSegments)
    {
        if (segmentIds.shape[0] == 0) return zeros(numSegments, dtype: ScalarType.Int64, device: segmentIds.device);
        return segmentIds.bincount(null, numSegments);
    }

    private static Tensor ZerosLike(Tensor data, long numSegments)
    {
        var shape = data.shape.ToArray();
        shape[0] = numSegments;
        return zeros(shape, dtype: data.dtype, device: data.device);
    }

    private static Tensor BroadcastRows(Tensor perSegment, long rank)
    {
        var shape = new long[rank];
        shape[0] = perSegment.shape[0];
        for (var i = 1; i < rank; i++) shape[i] = 1;
        return perSegment.reshape(shape);
    }

    private static void Check(Tensor data, Tensor segmentIds, long numSegments)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(segmentIds);
        if (numSegments < 0) throw new ArgumentOutOfRangeException(nameof(numSegments), numSegments, "Number of segments must not be negative.");
        if (data.dim() < 1) throw new ArgumentException("Segment reduction needs data with at least one dimension.", nameof(data));
        if (segmentIds.dtype != ScalarType.Int64 || segmentIds.dim() != 1)
            throw new ArgumentException($"Segment ids must be a 1-D Int64 tensor; got {segmentIds.dtype} with shape [{string.Join(", ", segmentIds.shape)}].", nameof(segmentIds));
        if (segmentIds.shape[0] != data.shape[0])
            throw new ArgumentException($"Segment ids have {segmentIds.shape[0]} entries but data has {data.shape[0]} rows.", nameof(segmentIds));
    }
}
