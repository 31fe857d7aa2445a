use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::Vae;
use super::training::{drawn, with_seed_lock};
use crate::data::ImageShape;

/// Everything needed to build a [`Vae`]; stored in checkpoints so that a file says what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeConfig {
    pub image: ImageShape,
    pub architecture: Architecture,
    /// Size of z; 2 is the page's plane.
    pub latent: usize,
    pub likelihood: Likelihood,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Architecture {
    /// Fully connected layers of these widths (mirrored in the decoder).
    Mlp { hidden: Vec<usize> },
    /// Stride-2 4×4 convolutions with these channel counts (mirrored with transposed
    /// convolutions in the decoder); each halves the image side.
    Conv { channels: Vec<usize> },
}

/// p(x|z): how the decoder's output scores an image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Likelihood {
    /// Binary cross-entropy from logits, summed over pixels.
    Bernoulli,
    /// Squared error with standard deviation `sigma` (learned when `learned` is set).
    Gaussian { sigma: f32, learned: bool },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("the latent space needs at least one dimension")]
    NoLatent,
    #[error("images must be between 1×1 and 64×64 with 1 or 3 channels, not {0:?}")]
    ImageSize(ImageShape),
    #[error(
        "{layers} stride-2 convolutions need sides divisible by {divisor}; {width}×{height} are not"
    )]
    ConvSides {
        layers: usize,
        divisor: usize,
        width: usize,
        height: usize,
    },
    #[error("every layer needs a positive width")]
    EmptyLayer,
    #[error("a latent space of {0} dimensions is more than the {MAX_LATENT} this version builds")]
    LatentSize(usize),
    #[error(
        "layers of {widths:?} are more than this version builds ({MAX_LAYERS} layers of at most {MAX_WIDTH})"
    )]
    LayerSize { widths: Vec<usize> },
    #[error("the Gaussian likelihood's σ must be a positive number, not {0}")]
    Sigma(f32),
}

/// The largest models this version builds: a file or a setting beyond them is refused before
/// anything is allocated.
pub const MAX_LATENT: usize = 64;
pub const MAX_LAYERS: usize = 4;
pub const MAX_WIDTH: usize = 4096;

impl VaeConfig {
    /// VAE-MLP-2: 784 → 512 ReLU → (μ: 2, log σ²: 2) → 512 ReLU → 784, Bernoulli.
    pub fn mlp2() -> Self {
        Self {
            image: ImageShape::MNIST,
            architecture: Architecture::Mlp { hidden: vec![512] },
            latent: 2,
            likelihood: Likelihood::Bernoulli,
        }
    }

    /// A small convolutional VAE for `image`.
    pub fn conv(image: ImageShape) -> Self {
        Self {
            image,
            architecture: Architecture::Conv {
                channels: vec![32, 64],
            },
            latent: 2,
            likelihood: Likelihood::Bernoulli,
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let ImageShape {
            width,
            height,
            channels,
        } = self.image;
        if self.latent == 0 {
            return Err(ConfigError::NoLatent);
        }
        if !(1..=64).contains(&width) || !(1..=64).contains(&height) || ![1, 3].contains(&channels)
        {
            return Err(ConfigError::ImageSize(self.image));
        }
        let layers = match &self.architecture {
            Architecture::Mlp { hidden } => hidden,
            Architecture::Conv { channels } => channels,
        };
        if layers.contains(&0) {
            return Err(ConfigError::EmptyLayer);
        }
        if self.latent > MAX_LATENT {
            return Err(ConfigError::LatentSize(self.latent));
        }
        if layers.len() > MAX_LAYERS || layers.iter().any(|&w| w > MAX_WIDTH) {
            return Err(ConfigError::LayerSize {
                widths: layers.clone(),
            });
        }
        if let Likelihood::Gaussian { sigma, .. } = self.likelihood
            && !(sigma.is_finite() && sigma > 0.0)
        {
            return Err(ConfigError::Sigma(sigma));
        }
        if let Architecture::Conv { channels } = &self.architecture {
            let divisor = 1 << channels.len();
            if width % divisor != 0 || height % divisor != 0 {
                return Err(ConfigError::ConvSides {
                    layers: channels.len(),
                    divisor,
                    width,
                    height,
                });
            }
        }
        Ok(())
    }

    /// A short name for people, e.g. `VAE-MLP-2 [512]` or `VAE-conv-2 [32, 64]`.
    pub fn name(&self) -> String {
        match &self.architecture {
            Architecture::Mlp { hidden } => format!("VAE-MLP-{} {hidden:?}", self.latent),
            Architecture::Conv { channels } => format!("VAE-conv-{} {channels:?}", self.latent),
        }
    }

    /// Builds the model with fresh weights drawn from the device's RNG.
    pub fn init(&self, device: &Device) -> Result<Vae, ConfigError> {
        self.validate()?;
        Ok(with_seed_lock(|| drawn(Vae::new(self, device))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_configs_are_refused() {
        let mut config = VaeConfig::mlp2();
        assert_eq!(config.validate(), Ok(()));
        config.latent = 0;
        assert_eq!(config.validate(), Err(ConfigError::NoLatent));
        let odd = ImageShape {
            width: 30,
            height: 30,
            channels: 1,
        };
        assert!(matches!(
            VaeConfig::conv(odd).validate(),
            Err(ConfigError::ConvSides { divisor: 4, .. })
        ));
        let huge = ImageShape {
            width: 128,
            height: 128,
            channels: 3,
        };
        assert_eq!(
            VaeConfig::conv(huge).validate(),
            Err(ConfigError::ImageSize(huge))
        );
        let wide = VaeConfig {
            architecture: Architecture::Mlp {
                hidden: vec![1 << 30],
            },
            ..VaeConfig::mlp2()
        };
        assert!(matches!(
            wide.validate(),
            Err(ConfigError::LayerSize { .. })
        ));
        let deep = VaeConfig {
            latent: 1 << 20,
            ..VaeConfig::mlp2()
        };
        assert_eq!(deep.validate(), Err(ConfigError::LatentSize(1 << 20)));
        let nan = VaeConfig {
            likelihood: Likelihood::Gaussian {
                sigma: f32::NAN,
                learned: true,
            },
            ..VaeConfig::mlp2()
        };
        assert!(matches!(nan.validate(), Err(ConfigError::Sigma(_))));
    }
}
