use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::leaky_relu;

use super::products::linear_forward;
use crate::data::ImageShape;

/// D(x): the logit that an image is real rather than generated, for VAE-GAN training.
#[derive(Module, Debug)]
pub struct Discriminator {
    hidden: Linear,
    output: Linear,
}

impl Discriminator {
    pub fn new(image: ImageShape, hidden: usize, device: &Device) -> Self {
        let linear = |i, o| {
            LinearConfig::new(i, o)
                .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                .init(device)
        };
        Self {
            hidden: linear(image.pixels(), hidden),
            output: linear(hidden, 1),
        }
    }

    /// [batch, pixels] in [0, 1] → logits [batch, 1]
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        let hidden = leaky_relu(linear_forward(&self.hidden, images), 0.2);
        linear_forward(&self.output, hidden)
    }
}
