//! The terms of the ELBO, each per image in nats, and the discriminator's loss.

use burn::prelude::*;
use burn::tensor::activation::relu;

/// Elementwise binary cross-entropy from logits, computed stably:
/// max(l, 0) − x·l + log(1 + e^−|l|).
pub fn bce_with_logits<const D: usize>(logits: Tensor<D>, targets: Tensor<D>) -> Tensor<D> {
    relu(logits.clone()) - logits.clone() * targets + logits.abs().neg().exp().log1p()
}

/// −log p(x|z) for a Bernoulli decoder: [batch, pixels] × 2 → [batch]
pub fn bernoulli_nll(logits: Tensor<2>, images: Tensor<2>) -> Tensor<1> {
    bce_with_logits(logits, images).sum_dim(1).squeeze_dim(1)
}

/// −log N(x; mean, σ²) summed over pixels: [batch, pixels] × 2, log σ [1] → [batch]
pub fn gaussian_nll(means: Tensor<2>, images: Tensor<2>, log_sigma: Tensor<1>) -> Tensor<1> {
    let pixels = images.dims()[1] as f64;
    let squared: Tensor<1> = (images - means).square().sum_dim(1).squeeze_dim(1);
    let inverse_variance = (log_sigma.clone() * -2.0).exp();
    let constant = log_sigma * pixels + pixels * 0.5 * (std::f64::consts::TAU).ln();
    squared * inverse_variance * 0.5 + constant
}

/// KL(N(μ, σ²) ‖ N(0, I)) in closed form: [batch, latent] × 2 → [batch]
pub fn kl_standard_normal(mean: Tensor<2>, log_var: Tensor<2>) -> Tensor<1> {
    let terms = log_var.clone() + 1.0 - mean.square() - log_var.exp();
    (terms.sum_dim(1) * -0.5).squeeze_dim(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rng;

    fn read(t: Tensor<1>) -> Vec<f32> {
        pollster::block_on(t.into_data_async())
            .expect("reading from the CPU backend should work")
            .try_to_vec()
            .expect("the loss should be f32")
    }

    #[test]
    fn bce_matches_a_hand_computation() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_floats([[0.0, 2.0, -3.0, 50.0]], &device);
        let targets = Tensor::<2>::from_floats([[1.0, 0.0, 0.25, 1.0]], &device);
        let sigmoid = |l: f64| 1.0 / (1.0 + (-l).exp());
        let expected: f64 = [(0.0, 1.0), (2.0, 0.0), (-3.0, 0.25), (50.0, 1.0)]
            .iter()
            .map(|&(l, x)| {
                let p = sigmoid(l).clamp(1e-30, 1.0 - 1e-16);
                -(x * p.ln() + (1.0 - x) * (1.0 - p).ln())
            })
            .sum();
        let got = read(bernoulli_nll(logits, targets))[0] as f64;
        assert!((got - expected).abs() < 1e-4, "{got} vs {expected}");
    }

    #[test]
    fn gaussian_nll_matches_the_density() {
        let device = Device::flex();
        let means = Tensor::<2>::from_floats([[0.5, 0.0]], &device);
        let images = Tensor::<2>::from_floats([[1.0, 0.2]], &device);
        let sigma: f64 = 0.3;
        let log_sigma = Tensor::<1>::from_floats([sigma.ln() as f32], &device);
        let expected: f64 = [(1.0f64, 0.5f64), (0.2, 0.0)]
            .iter()
            .map(|&(x, m)| {
                0.5 * ((x - m) / sigma).powi(2) + sigma.ln() + 0.5 * std::f64::consts::TAU.ln()
            })
            .sum();
        let got = read(gaussian_nll(means, images, log_sigma))[0] as f64;
        assert!((got - expected).abs() < 1e-4, "{got} vs {expected}");
    }

    #[test]
    fn kl_closed_form_agrees_with_monte_carlo() {
        let device = Device::flex();
        let (mu, log_var) = ([0.7f64, -1.2], [-0.5f64, 0.8]);
        let closed = read(kl_standard_normal(
            Tensor::from_floats([[mu[0] as f32, mu[1] as f32]], &device),
            Tensor::from_floats([[log_var[0] as f32, log_var[1] as f32]], &device),
        ))[0] as f64;
        // E_q[log q(z) − log p(z)] from 200,000 draws of q.
        let mut rng = Rng::new(11);
        let draws = 200_000;
        let eps = rng.normals(draws * 2);
        let mut total = 0.0;
        for e in eps.chunks_exact(2) {
            for d in 0..2 {
                let sigma = (0.5 * log_var[d]).exp();
                let z = mu[d] + sigma * e[d] as f64;
                let log_q = -0.5 * (e[d] as f64).powi(2) - sigma.ln();
                let log_p = -0.5 * z * z;
                total += log_q - log_p;
            }
        }
        let monte_carlo = total / draws as f64;
        assert!(
            (closed - monte_carlo).abs() < 0.02,
            "closed form {closed}, Monte Carlo {monte_carlo}"
        );
        assert!(
            closed > 0.5,
            "a KL this far from the prior is clearly positive"
        );
    }
}
