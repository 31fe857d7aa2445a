use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};

use super::loss;
use super::products::linear_forward;
use super::{Architecture, Likelihood, VaeConfig};
use crate::data::ImageShape;

/// Glorot-uniform for the linear layers, as the reference implementations this model is
/// compared with use (convolutions keep burn's Kaiming default: Xavier needs a fan-out there).
const INIT: Initializer = Initializer::XavierUniform { gain: 1.0 };

/// q(z|x): a diagonal Gaussian per image.
#[derive(Debug, Clone)]
pub struct Posterior {
    /// [batch, latent]
    pub mean: Tensor<2>,
    /// [batch, latent]
    pub log_var: Tensor<2>,
}

impl Posterior {
    /// z = μ + σ·ε, with ε ~ N(0, I) given by the caller ([batch, latent]).
    pub fn sample(&self, epsilon: Tensor<2>) -> Tensor<2> {
        self.mean.clone() + (self.log_var.clone() * 0.5).exp() * epsilon
    }
}

#[derive(Module, Debug)]
pub struct Vae {
    encoder: Encoder,
    decoder: Decoder,
    /// log σ of the Gaussian likelihood; trained only when the config says it is learned.
    log_sigma: Param<Tensor<1>>,
    #[module(skip)]
    likelihood: Likelihood,
    #[module(skip)]
    latent: usize,
}

impl Vae {
    pub(super) fn new(config: &VaeConfig, device: &Device) -> Self {
        let (encoder, decoder) = match &config.architecture {
            Architecture::Mlp { hidden } => (
                Encoder::Mlp(MlpEncoder::new(config.image, hidden, config.latent, device)),
                Decoder::Mlp(MlpDecoder::new(config.image, hidden, config.latent, device)),
            ),
            Architecture::Conv { channels } => (
                Encoder::Conv(ConvEncoder::new(
                    config.image,
                    channels,
                    config.latent,
                    device,
                )),
                Decoder::Conv(ConvDecoder::new(
                    config.image,
                    channels,
                    config.latent,
                    device,
                )),
            ),
        };
        let sigma = match config.likelihood {
            Likelihood::Gaussian { sigma, .. } => sigma,
            Likelihood::Bernoulli => 1.0,
        };
        Self {
            encoder,
            decoder,
            log_sigma: Param::from_tensor(Tensor::from_floats([sigma.ln()], device)),
            likelihood: config.likelihood,
            latent: config.latent,
        }
    }

    pub fn latent(&self) -> usize {
        self.latent
    }

    /// [batch, pixels] in [0, 1] → q(z|x)
    pub fn encode(&self, images: Tensor<2>) -> Posterior {
        match &self.encoder {
            Encoder::Mlp(e) => e.forward(images),
            Encoder::Conv(e) => e.forward(images),
        }
    }

    /// [batch, latent] → decoder logits [batch, pixels]
    pub fn decode_logits(&self, z: Tensor<2>) -> Tensor<2> {
        match &self.decoder {
            Decoder::Mlp(d) => d.forward(z),
            Decoder::Conv(d) => d.forward(z),
        }
    }

    /// [batch, latent] → images [batch, pixels] in [0, 1] (the Bernoulli means, or the Gaussian's)
    pub fn decode(&self, z: Tensor<2>) -> Tensor<2> {
        sigmoid(self.decode_logits(z))
    }

    /// −log p(x|z) per image, in nats: [batch, pixels] × 2 → [batch]
    pub fn reconstruction_loss(&self, logits: Tensor<2>, images: Tensor<2>) -> Tensor<1> {
        match self.likelihood {
            Likelihood::Bernoulli => loss::bernoulli_nll(logits, images),
            Likelihood::Gaussian { learned, .. } => {
                let log_sigma = self.log_sigma.val();
                let log_sigma = if learned {
                    log_sigma
                } else {
                    log_sigma.detach()
                };
                loss::gaussian_nll(sigmoid(logits), images, log_sigma)
            }
        }
    }
}

impl Vae {
    /// −log p(x_known|z) per image, in nats: the reconstruction loss over the pixels `known`
    /// marks with 1 (the others are erased): [batch, pixels] × 3 → [batch]
    pub fn masked_reconstruction_loss(
        &self,
        logits: Tensor<2>,
        images: Tensor<2>,
        known: Tensor<2>,
    ) -> Tensor<1> {
        let per_pixel = match self.likelihood {
            Likelihood::Bernoulli => loss::bce_with_logits(logits, images),
            Likelihood::Gaussian { .. } => {
                let log_sigma = self.log_sigma.val().detach().unsqueeze_dim(0);
                let inverse_variance = (log_sigma.clone() * -2.0).exp();
                (images - sigmoid(logits)).square() * inverse_variance * 0.5
                    + log_sigma
                    + 0.5 * std::f64::consts::TAU.ln()
            }
        };
        (per_pixel * known).sum_dim(1).squeeze_dim(1)
    }
}

#[derive(Module, Debug)]
enum Encoder {
    Mlp(MlpEncoder),
    Conv(ConvEncoder),
}

#[derive(Module, Debug)]
enum Decoder {
    Mlp(MlpDecoder),
    Conv(ConvDecoder),
}

fn linear(d_input: usize, d_output: usize, device: &Device) -> Linear {
    LinearConfig::new(d_input, d_output)
        .with_initializer(INIT)
        .init(device)
}

/// A chain of Linear + ReLU through `widths`, starting from `d_input`.
fn linear_chain(d_input: usize, widths: &[usize], device: &Device) -> Vec<Linear> {
    let inputs = std::iter::once(d_input).chain(widths.iter().copied());
    inputs
        .zip(widths)
        .map(|(i, &o)| linear(i, o, device))
        .collect()
}

fn forward_chain(layers: &[Linear], mut x: Tensor<2>) -> Tensor<2> {
    for layer in layers {
        x = relu(linear_forward(layer, x));
    }
    x
}

#[derive(Module, Debug)]
struct MlpEncoder {
    hidden: Vec<Linear>,
    mean: Linear,
    log_var: Linear,
}

impl MlpEncoder {
    fn new(image: ImageShape, hidden: &[usize], latent: usize, device: &Device) -> Self {
        let last = hidden.last().copied().unwrap_or(image.pixels());
        Self {
            hidden: linear_chain(image.pixels(), hidden, device),
            mean: linear(last, latent, device),
            log_var: linear(last, latent, device),
        }
    }

    /// [batch, pixels] → [batch, latent] × 2
    fn forward(&self, images: Tensor<2>) -> Posterior {
        let h = forward_chain(&self.hidden, images);
        Posterior {
            mean: linear_forward(&self.mean, h.clone()),
            log_var: linear_forward(&self.log_var, h),
        }
    }
}

#[derive(Module, Debug)]
struct MlpDecoder {
    hidden: Vec<Linear>,
    output: Linear,
}

impl MlpDecoder {
    fn new(image: ImageShape, hidden: &[usize], latent: usize, device: &Device) -> Self {
        let widths: Vec<usize> = hidden.iter().rev().copied().collect();
        let last = widths.last().copied().unwrap_or(latent);
        Self {
            hidden: linear_chain(latent, &widths, device),
            output: linear(last, image.pixels(), device),
        }
    }

    /// [batch, latent] → [batch, pixels]
    fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        linear_forward(&self.output, forward_chain(&self.hidden, z))
    }
}

/// 4×4 kernels, stride 2, padding 1: each layer halves (or, transposed, doubles) the sides.
fn down(c_in: usize, c_out: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([c_in, c_out], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device)
}

fn up(c_in: usize, c_out: usize, device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([c_in, c_out], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .init(device)
}

/// The feature map at the bottom of the conv stack: [channels, height, width].
fn bottom(image: ImageShape, channels: &[usize]) -> [usize; 3] {
    let scale = 1 << channels.len();
    let c = channels.last().copied().unwrap_or(image.channels);
    [c, image.height / scale, image.width / scale]
}

#[derive(Module, Debug)]
struct ConvEncoder {
    convs: Vec<Conv2d>,
    mean: Linear,
    log_var: Linear,
    #[module(skip)]
    image: [usize; 3],
}

impl ConvEncoder {
    fn new(image: ImageShape, channels: &[usize], latent: usize, device: &Device) -> Self {
        let inputs = std::iter::once(image.channels).chain(channels.iter().copied());
        let flat: usize = bottom(image, channels).iter().product();
        Self {
            convs: inputs
                .zip(channels)
                .map(|(i, &o)| down(i, o, device))
                .collect(),
            mean: linear(flat, latent, device),
            log_var: linear(flat, latent, device),
            image: [image.channels, image.height, image.width],
        }
    }

    /// [batch, pixels] → [batch, latent] × 2
    fn forward(&self, images: Tensor<2>) -> Posterior {
        let [c, h, w] = self.image;
        let batch = images.dims()[0];
        let mut x: Tensor<4> = images.reshape([batch, c, h, w]);
        for conv in &self.convs {
            x = relu(conv.forward(x));
        }
        let h: Tensor<2> = x.flatten(1, 3);
        Posterior {
            mean: linear_forward(&self.mean, h.clone()),
            log_var: linear_forward(&self.log_var, h),
        }
    }
}

#[derive(Module, Debug)]
struct ConvDecoder {
    input: Linear,
    convs: Vec<ConvTranspose2d>,
    #[module(skip)]
    bottom: [usize; 3],
}

impl ConvDecoder {
    fn new(image: ImageShape, channels: &[usize], latent: usize, device: &Device) -> Self {
        let bottom = bottom(image, channels);
        let outputs: Vec<usize> = channels
            .iter()
            .rev()
            .skip(1)
            .copied()
            .chain(std::iter::once(image.channels))
            .collect();
        Self {
            input: linear(latent, bottom.iter().product(), device),
            convs: channels
                .iter()
                .rev()
                .zip(outputs)
                .map(|(&i, o)| up(i, o, device))
                .collect(),
            bottom,
        }
    }

    /// [batch, latent] → [batch, pixels]
    fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let batch = z.dims()[0];
        let [c, h, w] = self.bottom;
        let mut x: Tensor<4> = relu(linear_forward(&self.input, z)).reshape([batch, c, h, w]);
        let last = self.convs.len().saturating_sub(1);
        for (i, conv) in self.convs.iter().enumerate() {
            x = conv.forward(x);
            if i < last {
                x = relu(x);
            }
        }
        x.flatten(1, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes_of(config: &VaeConfig) {
        let device = Device::flex();
        let vae = config.init(&device).expect("the config should be valid");
        let n = config.image.pixels();
        let posterior = vae.encode(Tensor::zeros([3, n], &device));
        assert_eq!(posterior.mean.dims(), [3, config.latent]);
        assert_eq!(posterior.log_var.dims(), [3, config.latent]);
        assert_eq!(vae.decode(posterior.mean).dims(), [3, n]);
    }

    #[test]
    fn mlp2_has_the_reference_shape() {
        let device = Device::flex();
        let vae = VaeConfig::mlp2()
            .init(&device)
            .expect("VAE-MLP-2 should be valid");
        // 784·512+512 + 2·(512·2+2) + 2·512+512 + 512·784+784, plus log σ.
        assert_eq!(vae.num_params(), 401_920 + 2052 + 1536 + 402_192 + 1);
        shapes_of(&VaeConfig::mlp2());
    }

    #[test]
    fn conv_models_fit_grey_and_colour_images() {
        shapes_of(&VaeConfig::conv(ImageShape::MNIST));
        let mut rgb = VaeConfig::conv(ImageShape {
            width: 64,
            height: 64,
            channels: 3,
        });
        rgb.architecture = Architecture::Conv {
            channels: vec![16, 32, 32],
        };
        rgb.latent = 8;
        shapes_of(&rgb);
    }
}
