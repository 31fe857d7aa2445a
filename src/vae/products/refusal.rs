//! The guard's refusals in place: a tensor becomes zeros (a refused step's gradient) or its
//! value before the update (a refused step's weight) only when the step is refused.
//!
//! burn's masks read and write every element of every gradient and weight on every step, refused
//! or not: on a software adapter that was an eighth of a step. These kernels read the flag first
//! and, on the steps that are not refused (nearly all), write nothing. They run in one workgroup,
//! so a refused step is slow, and they write in place, so the tensor must be theirs alone;
//! otherwise burn's masks do it.

use burn::backend::ops::{BoolTensorOps, FloatTensorOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::{CubeBackend, CubeTensor, KernelSource, SourceKernel, SourceTemplate};
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::cubecl::{CubeCount, CubeDim};
use burn::prelude::*;
use burn::tensor::{BoolStore, DType};

/// Invocations of the one workgroup.
const INVOCATIONS: u32 = 64;

/// `tensor`, or zeros where `refused` ([1]: 1.0 refused, 0.0 not) says so.
pub(in crate::vae) fn zeroed_if<const D: usize>(
    tensor: Tensor<D>,
    refused: &Tensor<1>,
) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as Refusals>::zeroed_if(
        tensor.into_dispatch(),
        refused.clone().into_dispatch(),
    ))
}

/// `tensor`, or `before` (the same shape) where `refused` ([1]) says so.
pub(in crate::vae) fn restored_if<const D: usize>(
    tensor: Tensor<D>,
    before: Tensor<D>,
    refused: &Tensor<1>,
) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as Refusals>::restored_if(
        tensor.into_dispatch(),
        before.into_dispatch(),
        refused.clone().into_dispatch(),
    ))
}

#[backend_extension(Cube, Fusion)]
pub trait Refusals: Backend {
    #[fusion(dtype = tensor, shape = tensor)]
    fn zeroed_if(tensor: FloatTensor<Self>, refused: FloatTensor<Self>) -> FloatTensor<Self>;

    #[fusion(dtype = tensor, shape = tensor)]
    fn restored_if(
        tensor: FloatTensor<Self>,
        before: FloatTensor<Self>,
        refused: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

impl Refusals for CubeBackend {
    fn zeroed_if(tensor: FloatTensor<Self>, refused: FloatTensor<Self>) -> FloatTensor<Self> {
        if in_place(&tensor, None) {
            return launch(Replacement::Zeros, tensor, None, refused);
        }
        let mask = spread(refused, &tensor);
        Self::float_mask_fill(tensor, mask, 0.0.into())
    }

    fn restored_if(
        tensor: FloatTensor<Self>,
        before: FloatTensor<Self>,
        refused: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        if in_place(&tensor, Some(&before)) {
            return launch(Replacement::Before, tensor, Some(before), refused);
        }
        let mask = spread(refused, &tensor);
        Self::float_mask_where(tensor, mask, before)
    }
}

/// Whether the kernel may write `tensor` in place: f32, contiguous, not shared, and `before` laid
/// out the same.
fn in_place(tensor: &CubeTensor, before: Option<&CubeTensor>) -> bool {
    let contiguous = |t: &CubeTensor| {
        let (shape, strides) = (t.meta.shape(), t.meta.strides());
        let mut expected = 1;
        (0..shape.num_dims()).rev().all(|d| {
            let ok = shape[d] == 1 || strides[d] == expected;
            expected *= shape[d];
            ok
        })
    };
    tensor.dtype == DType::F32
        && tensor.handle.can_mut()
        && contiguous(tensor)
        && before.is_none_or(|b| {
            b.dtype == DType::F32 && b.meta.shape() == tensor.meta.shape() && contiguous(b)
        })
}

/// The [1] flag as a boolean mask over `like`'s shape, for burn's masks.
fn spread(
    refused: CubeTensor,
    like: &CubeTensor,
) -> <CubeBackend as burn::backend::BackendTypes>::BoolTensorPrimitive {
    let shape = like.meta.shape().clone();
    // u32: the boolean storage WGSL has.
    let mask = CubeBackend::float_greater_elem(refused, 0.5.into(), BoolStore::U32);
    let ones: Shape = vec![1; shape.num_dims()].into();
    CubeBackend::bool_expand(CubeBackend::bool_reshape(mask, ones), shape)
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Replacement {
    Zeros,
    Before,
}

fn launch(
    replacement: Replacement,
    tensor: CubeTensor,
    before: Option<CubeTensor>,
    refused: CubeTensor,
) -> CubeTensor {
    #[cfg(test)]
    IN_PLACE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let client = tensor.client.clone();
    let count = tensor.meta.shape().num_elements() as u32;
    let dims = client.create_from_slice(&count.to_le_bytes());
    let mut arguments = KernelArguments::new()
        .with_buffer(tensor.handle.clone().binding())
        .with_buffer(refused.handle.binding())
        .with_buffer(dims.binding());
    if let Some(before) = before {
        arguments = arguments.with_buffer(before.handle.binding());
    }
    client.launch(
        Box::new(SourceKernel::new(replacement, CubeDim::new_1d(INVOCATIONS))),
        CubeCount::new_1d(1),
        arguments,
    );
    tensor
}

impl KernelSource for Replacement {
    fn source(&self) -> SourceTemplate {
        let (binding, value) = match self {
            Replacement::Zeros => ("", "0.0"),
            Replacement::Before => (
                "@group(0) @binding(3) var<storage, read_write> before: array<f32>;\n",
                "before[j]",
            ),
        };
        SourceTemplate::new(format!(
            "@group(0) @binding(0) var<storage, read_write> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> refused: array<f32>;
@group(0) @binding(2) var<storage, read_write> dims: array<u32>;
{binding}
@compute @workgroup_size({INVOCATIONS})
fn main(@builtin(local_invocation_index) i: u32) {{
    if (refused[0] == 0.0) {{ return; }}
    let count = dims[0];
    for (var j = i; j < count; j += {INVOCATIONS}u) {{
        values[j] = {value};
    }}
}}
"
        ))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(*self)
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Launches of our kernels so far, for the tests to see the refusals were made in place.
#[cfg(test)]
pub(super) static IN_PLACE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// On SwiftShader, from the products' test (`tiled.rs`): each refusal in place and through
/// burn's masks, and a trainer on the device refusing a poisoned step bit for bit (and reading
/// its numbers while later steps queue).
#[cfg(test)]
pub(super) fn checks(gpu: &Device) {
    use std::sync::atomic::Ordering::SeqCst;

    use burn::module::{Module, ModuleVisitor, Param};
    use burn::tensor::TensorData;
    use pollster::block_on;

    use crate::vae::{Hyper, Trainer, VaeConfig};

    fn read<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
        block_on(tensor.into_data_async())
            .expect("the tensor should read back")
            .try_to_vec()
            .expect("f32")
    }
    let values: Vec<f32> = (0..1000).map(|i| i as f32 - 500.5).collect();
    let before_values: Vec<f32> = values.iter().map(|v| v * 2.0).collect();
    let tensor = || Tensor::<2>::from_data(TensorData::new(values.clone(), [20, 50]), gpu);
    let before = || Tensor::<2>::from_data(TensorData::new(before_values.clone(), [20, 50]), gpu);
    let flag = |refused: bool| Tensor::<1>::from_data([f32::from(u8::from(refused))], gpu);
    for refused in [false, true] {
        for shared in [false, true] {
            let t = tensor();
            let kept = shared.then(|| t.clone());
            let launches = IN_PLACE.load(SeqCst);
            let zeroed = read(zeroed_if(t, &flag(refused)));
            let want = if refused {
                vec![0.0; 1000]
            } else {
                values.clone()
            };
            assert_eq!(
                zeroed, want,
                "zeroed (refused: {refused}, shared: {shared})"
            );
            assert_eq!(IN_PLACE.load(SeqCst) - launches, usize::from(!shared));
            if let Some(kept) = kept {
                assert_eq!(read(kept), values, "a shared tensor is left alone");
            }
            let t = tensor();
            let kept = shared.then(|| t.clone());
            let restored = read(restored_if(t, before(), &flag(refused)));
            let want = if refused { &before_values } else { &values };
            assert_eq!(
                &restored, want,
                "restored (refused: {refused}, shared: {shared})"
            );
            if let Some(kept) = kept {
                assert_eq!(read(kept), values, "a shared tensor is left alone");
            }
        }
    }

    // A trainer on the device: a step with a NaN in its batch leaves every weight as it was.
    struct Bits(Vec<u32>);
    impl ModuleVisitor for Bits {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.extend(read(param.val()).iter().map(|v| v.to_bits()));
        }
    }
    let bits = |trainer: &Trainer| {
        let mut bits = Bits(Vec::new());
        trainer.vae().visit(&mut bits);
        bits.0
    };
    let device = gpu.clone().autodiff();
    let mut trainer = Trainer::new(VaeConfig::mlp2(), Hyper::default(), 7, &device)
        .expect("VAE-MLP-2 should build");
    let images: Vec<f32> = (0..128 * 784).map(|i| (i % 97) as f32 / 97.0).collect();
    let batch =
        |values: Vec<f32>| Tensor::<2>::from_data(TensorData::new(values, [128, 784]), &device);
    for _ in 0..2 {
        let report = block_on(trainer.step(batch(images.clone()))).expect("a step");
        assert!(report.applied, "a clean step is applied");
    }
    let good = bits(&trainer);
    let launches = IN_PLACE.load(SeqCst);
    let mut poisoned = images.clone();
    poisoned[4321] = f32::NAN;
    let report = block_on(trainer.step(batch(poisoned))).expect("a step");
    assert!(!report.applied, "a poisoned step is refused");
    assert_eq!(bits(&trainer), good, "bit for bit as they were");
    // VAE-MLP-2's ten weight tensors with gradients (its fixed σ has none, so Adam leaves it
    // as it was, shared with `before`, and burn's mask restores it): each gradient zeroed and
    // each weight restored in place.
    assert_eq!(
        IN_PLACE.load(SeqCst) - launches,
        20,
        "refusals made in place"
    );
    let report = block_on(trainer.step(batch(images.clone()))).expect("a step");
    assert!(report.applied, "and training goes on");
    assert_ne!(bits(&trainer), good);

    // Reads overlapped with the next steps, a refused step among them: the reports come one
    // call late, in order, the refused step left out of the count.
    let mut poisoned = images.clone();
    poisoned[99] = f32::NAN;
    let applied_before = trainer.steps();
    for values in [images.clone(), poisoned] {
        block_on(trainer.queue_step(batch(values))).expect("a step should queue");
    }
    let early = block_on(trainer.read_earlier_reports()).expect("the read should start");
    assert!(
        early.is_empty() && trainer.queued() == 0,
        "started, not waited for"
    );
    block_on(trainer.queue_step(batch(images))).expect("a step should queue");
    let mut reports = block_on(trainer.read_earlier_reports()).expect("the reports");
    reports.extend(block_on(trainer.read_reports()).expect("the last report"));
    let seen: Vec<(u64, bool)> = reports.iter().map(|r| (r.step, r.applied)).collect();
    let n = applied_before;
    assert_eq!(seen, vec![(n + 1, true), (n + 1, false), (n + 2, true)]);
    assert_eq!(trainer.steps(), n + 2);
}
