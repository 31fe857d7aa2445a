//! Canvas drawing: images, and the mapping between the latent plane and canvas pixels.

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::data::ImageShape;

pub fn context2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// RGBA bytes of `images` (values in [0, 1], C × H × W each) tiled `columns` to a row.
pub fn rgba_tiles(images: &[f32], shape: ImageShape, columns: usize) -> (Vec<u8>, u32, u32) {
    let count = images.len() / shape.pixels().max(1);
    let rows = count.div_ceil(columns.max(1));
    let (w, h) = (shape.width, shape.height);
    let (width, height) = (columns * w, rows * h);
    let mut rgba = vec![255u8; width * height * 4];
    let plane = w * h;
    for (i, image) in images.chunks_exact(shape.pixels()).enumerate() {
        let (ox, oy) = ((i % columns) * w, (i / columns) * h);
        for p in 0..plane {
            let at = ((oy + p / w) * width + ox + p % w) * 4;
            for c in 0..3 {
                let channel = if shape.channels == 3 { c } else { 0 };
                let v = image[channel * plane + p].clamp(0.0, 1.0);
                rgba[at + c] = (v * 255.0).round() as u8;
            }
        }
    }
    (rgba, width as u32, height as u32)
}

/// Draws `images` tiled on `canvas` at one canvas pixel per image pixel (CSS scales it up,
/// crisply: `image-rendering: pixelated`).
pub fn draw_images(canvas: &HtmlCanvasElement, images: &[f32], shape: ImageShape, columns: usize) {
    let (rgba, width, height) = rgba_tiles(images, shape, columns);
    canvas.set_width(width);
    canvas.set_height(height);
    let Some(context) = context2d(canvas) else {
        return;
    };
    if let Ok(data) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), width, height) {
        // Drawing can only fail for a detached canvas; nothing to show then.
        let _ = context.put_image_data(&data, 0.0, 0.0);
    }
}

/// The square region of the latent plane on show: `centre` ± `half_width` on both axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub centre: [f32; 2],
    pub half_width: f32,
}

impl View {
    /// Canvas pixels (0..size, y down) → latent coordinates (y up).
    pub fn latent_from_canvas(&self, x_px: f64, y_px: f64, size_px: f64) -> [f32; 2] {
        let x = (x_px / size_px * 2.0 - 1.0) as f32 * self.half_width;
        let y = (1.0 - y_px / size_px * 2.0) as f32 * self.half_width;
        [self.centre[0] + x, self.centre[1] + y]
    }

    pub fn canvas_from_latent(&self, z: [f32; 2], size_px: f64) -> (f64, f64) {
        let dx = (z[0] - self.centre[0]) / self.half_width;
        let dy = (z[1] - self.centre[1]) / self.half_width;
        let x = (dx as f64 + 1.0) / 2.0 * size_px;
        let y = (1.0 - dy as f64) / 2.0 * size_px;
        (x, y)
    }

    /// Fits the points (and at least ±3, the prior's bulk), centred on the origin.
    pub fn fit(points: impl Iterator<Item = [f32; 2]>) -> Self {
        let extent = points
            .flat_map(|z| [z[0].abs(), z[1].abs()])
            .filter(|v| v.is_finite())
            .fold(3.0f32, f32::max);
        Self {
            centre: [0.0, 0.0],
            half_width: (extent * 1.1).min(50.0),
        }
    }

    /// Zoomed by `factor` (< 1 zooms in) keeping the latent point `anchor` where it is on screen.
    pub fn zoomed(&self, factor: f32, anchor: [f32; 2]) -> Self {
        let half_width = (self.half_width * factor).clamp(0.05, 100.0);
        let kept = half_width / self.half_width;
        Self {
            centre: [
                anchor[0] + (self.centre[0] - anchor[0]) * kept,
                anchor[1] + (self.centre[1] - anchor[1]) * kept,
            ],
            half_width,
        }
    }
}

/// Ten distinguishable colours for class labels.
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];
