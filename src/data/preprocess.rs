//! Turning any image into the model's input: grey or RGB, the model's size, light-on-dark.

use serde::{Deserialize, Serialize};

use super::ImageShape;

/// An image as decoded, of any size: channel-major (C × H × W), values in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct RawImage {
    pub width: usize,
    pub height: usize,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    pub pixels: Vec<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Invert {
    /// Invert images whose border is mostly light (dark strokes on paper), as MNIST is white on
    /// black.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// The model's input size; 1 or 3 channels.
    pub shape: ImageShape,
    pub invert: Invert,
    /// Stretch each image's values to span 0–1.
    pub auto_contrast: bool,
}

impl Default for Preprocess {
    fn default() -> Self {
        Self {
            shape: ImageShape::MNIST,
            invert: Invert::Auto,
            auto_contrast: false,
        }
    }
}

/// The largest side the model's input may have.
pub const MAX_INPUT_SIDE: usize = 64;

impl RawImage {
    fn at(&self, c: usize, y: usize, x: usize) -> f32 {
        self.pixels[(c * self.height + y) * self.width + x]
    }

    /// Bilinear sample at continuous coordinates (pixel centres at i + 0.5).
    fn sample(&self, c: usize, y: f32, x: f32) -> f32 {
        let x = (x - 0.5).clamp(0.0, (self.width - 1) as f32);
        let y = (y - 0.5).clamp(0.0, (self.height - 1) as f32);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top = self.at(c, y0, x0) * (1.0 - fx) + self.at(c, y0, x1) * fx;
        let bottom = self.at(c, y1, x0) * (1.0 - fx) + self.at(c, y1, x1) * fx;
        top * (1.0 - fy) + bottom * fy
    }
}

impl Preprocess {
    /// `image` as the model's input: its channels converted, the centre crop of the target's
    /// aspect ratio resized (averaging when shrinking, so thin strokes survive), then inverted
    /// and contrast-stretched as chosen.
    pub fn apply(&self, image: &RawImage) -> Vec<f32> {
        let ImageShape {
            width,
            height,
            channels,
        } = self.shape;
        // The centre crop with the target's aspect ratio.
        let scale = (image.width as f32 / width as f32).min(image.height as f32 / height as f32);
        let (crop_w, crop_h) = (width as f32 * scale, height as f32 * scale);
        let (left, top) = (
            (image.width as f32 - crop_w) / 2.0,
            (image.height as f32 - crop_h) / 2.0,
        );
        // Several bilinear samples per output pixel when shrinking: an area average.
        let taps = (scale.ceil() as usize).clamp(1, 8);
        let mut out = vec![0.0f32; self.shape.pixels()];
        let grey_of = |y: f32, x: f32| -> f32 {
            if image.channels == 1 {
                image.sample(0, y, x)
            } else {
                0.299 * image.sample(0, y, x)
                    + 0.587 * image.sample(1, y, x)
                    + 0.114 * image.sample(2, y, x)
            }
        };
        for c in 0..channels {
            for y in 0..height {
                for x in 0..width {
                    let mut sum = 0.0;
                    for ty in 0..taps {
                        for tx in 0..taps {
                            let sy = top + (y as f32 + (ty as f32 + 0.5) / taps as f32) * scale;
                            let sx = left + (x as f32 + (tx as f32 + 0.5) / taps as f32) * scale;
                            sum += match (channels, image.channels) {
                                (1, _) => grey_of(sy, sx),
                                (_, 1) => image.sample(0, sy, sx),
                                _ => image.sample(c, sy, sx),
                            };
                        }
                    }
                    out[(c * height + y) * width + x] = sum / (taps * taps) as f32;
                }
            }
        }
        let invert = match self.invert {
            Invert::Always => true,
            Invert::Never => false,
            Invert::Auto => border_mean(&out, self.shape) > 0.5,
        };
        if invert {
            out.iter_mut().for_each(|v| *v = 1.0 - *v);
        }
        if self.auto_contrast {
            let (lo, hi) = out
                .iter()
                .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            if hi - lo > 1e-3 {
                out.iter_mut().for_each(|v| *v = (*v - lo) / (hi - lo));
            }
        }
        out
    }
}

/// The mean value of the outermost pixels, all channels.
fn border_mean(pixels: &[f32], shape: ImageShape) -> f32 {
    let (w, h) = (shape.width, shape.height);
    let (mut sum, mut count) = (0.0, 0);
    for c in 0..shape.channels {
        for y in 0..h {
            for x in 0..w {
                if y == 0 || x == 0 || y == h - 1 || x == w - 1 {
                    sum += pixels[(c * h + y) * w + x];
                    count += 1;
                }
            }
        }
    }
    sum / count.max(1) as f32
}
