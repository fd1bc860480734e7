// Tests run one at a time. TorchSharp frees an implicitly converted Scalar (as in `2.0 * tensor`) in its finalizer, and
// nothing keeps it alive during the native call it was made for: a garbage collection started by another test's thread
// can free it mid-call (libtorch asserts in Scalar.h; seen in HybridTests while other tests ran beside it).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
