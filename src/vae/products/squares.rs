//! ‖t‖², the guard's norms of every gradient and weight, in one kernel launch per tensor.
//!
//! burn squares in one kernel and sums in one or two more; a training step takes ‖t‖² of every
//! gradient and every updated weight, so on a software adapter, where a launch costs more than
//! the arithmetic of a small tensor, those launches were a third of a step's. This kernel reads
//! the tensor once in one workgroup: right for a CPU that runs a workgroup on one core, wrong for
//! a real GPU, which keeps burn's.

use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::{CubeBackend, CubeTensor, KernelSource, SourceKernel, SourceTemplate};
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::cubecl::{CubeCount, CubeDim};
use burn::prelude::*;
use burn::tensor::DType;

/// Invocations of the one workgroup.
const INVOCATIONS: u32 = 64;

/// ‖tensor‖² as a [1] tensor: NaN or ∞ when any element is (or the sum overflows).
pub(super) fn squared_sum<const D: usize>(tensor: Tensor<D>) -> Tensor<1> {
    Tensor::from_dispatch(<Dispatch as SquaredSums>::squared_sum(
        tensor.into_dispatch(),
    ))
}

#[backend_extension(Cube, Fusion)]
pub trait SquaredSums: Backend {
    /// [any shape] → [1]
    #[fusion(dtype = tensor, shape = one_element(tensor))]
    fn squared_sum(tensor: FloatTensor<Self>) -> FloatTensor<Self>;
}

fn one_element(_: &Shape) -> Shape {
    [1].into()
}

impl SquaredSums for CubeBackend {
    fn squared_sum(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        if tensor.dtype == DType::F32 && dense(&tensor) {
            launch(tensor)
        } else {
            Self::float_sum(Self::float_mul(tensor.clone(), tensor))
        }
    }
}

/// Whether the tensor's elements fill its memory, each once, in some order (contiguous or a
/// transposed view of a contiguous tensor): then the order of the sum is free.
fn dense(tensor: &CubeTensor) -> bool {
    let (shape, strides) = (tensor.meta.shape(), tensor.meta.strides());
    let mut dims: Vec<(usize, usize)> = strides
        .iter()
        .copied()
        .zip(shape.iter().copied())
        .filter(|&(_, size)| size != 1)
        .collect();
    dims.sort_unstable();
    let mut expected = 1;
    dims.into_iter().all(|(stride, size)| {
        let ok = stride == expected;
        expected *= size;
        ok
    })
}

fn launch(tensor: CubeTensor) -> CubeTensor {
    let count = tensor.meta.shape().num_elements() as u32;
    let client = tensor.client.clone();
    let output = CubeTensor::new_contiguous(
        client.clone(),
        tensor.device.clone(),
        [1].into(),
        client.empty(size_of::<f32>()),
        DType::F32,
    );
    let dims = client.create_from_slice(&count.to_le_bytes());
    client.launch(
        Box::new(SourceKernel::new(
            SquaredSumKernel,
            CubeDim::new_1d(INVOCATIONS),
        )),
        CubeCount::new_1d(1),
        KernelArguments::new()
            .with_buffer(tensor.handle.binding())
            .with_buffer(output.handle.clone().binding())
            .with_buffer(dims.binding()),
    );
    output
}

/// Each invocation sums the squares of every `INVOCATIONS`-th element, then the first adds the
/// invocations' sums.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct SquaredSumKernel;

impl KernelSource for SquaredSumKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(format!(
            "@group(0) @binding(0) var<storage, read_write> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> dims: array<u32>;
var<workgroup> partial: array<f32, {INVOCATIONS}>;

@compute @workgroup_size({INVOCATIONS})
fn main(@builtin(local_invocation_index) i: u32) {{
    let count = dims[0];
    var sum = 0.0;
    for (var j = i; j < count; j += {INVOCATIONS}u) {{
        let v = values[j];
        sum += v * v;
    }}
    partial[i] = sum;
    workgroupBarrier();
    if (i == 0u) {{
        var total = 0.0;
        for (var j = 0u; j < {INVOCATIONS}u; j++) {{
            total += partial[j];
        }}
        out[0] = total;
    }}
}}
"
        ))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>()
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}
