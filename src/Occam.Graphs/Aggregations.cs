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
/// TorchSharp 0.107 has no <c>scatter_reduce</c>, so max/min build a dense padded view
/// <c>[numSegments, maxSegmentSize, …]</c> filled with −∞ by <c>index_copy</c> and reduce it with <c>max(dim)</c>;
/// gradients flow through <c>index_copy</c> back to the selected row (memory is numSegments × largest segment).
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
        var result = zeros(shape, dtype: data.dtype, device: data.device).index_add(0, segmentIds, data, 1.0);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Mean of the rows of each segment.</summary>
    public static Tensor SegmentMean(Tensor data, Tensor segmentIds, long numSegments)
    {
        Check(data, segmentIds, numSegments);
        using var scope = NewDisposeScope();
        var sum = SegmentSum(data, segmentIds, numSegments);
        var count = Counts(segmentIds, numSegments).to_type(data.dtype).clamp_min(1.0);
        return (sum / BroadcastRows(count, data.dim())).MoveToOuterDisposeScope();
    }

    /// <summary>Element-wise maximum over the rows of each segment.</summary>
    public static Tensor SegmentMax(Tensor data, Tensor segmentIds, long numSegments)
    {
        Check(data, segmentIds, numSegments);
        using var scope = NewDisposeScope();
        var (dense, empty) = Padded(data, segmentIds, numSegments, double.NegativeInfinity);
        if (dense is null) return ZerosLike(data, numSegments).MoveToOuterDisposeScope();
        var (values, _) = dense.max(1);
        return values.masked_fill(BroadcastRows(empty!, data.dim()), 0.0).MoveToOuterDisposeScope();
    }

    /// <summary>Element-wise minimum over the rows of each segment.</summary>
    public static Tensor SegmentMin(Tensor data, Tensor segmentIds, long numSegments)
    {
        Check(data, segmentIds, numSegments);
        using var scope = NewDisposeScope();
        var (dense, empty) = Padded(data, segmentIds, numSegments, double.PositiveInfinity);
        if (dense is null) return ZerosLike(data, numSegments).MoveToOuterDisposeScope();
        var (values, _) = dense.min(1);
        return values.masked_fill(BroadcastRows(empty!, data.dim()), 0.0).MoveToOuterDisposeScope();
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

    private static (Tensor? Dense, Tensor? Empty) Padded(Tensor data, Tensor segmentIds, long numSegments, double fill)
    {
        var n = data.shape[0];
        if (n == 0 || numSegments == 0) return (null, null);
        var device = data.device;
        var counts = Counts(segmentIds, numSegments);
        var maxSize = counts.max().item<long>();
        var (sortedIds, order) = segmentIds.sort(0, descending: false, stable: true);
        var starts = counts.cumsum(0) - counts;
        var rankSorted = arange(n, dtype: ScalarType.Int64, device: device) - starts.index_select(0, sortedIds);
        var rank = empty(n, dtype: ScalarType.Int64, device: device).index_copy(0, order, rankSorted);
        var slot = segmentIds * maxSize + rank;
        var shape = data.shape.ToArray();
        shape[0] = numSegments * maxSize;
        var dense = full(shape, fill, dtype: data.dtype, device: device).index_copy(0, slot, data);
        var denseShape = new long[shape.Length + 1];
        denseShape[0] = numSegments;
        denseShape[1] = maxSize;
        Array.Copy(shape, 1, denseShape, 2, shape.Length - 1);
        return (dense.reshape(denseShape), counts.eq(0));
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
