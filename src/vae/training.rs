use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::Mutex;

use burn::module::{ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::TensorData;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::adam::adam;
use super::elbo::{Elbo, elbo_gradients, forward, pieces};
use super::guard::{any_non_finite, guarded_update, read_vectors, squared_gradients};
use super::loss::{bce_with_logits, kl_standard_normal};
use super::reports::{Queued, Reading, StepReport};
use super::{ConfigError, Discriminator, Vae, VaeConfig};
use crate::data::Rng;

/// burn's backends keep one RNG per process: every weight initialisation holds this lock around
/// its draws (and a seeded one around seeding too), so that the same seed gives the same
/// weights while other threads (tests, benchmarks) draw too.
static SEED_LOCK: Mutex<()> = Mutex::new(());

/// Runs `draw` holding [`SEED_LOCK`].
pub(super) fn with_seed_lock<T>(draw: impl FnOnce() -> T) -> T {
    let _guard = SEED_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    draw()
}

/// `module` with every parameter drawn now: burn initialises parameters lazily, on first use,
/// which would draw from the shared RNG outside [`SEED_LOCK`].
pub(super) fn drawn<M: Module>(module: M) -> M {
    struct Draw;
    impl ModuleVisitor for Draw {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let _ = param.val();
        }
    }
    module.visit(&mut Draw);
    module
}

/// Hyperparameters that may change between any two steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyper {
    pub learning_rate: f64,
    /// Weight of the KL term.
    pub beta: f64,
    /// β rises linearly from 0 over this many steps (0: no warm-up).
    pub kl_warmup_steps: u64,
    pub batch_size: usize,
    /// VAE-GAN: train a discriminator and add γ · its adversarial loss to the ELBO.
    pub discriminator: bool,
    pub gamma: f64,
    pub discriminator_learning_rate: f64,
}

impl Default for Hyper {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            beta: 1.0,
            kl_warmup_steps: 0,
            batch_size: 128,
            discriminator: false,
            gamma: 10.0,
            discriminator_learning_rate: 2e-4,
        }
    }
}

/// A hyperparameter that no step can use.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HyperError {
    #[error("the {name} must be a positive number, not {value}")]
    NotPositive { name: &'static str, value: f64 },
    #[error("{name} must be a number of at least 0, not {value}")]
    Negative { name: &'static str, value: f64 },
    #[error("the batch size must be from 1 to {MAX_BATCH}, not {0}")]
    Batch(usize),
}

/// The largest batch a step takes.
pub const MAX_BATCH: usize = 65_536;

impl Hyper {
    /// Whether every value can be used: rates positive and finite, weights finite and not
    /// negative, a batch of at least one image.
    pub fn validate(&self) -> Result<(), HyperError> {
        for (name, value) in [
            ("learning rate", self.learning_rate),
            (
                "discriminator's learning rate",
                self.discriminator_learning_rate,
            ),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(HyperError::NotPositive { name, value });
            }
        }
        for (name, value) in [("β", self.beta), ("γ", self.gamma)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(HyperError::Negative { name, value });
            }
        }
        if !(1..=MAX_BATCH).contains(&self.batch_size) {
            return Err(HyperError::Batch(self.batch_size));
        }
        Ok(())
    }
}

/// The ELBO terms on held-out images, in nats per image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub reconstruction: f32,
    pub kl: f32,
}

impl Evaluation {
    /// The negative ELBO (β = 1).
    pub fn negative_elbo(&self) -> f32 {
        self.reconstruction + self.kl
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("a batch of {found} values per image does not fit a model of {expected}")]
    BatchShape { expected: usize, found: usize },
    #[error("the backend could not read results back: {0}")]
    Read(String),
    #[error(transparent)]
    Hyper(#[from] HyperError),
}

/// Owns the model, the discriminator and their optimizers; one `step` per batch.
pub struct Trainer {
    config: VaeConfig,
    device: Device,
    vae: Vae,
    optim: ModuleOptimizer,
    discriminator: Discriminator,
    discriminator_optim: ModuleOptimizer,
    rng: Rng,
    step: u64,
    pub hyper: Hyper,
    /// Steps queued on the device, their numbers not read back yet.
    queued: Vec<Queued>,
    /// When the first of `queued` was queued.
    queued_since: Option<Instant>,
    /// Reads started and not waited for yet, oldest first (at most one between calls).
    reading: VecDeque<Reading>,
    /// When the last read's numbers arrived.
    last_read: Option<Instant>,
    host_reads: Cell<u64>,
    /// The CPU backend: reading the guard's flag is free there, selecting through it is not.
    reads_are_free: bool,
}

/// Width of the discriminator's hidden layer.
const DISCRIMINATOR_HIDDEN: usize = 256;

impl Trainer {
    /// A fresh model on `device` (autodiff is switched on here), weights drawn from `seed`.
    pub fn new(
        config: VaeConfig,
        hyper: Hyper,
        seed: u64,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let reads_are_free = *device == Device::flex();
        let device = device.clone().autodiff();
        config.validate()?;
        let (vae, discriminator) = with_seed_lock(|| {
            device.seed(seed);
            (
                drawn(Vae::new(&config, &device)),
                drawn(Discriminator::new(
                    config.image,
                    DISCRIMINATOR_HIDDEN,
                    &device,
                )),
            )
        });
        Ok(Self {
            config,
            device,
            vae,
            optim: adam(),
            discriminator,
            discriminator_optim: adam(),
            rng: Rng::new(seed ^ 0x5EED),
            step: 0,
            hyper,
            queued: Vec::new(),
            queued_since: None,
            reading: VecDeque::new(),
            last_read: None,
            host_reads: Cell::new(0),
            reads_are_free,
        })
    }

    pub fn config(&self) -> &VaeConfig {
        &self.config
    }

    /// The autodiff device that batches for [`Trainer::step`] are made on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn steps(&self) -> u64 {
        self.step
    }

    pub fn vae(&self) -> &Vae {
        &self.vae
    }

    /// A copy of the model without autodiff, for decoding and encoding outside training.
    pub fn inference_model(&self) -> Vae {
        self.vae.valid()
    }

    fn normals(&mut self, rows: usize) -> Tensor<2> {
        let latent = self.config.latent;
        let values = self.rng.normals(rows * latent);
        Tensor::from_data(TensorData::new(values, [rows, latent]), &self.device)
    }

    /// β for the next step, after the KL warm-up.
    fn beta(&self) -> f64 {
        let warmup = self.hyper.kl_warmup_steps;
        let ramp = if warmup == 0 {
            1.0
        } else {
            (self.step as f64 / warmup as f64).min(1.0)
        };
        self.hyper.beta * ramp
    }

    /// Queues one step on a batch of images, [batch, pixels] in [0, 1] on
    /// [`Trainer::device`], without waiting for it: its numbers come with the next
    /// [`Trainer::read_reports`]. Steps queue back to back on the device.
    ///
    /// A step whose losses or gradients are not finite, or whose update would make the weights
    /// non-finite (or so large that their squares overflow), leaves the weights bit for bit as
    /// they were. On a GPU the guard is computed on the device and nothing is awaited (see
    /// `guard`); on the CPU, where a read costs nothing, the flag is read before the update.
    pub async fn queue_step(&mut self, images: Tensor<2>) -> Result<(), TrainError> {
        self.hyper.validate()?;
        let [batch, pixels] = images.dims();
        if pixels != self.config.image.pixels() {
            return Err(TrainError::BatchShape {
                expected: self.config.image.pixels(),
                found: pixels,
            });
        }
        if self.queued.is_empty() {
            self.queued_since = Some(Instant::now());
        }
        let beta = self.beta();

        let epsilon = self.normals(batch);
        let (elbo, discriminator) = if self.hyper.discriminator {
            let (elbo, discriminator) = self.adversarial_elbo(images, epsilon, beta).await?;
            (elbo, Some(discriminator))
        } else {
            let count = pieces(batch, &self.device);
            (
                elbo_gradients(&self.vae, images, epsilon, beta, count),
                None,
            )
        };
        let grads = elbo.grads;
        let mut guarded = vec![
            elbo.reconstruction,
            elbo.kl,
            elbo.total,
            squared_gradients(&self.vae, &grads),
        ];
        if let Some((_, adversarial)) = &discriminator {
            guarded.push(adversarial.clone());
        }
        let refused = any_non_finite(&guarded);
        let (vae, refused) = guarded_update(
            &mut self.optim,
            self.hyper.learning_rate,
            self.vae.clone(),
            grads,
            refused,
            self.reads_are_free.then_some(&self.host_reads),
        )
        .await?;
        self.vae = vae;
        self.step += 1;

        let mut values: Vec<Tensor<1>> = guarded.into_iter().take(4).collect();
        values.push(refused.float());
        if let Some((report, adversarial)) = discriminator {
            values.extend(report);
            values.push(adversarial);
        }
        self.queued.push(Queued {
            values,
            beta: beta as f32,
            batch,
            discriminator: self.hyper.discriminator,
        });
        Ok(())
    }

    /// Guards every step on the device, as on a GPU, whatever the backend (for tests).
    #[cfg(test)]
    pub(super) fn guard_on_the_device(&mut self) {
        self.reads_are_free = false;
    }

    /// Steps queued and not read back yet.
    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    /// Host synchronisations so far: each read of numbers from the device is one.
    pub fn host_reads(&self) -> u64 {
        self.host_reads.get()
    }

    /// Reads back the numbers of every queued step (waiting for them to be computed), in the
    /// order they were queued: one round trip, or two when a read was already started.
    pub async fn read_reports(&mut self) -> Result<Vec<StepReport>, TrainError> {
        self.start_reading();
        let mut reports = Vec::new();
        while !self.reading.is_empty() {
            reports.extend(self.finish_reading().await?);
        }
        Ok(reports)
    }

    /// Starts reading back the numbers of the steps queued so far, and returns those of the
    /// steps whose read the call before started (waiting for them if the device is not done):
    /// the device computes on while the host waits, and the reports come one call late.
    /// [`Trainer::read_reports`] reads everything, and so does this on the CPU, where a read
    /// costs nothing.
    pub async fn read_earlier_reports(&mut self) -> Result<Vec<StepReport>, TrainError> {
        if self.reads_are_free {
            return self.read_reports().await;
        }
        self.start_reading();
        if self.reading.len() < 2 {
            return Ok(Vec::new());
        }
        self.finish_reading().await
    }

    /// Starts reading the queued steps' numbers: their copies go on the device's queue now.
    fn start_reading(&mut self) {
        if self.queued.is_empty() {
            return;
        }
        let steps = std::mem::take(&mut self.queued);
        let since = self.queued_since.take();
        self.reading
            .push_back(Reading::start(steps, since, &self.host_reads));
    }

    /// Waits for the oldest started read: its reports, refused steps taken off the count.
    async fn finish_reading(&mut self) -> Result<Vec<StepReport>, TrainError> {
        let Some(reading) = self.reading.pop_front() else {
            return Ok(Vec::new());
        };
        // `step` counts every step queued since the last read finished as applied.
        let unread: usize = self.reading.iter().map(Reading::steps).sum::<usize>()
            + self.queued.len()
            + reading.steps();
        let applied_before = self.step.saturating_sub(unread as u64);
        let reports = reading.finish(applied_before, self.last_read).await?;
        self.last_read = Some(Instant::now());
        self.step -= reports.iter().filter(|r| !r.applied).count() as u64;
        Ok(reports)
    }

    /// One step, waited for: [`Trainer::queue_step`] then [`Trainer::read_reports`]; the
    /// report of this step (the last one queued).
    pub async fn step(&mut self, images: Tensor<2>) -> Result<StepReport, TrainError> {
        self.queue_step(images).await?;
        let reports = self.read_reports().await?;
        Ok(reports
            .into_iter()
            .next_back()
            .expect("the step just queued should be read back"))
    }

    /// The ELBO plus γ · the adversarial loss on the whole batch, after D's own update on it;
    /// D's [loss, accuracy, refused] and the adversarial loss beside the ELBO's terms.
    async fn adversarial_elbo(
        &mut self,
        images: Tensor<2>,
        epsilon: Tensor<2>,
        beta: f64,
    ) -> Result<(Elbo, ([Tensor<1>; 3], Tensor<1>)), TrainError> {
        let [batch, _] = images.dims();
        let (reconstruction, kl, logits) = forward(&self.vae, images.clone(), epsilon, batch);
        // Generated images: reconstructions and decodings of prior samples.
        let z_prior = self.normals(batch);
        let fakes = Tensor::cat(vec![logits, self.vae.decode_logits(z_prior)], 0);
        let fakes = burn::tensor::activation::sigmoid(fakes);
        let report = self
            .discrimination_phase(images, fakes.clone().detach())
            .await?;
        // Non-saturating: the decoder is scored by how real D now finds its images.
        let fake_logits = self.discriminator.forward(fakes);
        let ones = fake_logits.ones_like();
        let adversarial = bce_with_logits(fake_logits, ones).mean();
        let total =
            reconstruction.clone() + kl.clone() * beta + adversarial.clone() * self.hyper.gamma;
        let elbo = Elbo::backward(&self.vae, reconstruction, kl, total);
        Ok((elbo, (report, adversarial.without_autodiff())))
    }

    /// Updates D with its own optimizer on real images and detached generated ones; its
    /// [loss, accuracy, refused] (loss and accuracy before the update) on the inner device.
    async fn discrimination_phase(
        &mut self,
        real: Tensor<2>,
        fakes: Tensor<2>,
    ) -> Result<[Tensor<1>; 3], TrainError> {
        let real_logits = self.discriminator.forward(real);
        let fake_logits = self.discriminator.forward(fakes);
        let count = (real_logits.dims()[0] + fake_logits.dims()[0]) as f64;
        let correct = real_logits.clone().greater_elem(0.0).float().sum()
            + fake_logits.clone().lower_equal_elem(0.0).float().sum();
        let loss = bce_with_logits(real_logits.clone(), real_logits.ones_like()).mean()
            + bce_with_logits(fake_logits.clone(), fake_logits.zeros_like()).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &self.discriminator);
        let refused =
            any_non_finite(&[loss.clone(), squared_gradients(&self.discriminator, &grads)]);
        let (discriminator, refused) = guarded_update(
            &mut self.discriminator_optim,
            self.hyper.discriminator_learning_rate,
            self.discriminator.clone(),
            grads,
            refused,
            self.reads_are_free.then_some(&self.host_reads),
        )
        .await?;
        self.discriminator = discriminator;
        Ok([
            loss.without_autodiff(),
            (correct / count).without_autodiff(),
            refused.float(),
        ])
    }

    /// The ELBO terms on `images` ([batch, pixels] on [`Trainer::device`]), with a fixed ε so
    /// that repeated evaluations of the same weights agree.
    pub async fn evaluate(&self, images: Tensor<2>) -> Result<Evaluation, TrainError> {
        let vae = self.inference_model();
        let images = images.without_autodiff();
        let [batch, _] = images.dims();
        let posterior = vae.encode(images.clone());
        let epsilon = Rng::new(0).normals(batch * self.config.latent);
        let epsilon = Tensor::from_data(
            TensorData::new(epsilon, [batch, self.config.latent]),
            &posterior.mean.device(),
        );
        let logits = vae.decode_logits(posterior.sample(epsilon));
        let reconstruction = vae.reconstruction_loss(logits, images).mean();
        let kl = kl_standard_normal(posterior.mean, posterior.log_var).mean();
        let values = read_vectors(
            vec![Tensor::cat(vec![reconstruction, kl], 0).without_autodiff()],
            &self.host_reads,
        )
        .await?;
        let at = |i: usize| values[0].get(i).copied().unwrap_or(f32::NAN);
        Ok(Evaluation {
            reconstruction: at(0),
            kl: at(1),
        })
    }

    pub(super) fn parts(&self) -> (&Vae, &Discriminator, &ModuleOptimizer, &ModuleOptimizer) {
        (
            &self.vae,
            &self.discriminator,
            &self.optim,
            &self.discriminator_optim,
        )
    }

    pub(super) fn restore(
        &mut self,
        vae: Vae,
        discriminator: Discriminator,
        optim: ModuleOptimizer,
        discriminator_optim: ModuleOptimizer,
        step: u64,
        rng_state: u64,
    ) {
        self.rng = Rng::new(rng_state);
        self.queued.clear();
        self.queued_since = None;
        self.reading.clear();
        self.last_read = None;
        self.vae = vae;
        self.discriminator = discriminator;
        self.optim = optim;
        self.discriminator_optim = discriminator_optim;
        self.step = step;
    }

    pub(super) fn rng_state(&self) -> u64 {
        self.rng.state()
    }
}
