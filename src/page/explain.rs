//! The objective with the model's own numbers: the last step's negative ELBO written out term by
//! term, the KL per latent dimension, and one image's way through the model (encoder → μ, σ →
//! ε → z → decoder) with its own reconstruction and KL terms.

use burn::tensor::{Device, Tensor, TensorData};

use super::plane::PlanePoint;
use crate::data::{ImageShape, Rng};
use crate::vae::loss::kl_standard_normal;
use crate::vae::{StepReport, Vae};

/// The last step's loss, term by term (nats per image, averaged over the batch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    pub reconstruction: f32,
    pub beta: f32,
    pub kl: f32,
    /// γ and the decoder's adversarial loss, when the discriminator is on.
    pub adversarial: Option<(f32, f32)>,
    pub total: f32,
}

impl Objective {
    /// The report's terms; `gamma` is the adversarial weight the step used.
    pub fn from_report(report: &StepReport, gamma: f64) -> Self {
        Self {
            reconstruction: report.reconstruction,
            beta: report.beta,
            kl: report.kl,
            adversarial: report
                .discriminator
                .as_ref()
                .map(|d| (gamma as f32, d.adversarial)),
            total: report.total,
        }
    }

    /// reconstruction + β·KL (+ γ·adversarial): what `total` should be.
    pub fn sum(&self) -> f32 {
        self.reconstruction
            + self.beta * self.kl
            + self.adversarial.map_or(0.0, |(gamma, loss)| gamma * loss)
    }
}

/// The KL of each latent dimension's posterior from the prior N(0, 1), averaged over `points`
/// (nats): ½(μ² + σ² − 1 − ln σ²). A dimension near 0 carries no information: it has collapsed.
pub fn kl_per_dimension(points: &[PlanePoint]) -> Vec<f32> {
    let latent = points.first().map_or(0, |p| p.mean.len());
    let mut sums = vec![0.0f64; latent];
    let mut count = 0usize;
    for point in points.iter().filter(|p| p.mean.len() == latent) {
        for (d, sum) in sums.iter_mut().enumerate() {
            let (mu, sigma) = (point.mean[d] as f64, point.sigma[d].max(1e-12) as f64);
            *sum += 0.5 * (mu * mu + sigma * sigma - 1.0 - (sigma * sigma).ln());
        }
        count += 1;
    }
    sums.iter()
        .map(|s| (s / count.max(1) as f64) as f32)
        .collect()
}

/// One image through the model, with its numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePath {
    pub mean: Vec<f32>,
    pub sigma: Vec<f32>,
    /// The noise drawn for this image: z = μ + σ·ε.
    pub epsilon: Vec<f32>,
    pub z: Vec<f32>,
    /// The decoder's image at z, values in [0, 1].
    pub decoded: Vec<f32>,
    /// −log p(x|z) for this z, nats.
    pub reconstruction: f32,
    /// KL(q(z|x) ‖ p(z)), nats.
    pub kl: f32,
}

/// `image` (values in [0, 1], of `shape`) through `vae` on the CPU, with ε drawn from `seed`.
pub async fn image_path(
    vae: &Vae,
    image: &[f32],
    shape: ImageShape,
    seed: u64,
) -> Result<ImagePath, String> {
    if image.len() != shape.pixels() {
        return Err(format!(
            "the image has {} values, the model takes {}",
            image.len(),
            shape.pixels()
        ));
    }
    let device = Device::flex();
    let latent = vae.latent();
    let x = Tensor::<2>::from_data(TensorData::new(image.to_vec(), [1, image.len()]), &device);
    let posterior = vae.encode(x.clone());
    let epsilon = Rng::new(seed).normals(latent);
    let eps = Tensor::<2>::from_data(TensorData::new(epsilon.clone(), [1, latent]), &device);
    let z = posterior.sample(eps);
    let logits = vae.decode_logits(z.clone());
    let reconstruction = vae.reconstruction_loss(logits.clone(), x);
    let kl = kl_standard_normal(posterior.mean.clone(), posterior.log_var.clone());
    let read = |t: Tensor<2>| async move {
        t.into_data_async()
            .await
            .map_err(|e| format!("the backend could not read the result back ({e})"))?
            .try_to_vec::<f32>()
            .map_err(|e| format!("the backend returned another type of number ({e})"))
    };
    let one = |v: Vec<f32>| v.first().copied().unwrap_or(f32::NAN);
    Ok(ImagePath {
        mean: read(posterior.mean.clone()).await?,
        sigma: read((posterior.log_var * 0.5).exp()).await?,
        epsilon,
        z: read(z).await?,
        decoded: read(burn::tensor::activation::sigmoid(logits)).await?,
        reconstruction: one(read(reconstruction.unsqueeze_dim(1)).await?),
        kl: one(read(kl.unsqueeze_dim(1)).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vae::{DiscriminatorReport, VaeConfig};

    #[test]
    fn the_objective_adds_up_to_the_steps_total() {
        let report = StepReport {
            step: 1,
            reconstruction: 90.5,
            kl: 5.25,
            total: 90.5 + 4.0 * 5.25 + 10.0 * 0.75,
            beta: 4.0,
            grad_norm: 1.0,
            applied: true,
            rolled_back: false,
            host_reads: 0,
            discriminator: Some(DiscriminatorReport {
                loss: 0.6,
                accuracy: 0.5,
                adversarial: 0.75,
                applied: true,
            }),
            step_ms: 1.0,
            samples_per_s: 1.0,
        };
        let objective = Objective::from_report(&report, 10.0);
        assert!((objective.sum() - objective.total).abs() < 1e-4);
    }

    #[test]
    fn kl_per_dimension_is_zero_at_the_prior_and_grows_away_from_it() {
        let point = |mean: Vec<f32>, sigma: Vec<f32>| PlanePoint {
            mean,
            sigma,
            label: None,
        };
        let kl = kl_per_dimension(&[
            point(vec![0.0, 2.0], vec![1.0, 0.5]),
            point(vec![0.0, -2.0], vec![1.0, 0.5]),
        ]);
        assert!(
            kl[0].abs() < 1e-6,
            "a dimension at the prior carries nothing"
        );
        let expected = 0.5 * (4.0 + 0.25 - 1.0 - 0.25f32.ln());
        assert!((kl[1] - expected).abs() < 1e-5, "{kl:?}");
        assert!(kl_per_dimension(&[]).is_empty());
    }

    #[test]
    fn an_images_path_is_z_equals_mu_plus_sigma_epsilon_and_its_own_terms() {
        let config = VaeConfig::mlp2();
        let vae = config.init(&Device::flex()).expect("a valid config");
        let image: Vec<f32> = (0..784).map(|i| (i % 7) as f32 / 7.0).collect();
        let path = pollster::block_on(image_path(&vae, &image, config.image, 3)).expect("a path");
        for d in 0..2 {
            let z = path.mean[d] + path.sigma[d] * path.epsilon[d];
            assert!((z - path.z[d]).abs() < 1e-5);
        }
        let kl: f32 = (0..2)
            .map(|d| {
                let (m, s) = (path.mean[d], path.sigma[d]);
                0.5 * (m * m + s * s - 1.0 - (s * s).ln())
            })
            .sum();
        assert!((kl - path.kl).abs() < 1e-4, "{kl} against {}", path.kl);
        assert!(path.reconstruction.is_finite() && path.reconstruction > 0.0);
        assert_eq!(path.decoded.len(), 784);
        assert_eq!(
            pollster::block_on(image_path(&vae, &image[..10], config.image, 3)).map(|_| ()),
            Err("the image has 10 values, the model takes 784".into())
        );
    }
}
