//! Canvas drawing: images tiled at one canvas pixel per image pixel, and the plane's marks.

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::page::{MARKER, SEARCH};

use crate::data::ImageShape;

pub fn context2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// The context of a canvas that is read back often (a drawing pad): kept in memory, where
/// reading is cheap. Only the first context asked of a canvas decides, so ask this one first.
pub fn context2d_for_reading(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"willReadFrequently".into(), &true.into()).ok()?;
    canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into()
        .ok()
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

/// The interpolation's ends (A, B) and the straight path between them, in canvas pixels.
pub fn draw_path(ctx: &CanvasRenderingContext2d, ends: [Option<(f64, f64)>; 2]) {
    ctx.set_stroke_style_str(MARKER);
    ctx.set_fill_style_str(MARKER);
    ctx.set_line_width(2.0);
    if let [Some((ax, ay)), Some((bx, by))] = ends {
        ctx.begin_path();
        ctx.move_to(ax, ay);
        ctx.line_to(bx, by);
        ctx.stroke();
    }
    ctx.set_font("bold 13px system-ui, sans-serif");
    for (name, end) in ["A", "B"].iter().zip(ends) {
        if let Some((x, y)) = end {
            ctx.fill_rect(x - 3.0, y - 3.0, 6.0, 6.0);
            let _ = ctx.fill_text(name, x + 6.0, y - 6.0);
        }
    }
}

/// A latent search's path: a dark line (on a white halo, to stand out from the points) through
/// its steps, a ring where it started, a dot where it is now.
pub fn draw_search(ctx: &CanvasRenderingContext2d, path: &[(f64, f64)]) {
    let (Some(&(x0, y0)), Some(&(x, y))) = (path.first(), path.last()) else {
        return;
    };
    let tau = std::f64::consts::TAU;
    ctx.begin_path();
    for &(px, py) in path {
        ctx.line_to(px, py);
    }
    ctx.set_line_join("round");
    for (colour, width) in [("#ffffff", 4.0), (SEARCH, 2.0)] {
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(width);
        ctx.stroke();
    }
    ctx.begin_path();
    let _ = ctx.arc(x0, y0, 4.0, 0.0, tau);
    ctx.stroke();
    ctx.begin_path();
    let _ = ctx.arc(x, y, 4.5, 0.0, tau);
    ctx.set_fill_style_str(SEARCH);
    ctx.fill();
}

/// The user's image on the plane: its posterior mean as a diamond in a σ ellipse.
pub fn draw_marker(ctx: &CanvasRenderingContext2d, (x, y): (f64, f64), (rx, ry): (f64, f64)) {
    ctx.set_fill_style_str(MARKER);
    ctx.set_stroke_style_str(MARKER);
    ctx.set_global_alpha(0.2);
    ctx.begin_path();
    let _ = ctx.ellipse(
        x,
        y,
        rx.max(1.0),
        ry.max(1.0),
        0.0,
        0.0,
        std::f64::consts::TAU,
    );
    ctx.fill();
    ctx.set_global_alpha(1.0);
    ctx.set_line_width(2.0);
    ctx.stroke();
    ctx.begin_path();
    ctx.move_to(x, y - 7.0);
    ctx.line_to(x + 7.0, y);
    ctx.line_to(x, y + 7.0);
    ctx.line_to(x - 7.0, y);
    ctx.close_path();
    ctx.fill();
}

/// What `canvas` shows as an image of `channels` (1: grey, from red; 3: RGB), values in
/// [0, 1]: a drawing as the model's input.
pub fn canvas_image(canvas: &HtmlCanvasElement, channels: usize) -> Option<crate::data::RawImage> {
    let (width, height) = (canvas.width(), canvas.height());
    let data = context2d_for_reading(canvas)?
        .get_image_data(0.0, 0.0, width as f64, height as f64)
        .ok()?
        .data();
    let channels = if channels == 3 { 3 } else { 1 };
    // Channel-major, as every image in the app.
    let pixels = (0..channels)
        .flat_map(|c| data.chunks_exact(4).map(move |p| p[c] as f32 / 255.0))
        .collect();
    Some(crate::data::RawImage {
        width: width as usize,
        height: height as usize,
        channels,
        pixels,
    })
}

/// Paints `image` (values in [0, 1], of `shape`) over all of `canvas`, its pixels as crisp
/// squares.
pub fn paint_image(canvas: &HtmlCanvasElement, image: &[f32], shape: ImageShape) -> Option<()> {
    let small: HtmlCanvasElement = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    draw_images(&small, image, shape, 1);
    let context = context2d(canvas)?;
    context.set_image_smoothing_enabled(false);
    context
        .draw_image_with_html_canvas_element_and_dw_and_dh(
            &small,
            0.0,
            0.0,
            canvas.width() as f64,
            canvas.height() as f64,
        )
        .ok()
}
