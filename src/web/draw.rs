//! Canvas drawing: images tiled at one canvas pixel per image pixel.

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
