//! Drawing the latent plane: the prior's circles, the manifold grid under the points, the points
//! (one class highlighted or all), the σ ellipses, the interpolation and search paths, the
//! user's marked image, the cursor, and the axes' names and tick values.

use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::draw::{context2d, draw_marker, draw_path, draw_search};
use crate::page::Plane;
use crate::page::geometry::{View, ticks};

/// Draws `plane` on `canvas` (`size` pixels square), `grid` (the manifold's decodings of the
/// same view) under the points when the plane asks for it; `names` are the classes, in label
/// order, for the cursor's description.
pub fn draw_plane(
    canvas: &HtmlCanvasElement,
    plane: &Plane,
    grid: Option<&HtmlCanvasElement>,
    names: &[String],
    size: f64,
) {
    let Some(ctx) = context2d(canvas) else {
        return;
    };
    let view = plane.view;
    let [x_ticks, y_ticks] = [0, 1].map(|axis| {
        let c = view.centre[axis];
        ticks(c - view.half_width, c + view.half_width, 7)
    });
    let tick_list = |t: &[f32]| {
        t.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let [dx, dy] = plane.slice.dims.map(axis_name);
    for (name, value) in [
        ("data-points", plane.points.len().to_string()),
        ("data-colour-by", plane.colour_by.to_string()),
        ("data-half-width", view.half_width.to_string()),
        (
            "data-centre",
            format!("{},{}", view.centre[0], view.centre[1]),
        ),
        ("aria-valuetext", plane.describe_cursor(names)),
        ("data-path", plane.search.len().to_string()),
        (
            "data-marker",
            plane
                .marker
                .as_ref()
                .map(|m| {
                    let [mx, my] = plane.slice.project(&m.mean);
                    format!("{mx},{my}")
                })
                .unwrap_or_default(),
        ),
        (
            "data-highlight",
            plane.highlight.map(|h| h.to_string()).unwrap_or_default(),
        ),
        ("data-grid", plane.grid.to_string()),
        ("data-axes", format!("{dx},{dy}")),
        ("data-x-ticks", tick_list(&x_ticks)),
        ("data-y-ticks", tick_list(&y_ticks)),
    ] {
        let _ = canvas.set_attribute(name, &value);
    }
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, size, size);
    if let Some(grid) = grid.filter(|_| plane.grid) {
        ctx.set_global_alpha(0.55);
        ctx.set_image_smoothing_enabled(false);
        let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(grid, 0.0, 0.0, size, size);
        ctx.set_global_alpha(1.0);
    }
    draw_axes(&ctx, view, size);
    let at = |z: [f32; 2]| view.canvas_from_latent(z, size);
    if plane.ellipses {
        // One posterior σ around each mean: how sure the encoder is where an image goes.
        let scale = size / (2.0 * view.half_width as f64);
        for (i, point) in plane.points.iter().enumerate() {
            ctx.set_global_alpha(if plane.faint(i) { 0.03 } else { 0.12 });
            ctx.set_fill_style_str(&plane.colour_of(i).css());
            let (px, py) = at(plane.slice.project(&point.mean));
            let [sx, sy] = plane.slice.project(&point.sigma);
            ctx.begin_path();
            let radius = |s: f32| (s as f64 * scale).max(0.5);
            let tau = std::f64::consts::TAU;
            let _ = ctx.ellipse(px, py, radius(sx), radius(sy), 0.0, 0.0, tau);
            ctx.fill();
        }
    }
    // A highlighted class's points are drawn last, large, over the faint others.
    let dot = if plane.presenting { 5.0 } else { 3.0 };
    for strong in [false, true] {
        for (i, point) in plane.points.iter().enumerate() {
            let faint = plane.faint(i);
            if faint == strong {
                continue;
            }
            let (alpha, side) = match (faint, plane.highlight.is_some()) {
                (true, _) => (0.12, dot),
                (false, true) => (0.95, dot + 2.0),
                (false, false) => (0.7, dot),
            };
            ctx.set_global_alpha(alpha);
            ctx.set_fill_style_str(&plane.colour_of(i).css());
            let (px, py) = at(plane.slice.project(&point.mean));
            ctx.fill_rect(px - side / 2.0, py - side / 2.0, side, side);
        }
    }
    ctx.set_global_alpha(1.0);
    draw_path(&ctx, plane.ends.map(|end| end.map(at)));
    let search: Vec<(f64, f64)> = plane
        .search
        .iter()
        .map(|z| at(plane.slice.project(z)))
        .collect();
    draw_search(&ctx, &search);
    if let Some(marker) = &plane.marker {
        let scale = size / (2.0 * view.half_width as f64);
        let [sx, sy] = plane.slice.project(&marker.sigma);
        draw_marker(
            &ctx,
            at(plane.slice.project(&marker.mean)),
            (sx as f64 * scale, sy as f64 * scale),
        );
    }
    draw_tick_labels(&ctx, view, size, [&x_ticks, &y_ticks], [&dx, &dy]);
    draw_cursor(&ctx, at(plane.cursor), plane.presenting, plane.grid);
}

/// "z₁" for dimension 0.
fn axis_name(dim: usize) -> String {
    const SUBSCRIPTS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    let digits: String = (dim + 1)
        .to_string()
        .chars()
        .map(|c| SUBSCRIPTS[c.to_digit(10).unwrap_or(0) as usize])
        .collect();
    format!("z{digits}")
}

/// Axes through the origin, and the prior's 1σ and 2σ circles.
fn draw_axes(ctx: &CanvasRenderingContext2d, view: View, size: f64) {
    ctx.set_stroke_style_str("#d0d4da");
    ctx.set_line_width(1.0);
    let (ox, oy) = view.canvas_from_latent([0.0, 0.0], size);
    ctx.begin_path();
    ctx.move_to(0.0, oy);
    ctx.line_to(size, oy);
    ctx.move_to(ox, 0.0);
    ctx.line_to(ox, size);
    ctx.stroke();
    for sigma in [1.0f32, 2.0] {
        let (rx, _) = view.canvas_from_latent([sigma, 0.0], size);
        ctx.begin_path();
        let _ = ctx.arc(ox, oy, rx - ox, 0.0, std::f64::consts::TAU);
        ctx.stroke();
    }
}

/// Tick marks and values along the bottom (x) and left (y) edges, and the axes' names.
fn draw_tick_labels(
    ctx: &CanvasRenderingContext2d,
    view: View,
    size: f64,
    [x_ticks, y_ticks]: [&[f32]; 2],
    [x_name, y_name]: [&str; 2],
) {
    ctx.set_font("12px system-ui, sans-serif");
    ctx.set_fill_style_str("#3d434a");
    ctx.set_stroke_style_str("#3d434a");
    ctx.set_line_width(1.0);
    ctx.set_text_align("center");
    ctx.set_text_baseline("bottom");
    for &t in x_ticks {
        let (x, _) = view.canvas_from_latent([t, view.centre[1]], size);
        ctx.begin_path();
        ctx.move_to(x, size);
        ctx.line_to(x, size - 5.0);
        ctx.stroke();
        let _ = ctx.fill_text(&t.to_string(), x, size - 6.0);
    }
    ctx.set_text_align("left");
    ctx.set_text_baseline("middle");
    for &t in y_ticks {
        let (_, y) = view.canvas_from_latent([view.centre[0], t], size);
        ctx.begin_path();
        ctx.move_to(0.0, y);
        ctx.line_to(5.0, y);
        ctx.stroke();
        let _ = ctx.fill_text(&t.to_string(), 7.0, y);
    }
    ctx.set_font("bold 15px system-ui, sans-serif");
    ctx.set_text_align("right");
    ctx.set_text_baseline("bottom");
    let _ = ctx.fill_text(x_name, size - 4.0, size - 20.0);
    ctx.set_text_align("left");
    ctx.set_text_baseline("top");
    let _ = ctx.fill_text(y_name, 28.0, 4.0);
}

/// The cursor: a ring with arms; thicker for a projector; on a white halo over the grid's dark
/// images.
fn draw_cursor(ctx: &CanvasRenderingContext2d, (cx, cy): (f64, f64), thick: bool, halo: bool) {
    let (width, ring, arm) = if thick {
        (4.0, 12.0, 22.0)
    } else {
        (2.0, 8.0, 13.0)
    };
    let strokes = if halo {
        &[("#ffffff", 2.0), ("#000000", 0.0)][..]
    } else {
        &[("#000000", 0.0)][..]
    };
    for &(colour, extra) in strokes {
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(width + extra);
        ctx.begin_path();
        let _ = ctx.arc(cx, cy, ring, 0.0, std::f64::consts::TAU);
        ctx.move_to(cx - arm, cy);
        ctx.line_to(cx - ring / 2.0, cy);
        ctx.move_to(cx + ring / 2.0, cy);
        ctx.line_to(cx + arm, cy);
        ctx.stroke();
    }
}
