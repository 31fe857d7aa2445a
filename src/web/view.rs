//! What the canvases show: the model, the plane's points, the view and the cursor.
//!
//! Drawing happens here, directly, when any of them changes — from pointer handlers and from the
//! training session — rather than in yew effects: effects run only once yew's render queue is
//! empty, which a training loop feeding the page keeps from happening. This way a drag draws its
//! decoding within the same event, whatever else runs.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use futures::FutureExt;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::draw::{PALETTE, View, context2d, draw_images};
use super::probe_hooks;
use super::session::{PlanePoint, Slice, decode_latents, decode_points};
use crate::data::{ImageSet, ImageShape, Rng};
use crate::vae::Vae;

pub const PLANE_PX: u32 = 480;
pub const MANIFOLD_K: usize = 12;
/// Images per row in the reconstructions-and-samples strip.
pub const STRIP: usize = 8;
/// Decoded frames along the interpolation path, ends included.
pub const FRAMES: usize = 10;

struct State {
    model: Option<Rc<Vae>>,
    /// A few held-out images, shown beside their reconstructions.
    originals: Option<Rc<ImageSet>>,
    points: Rc<Vec<PlanePoint>>,
    view: View,
    /// Refit the view to each new set of points (until the user zooms).
    auto_fit: bool,
    /// Draw each point's posterior σ as an ellipse.
    ellipses: bool,
    /// The interpolation's two ends.
    ends: [Option<[f32; 2]>; 2],
    /// The held-out images' true factors (Shapes), and which one colours the points (0: the
    /// label).
    factors: Option<Rc<Vec<[f32; 5]>>>,
    colour_by: usize,
    cursor: [f32; 2],
    shape: ImageShape,
    /// Which latent dimensions the plane shows (and where the others are held).
    slice: Slice,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        model: None,
        originals: None,
        points: Rc::default(),
        view: View { centre: [0.0, 0.0], half_width: 4.0 },
        auto_fit: true,
        ellipses: false,
        ends: [None, None],
        factors: None,
        colour_by: 0,
        cursor: [0.0, 0.0],
        shape: ImageShape::MNIST,
        slice: Slice::origin(2),
    });
}

fn canvas(id: &str) -> Option<HtmlCanvasElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into()
        .ok()
}

pub fn model() -> Option<Rc<Vae>> {
    STATE.with_borrow(|s| s.model.clone())
}

pub fn view() -> View {
    STATE.with_borrow(|s| s.view)
}

pub fn cursor() -> [f32; 2] {
    STATE.with_borrow(|s| s.cursor)
}

pub fn slice() -> Slice {
    STATE.with_borrow(|s| s.slice.clone())
}

pub fn set_model(model: Rc<Vae>, shape: ImageShape) {
    STATE.with_borrow_mut(|s| {
        if model.latent() != s.slice.base.len() {
            s.slice = Slice::origin(model.latent());
        }
        s.model = Some(model);
        s.shape = shape;
    });
    draw_decoded();
    draw_decodings_at_rest();
}

/// While the cursor is dragged, a new model (or new points) redraws only what the drag needs:
/// the grid, the strip and the interpolation (about ten milliseconds of decoding) wait until the
/// cursor has rested this long, so that no pointer move waits behind them.
const DRAG_REST_MS: f64 = 250.0;

thread_local! {
    static REDRAW_WAITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn draw_decodings_at_rest() {
    if super::now_ms() - cursor_moved_ms() >= DRAG_REST_MS {
        draw_manifold();
        draw_strip();
        draw_interpolation();
    } else if !REDRAW_WAITING.replace(true) {
        gloo::timers::callback::Timeout::new(DRAG_REST_MS as u32, || {
            REDRAW_WAITING.set(false);
            draw_decodings_at_rest();
        })
        .forget();
    }
}

/// The held-out images to reconstruct (the first [`STRIP`] are used).
pub fn set_originals(originals: Rc<ImageSet>) {
    STATE.with_borrow_mut(|s| {
        // New data of another size: the model on show cannot read it (a new one is coming).
        if originals.shape != s.shape {
            s.model = None;
        }
        s.originals = Some(originals);
    });
    draw_strip();
}

/// New encodings for the plane; the view is fitted to them unless the user has zoomed.
pub fn set_points(points: Rc<Vec<PlanePoint>>) {
    let changed = STATE.with_borrow_mut(|s| {
        s.points = points;
        s.auto_fit && set_view(s, fitted(s))
    });
    draw_plane();
    if changed {
        draw_decodings_at_rest();
    }
}

fn fitted(s: &State) -> View {
    View::fit(s.points.iter().map(|p| s.slice.project(&p.mean)))
}

/// Shows latent dimensions `dims` on the plane; the view refits.
pub fn set_dims(dims: [usize; 2]) {
    STATE.with_borrow_mut(|s| {
        s.slice.dims = dims;
        s.auto_fit = true;
        let view = fitted(s);
        set_view(s, view);
    });
    draw_all();
}

/// Holds the dimensions the plane does not show at a held-out image's mean (the `seed`-th
/// pick), or at the prior's mean (0) with `None`. Returns the image's index.
pub fn hold_at(seed: Option<u64>) -> Option<usize> {
    let picked = STATE.with_borrow_mut(|s| {
        let latent = s.slice.base.len();
        match seed {
            Some(seed) if !s.points.is_empty() => {
                let i = Rng::new(seed).below(s.points.len());
                s.slice.base = s.points[i].mean.clone();
                Some(i)
            }
            _ => {
                s.slice.base = vec![0.0; latent];
                None
            }
        }
    });
    draw_all();
    picked
}

fn set_view(s: &mut State, view: View) -> bool {
    std::mem::replace(&mut s.view, view) != view
}

/// Zooms by `factor` (< 1 zooms in) about `anchor` (the cursor when `None`); stops fitting.
pub fn zoom(factor: f32, anchor: Option<[f32; 2]>) {
    STATE.with_borrow_mut(|s| {
        s.auto_fit = false;
        let view = s.view.zoomed(factor, anchor.unwrap_or(s.cursor));
        set_view(s, view);
    });
    draw_plane();
    draw_manifold();
}

/// Moves the view by `delta` in latent units; stops fitting.
pub fn pan(delta: [f32; 2]) {
    STATE.with_borrow_mut(|s| {
        s.auto_fit = false;
        let mut view = s.view;
        view.centre = [view.centre[0] + delta[0], view.centre[1] + delta[1]];
        set_view(s, view);
    });
    draw_plane();
    draw_manifold();
}

/// The view when the user has zoomed or panned (`None` while it fits the points).
pub fn fixed_view() -> Option<View> {
    STATE.with_borrow(|s| (!s.auto_fit).then_some(s.view))
}

/// Shows exactly `view` (from a share link) until the user fits again.
pub fn show(view: View) {
    STATE.with_borrow_mut(|s| {
        s.auto_fit = false;
        set_view(s, view);
    });
    draw_plane();
    draw_manifold();
}

/// Back to fitting the view to the points.
pub fn fit() {
    STATE.with_borrow_mut(|s| {
        s.auto_fit = true;
        let view = fitted(s);
        set_view(s, view);
    });
    draw_plane();
    draw_manifold();
}

/// The held-out images' factors, in the order of the plane's points (`None`: not known).
pub fn set_factors(factors: Option<Rc<Vec<[f32; 5]>>>) {
    STATE.with_borrow_mut(|s| {
        s.factors = factors;
        s.colour_by = 0;
    });
    draw_plane();
}

/// Colours the points by factor `which` ([`crate::data::FACTOR_NAMES`]; 0 is the label).
pub fn set_colour_by(which: usize) {
    STATE.with_borrow_mut(|s| s.colour_by = which);
    draw_plane();
}

/// A colour for `v` in [0, 1], dark blue through green to yellow (viridis-like).
fn ramp(v: f32) -> String {
    const STOPS: [[f32; 3]; 5] = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let x = v.clamp(0.0, 1.0) * (STOPS.len() - 1) as f32;
    let (i, t) = ((x as usize).min(STOPS.len() - 2), x.fract());
    let t = if x as usize > STOPS.len() - 2 { 1.0 } else { t };
    let c: Vec<u8> = (0..3)
        .map(|k| (STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * t) as u8)
        .collect();
    format!("rgb({},{},{})", c[0], c[1], c[2])
}

pub fn set_ellipses(on: bool) {
    STATE.with_borrow_mut(|s| s.ellipses = on);
    draw_plane();
}

/// Sets one end (0 or 1) of the interpolation path.
pub fn set_end(end: usize, z: Option<[f32; 2]>) {
    STATE.with_borrow_mut(|s| s.ends[end] = z);
    draw_plane();
    draw_interpolation();
}

pub fn ends() -> [Option<[f32; 2]>; 2] {
    STATE.with_borrow(|s| s.ends)
}

/// Two held-out images' posterior means (the `seed`-th pick), for the interpolation's ends.
pub fn two_samples(seed: u64) -> Option<[[f32; 2]; 2]> {
    STATE.with_borrow(|s| {
        let n = s.points.len();
        if n < 2 {
            return None;
        }
        let mut rng = Rng::new(seed);
        let a = rng.below(n);
        let b = (a + 1 + rng.below(n - 1)) % n;
        Some([
            s.slice.project(&s.points[a].mean),
            s.slice.project(&s.points[b].mean),
        ])
    })
}

/// When the cursor last moved (ms since the page started).
pub fn cursor_moved_ms() -> f64 {
    CURSOR_MOVED_MS.get()
}

thread_local! {
    static CURSOR_MOVED_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NEG_INFINITY) };
}

pub fn set_cursor(z: [f32; 2]) {
    CURSOR_MOVED_MS.set(super::now_ms());
    STATE.with_borrow_mut(|s| s.cursor = z);
    draw_plane();
    draw_decoded();
}

/// Draws everything, e.g. when the canvases were (re)created.
pub fn draw_all() {
    draw_plane();
    draw_decoded();
    draw_manifold();
    draw_strip();
    draw_interpolation();
}

/// Runs a CPU decode now: the CPU backend's reads complete immediately, so there is no need to
/// wait for the event loop.
fn decode_now(model: &Vae, points: &[[f32; 2]]) -> Option<Vec<f32>> {
    decode_points(model, points, &slice()).now_or_never()?.ok()
}

fn draw_decoded() {
    let Some(canvas) = canvas("decoded") else {
        return;
    };
    let (model, cursor, shape) = STATE.with_borrow(|s| (s.model.clone(), s.cursor, s.shape));
    let Some(pixels) = model.and_then(|m| decode_now(&m, &[cursor])) else {
        return;
    };
    draw_images(&canvas, &pixels, shape, 1);
    // Read by the browser tests: which latent point the pixels show.
    let _ = canvas.set_attribute("data-z", &format!("{},{}", cursor[0], cursor[1]));
    probe_hooks::input_drawn();
}

/// Three rows: held-out originals, their reconstructions (decoded posterior means), and decodings
/// of fixed draws from the prior N(0, I) — the generation phase at a glance.
fn draw_strip() {
    let Some(canvas) = canvas("samples") else {
        return;
    };
    let (model, originals) = STATE.with_borrow(|s| (s.model.clone(), s.originals.clone()));
    let (Some(model), Some(originals)) = (model, originals) else {
        return;
    };
    let originals = originals.take(STRIP);
    let Some(reconstructions) = reconstruct_now(&model, &originals) else {
        return;
    };
    // All latent dimensions drawn from the prior, not only the plane's two.
    let prior = Rng::new(7).normals(STRIP * model.latent());
    let Some(samples) = decode_latents(&model, prior)
        .now_or_never()
        .and_then(Result::ok)
    else {
        return;
    };
    let mut pixels = originals.pixels.clone();
    pixels.extend(reconstructions);
    pixels.extend(samples);
    draw_images(&canvas, &pixels, originals.shape, STRIP);
    let _ = canvas.set_attribute("data-drawn", "true");
}

fn reconstruct_now(model: &Vae, images: &ImageSet) -> Option<Vec<f32>> {
    let device = burn::tensor::Device::flex();
    let all: Vec<usize> = (0..images.len()).collect();
    let means = model.encode(images.batch(&all, &device)).mean;
    model
        .decode(means)
        .into_data_async()
        .now_or_never()?
        .ok()?
        .try_to_vec()
        .ok()
}

fn draw_manifold() {
    let Some(canvas) = canvas("manifold") else {
        return;
    };
    let (model, view, shape) = STATE.with_borrow(|s| (s.model.clone(), s.view, s.shape));
    let Some(model) = model else {
        return;
    };
    let k = MANIFOLD_K;
    let h = view.half_width * (1.0 - 1.0 / k as f32);
    let t = |v: usize| v as f32 / (k - 1) as f32 * 2.0 - 1.0;
    let [cx, cy] = view.centre;
    let points: Vec<[f32; 2]> = (0..k * k)
        .map(|i| [cx + t(i % k) * h, cy - t(i / k) * h])
        .collect();
    if let Some(pixels) = decode_now(&model, &points) {
        draw_images(&canvas, &pixels, shape, k);
        let _ = canvas.set_attribute("data-drawn", "true");
    }
}

/// Decodings at [`FRAMES`] evenly spaced points from one end of the path to the other.
fn draw_interpolation() {
    let Some(canvas) = canvas("interpolation") else {
        return;
    };
    let (model, ends, shape) = STATE.with_borrow(|s| (s.model.clone(), s.ends, s.shape));
    let (Some(model), [Some(a), Some(b)]) = (model, ends) else {
        let _ = canvas.remove_attribute("data-frames");
        return;
    };
    let points: Vec<[f32; 2]> = (0..FRAMES)
        .map(|i| {
            let t = i as f32 / (FRAMES - 1) as f32;
            [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
        })
        .collect();
    if let Some(pixels) = decode_now(&model, &points) {
        draw_images(&canvas, &pixels, shape, FRAMES);
        let _ = canvas.set_attribute("data-frames", &FRAMES.to_string());
    }
}

fn draw_plane() {
    let Some(canvas) = canvas("latent-plane") else {
        return;
    };
    let Some(ctx) = context2d(&canvas) else {
        return;
    };
    STATE.with_borrow(|s| {
        // The plane redraws on every pointer move: label colours are borrowed, not built.
        let colour_of = |i: usize, point: &PlanePoint| -> Cow<'static, str> {
            match (&s.factors, s.colour_by) {
                (Some(factors), by) if by > 0 && i < factors.len() => ramp(factors[i][by]).into(),
                _ => point
                    .label
                    .map(|l| PALETTE[l as usize % PALETTE.len()])
                    .unwrap_or("#555555")
                    .into(),
            }
        };
        let _ = canvas.set_attribute("data-points", &s.points.len().to_string());
        let _ = canvas.set_attribute("data-colour-by", &s.colour_by.to_string());
        let _ = canvas.set_attribute("data-half-width", &s.view.half_width.to_string());
        let _ = canvas.set_attribute(
            "data-centre",
            &format!("{},{}", s.view.centre[0], s.view.centre[1]),
        );
        let (view, size) = (s.view, PLANE_PX as f64);
        ctx.set_fill_style_str("#ffffff");
        ctx.fill_rect(0.0, 0.0, size, size);
        // Axes through the origin, and the prior's 1σ and 2σ circles.
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
        if s.ellipses {
            // One posterior σ around each mean: how sure the encoder is where an image goes.
            ctx.set_global_alpha(0.12);
            let scale = size / (2.0 * view.half_width as f64);
            for (i, point) in s.points.iter().enumerate() {
                ctx.set_fill_style_str(&colour_of(i, point));
                let (px, py) = view.canvas_from_latent(s.slice.project(&point.mean), size);
                let [sx, sy] = s.slice.project(&point.sigma);
                ctx.begin_path();
                let _ = ctx.ellipse(
                    px,
                    py,
                    (sx as f64 * scale).max(0.5),
                    (sy as f64 * scale).max(0.5),
                    0.0,
                    0.0,
                    std::f64::consts::TAU,
                );
                ctx.fill();
            }
        }
        ctx.set_global_alpha(0.7);
        for (i, point) in s.points.iter().enumerate() {
            ctx.set_fill_style_str(&colour_of(i, point));
            let (px, py) = view.canvas_from_latent(s.slice.project(&point.mean), size);
            ctx.fill_rect(px - 1.5, py - 1.5, 3.0, 3.0);
        }
        ctx.set_global_alpha(1.0);
        // The interpolation path, from A to B.
        let ends: Vec<(f64, f64)> = s
            .ends
            .iter()
            .flatten()
            .map(|&z| view.canvas_from_latent(z, size))
            .collect();
        ctx.set_stroke_style_str("#c2185b");
        ctx.set_fill_style_str("#c2185b");
        ctx.set_line_width(2.0);
        if let [(ax, ay), (bx, by)] = ends[..] {
            ctx.begin_path();
            ctx.move_to(ax, ay);
            ctx.line_to(bx, by);
            ctx.stroke();
        }
        ctx.set_font("bold 13px system-ui, sans-serif");
        for (which, z) in s.ends.iter().enumerate() {
            if let Some(z) = z {
                let (x, y) = view.canvas_from_latent(*z, size);
                ctx.fill_rect(x - 3.0, y - 3.0, 6.0, 6.0);
                let _ = ctx.fill_text(["A", "B"][which], x + 6.0, y - 6.0);
            }
        }
        let (cx, cy) = view.canvas_from_latent(s.cursor, size);
        ctx.set_stroke_style_str("#000000");
        ctx.set_line_width(2.0);
        ctx.begin_path();
        let _ = ctx.arc(cx, cy, 8.0, 0.0, std::f64::consts::TAU);
        ctx.move_to(cx - 13.0, cy);
        ctx.line_to(cx - 4.0, cy);
        ctx.move_to(cx + 4.0, cy);
        ctx.line_to(cx + 13.0, cy);
        ctx.stroke();
    });
}
