//! Completing images from their known pixels: the VAE as a model of images.
//!
//! Two ways, both on batches of images with a mask of the pixels that are known:
//! - iterated encode–decode: erased pixels are filled with the decoding of the posterior mean,
//!   known pixels are put back, and again;
//! - latent search: the z that maximises log p(x_known | z) + log p(z), by gradient steps on z
//!   (the model fixed) with Adam, from the posterior mean of the image as it is.
//!
//! Images are [n, pixels] in [0, 1]; `known` is [n, pixels] of 1 (known) and 0 (erased).

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::TensorData;

use super::{TrainError, Vae};
use crate::data::{ImageShape, Rng};

/// How a mask erases part of an image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mask {
    LeftHalf,
    TopHalf,
    /// A centred box, half the image's width and height.
    Box,
    /// Each pixel erased with probability one half, drawn from the seed.
    Random(u64),
}

impl Mask {
    /// Which pixels of an image of `shape` stay known (true), channel-major like the images.
    pub fn known(self, shape: ImageShape) -> Vec<bool> {
        let (w, h) = (shape.width, shape.height);
        let mut rng = match self {
            Mask::Random(seed) => Some(Rng::new(seed)),
            _ => None,
        };
        // The same place is erased in every channel.
        let plane: Vec<bool> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                match self {
                    Mask::LeftHalf => x >= w / 2,
                    Mask::TopHalf => y >= h / 2,
                    Mask::Box => {
                        !(w / 4..w - w / 4).contains(&x) || !(h / 4..h - h / 4).contains(&y)
                    }
                    Mask::Random(_) => rng.as_mut().is_some_and(|r| r.uniform() < 0.5),
                }
            })
            .collect();
        plane.repeat(shape.channels)
    }
}

fn tensor(values: Vec<f32>, rows: usize, device: &Device) -> Tensor<2> {
    let columns = values.len() / rows.max(1);
    Tensor::from_data(TensorData::new(values, [rows, columns]), device)
}

async fn read(t: Tensor<2>) -> Result<Vec<f32>, TrainError> {
    t.into_data_async()
        .await
        .map_err(|e| TrainError::Read(e.to_string()))?
        .try_to_vec::<f32>()
        .map_err(|e| TrainError::Read(e.to_string()))
}

/// Known pixels as they are, erased ones from `fill`: the images a completion shows.
pub fn clamped(images: &[f32], known: &[bool], fill: &[f32]) -> Vec<f32> {
    images
        .iter()
        .zip(known)
        .zip(fill)
        .map(|((&x, &k), &f)| if k { x } else { f })
        .collect()
}

/// Iterated encode–decode: each iteration's images, `iterations` of them, starting from the
/// images with their erased pixels at 0.
pub async fn iterate(
    vae: &Vae,
    images: &[f32],
    known: &[bool],
    rows: usize,
    iterations: usize,
) -> Result<Vec<Vec<f32>>, TrainError> {
    let device = Device::flex();
    let mut current = clamped(images, known, &vec![0.0; images.len()]);
    let mut steps = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let mean = vae.encode(tensor(current.clone(), rows, &device)).mean;
        let decoded = read(vae.decode(mean)).await?;
        current = clamped(images, known, &decoded);
        steps.push(current.clone());
    }
    Ok(steps)
}

/// The latent search's state: z for each image, Adam's moments, the model on an autodiff device
/// (its weights fixed).
pub struct LatentSearch {
    vae: Vae,
    device: Device,
    images: Tensor<2>,
    known: Tensor<2>,
    rows: usize,
    latent: usize,
    /// The current z, [rows × latent].
    pub z: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
    steps: i32,
    pub learning_rate: f32,
}

impl LatentSearch {
    /// Starts from the posterior mean of each image as it is (erased pixels at 0).
    pub async fn new(
        vae: &Vae,
        images: &[f32],
        known: &[bool],
        rows: usize,
    ) -> Result<Self, TrainError> {
        let plain = Device::flex();
        let start = clamped(images, known, &vec![0.0; images.len()]);
        let z = read(vae.encode(tensor(start, rows, &plain)).mean).await?;
        let device = plain.autodiff();
        let known: Vec<f32> = known.iter().map(|&k| f32::from(u8::from(k))).collect();
        let latent = vae.latent();
        Ok(Self {
            vae: vae.clone().fork(&device).no_grad(),
            images: tensor(images.to_vec(), rows, &device),
            known: tensor(known, rows, &device),
            device,
            rows,
            latent,
            m: vec![0.0; z.len()],
            v: vec![0.0; z.len()],
            z,
            steps: 0,
            learning_rate: 0.05,
        })
    }

    /// One Adam step on z; the objective before it, −log p(x_known|z) − log p(z) up to a
    /// constant, in nats per image.
    pub async fn step(&mut self) -> Result<f32, TrainError> {
        let z = tensor(self.z.clone(), self.rows, &self.device).require_grad();
        let logits = self.vae.decode_logits(z.clone());
        let nll =
            self.vae
                .masked_reconstruction_loss(logits, self.images.clone(), self.known.clone());
        let prior: Tensor<1> = (z.clone().square().sum_dim(1) * 0.5).squeeze_dim(1);
        let objective = (nll + prior).sum();
        let grads = objective.backward();
        let gradient = z
            .grad(&grads)
            .expect("z should get a gradient: it was required");
        let gradient = read(gradient).await?;
        let value = read(objective.detach().reshape([1, 1])).await?[0] / self.rows as f32;
        // Adam, one parameter per latent coordinate.
        let (beta1, beta2, epsilon) = (0.9f32, 0.999f32, 1e-8f32);
        self.steps += 1;
        let (c1, c2) = (1.0 - beta1.powi(self.steps), 1.0 - beta2.powi(self.steps));
        for (i, g) in gradient.iter().enumerate() {
            self.m[i] = beta1 * self.m[i] + (1.0 - beta1) * g;
            self.v[i] = beta2 * self.v[i] + (1.0 - beta2) * g * g;
            self.z[i] -=
                self.learning_rate * (self.m[i] / c1) / ((self.v[i] / c2).sqrt() + epsilon);
        }
        Ok(value)
    }

    /// The images completed from the current z: known pixels as they are, erased ones decoded.
    pub async fn completed(&self, plain: &Vae) -> Result<Vec<f32>, TrainError> {
        let decoded =
            read(plain.decode(tensor(self.z.clone(), self.rows, &Device::flex()))).await?;
        let images = read(self.images.clone().detach()).await?;
        let known = read(self.known.clone()).await?;
        let known: Vec<bool> = known.iter().map(|&k| k > 0.5).collect();
        Ok(clamped(&images, &known, &decoded))
    }

    pub fn latent(&self) -> usize {
        self.latent
    }
}

/// Decodings of `count` points drawn around `z` (one image's, of `vae.latent()` values), `spread`
/// standard deviations of the prior away: other plausible completions.
pub async fn samples_around(
    vae: &Vae,
    z: &[f32],
    spread: f32,
    count: usize,
    seed: u64,
) -> Result<Vec<f32>, TrainError> {
    let noise = Rng::new(seed).normals(count * z.len());
    let points: Vec<f32> = noise
        .iter()
        .enumerate()
        .map(|(i, e)| z[i % z.len()] + spread * e)
        .collect();
    read(vae.decode(tensor(points, count, &Device::flex()))).await
}

/// The mean squared error of `completed` against `truth` over the erased pixels.
pub fn erased_error(completed: &[f32], truth: &[f32], known: &[bool]) -> f32 {
    let (sum, count) = completed
        .iter()
        .zip(truth)
        .zip(known)
        .filter(|(_, k)| !**k)
        .fold((0.0f64, 0usize), |(s, n), ((c, t), _)| {
            (s + ((c - t) as f64).powi(2), n + 1)
        });
    (sum / count.max(1) as f64) as f32
}

#[cfg(test)]
mod tests {
    use pollster::block_on;

    use super::*;
    use crate::vae::Checkpoint;

    /// The shipped model completes erased halves of held-out digits better than the mean digit
    /// does, by latent search; and iterating encode–decode settles.
    #[test]
    fn latent_search_completes_erased_halves_better_than_the_mean_image() {
        let set = crate::data::bundled_mnist().expect("assets/mnist should be readable");
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/models/mnist-mlp2.vae"
        ))
        .expect("the shipped model should be readable");
        let vae = Checkpoint::from_bytes(&bytes)
            .and_then(|c| c.vae(&Device::flex()))
            .expect("the shipped model should open");
        // The page's split: these images were not trained on.
        let split = set.split(1000, crate::data::SPLIT_SEED);
        let train = set.select(&split.train);
        let held = set.select(&split.held_out[..100]);
        let pixels = set.shape.pixels();
        let mut mean = vec![0.0f32; pixels];
        for i in 0..train.len() {
            for (m, v) in mean.iter_mut().zip(train.image(i)) {
                *m += v / train.len() as f32;
            }
        }
        let known = Mask::LeftHalf.known(set.shape).repeat(held.len());
        let baseline = erased_error(
            &clamped(&held.pixels, &known, &mean.repeat(held.len())),
            &held.pixels,
            &known,
        );
        let mut search = block_on(LatentSearch::new(&vae, &held.pixels, &known, held.len()))
            .expect("the search should start");
        let unsearched = erased_error(
            &block_on(search.completed(&vae)).expect("a completion"),
            &held.pixels,
            &known,
        );
        let objectives: Vec<f32> = (0..150)
            .map(|_| block_on(search.step()).expect("a step"))
            .collect();
        let searched = erased_error(
            &block_on(search.completed(&vae)).expect("a completion"),
            &held.pixels,
            &known,
        );
        // Decoding the prior's mean: what a search that went nowhere useful would give.
        let nowhere = {
            let z = Tensor::<2>::zeros([held.len(), 2], &Device::flex());
            let decoded: Vec<f32> = block_on(vae.decode(z).into_data_async())
                .expect("a decode")
                .try_to_vec()
                .expect("f32");
            erased_error(
                &clamped(&held.pixels, &known, &decoded),
                &held.pixels,
                &known,
            )
        };
        eprintln!(
            "erased left halves, mean squared error: latent search {searched:.4} (from {unsearched:.4} unsearched), mean image {baseline:.4}, prior mean {nowhere:.4}; objective {:.1} → {:.1} nats",
            objectives[0],
            objectives[objectives.len() - 1]
        );
        assert!(
            objectives[149] < objectives[0] - 5.0,
            "the search should climb"
        );
        // A search that goes nowhere (its start, or the prior's mean) cannot pass these margins.
        assert!(
            searched < baseline * 0.9,
            "the search ({searched}) should beat the mean image ({baseline}) clearly"
        );
        assert!(
            searched < unsearched * 0.9,
            "and improve on its start ({unsearched})"
        );
        assert!(searched < nowhere * 0.8, "and the prior's mean ({nowhere})");
        // Iterating settles: each iteration changes less than the first did.
        let steps =
            block_on(iterate(&vae, &held.pixels, &known, held.len(), 12)).expect("iterations");
        let change = |a: &[f32], b: &[f32]| -> f32 {
            a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
        };
        let changes: Vec<f32> = steps.windows(2).map(|w| change(&w[0], &w[1])).collect();
        eprintln!("iterated encode–decode, change per iteration: {changes:.4?}");
        assert!(changes[changes.len() - 1] < changes[0] * 0.5, "{changes:?}");
    }
}
