//! The linear layers' matrix products, and a kernel of our own for WebGPU adapters that compute on
//! the CPU (software fallback adapters; Chromium's SwiftShader is the one the browser tests use).
//!
//! burn's matmul kernels stage tiles through workgroup memory behind barriers. SwiftShader runs a
//! workgroup's invocations four at a time and switches between them at every barrier, so burn's
//! kernel makes ~0.4 GFLOP/s there and a training step was 95 % matmul. Our kernels (`wgsl.rs`)
//! have no workgroup memory and no barriers: each invocation keeps a block of the product in
//! registers (16×8, reading vec4s in place; 4×4 for other sizes), ~14× faster on SwiftShader.
//! Real GPUs keep burn's kernels and its fusion of the bias and activation into the product: only
//! a device named with [`use_tiled_products`] takes this path.

use std::sync::Mutex;

use burn::nn::Linear;
use burn::prelude::*;

#[cfg(feature = "wgpu")]
mod tiled;
#[cfg(feature = "wgpu")]
mod wgsl;

/// The devices whose linear layers multiply through the tiled kernel (without autodiff).
static TILED_DEVICES: Mutex<Vec<Device>> = Mutex::new(Vec::new());

/// From now on, linear layers on `device` (a WebGPU device on a software adapter) multiply
/// through the tiled kernel; without the `wgpu` feature there is no such device and this does
/// nothing.
pub fn use_tiled_products(device: &Device) {
    let device = device.clone().inner();
    let mut devices = TILED_DEVICES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !devices.contains(&device) {
        devices.push(device);
    }
}

fn wants_tiled(device: &Device) -> bool {
    cfg!(feature = "wgpu")
        && TILED_DEVICES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&device.clone().inner())
}

/// `layer` applied to `x`: [batch, d_input] → [batch, d_output].
pub(super) fn linear_forward(layer: &Linear, x: Tensor<2>) -> Tensor<2> {
    if !wants_tiled(&x.device()) {
        return layer.forward(x);
    }
    let product = matmul(x, layer.weight.val());
    match &layer.bias {
        Some(bias) => product + bias.val().unsqueeze(),
        None => product,
    }
}

/// lhs · rhs through the tiled kernel: [m, k] · [k, n] → [m, n].
#[cfg(feature = "wgpu")]
fn matmul(lhs: Tensor<2>, rhs: Tensor<2>) -> Tensor<2> {
    tiled::matmul(lhs, rhs)
}

#[cfg(not(feature = "wgpu"))]
fn matmul(lhs: Tensor<2>, rhs: Tensor<2>) -> Tensor<2> {
    lhs.matmul(rhs)
}
