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
#[cfg(feature = "wgpu")]
pub(super) fn refuses_in_place(device: &Device) -> bool {
    tiled::wants(device)
}

#[cfg(feature = "wgpu")]
pub(super) use refusal::{restored_if, zeroed_if};
