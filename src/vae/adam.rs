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
    let first = momentum.is_none();
    let (time, mut moment_1, mut moment_2) = match momentum {
        Some(state) => (state.time + 1, host(state.moment_1), host(state.moment_2)),
        // Their contents are ignored on the first step.
        None => {
            let zeros = || TensorData::new(vec![0.0f32; shape.num_elements()], shape.clone());
            (1, zeros(), zeros())
        }
    };
    let bias_correction2_sqrt = (1.0 - BETA_2.powi(time as i32)).sqrt();
    let factors = Factors {
        combined: bias_correction2_sqrt / (1.0 - BETA_1.powi(time as i32)),
        epsilon: EPSILON * bias_correction2_sqrt,
        // burn scales by the learning rate as a tensor element: an f32.
        lr: lr as f32,
        first,
    };
    update(
        slice(&mut weights),
        slice_ref(&gradient),
        slice(&mut moment_1),
        slice(&mut moment_2),
        &factors,
    );

    let tensor_of = |data: TensorData| Tensor::from_data(data, &device);
    let momentum = AdaptiveMomentumState::new(time, tensor_of(moment_1), tensor_of(moment_2));
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

/// Weights in one thread's share of a large tensor's update natively: enough that handing it to
/// a thread costs little beside it.
#[cfg(not(target_arch = "wasm32"))]
const SHARE: usize = 1 << 16;

/// One Adam update of the weights `w` in place, with moments `m` and `v`. Natively a large
/// tensor's update is shared out among the CPU backend's threads (each weight's arithmetic is its
/// own, so the result is the same).
fn update(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: &Factors) {
    #[cfg(not(target_arch = "wasm32"))]
    if w.len() > SHARE && super::threads::count() > 1 {
        use rayon::prelude::*;
        w.par_chunks_mut(SHARE)
            .zip(g.par_chunks(SHARE))
            .zip(m.par_chunks_mut(SHARE))
            .zip(v.par_chunks_mut(SHARE))
            .for_each(|(((w, g), m), v)| update_share(w, g, m, v, k));
        return;
    }
    update_share(w, g, m, v, k);
}

/// [`update`] on one thread, in burn's order of operations: four weights at a time where the
/// target has SIMD (our crate is built for size, which leaves loops scalar), one at a time for
/// the rest. Each lane does what a scalar does, so the results are the same bit for bit.
fn update_share(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: &Factors) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = update_lanes::<core::arch::wasm32::v128>(w, g, m, v, k);
    #[cfg(target_arch = "x86_64")]
    let done = update_lanes::<core::arch::x86_64::__m128>(w, g, m, v, k);
    #[cfg(not(any(
        all(target_arch = "wasm32", target_feature = "simd128"),
        target_arch = "x86_64"
    )))]
    let done = 0;
    let (w, g, m, v) = (&mut w[done..], &g[done..], &mut m[done..], &mut v[done..]);
    update_lanes::<f32>(w, g, m, v, k);
}

/// Updates the leading multiple of `L::WIDTH` weights; returns how many.
fn update_lanes<L: Lanes>(
    w: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    k: &Factors,
) -> usize {
    let [beta_1, beta_2, factor_1, factor_2] =
        [BETA_1, BETA_2, 1.0 - BETA_1, 1.0 - BETA_2].map(L::splat);
    let [combined, epsilon, lr] = [k.combined, k.epsilon, k.lr].map(L::splat);
    let chunks = w
        .chunks_exact_mut(L::WIDTH)
        .zip(g.chunks_exact(L::WIDTH))
        .zip(m.chunks_exact_mut(L::WIDTH))
        .zip(v.chunks_exact_mut(L::WIDTH));
    let mut done = 0;
    for (((w, g), m), v) in chunks {
        let g = L::load(g);
        let g_squared = g.mul(g);
        let (m_new, v_new) = if k.first {
            (g.mul(factor_1), g_squared.mul(factor_2))
        } else {
            (
                L::load(m).mul(beta_1).add(g.mul(factor_1)),
                L::load(v).mul(beta_2).add(g_squared.mul(factor_2)),
            )
        };
        m_new.store(m);
        v_new.store(v);
        let step = m_new.mul(combined).div(v_new.sqrt().add(epsilon));
        L::load(w).sub(step.mul(lr)).store(w);
        done += L::WIDTH;
    }
    done
}

/// `WIDTH` f32s in one register, with the arithmetic Adam needs (IEEE in every lane).
trait Lanes: Copy {
    const WIDTH: usize;
    fn splat(x: f32) -> Self;
    /// From the first `WIDTH` values of `from` (it holds exactly that many).
    fn load(from: &[f32]) -> Self;
    fn store(self, to: &mut [f32]);
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    fn div(self, other: Self) -> Self;
    fn sqrt(self) -> Self;
}

impl Lanes for f32 {
    const WIDTH: usize = 1;
    fn splat(x: f32) -> Self {
        x
    }
    fn load(from: &[f32]) -> Self {
        from[0]
    }
    fn store(self, to: &mut [f32]) {
        to[0] = self;
    }
    fn add(self, other: Self) -> Self {
        self + other
    }
    fn sub(self, other: Self) -> Self {
        self - other
    }
    fn mul(self, other: Self) -> Self {
        self * other
    }
    fn div(self, other: Self) -> Self {
        self / other
    }
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl Lanes for core::arch::wasm32::v128 {
    const WIDTH: usize = 4;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        core::arch::wasm32::f32x4_splat(x)
    }
    #[inline(always)]
    fn load(from: &[f32]) -> Self {
        assert!(from.len() == 4);
        // SAFETY: `from` holds four f32s, the 16 bytes a v128 load reads; WebAssembly's loads
        // need no alignment.
        unsafe { core::arch::wasm32::v128_load(from.as_ptr().cast()) }
    }
    #[inline(always)]
    fn store(self, to: &mut [f32]) {
        assert!(to.len() == 4);
        // SAFETY: as for `load`, into four f32s.
        unsafe { core::arch::wasm32::v128_store(to.as_mut_ptr().cast(), self) }
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        core::arch::wasm32::f32x4_add(self, other)
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        core::arch::wasm32::f32x4_sub(self, other)
    }
    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        core::arch::wasm32::f32x4_mul(self, other)
    }
    #[inline(always)]
    fn div(self, other: Self) -> Self {
        core::arch::wasm32::f32x4_div(self, other)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        core::arch::wasm32::f32x4_sqrt(self)
    }
}

/// SSE2, which every x86-64 processor has: its intrinsics are always safe to call there, which
/// is the safety of each `unsafe` block below that does not say otherwise.
#[cfg(target_arch = "x86_64")]
impl Lanes for core::arch::x86_64::__m128 {
    const WIDTH: usize = 4;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        unsafe { core::arch::x86_64::_mm_set1_ps(x) }
    }
    #[inline(always)]
    fn load(from: &[f32]) -> Self {
        assert!(from.len() == 4);
        // SAFETY: `from` holds four f32s, the 16 bytes an unaligned load reads.
        unsafe { core::arch::x86_64::_mm_loadu_ps(from.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, to: &mut [f32]) {
        assert!(to.len() == 4);
        // SAFETY: as for `load`, into four f32s.
        unsafe { core::arch::x86_64::_mm_storeu_ps(to.as_mut_ptr(), self) }
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        unsafe { core::arch::x86_64::_mm_add_ps(self, other) }
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        unsafe { core::arch::x86_64::_mm_sub_ps(self, other) }
    }
    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        unsafe { core::arch::x86_64::_mm_mul_ps(self, other) }
    }
    #[inline(always)]
    fn div(self, other: Self) -> Self {
        unsafe { core::arch::x86_64::_mm_div_ps(self, other) }
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        unsafe { core::arch::x86_64::_mm_sqrt_ps(self) }
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

    /// Natively a large tensor's update is shared out among threads (two here, whatever the
    /// machine has); the weights and moments are the ones a single pass makes, bit for bit.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn a_large_update_shared_among_threads_is_the_single_pass_bit_for_bit() {
        let count = 3 * (1 << 16) + 7;
        let pattern = |a: usize, b: usize| -> Vec<f32> {
            (0..count)
                .map(|i| ((i * a % b) as f32 - b as f32 / 2.0) / 9.0)
                .collect()
        };
        let (start, gradient) = (pattern(11, 31), pattern(37, 101));
        let factors = Factors {
            combined: 0.3,
            epsilon: 1e-8,
            lr: 1e-2,
            first: false,
        };
        type Update = fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &Factors);
        let run = |update: Update| {
            let (mut w, mut m) = (start.clone(), start.clone());
            let mut v: Vec<f32> = start.iter().map(|x| x * x).collect();
            update(&mut w, &gradient, &mut m, &mut v, &factors);
            [w, m, v].map(|values| values.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        };
        let two_threads = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of two threads should start");
        assert_eq!(two_threads.install(|| run(update)), run(update_share));
    }
}
