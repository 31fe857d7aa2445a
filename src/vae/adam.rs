//! Adam, in one pass over each weight tensor on the CPU backend.
//!
//! burn's Adam is a chain of a dozen elementwise tensor operations per weight tensor, each a
//! pass over memory that allocates its result: on the CPU backend that chain was a seventh of a
//! training step in the page. Here the CPU backend's update reads the weights, gradients and
//! moments once and writes them once, with the same floating-point operations in the same order,
//! so the weights and moments are bit for bit burn's. Other backends keep burn's Adam (their
//! kernels run on the device). The state is burn's `AdamState`, so saved optimizers load as
//! before.

use burn::optim::{Adam, AdamConfig, AdamState, AdaptiveMomentumState, ModuleOptimizer, Optimizer};
use burn::tensor::{Device, Tensor, TensorData};

const BETA_1: f32 = 0.9;
const BETA_2: f32 = 0.999;
const EPSILON: f32 = 1e-8;

/// The optimizer of both the VAE and the discriminator (each gets its own).
pub(super) fn adam() -> ModuleOptimizer {
    ModuleOptimizer::from(FusedAdam {
        burn: AdamConfig::new()
            .with_beta_1(BETA_1)
            .with_beta_2(BETA_2)
            .with_epsilon(EPSILON)
            .build(),
    })
}

#[derive(Clone)]
struct FusedAdam {
    /// For the backends whose tensors live on a device.
    burn: Adam,
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamState<D>>,
    ) -> (Tensor<D>, Option<AdamState<D>>) {
        if tensor.device() != Device::flex() {
            return self.burn.step(lr, tensor, grad, state);
        }
        let (tensor, momentum) = step_on_host(lr, tensor, grad, state.map(|s| s.momentum));
        (tensor, Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(state: AdamState<D>, device: &Device) -> AdamState<D> {
        Adam::to_device(state, device)
    }
}

/// burn's `AdaptiveMomentum::transform` and `Adam::step` (no weight decay, no AMSGrad) fused into
/// one loop over host memory.
fn step_on_host<const D: usize>(
    lr: f64,
    tensor: Tensor<D>,
    grad: Tensor<D>,
    momentum: Option<AdaptiveMomentumState<D>>,
) -> (Tensor<D>, AdaptiveMomentumState<D>) {
    let device = tensor.device();
    let shape = tensor.shape();
    let (mut weights, gradient) = (host(tensor), host(grad));
    let (time, mut moment_1, mut moment_2) = match momentum {
        Some(state) => (
            state.time + 1,
            Some(host(state.moment_1)),
            Some(host(state.moment_2)),
        ),
        None => (1, None, None),
    };
    let bias_correction2_sqrt = (1.0 - BETA_2.powi(time as i32)).sqrt();
    let factors = Factors {
        combined: bias_correction2_sqrt / (1.0 - BETA_1.powi(time as i32)),
        epsilon: EPSILON * bias_correction2_sqrt,
        // burn scales by the learning rate as a tensor element: an f32.
        lr: lr as f32,
        first: moment_1.is_none(),
    };
    let mut first_1 = Vec::new();
    let mut first_2 = Vec::new();
    let (m, v) = match (&mut moment_1, &mut moment_2) {
        (Some(m), Some(v)) => (slice(m), slice(v)),
        _ => {
            first_1.resize(shape.num_elements(), 0.0);
            first_2.resize(shape.num_elements(), 0.0);
            (first_1.as_mut_slice(), first_2.as_mut_slice())
        }
    };
    update(slice(&mut weights), slice_ref(&gradient), m, v, &factors);

    let tensor_of = |data: TensorData| Tensor::from_data(data, &device);
    let from_vec = |values: Vec<f32>| tensor_of(TensorData::new(values, shape.clone()));
    let momentum = AdaptiveMomentumState::new(
        time,
        moment_1.map_or_else(|| from_vec(first_1), tensor_of),
        moment_2.map_or_else(|| from_vec(first_2), tensor_of),
    );
    (tensor_of(weights), momentum)
}

/// What one step's update needs besides the tensors.
struct Factors {
    /// √(1 − β₂ᵗ) / (1 − β₁ᵗ): both bias corrections.
    combined: f32,
    epsilon: f32,
    lr: f32,
    /// The first step: the moments start from the gradient (their contents are ignored).
    first: bool,
}

/// One Adam update of the weights `w` in place, with moments `m` and `v`, in burn's order of
/// operations.
fn update(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: &Factors) {
    let done = lanes::update(w, g, m, v, k);
    let (factor_1, factor_2) = (1.0 - BETA_1, 1.0 - BETA_2);
    for i in done..w.len() {
        let g = g[i];
        if k.first {
            m[i] = g * factor_1;
            v[i] = g * g * factor_2;
        } else {
            m[i] = m[i] * BETA_1 + g * factor_1;
            v[i] = v[i] * BETA_2 + g * g * factor_2;
        }
        w[i] -= m[i] * k.combined / (v[i].sqrt() + k.epsilon) * k.lr;
    }
}

/// [`update`] four weights at a time in WebAssembly SIMD: the page's crate is optimised for size,
/// which leaves loops scalar. Each lane's operations are [`update`]'s, so the results are the
/// same bit for bit.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use super::{BETA_1, BETA_2, Factors};
    use core::arch::wasm32::*;

    /// Updates the leading multiple of four weights; returns how many.
    pub(super) fn update(
        w: &mut [f32],
        g: &[f32],
        m: &mut [f32],
        v: &mut [f32],
        k: &Factors,
    ) -> usize {
        let [beta_1, beta_2] = [f32x4_splat(BETA_1), f32x4_splat(BETA_2)];
        let [factor_1, factor_2] = [f32x4_splat(1.0 - BETA_1), f32x4_splat(1.0 - BETA_2)];
        let [combined, epsilon, lr] = [k.combined, k.epsilon, k.lr].map(|x| f32x4_splat(x));
        let chunks = w
            .chunks_exact_mut(4)
            .zip(g.chunks_exact(4))
            .zip(m.chunks_exact_mut(4))
            .zip(v.chunks_exact_mut(4));
        let mut done = 0;
        for (((w, g), m), v) in chunks {
            // SAFETY: each chunk is four f32s, 16 bytes, as a v128 load or store reads or writes,
            // and WebAssembly's loads and stores need no alignment.
            unsafe {
                let g = v128_load(g.as_ptr().cast());
                let g_squared = f32x4_mul(g, g);
                let (m_new, v_new) = if k.first {
                    (f32x4_mul(g, factor_1), f32x4_mul(g_squared, factor_2))
                } else {
                    let m_old = v128_load(m.as_ptr().cast());
                    let v_old = v128_load(v.as_ptr().cast());
                    (
                        f32x4_add(f32x4_mul(m_old, beta_1), f32x4_mul(g, factor_1)),
                        f32x4_add(f32x4_mul(v_old, beta_2), f32x4_mul(g_squared, factor_2)),
                    )
                };
                v128_store(m.as_mut_ptr().cast(), m_new);
                v128_store(v.as_mut_ptr().cast(), v_new);
                let step = f32x4_div(
                    f32x4_mul(m_new, combined),
                    f32x4_add(f32x4_sqrt(v_new), epsilon),
                );
                let w_old = v128_load(w.as_ptr().cast());
                v128_store(w.as_mut_ptr().cast(), f32x4_sub(w_old, f32x4_mul(step, lr)));
            }
            done += 4;
        }
        done
    }
}

/// Without SIMD the scalar loop does every weight.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    pub(super) fn update(
        _: &mut [f32],
        _: &[f32],
        _: &mut [f32],
        _: &mut [f32],
        _: &super::Factors,
    ) -> usize {
        0
    }
}

/// A CPU tensor's values (moved out without a copy when nothing else holds them).
fn host<const D: usize>(tensor: Tensor<D>) -> TensorData {
    tensor
        .try_into_data()
        .expect("a CPU tensor should read at once")
        .convert::<f32>()
}

fn slice(data: &mut TensorData) -> &mut [f32] {
    data.as_mut_slice::<f32>()
        .expect("the weights should be f32")
}

fn slice_ref(data: &TensorData) -> &[f32] {
    data.as_slice::<f32>().expect("the gradients should be f32")
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::GradientsParams;

    fn bits<M: Module>(module: &M) -> Vec<u32> {
        struct Collect(Vec<u32>);
        impl ModuleVisitor for Collect {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let values = param.val().into_data().try_into_vec::<f32>();
                self.0.extend(
                    values
                        .expect("weights should be f32")
                        .iter()
                        .map(|v| v.to_bits()),
                );
            }
        }
        let mut collect = Collect(Vec::new());
        module.visit(&mut collect);
        collect.0
    }

    fn burns() -> ModuleOptimizer {
        AdamConfig::new()
            .with_beta_1(BETA_1)
            .with_beta_2(BETA_2)
            .with_epsilon(EPSILON)
            .init()
    }

    /// A layer with fixed weights, and `steps` steps of `optim` on it from `first`, with
    /// gradients that change sign and scale (step 4's are zeros, as a refused step's are).
    fn train(
        optim: &mut ModuleOptimizer,
        first: usize,
        steps: usize,
        layer: Option<Linear>,
    ) -> Linear {
        let device = Device::flex().autodiff();
        let mut layer = layer.unwrap_or_else(|| {
            let mut layer: Linear = LinearConfig::new(7, 5).init(&device);
            let values: Vec<f32> = (0..35)
                .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
                .collect();
            layer.weight =
                Param::from_tensor(Tensor::from_data(TensorData::new(values, [7, 5]), &device));
            layer.bias = layer.bias.map(|b| b.map(|b| b.zeros_like()));
            layer
        });
        for step in first..first + steps {
            let scale = if step == 4 {
                0.0
            } else {
                (step as f32 - 4.5) * 3.0
            };
            let input = Tensor::<2>::ones([3, 7], &device) * scale;
            let loss = layer.forward(input).powi_scalar(3).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &layer);
            layer = optim.step(1e-2, layer, grads);
        }
        layer
    }

    #[test]
    fn the_fused_update_is_burns_adam_bit_for_bit() {
        let (mut fused, mut burn) = (adam(), burns());
        let by_fused = train(&mut fused, 0, 10, None);
        assert_eq!(bits(&by_fused), bits(&train(&mut burn, 0, 10, None)));

        // Its saved state is burn's: burn's Adam resumes from it as the fused one goes on.
        let saved = fused.into_bytes().expect("the optimizer should save");
        let mut resumed = burns()
            .from_bytes(saved.clone())
            .expect("burn's Adam should load it");
        let mut fused = adam()
            .from_bytes(saved)
            .expect("the fused Adam should load it");
        assert_eq!(
            bits(&train(&mut fused, 10, 3, Some(by_fused.clone()))),
            bits(&train(&mut resumed, 10, 3, Some(by_fused)))
        );
    }
}
