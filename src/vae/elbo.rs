//! The ELBO of a batch and its gradients, the batch cut into one piece per CPU thread.
//!
//! burn's CPU backend spreads only its large matrix products over threads; its elementwise
//! operations (the loss, the activations and most of the backward pass) run on one. So natively
//! each piece's forward and backward pass runs on a thread of its own, through a copy of the model
//! with its own autodiff graph (`fork`: the same weights and parameter ids, new graph leaves), and
//! the pieces' gradients are added. Each piece's loss is its share of the batch's mean, so the sum
//! is the batch's gradient, as one pass over the whole batch would make it (up to the order of
//! float additions). In the page (one thread), on GPUs and in the VAE-GAN step (its discriminator
//! phase comes between the forward and backward passes) the batch stays whole.

use burn::module::{ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::loss::kl_standard_normal;
use super::{Vae, threads};

/// Fewer images than this in a piece would make the matrix products too thin to gain.
const MIN_PIECE: usize = 32;

/// The batch means of the ELBO's terms and of the loss trained on (`total`: reconstruction + β·KL,
/// plus γ·adversarial with the discriminator), [1] each without autodiff, and the gradients of
/// `total`.
pub(super) struct Elbo {
    pub reconstruction: Tensor<1>,
    pub kl: Tensor<1>,
    pub total: Tensor<1>,
    pub grads: GradientsParams,
}

impl Elbo {
    /// The backward pass of `total` through `vae`, the terms kept without autodiff.
    pub(super) fn backward(
        vae: &Vae,
        reconstruction: Tensor<1>,
        kl: Tensor<1>,
        total: Tensor<1>,
    ) -> Self {
        let grads = GradientsParams::from_grads(total.backward(), vae);
        Self {
            reconstruction: reconstruction.without_autodiff(),
            kl: kl.without_autodiff(),
            total: total.without_autodiff(),
            grads,
        }
    }
}

/// How many pieces a batch of `batch` images on `device` (autodiff) is cut into: on the CPU
/// backend one per thread, each of at least [`MIN_PIECE`] images (in the page, which has one
/// thread, one); on any other backend one.
pub(super) fn pieces(batch: usize, device: &Device) -> usize {
    if *device != Device::flex().autodiff() {
        return 1;
    }
    threads::count().min(batch / MIN_PIECE).max(1)
}

/// The ELBO of `images` ([batch, pixels], on the autodiff device) with the reparameterisation
/// noise `epsilon` ([batch, latent]), in `pieces` pieces of the batch at once.
pub(super) fn elbo_gradients(
    vae: &Vae,
    images: Tensor<2>,
    epsilon: Tensor<2>,
    beta: f64,
    pieces: usize,
) -> Elbo {
    let [batch, _] = images.dims();
    let pieces = pieces.clamp(1, batch.max(1));
    if pieces == 1 {
        return piece(vae, images, epsilon, beta, batch);
    }
    let bounds: Vec<(usize, usize)> = (0..pieces)
        .map(|k| (k * batch / pieces, (k + 1) * batch / pieces))
        .collect();
    let device = images.device();
    // The pieces' graphs must stay apart (only untracked inputs and fresh `fork` leaves): burn
    // merges graphs that share a tracked tensor, and two backward passes on one merged graph
    // would wait on each other's lock.
    let parts = threads::map(bounds, true, |(start, end)| {
        let replica = vae.clone().fork(&device);
        piece(
            &replica,
            images.clone().narrow(0, start, end - start),
            epsilon.clone().narrow(0, start, end - start),
            beta,
            batch,
        )
    });
    sum(vae, parts)
}

/// The forward pass on `images` ([rows, pixels]) with noise `epsilon` ([rows, latent]): the
/// reconstruction and KL terms summed over the rows and divided by `batch` (so a piece's share of
/// the batch's means; the means themselves when the rows are the batch), and the decoder's logits
/// ([rows, pixels]).
pub(super) fn forward(
    vae: &Vae,
    images: Tensor<2>,
    epsilon: Tensor<2>,
    batch: usize,
) -> (Tensor<1>, Tensor<1>, Tensor<2>) {
    let posterior = vae.encode(images.clone());
    let logits = vae.decode_logits(posterior.sample(epsilon));
    let reconstruction = vae.reconstruction_loss(logits.clone(), images).sum() / batch as f64;
    let kl = kl_standard_normal(posterior.mean, posterior.log_var).sum() / batch as f64;
    (reconstruction, kl, logits)
}

/// One piece's share of the batch's ELBO.
fn piece(vae: &Vae, images: Tensor<2>, epsilon: Tensor<2>, beta: f64, batch: usize) -> Elbo {
    let (reconstruction, kl, _) = forward(vae, images, epsilon, batch);
    let total = reconstruction.clone() + kl.clone() * beta;
    Elbo::backward(vae, reconstruction, kl, total)
}

/// The pieces' terms and gradients added up.
fn sum(vae: &Vae, parts: Vec<Elbo>) -> Elbo {
    let mut add = Add {
        into: GradientsParams::new(),
        from: Vec::new(),
    };
    let mut terms = Vec::new();
    for part in parts {
        add.from.push(part.grads);
        terms.push([part.reconstruction, part.kl, part.total]);
    }
    let [reconstruction, kl, total] = terms
        .into_iter()
        .reduce(|[r, k, t], [r2, k2, t2]| [r + r2, k + k2, t + t2])
        .expect("a batch should be cut into at least one piece");
    vae.visit(&mut add);
    Elbo {
        reconstruction,
        kl,
        total,
        grads: add.into,
    }
}

/// Each parameter's gradients from every piece, added.
struct Add {
    into: GradientsParams,
    from: Vec<GradientsParams>,
}

impl ModuleVisitor for Add {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let pieces = self.from.iter_mut();
        if let Some(sum) = pieces
            .filter_map(|g| g.remove::<D>(param.id))
            .reduce(|a, b| a + b)
        {
            self.into.register(param.id, sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ImageShape, Rng};
    use crate::vae::{Architecture, Likelihood, VaeConfig};
    use burn::tensor::TensorData;
    use pollster::block_on;

    fn values(tensor: Tensor<1>) -> Vec<f32> {
        block_on(tensor.into_data_async())
            .expect("reading from the CPU backend should work")
            .try_to_vec()
            .expect("the values should be f32")
    }

    /// Every gradient, flattened, in the order the model's visitor meets its parameters (a
    /// fixed one, such as a Gaussian's unlearned σ, has none).
    fn gradients(vae: &Vae, grads: &GradientsParams) -> Vec<Option<Vec<f32>>> {
        struct Collect<'a>(&'a GradientsParams, Vec<Option<Vec<f32>>>);
        impl ModuleVisitor for Collect<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let grad = self.0.get::<D>(param.id).map(|grad| {
                    let count = grad.shape().num_elements();
                    values(grad.reshape([count]))
                });
                self.1.push(grad);
            }
        }
        let mut collect = Collect(grads, Vec::new());
        vae.visit(&mut collect);
        collect.1
    }

    fn assert_close(what: &str, cut: &[f32], whole: &[f32]) {
        let scale = whole.iter().fold(1e-6f32, |m, x| m.max(x.abs()));
        for (a, b) in cut.iter().zip(whole) {
            assert!(
                (a - b).abs() <= 1e-4 * scale,
                "{what}: {a} in pieces, {b} whole (largest {scale})"
            );
        }
        assert_eq!(cut.len(), whole.len(), "{what}: as many values");
    }

    #[test]
    fn a_batch_in_pieces_has_the_whole_batchs_elbo_and_gradients() {
        let device = Device::flex().autodiff();
        for likelihood in [
            Likelihood::Bernoulli,
            Likelihood::Gaussian {
                sigma: 0.3,
                learned: true,
            },
        ] {
            let config = VaeConfig {
                image: ImageShape {
                    width: 6,
                    height: 6,
                    channels: 1,
                },
                architecture: Architecture::Mlp { hidden: vec![16] },
                latent: 2,
                likelihood,
            };
            let vae = config.init(&device).expect("a small model should build");
            let (batch, mut rng) = (10, Rng::new(3));
            let pixels: Vec<f32> = (0..batch * 36).map(|_| rng.uniform() as f32).collect();
            let images = Tensor::from_data(TensorData::new(pixels, [batch, 36]), &device);
            let epsilon =
                Tensor::from_data(TensorData::new(rng.normals(batch * 2), [batch, 2]), &device);
            let run = |pieces| elbo_gradients(&vae, images.clone(), epsilon.clone(), 0.7, pieces);
            let whole = run(1);
            let terms = |e: &Elbo| {
                values(Tensor::cat(
                    vec![e.reconstruction.clone(), e.kl.clone(), e.total.clone()],
                    0,
                ))
            };
            let (whole_terms, whole_grads) = (terms(&whole), gradients(&vae, &whole.grads));
            assert!(
                whole_grads.iter().flatten().flatten().any(|g| *g != 0.0),
                "the gradients should not all be zero"
            );
            for pieces in [2, 3] {
                let cut = run(pieces);
                assert_close("[reconstruction, KL, total]", &terms(&cut), &whole_terms);
                let cut_grads = gradients(&vae, &cut.grads);
                assert_eq!(cut_grads.len(), whole_grads.len());
                for (k, (c, w)) in cut_grads.iter().zip(&whole_grads).enumerate() {
                    let what = format!("gradient {k}, {pieces} pieces");
                    match (c, w) {
                        (Some(c), Some(w)) => assert_close(&what, c, w),
                        _ => assert_eq!(c.is_some(), w.is_some(), "{what}: present in both"),
                    }
                }
            }
        }
    }
}
