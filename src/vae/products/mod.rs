//! The linear layers' matrix products, and a kernel of our own for WebGPU adapters that compute on
//! the CPU (software fallback adapters; Chromium's SwiftShader is the one the browser tests use).
//!
//! burn's matmul kernels stage tiles through workgroup memory behind barriers. SwiftShader runs a
//! workgroup's invocations four at a time and switches between them at every barrier, so burn's
//! kernel makes ~0.4 GFLOP/s there and a training step was 95 % matmul. Our kernels (`wgsl.rs`)
//! have no workgroup memory and no barriers: each invocation keeps a block of the product in
//! registers (16×16, reading vec4s in place; 4×4 for other sizes), ~15–18× faster on SwiftShader.
//! On those adapters the guard's refusals take kernels of ours too (`refusal.rs`): they write
//! only when a step is refused, where burn's masks pass over every weight on every step.
//! Real GPUs keep burn's kernels and its fusion of the bias and activation into the product: only
//! a device named with [`use_tiled_products`] takes this path.

use burn::nn::Linear;
use burn::prelude::*;

#[cfg(feature = "wgpu")]
mod refusal;
#[cfg(feature = "wgpu")]
mod tiled;
#[cfg(feature = "wgpu")]
mod wgsl;

#[cfg(feature = "wgpu")]
pub use tiled::use_tiled_products;

/// `layer` applied to `x`: [batch, d_input] → [batch, d_output], through our kernels on a device
/// named with `use_tiled_products`.
pub(super) fn linear_forward(layer: &Linear, x: Tensor<2>) -> Tensor<2> {
    #[cfg(feature = "wgpu")]
    if tiled::wants(&x.device()) {
        return tiled::linear_forward(layer, x);
    }
    layer.forward(x)
}

/// Whether the guard's refusals on `device` go through our in-place kernels ([`zeroed_if`],
/// [`restored_if`]): on the devices named with `use_tiled_products`.
pub(super) fn refuses_in_place(device: &Device) -> bool {
    #[cfg(feature = "wgpu")]
    return tiled::wants(device);
    #[cfg(not(feature = "wgpu"))]
    {
        let _ = device;
        false
    }
}

/// `tensor`, or zeros where `refused` ([1]: 1.0 refused, 0.0 not) says so.
pub(super) fn zeroed_if<const D: usize>(tensor: Tensor<D>, refused: &Tensor<1>) -> Tensor<D> {
    #[cfg(feature = "wgpu")]
    return refusal::zeroed_if(tensor, refused);
    #[cfg(not(feature = "wgpu"))]
    {
        let mask = spread::<D>(refused, tensor.shape());
        tensor.mask_fill(mask, 0.0)
    }
}

/// `tensor`, or `before` (the same shape) where `refused` ([1]) says so.
pub(super) fn restored_if<const D: usize>(
    tensor: Tensor<D>,
    before: Tensor<D>,
    refused: &Tensor<1>,
) -> Tensor<D> {
    #[cfg(feature = "wgpu")]
    return refusal::restored_if(tensor, before, refused);
    #[cfg(not(feature = "wgpu"))]
    {
        let mask = spread::<D>(refused, tensor.shape());
        tensor.mask_where(mask, before)
    }
}

#[cfg(not(feature = "wgpu"))]
fn spread<const D: usize>(refused: &Tensor<1>, shape: Shape) -> Tensor<D, burn::tensor::Bool> {
    refused
        .clone()
        .equal_elem(1.0)
        .reshape([1; D])
        .expand(shape)
}
