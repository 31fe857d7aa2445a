//! The VAE: model, loss, discriminator, training and checkpoints. Uses `data`; no web code.

mod adam;
mod checkpoint;
pub mod completion;
mod config;
mod discriminator;
mod elbo;
pub mod fuzz;
mod guard;
pub mod loss;
mod model;
mod products;
mod reports;
mod snapshot;
mod threads;
mod training;

pub use checkpoint::{Checkpoint, CheckpointError, EpochLog, FORMAT_VERSION};
pub use config::{
    Architecture, ConfigError, Likelihood, MAX_LATENT, MAX_LAYERS, MAX_WIDTH, VaeConfig,
};
pub use discriminator::Discriminator;
pub use model::{Posterior, Vae};
#[cfg(feature = "wgpu")]
pub use products::use_tiled_products;
pub use reports::{DiscriminatorReport, StepReport};
pub use snapshot::{read_weights, to_cpu, with_weights};
pub use training::{Evaluation, Hyper, HyperError, MAX_BATCH, TrainError, Trainer};

#[cfg(test)]
mod tests;
