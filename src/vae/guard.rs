//! The non-finite guard, kept on the device: whether a step may change the weights is a boolean
//! tensor computed beside its losses, and the update goes through it. So no step has to read
//! anything back before the next one is queued (on a GPU that round trip, not the arithmetic,
//! bounds a small model's speed), and the guard stays exact: a refused step leaves the weights
//! bit for bit as they were.

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::{Bool, Transaction};

#[cfg(feature = "wgpu")]
use super::products::{refuses_in_place, restored_if, zeroed_if};
use super::{TrainError, threads};
use std::cell::Cell;

/// Whether any of `scalars` is not finite (or their sum is not: values so large that it
/// overflows are refused as well), as a [1] boolean on the inner (non-autodiff) device.
///
/// Tested through their sum because each test is a few kernel launches: on a GPU a launch costs
/// more than the arithmetic of [1] values, and the sum's additions fuse into one.
pub(super) fn any_non_finite(scalars: &[Tensor<1>]) -> Tensor<1, Bool> {
    non_finite(
        scalars
            .iter()
            .map(|s| s.clone().without_autodiff())
            .reduce(|sum, s| sum + s)
            .expect("the guard should be given at least one value"),
    )
}

/// NaN or ±∞. burn's `is_finite` negates both tests before joining them: two launches more.
fn non_finite(value: Tensor<1>) -> Tensor<1, Bool> {
    value.clone().is_nan().bool_or(value.is_inf())
}

/// One optimizer update of `module` that is refused when `refused` holds ([1], on the
/// gradients' device) or the weights it makes are not finite; a refused update leaves every
/// weight bit for bit as it was. Returns the module and whether the update was refused.
///
/// A refused update's gradients reach the optimizer as zeros, so no NaN enters its moments
/// (they decay as for a zero gradient). With `host_reads` (the CPU backend, where a read is free
/// and a select over every weight is not) the flag is read on the host, each read counted;
/// without, it is applied on the device and nothing is awaited. Both give the same weights.
pub(super) async fn guarded_update<M: Module>(
    optim: &mut ModuleOptimizer,
    learning_rate: f64,
    module: M,
    grads: GradientsParams,
    refused: Tensor<1, Bool>,
    host_reads: Option<&Cell<u64>>,
) -> Result<(M, Tensor<1, Bool>), TrainError> {
    match host_reads {
        Some(reads) => checked_update(optim, learning_rate, module, grads, refused, reads).await,
        None => Ok(selected_update(
            optim,
            learning_rate,
            module,
            grads,
            refused,
        )),
    }
}

/// [`guarded_update`] on the device: the update selected through the flag.
fn selected_update<M: Module>(
    optim: &mut ModuleOptimizer,
    learning_rate: f64,
    module: M,
    mut grads: GradientsParams,
    refused: Tensor<1, Bool>,
) -> (M, Tensor<1, Bool>) {
    let before = Weights::of(&module);
    module.visit(&mut ZeroWhere {
        refused: Refusal::of(&refused),
        grads: &mut grads,
    });
    let after = optim.step(learning_rate, module, grads);
    let refused = refused.bool_or(non_finite(squared_weights(&after)));
    let module = after.map(&mut RestoreWhere {
        refused: Refusal::of(&refused),
        before: before.0.into_iter(),
    });
    (module, refused)
}

/// [`guarded_update`] on the host: `refused` is read, the update made only when it does not
/// hold and kept only when the weights it makes are finite.
async fn checked_update<M: Module>(
    optim: &mut ModuleOptimizer,
    learning_rate: f64,
    module: M,
    mut grads: GradientsParams,
    refused: Tensor<1, Bool>,
    reads: &Cell<u64>,
) -> Result<(M, Tensor<1, Bool>), TrainError> {
    if read_flag(refused.clone(), reads).await? {
        // As on the device: the optimizer sees zeros (its moments decay), the weights stay.
        module.visit(&mut ZeroWhere {
            refused: Refusal::of(&refused),
            grads: &mut grads,
        });
        let _ = optim.step(learning_rate, module.clone(), grads);
        return Ok((module, refused));
    }
    let after = optim.step(learning_rate, module.clone(), grads);
    let broken = non_finite(squared_weights(&after));
    let kept = if read_flag(broken.clone(), reads).await? {
        module
    } else {
        after
    };
    Ok((kept, broken))
}

async fn read_flag(flag: Tensor<1, Bool>, reads: &Cell<u64>) -> Result<bool, TrainError> {
    let values = read_vectors(vec![flag.float()], reads).await?;
    Ok(values.first().and_then(|v| v.first()) == Some(&1.0))
}

/// Reads vectors from the device in one round trip (the browser cannot block, so always
/// async), counting it in `reads`.
pub(super) async fn read_vectors(
    vectors: Vec<Tensor<1>>,
    reads: &Cell<u64>,
) -> Result<Vec<Vec<f32>>, TrainError> {
    let values = read_values(vectors).await?;
    reads.set(reads.get() + 1);
    Ok(values)
}

/// [`read_vectors`] without the count: a future that owns what it reads.
pub(super) async fn read_values(vectors: Vec<Tensor<1>>) -> Result<Vec<Vec<f32>>, TrainError> {
    let read = vectors
        .into_iter()
        .fold(Transaction::default(), |read, t| read.register(t));
    let data = read
        .execute_async()
        .await
        .map_err(|e| TrainError::Read(format!("{e}")))?;
    data.into_iter()
        .map(|d| {
            d.convert::<f32>()
                .try_into_vec::<f32>()
                .map_err(|e| TrainError::Read(format!("{e}")))
        })
        .collect()
}

/// A step's refusal ([1], on the device) as its masks take it: a boolean for burn's masks, or
/// 1.0 / 0.0 for our kernels on the devices that have them (`products`), which write only when
/// the step is refused.
enum Refusal {
    Mask(Tensor<1, Bool>),
    #[cfg(feature = "wgpu")]
    InPlace(Tensor<1>),
}

impl Refusal {
    fn of(refused: &Tensor<1, Bool>) -> Self {
        #[cfg(feature = "wgpu")]
        if refuses_in_place(&refused.device()) {
            return Refusal::InPlace(refused.clone().float());
        }
        Refusal::Mask(refused.clone())
    }

    /// `tensor`, or zeros if refused.
    fn zeroed<const D: usize>(&self, tensor: Tensor<D>) -> Tensor<D> {
        match self {
            Refusal::Mask(refused) => {
                let mask = spread::<D>(refused, tensor.shape());
                tensor.mask_fill(mask, 0.0)
            }
            #[cfg(feature = "wgpu")]
            Refusal::InPlace(refused) => zeroed_if(tensor, refused),
        }
    }

    /// `tensor`, or `before` if refused.
    fn restored<const D: usize>(&self, tensor: Tensor<D>, before: Tensor<D>) -> Tensor<D> {
        match self {
            Refusal::Mask(refused) => {
                let mask = spread::<D>(refused, tensor.shape());
                tensor.mask_where(mask, before)
            }
            #[cfg(feature = "wgpu")]
            Refusal::InPlace(refused) => restored_if(tensor, before, refused),
        }
    }
}

/// `[1; D]`-shaped `flag` spread over `shape`.
fn spread<const D: usize>(flag: &Tensor<1, Bool>, shape: burn::tensor::Shape) -> Tensor<D, Bool> {
    flag.clone().reshape([1; D]).expand(shape)
}

/// Each gradient replaced by zeros where the step is `refused`.
struct ZeroWhere<'a> {
    refused: Refusal,
    grads: &'a mut GradientsParams,
}

impl ModuleVisitor for ZeroWhere<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, self.refused.zeroed(grad));
        }
    }
}

/// A module's weights, flattened, in the order its visitors and mappers meet them.
struct Weights(Vec<Tensor<1>>);

impl Weights {
    fn of<M: Module>(module: &M) -> Self {
        struct Collect(Vec<Tensor<1>>);
        impl ModuleVisitor for Collect {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let weights = param.val().without_autodiff();
                let count = weights.shape().num_elements();
                self.0.push(weights.reshape([count]));
            }
        }
        let mut collect = Collect(Vec::new());
        module.visit(&mut collect);
        Self(collect.0)
    }
}

/// Each weight as it was `before` where the update is `refused`, else as updated.
struct RestoreWhere {
    refused: Refusal,
    before: std::vec::IntoIter<Tensor<1>>,
}

impl ModuleMapper for RestoreWhere {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let before = self
            .before
            .next()
            .expect("the updated module should have the weights it had before the update");
        param.map(|after| {
            let require_grad = after.is_require_grad();
            let after = after.without_autodiff();
            let shape = after.shape();
            let chosen = self.refused.restored(after, before.reshape(shape));
            Tensor::from_inner(chosen).set_require_grad(require_grad)
        })
    }
}

/// ‖w‖² over all of `module`'s weights: NaN or ∞ when any weight is (or when they are too large
/// to square). On the inner device.
pub(super) fn squared_weights<M: Module>(module: &M) -> Tensor<1> {
    let weights = Weights::of(module).0;
    let on_cpu = weights
        .first()
        .is_some_and(|w| w.device() == Device::flex());
    sum_of_squares(weights.into_iter().map(squared).collect(), on_cpu)
}

/// ‖g‖² over all of `module`'s gradients: NaN or ∞ when any gradient is.
pub(super) fn squared_gradients<M: Module>(module: &M, grads: &GradientsParams) -> Tensor<1> {
    struct Collect<'a> {
        grads: &'a GradientsParams,
        found: Vec<SquaredSum>,
        on_cpu: bool,
    }
    impl ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            // As they are: a gradient may be a transposed view, which a reshape would copy.
            if let Some(grad) = self.grads.get::<D>(param.id) {
                self.on_cpu = grad.device() == Device::flex();
                self.found.push(squared(grad));
            }
        }
    }
    let mut collect = Collect {
        grads,
        found: Vec::new(),
        on_cpu: false,
    };
    module.visit(&mut collect);
    sum_of_squares(collect.found, collect.on_cpu)
}

/// One tensor's ‖t‖², to be computed.
type SquaredSum = Box<dyn FnOnce() -> Tensor<1> + Send>;

fn squared<const D: usize>(tensor: Tensor<D>) -> SquaredSum {
    Box::new(move || tensor.square().sum())
}

/// The sum of `squares`; on the CPU backend each computed on a thread of its own.
fn sum_of_squares(squares: Vec<SquaredSum>, on_cpu: bool) -> Tensor<1> {
    threads::map(squares, on_cpu, |square| square())
        .into_iter()
        .reduce(|total, sum| total + sum)
        .expect("a model being trained should have at least one weight and gradient")
}
