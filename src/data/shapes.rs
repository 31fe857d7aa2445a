//! Shapes: white squares, circles and triangles on black, drawn from a seed with known factors
//! (kind, position, scale, rotation), so the latent plane can be coloured by any of them to see
//! which ones the VAE found.

use serde::{Deserialize, Serialize};

use super::{ImageSet, ImageShape, Rng};

pub const KINDS: [&str; 3] = ["square", "circle", "triangle"];
/// The factors the page can colour by, in [`Factors::values`] order.
pub const FACTOR_NAMES: [&str; 5] = ["kind", "x", "y", "scale", "rotation"];

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShapesConfig {
    pub count: usize,
    /// Width and height in pixels.
    pub size: usize,
    pub seed: u64,
}

impl Default for ShapesConfig {
    fn default() -> Self {
        Self {
            count: 10_000,
            size: 28,
            seed: 1,
        }
    }
}

/// The true factors of one image; positions and scale are fractions of the image size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Factors {
    pub kind: u8,
    pub x: f32,
    pub y: f32,
    /// The shape's circumradius.
    pub scale: f32,
    /// Radians, within the shape's symmetry (a quarter turn for squares, a third for triangles).
    pub rotation: f32,
}

impl Factors {
    /// Each factor scaled to [0, 1], in [`FACTOR_NAMES`] order.
    pub fn values(&self) -> [f32; 5] {
        let symmetry = match self.kind {
            0 => std::f32::consts::FRAC_PI_2,
            2 => std::f32::consts::TAU / 3.0,
            _ => 1.0,
        };
        [
            self.kind as f32 / 2.0,
            self.x,
            self.y,
            (self.scale - MIN_SCALE) / (MAX_SCALE - MIN_SCALE),
            self.rotation / symmetry,
        ]
    }

    /// Whether the point (in fractions of the image) lies inside the shape.
    fn contains(&self, px: f32, py: f32) -> bool {
        let (sin, cos) = (-self.rotation).sin_cos();
        let (dx, dy) = ((px - self.x) / self.scale, (py - self.y) / self.scale);
        let (u, v) = (dx * cos - dy * sin, dx * sin + dy * cos);
        match self.kind {
            // A square inscribed in the unit circle.
            0 => u.abs().max(v.abs()) <= std::f32::consts::FRAC_1_SQRT_2,
            1 => u * u + v * v <= 1.0,
            // An equilateral triangle inscribed in the unit circle, pointing up.
            _ => {
                let edge = |nx: f32, ny: f32| nx * u + ny * v <= 0.5;
                edge(0.0, 1.0) && edge(0.866_025_4, -0.5) && edge(-0.866_025_4, -0.5)
            }
        }
    }
}

const MIN_SCALE: f32 = 0.12;
const MAX_SCALE: f32 = 0.3;
/// Samples per pixel side (anti-aliasing).
const SUPERSAMPLE: usize = 4;

/// Draws Shapes a slice at a time, so that the page can yield (and show progress) between
/// slices: the same images, in the same order, as drawing them in one go.
pub struct ShapeMaker {
    config: ShapesConfig,
    rng: Rng,
    shape: ImageShape,
    pixels: Vec<f32>,
    factors: Vec<Factors>,
}

impl ShapeMaker {
    pub fn new(config: &ShapesConfig) -> Self {
        let size = config.size.max(4);
        let shape = ImageShape {
            width: size,
            height: size,
            channels: 1,
        };
        Self {
            config: *config,
            rng: Rng::new(config.seed),
            shape,
            pixels: Vec::with_capacity(config.count * shape.pixels()),
            factors: Vec::with_capacity(config.count),
        }
    }

    /// Images drawn so far.
    pub fn done(&self) -> usize {
        self.factors.len()
    }

    /// Draws up to `count` more images; whether all of them are drawn now.
    pub fn make(&mut self, count: usize) -> bool {
        let end = (self.done() + count).min(self.config.count);
        while self.done() < end {
            self.make_one();
        }
        self.done() == self.config.count
    }

    fn make_one(&mut self) {
        let rng = &mut self.rng;
        let kind = rng.below(3) as u8;
        let scale = MIN_SCALE + (rng.uniform() as f32) * (MAX_SCALE - MIN_SCALE);
        let symmetry = match kind {
            0 => std::f32::consts::FRAC_PI_2,
            2 => std::f32::consts::TAU / 3.0,
            _ => 0.0,
        };
        let f = Factors {
            kind,
            x: scale + (rng.uniform() as f32) * (1.0 - 2.0 * scale),
            y: scale + (rng.uniform() as f32) * (1.0 - 2.0 * scale),
            scale,
            rotation: (rng.uniform() as f32) * symmetry,
        };
        let size = self.shape.width;
        for y in 0..size {
            for x in 0..size {
                let mut inside = 0;
                for sy in 0..SUPERSAMPLE {
                    for sx in 0..SUPERSAMPLE {
                        let px = (x as f32 + (sx as f32 + 0.5) / SUPERSAMPLE as f32) / size as f32;
                        let py = (y as f32 + (sy as f32 + 0.5) / SUPERSAMPLE as f32) / size as f32;
                        inside += f.contains(px, py) as usize;
                    }
                }
                self.pixels
                    .push(inside as f32 / (SUPERSAMPLE * SUPERSAMPLE) as f32);
            }
        }
        self.factors.push(f);
    }

    /// The images drawn (labelled by kind) and each image's factors.
    pub fn finish(self) -> (ImageSet, Vec<Factors>) {
        let labels = self.factors.iter().map(|f| f.kind).collect();
        (
            ImageSet {
                shape: self.shape,
                pixels: self.pixels,
                labels: Some(labels),
            },
            self.factors,
        )
    }
}

/// The generated images (labelled by kind) and each image's factors.
pub fn generate_shapes(config: &ShapesConfig) -> (ImageSet, Vec<Factors>) {
    let mut maker = ShapeMaker::new(config);
    maker.make(config.count);
    maker.finish()
}
