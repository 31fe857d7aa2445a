//! What the canvases show — the model, the plane (its points, view and cursor) and a few
//! held-out images — and the drawing of it.
//!
//! Drawing happens here, directly, when any of them changes — from pointer handlers and from the
//! training session — rather than in yew effects: effects run only once yew's render queue is
//! empty, which a training loop feeding the page keeps from happening. This way a drag draws its
//! decoding within the same event, whatever else runs. The scene is the one owner of the plane
//! (and so of the cursor); components reach it through yew's context.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::FutureExt;
use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::Callback;
use yew::NodeRef;

use super::draw::draw_images;
use super::latency;
use super::plane_draw::draw_plane;
use super::tasks::now_ms;
use crate::data::{ImageSet, ImageShape, Rng};
use crate::page::geometry::{ClientRect, Slice};
use crate::page::inference::{decode_latents, decode_points, encode_points, reconstruct};
use crate::page::{Effect, Plane, PlaneKey, PlanePoint, lerp, there_and_back};
use crate::vae::Vae;

pub const PLANE_PX: u32 = 480;
pub const MANIFOLD_K: usize = 12;
/// Images per row in the reconstructions-and-samples strip.
pub const STRIP: usize = 8;
/// Decoded frames along the interpolation path, ends included.
pub const FRAMES: usize = 10;
/// One trip of the animated cursor along the interpolation path (ms); it goes there and back.
const TRIP_MS: f64 = 2000.0;
const TICK_MS: u32 = 30;

/// While the cursor is dragged, a new model (or new points) redraws only what the drag needs:
/// the grid, the strip and the interpolation (about ten milliseconds of decoding) wait until the
/// cursor has rested this long, so that no pointer move waits behind them.
const DRAG_REST_MS: f64 = 250.0;

/// The canvases the scene draws on (and the decoded image's caption), mounted by components.
#[derive(Default)]
pub struct Canvases {
    pub plane: NodeRef,
    pub decoded: NodeRef,
    pub decoded_caption: NodeRef,
    pub manifold: NodeRef,
    pub strip: NodeRef,
    pub interpolation: NodeRef,
    /// The reconstruction of the user's marked image (their drawing).
    pub marked: NodeRef,
}

struct Shown {
    plane: Plane,
    model: Option<Rc<Vae>>,
    /// The images of `model`.
    shape: ImageShape,
    /// A few held-out images, shown beside their reconstructions.
    originals: Option<Rc<ImageSet>>,
    /// The user's image (their drawing) whose posterior the plane marks, in the model's shape.
    marked: Option<Rc<Vec<f32>>>,
}

struct Inner {
    shown: RefCell<Shown>,
    canvases: Canvases,
    cursor_moved_ms: Cell<f64>,
    redraw_waiting: Cell<bool>,
    /// The manifold grid's decodings, kept off screen for the plane to draw under its points
    /// (the manifold's own panel may be hidden or closed).
    grid: HtmlCanvasElement,
    /// The classes' names in label order, for the cursor's description.
    names: RefCell<Vec<String>>,
    /// The cursor's trip along the interpolation path, while it runs.
    animation: RefCell<Option<Interval>>,
    /// Components showing the plane's switches (grid, ellipses, animation), told when they change.
    listeners: RefCell<Vec<(u64, Callback<()>)>>,
    next_listener: Cell<u64>,
}

/// A handle on the scene; clones share it.
#[derive(Clone)]
pub struct Scene(Rc<Inner>);

impl PartialEq for Scene {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Scene {
    pub fn new() -> Self {
        Self(Rc::new(Inner {
            shown: RefCell::new(Shown {
                plane: Plane::default(),
                model: None,
                shape: ImageShape::MNIST,
                originals: None,
                marked: None,
            }),
            canvases: Canvases::default(),
            cursor_moved_ms: Cell::new(f64::NEG_INFINITY),
            redraw_waiting: Cell::new(false),
            grid: offscreen_canvas(),
            names: RefCell::default(),
            animation: RefCell::default(),
            listeners: RefCell::default(),
            next_listener: Cell::new(0),
        }))
    }

    /// Calls `on_change` whenever the plane's switches change, until `unsubscribe(id)`.
    pub fn subscribe(&self, on_change: Callback<()>) -> u64 {
        let id = self.0.next_listener.get();
        self.0.next_listener.set(id + 1);
        self.0.listeners.borrow_mut().push((id, on_change));
        id
    }

    pub fn unsubscribe(&self, id: u64) {
        self.0.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    fn switched(&self) {
        let listeners: Vec<Callback<()>> = self
            .0
            .listeners
            .borrow()
            .iter()
            .map(|(_, c)| c.clone())
            .collect();
        for listener in listeners {
            listener.emit(());
        }
    }

    pub fn canvases(&self) -> &Canvases {
        &self.0.canvases
    }

    /// Reads the plane.
    pub fn plane<T>(&self, read: impl FnOnce(&Plane) -> T) -> T {
        read(&self.0.shown.borrow().plane)
    }

    /// Changes the plane, then redraws what `redraw` names.
    fn change<T>(&self, change: impl FnOnce(&mut Plane) -> T, redraw: &[Part]) -> T {
        let out = change(&mut self.0.shown.borrow_mut().plane);
        self.draw(redraw);
        out
    }

    pub fn model(&self) -> Option<Rc<Vae>> {
        self.0.shown.borrow().model.clone()
    }

    /// The shape of the shown model's images.
    pub fn shape(&self) -> ImageShape {
        self.0.shown.borrow().shape
    }

    pub fn cursor(&self) -> [f32; 2] {
        self.plane(|p| p.cursor)
    }

    pub fn slice(&self) -> Slice {
        self.plane(|p| p.slice.clone())
    }

    /// When the cursor last moved (ms since the page started).
    pub fn cursor_moved_ms(&self) -> f64 {
        self.0.cursor_moved_ms.get()
    }

    /// Carries out what the reducer asked of the canvases.
    pub fn apply(&self, effect: &Effect) {
        match effect {
            Effect::ShowModel(checkpoint) => {
                if let Ok(vae) = checkpoint.vae(&burn::tensor::Device::flex()) {
                    self.set_model(Rc::new(vae), checkpoint.config.image);
                }
            }
            Effect::MoveCursor(z) => self.set_cursor(*z),
            Effect::ShowView(view) => self.change(|p| p.show(*view), &[Part::Plane, Part::Grid]),
        }
    }

    pub fn set_model(&self, model: Rc<Vae>, shape: ImageShape) {
        {
            let mut shown = self.0.shown.borrow_mut();
            shown.plane.set_latent(model.latent());
            shown.model = Some(model);
            shown.shape = shape;
        }
        self.draw(&[Part::Decoded]);
        // The marked image follows the model as it trains.
        self.draw_marked();
        self.draw_at_rest();
    }

    /// Marks `image` (of the model's shape) on the plane by its posterior, and shows its
    /// reconstruction; again with every new model. `None` takes the mark away.
    pub fn mark(&self, image: Option<Rc<Vec<f32>>>) {
        self.0.shown.borrow_mut().marked = image;
        self.draw_marked();
    }

    pub fn marked(&self) -> Option<Rc<Vec<f32>>> {
        self.0.shown.borrow().marked.clone()
    }

    fn draw_marked(&self) {
        let marked = self.0.shown.borrow().marked.clone();
        let (Some(image), Some((model, shape))) = (marked, self.model_and_shape()) else {
            return self.set_marker(None);
        };
        if image.len() != shape.pixels() {
            return self.set_marker(None);
        }
        let set = ImageSet {
            shape,
            pixels: (*image).clone(),
            labels: None,
        };
        let Some(point) = encode_points(&model, &set)
            .now_or_never()
            .and_then(Result::ok)
            .and_then(|points| points.into_iter().next())
        else {
            return;
        };
        // Its reconstruction: the decoding of its posterior mean.
        if let (Some(canvas), Some(pixels)) = (
            self.0.canvases.marked.cast::<HtmlCanvasElement>(),
            decode_latents(&model, point.mean.clone())
                .now_or_never()
                .and_then(Result::ok),
        ) {
            draw_images(&canvas, &pixels, shape, 1);
        }
        self.set_marker(Some(crate::page::Marker {
            mean: point.mean,
            sigma: point.sigma,
        }));
    }

    /// The held-out images to reconstruct (the first [`STRIP`] are used).
    pub fn set_originals(&self, originals: Rc<ImageSet>) {
        self.0.shown.borrow_mut().originals = Some(originals);
        self.draw(&[Part::Strip]);
    }

    /// New encodings for the plane; the view is fitted to them unless the user has zoomed.
    pub fn set_points(&self, points: Rc<Vec<PlanePoint>>) {
        if self.change(|p| p.set_points(points), &[Part::Plane]) {
            self.draw_at_rest();
        }
    }

    /// The held-out images' factors, in the order of the plane's points (`None`: not known).
    pub fn set_factors(&self, factors: Option<Rc<Vec<[f32; 5]>>>) {
        self.change(|p| p.set_factors(factors), &[Part::Plane]);
    }

    /// Colours the points by factor `which` ([`crate::data::FACTOR_NAMES`]; 0 is the label).
    pub fn set_colour_by(&self, which: usize) {
        self.change(|p| p.colour_by = which, &[Part::Plane]);
        self.switched();
    }

    pub fn set_ellipses(&self, on: bool) {
        self.change(|p| p.ellipses = on, &[Part::Plane]);
        self.switched();
    }

    /// The manifold grid's decodings under the points, or not.
    pub fn set_grid(&self, on: bool) {
        self.change(|p| p.grid = on, &[Part::Grid, Part::Plane]);
        self.switched();
    }

    /// Shows class `label` strongly and the others faint (`None`: all alike).
    pub fn set_highlight(&self, label: Option<u8>) {
        self.change(|p| p.highlight = label, &[Part::Plane]);
        self.switched();
    }

    /// Draws for a projector (a thicker cursor, larger points), or not.
    pub fn set_presenting(&self, on: bool) {
        self.change(|p| p.presenting = on, &[Part::Plane]);
    }

    /// The classes' names in label order (empty when unlabelled).
    pub fn set_class_names(&self, names: Vec<String>) {
        if *self.0.names.borrow() != names {
            *self.0.names.borrow_mut() = names;
            self.change(|p| p.highlight = None, &[Part::Plane]);
            self.switched();
        }
    }

    pub fn animating(&self) -> bool {
        self.0.animation.borrow().is_some()
    }

    /// Starts the cursor's trip there and back along the interpolation path, or stops it.
    /// Without both ends, two held-out images' means become the ends first.
    pub fn toggle_animation(&self) {
        if self.0.animation.borrow_mut().take().is_none() {
            if self.plane(|p| p.ends.iter().any(Option::is_none))
                && let Some([a, b]) = self.plane(|p| p.two_samples(1))
            {
                self.set_end(0, Some(a));
                self.set_end(1, Some(b));
            }
            if let [Some(a), Some(b)] = self.plane(|p| p.ends) {
                let (start, scene) = (now_ms(), self.clone());
                *self.0.animation.borrow_mut() = Some(Interval::new(TICK_MS, move || {
                    scene.set_cursor(lerp(a, b, there_and_back(now_ms() - start, TRIP_MS)));
                }));
            }
        }
        self.switched();
    }

    /// Shows latent dimensions `dims` on the plane; the view refits.
    pub fn set_dims(&self, dims: [usize; 2]) {
        self.change(|p| p.set_dims(dims), &Part::ALL);
    }

    /// Holds the dimensions the plane does not show at a held-out image's mean (`seed`-th pick)
    /// or at 0; the image's index.
    pub fn hold_at(&self, seed: Option<u64>) -> Option<usize> {
        self.change(|p| p.hold_at(seed), &Part::ALL)
    }

    pub fn zoom(&self, factor: f32, anchor: Option<[f32; 2]>) {
        self.change(|p| p.zoom(factor, anchor), &[Part::Plane, Part::Grid]);
    }

    pub fn pan(&self, delta: [f32; 2]) {
        self.change(|p| p.pan(delta), &[Part::Plane, Part::Grid]);
    }

    pub fn fit(&self) {
        self.change(Plane::fit, &[Part::Plane, Part::Grid]);
    }

    /// Sets one end (0 or 1) of the interpolation path.
    pub fn set_end(&self, end: usize, z: Option<[f32; 2]>) {
        self.change(|p| p.ends[end] = z, &[Part::Plane, Part::Path]);
        self.switched();
    }

    /// The user's image on the plane (`None`: none).
    pub fn set_marker(&self, marker: Option<crate::page::Marker>) {
        self.change(|p| p.marker = marker, &[Part::Plane]);
    }

    /// A latent search's path so far (empty: none).
    pub fn set_search(&self, path: Vec<Vec<f32>>) {
        self.change(|p| p.search = path, &[Part::Plane]);
    }

    pub fn set_cursor(&self, z: [f32; 2]) {
        self.0.cursor_moved_ms.set(now_ms());
        self.change(|p| p.set_cursor(z), &[Part::Plane, Part::Decoded]);
    }

    /// A key pressed on the plane: moves the cursor (a big step with `big`) or zooms.
    pub fn on_key(&self, key: PlaneKey, big: bool) {
        let moved = self.0.shown.borrow_mut().plane.on_key(key, big);
        match moved {
            Some(z) => self.set_cursor(z),
            None => self.draw(&[Part::Plane, Part::Grid]),
        }
    }

    /// The latent point under a pointer at `client` (the browser's client coordinates).
    pub fn latent_at(&self, client: (f64, f64)) -> Option<[f32; 2]> {
        let (x, y) = self.plane_px(client)?;
        Some(self.plane(|p| p.view.latent_from_canvas(x, y, PLANE_PX as f64)))
    }

    /// The plane canvas's pixel under a pointer at `client`.
    pub fn plane_px(&self, client: (f64, f64)) -> Option<(f64, f64)> {
        let canvas = self.0.canvases.plane.cast::<HtmlCanvasElement>()?;
        Some(client_rect(&canvas).to_canvas(client, PLANE_PX as f64))
    }

    /// Draws everything, e.g. when the canvases were (re)created.
    pub fn draw_all(&self) {
        self.draw(&Part::ALL);
    }

    fn draw(&self, parts: &[Part]) {
        for part in parts {
            match part {
                Part::Plane => self.draw_plane(),
                Part::Decoded => self.draw_decoded(),
                Part::Grid => self.draw_manifold(),
                Part::Strip => self.draw_strip(),
                Part::Path => self.draw_interpolation(),
            }
        }
    }

    fn draw_at_rest(&self) {
        if now_ms() - self.cursor_moved_ms() >= DRAG_REST_MS {
            self.draw(&[Part::Grid, Part::Strip, Part::Path]);
        } else if !self.0.redraw_waiting.replace(true) {
            let scene = self.clone();
            gloo::timers::callback::Timeout::new(DRAG_REST_MS as u32, move || {
                scene.0.redraw_waiting.set(false);
                scene.draw_at_rest();
            })
            .forget();
        }
    }

    /// The model and its image shape, when there is a model.
    fn model_and_shape(&self) -> Option<(Rc<Vae>, ImageShape)> {
        let shown = self.0.shown.borrow();
        Some((shown.model.clone()?, shown.shape))
    }

    fn draw_decoded(&self) {
        let Some(canvas) = self.0.canvases.decoded.cast::<HtmlCanvasElement>() else {
            return;
        };
        let (cursor, slice) = self.plane(|p| (p.cursor, p.slice.clone()));
        let Some((model, shape)) = self.model_and_shape() else {
            return;
        };
        let Some(pixels) = decode_now(&model, &[cursor], &slice) else {
            return;
        };
        draw_images(&canvas, &pixels, shape, 1);
        let [x, y] = cursor;
        // Read by the browser tests: which latent point the pixels show.
        let _ = canvas.set_attribute("data-z", &format!("{x},{y}"));
        if let Some(caption) = self.0.canvases.decoded_caption.get() {
            caption.set_text_content(Some(&format!("Decoded at z = ({x:.2}, {y:.2})")));
        }
        latency::input_drawn();
    }

    /// Three rows: held-out originals, their reconstructions (decoded posterior means), and
    /// decodings of fixed draws from the prior N(0, I) — the generation phase at a glance.
    fn draw_strip(&self) {
        let Some(canvas) = self.0.canvases.strip.cast::<HtmlCanvasElement>() else {
            return;
        };
        let originals = self.0.shown.borrow().originals.clone();
        let (Some((model, shape)), Some(originals)) = (self.model_and_shape(), originals) else {
            return;
        };
        // New data of another size arrives before its model: draw nothing in between.
        if originals.shape != shape {
            return;
        }
        let originals = originals.take(STRIP);
        let Some(reconstructions) = reconstruct(&model, &originals)
            .now_or_never()
            .and_then(Result::ok)
        else {
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
        draw_images(&canvas, &pixels, shape, STRIP);
        let _ = canvas.set_attribute("data-drawn", "true");
    }

    fn draw_manifold(&self) {
        // Off screen when the manifold's panel is not on the page.
        let canvas = (self.0.canvases.manifold.cast::<HtmlCanvasElement>())
            .unwrap_or_else(|| self.0.grid.clone());
        let (points, slice) = self.plane(|p| (p.view.lattice(MANIFOLD_K), p.slice.clone()));
        let Some((model, shape)) = self.model_and_shape() else {
            return;
        };
        if let Some(pixels) = decode_now(&model, &points, &slice) {
            draw_images(&canvas, &pixels, shape, MANIFOLD_K);
            let _ = canvas.set_attribute("data-drawn", "true");
            if self.plane(|p| p.grid) {
                draw_images(&self.0.grid, &pixels, shape, MANIFOLD_K);
                self.draw_plane();
            }
        }
    }

    /// Decodings at [`FRAMES`] evenly spaced points from one end of the path to the other.
    fn draw_interpolation(&self) {
        let Some(canvas) = self.0.canvases.interpolation.cast::<HtmlCanvasElement>() else {
            return;
        };
        let (path, slice) = self.plane(|p| (p.path(FRAMES), p.slice.clone()));
        let (Some((model, shape)), Some(path)) = (self.model_and_shape(), path) else {
            let _ = canvas.remove_attribute("data-frames");
            return;
        };
        if let Some(pixels) = decode_now(&model, &path, &slice) {
            draw_images(&canvas, &pixels, shape, FRAMES);
            let _ = canvas.set_attribute("data-frames", &FRAMES.to_string());
        }
    }

    fn draw_plane(&self) {
        let Some(canvas) = self.0.canvases.plane.cast::<HtmlCanvasElement>() else {
            return;
        };
        let shown = self.0.shown.borrow();
        draw_plane(
            &canvas,
            &shown.plane,
            Some(&self.0.grid),
            &self.0.names.borrow(),
            PLANE_PX as f64,
        );
    }
}

/// What a change redraws.
#[derive(Clone, Copy)]
enum Part {
    Plane,
    Decoded,
    Grid,
    Strip,
    Path,
}

impl Part {
    const ALL: [Part; 5] = [
        Part::Plane,
        Part::Decoded,
        Part::Grid,
        Part::Strip,
        Part::Path,
    ];
}

fn client_rect(element: &web_sys::Element) -> ClientRect {
    let rect = element.get_bounding_client_rect();
    ClientRect {
        left: rect.left(),
        top: rect.top(),
        width: rect.width(),
        height: rect.height(),
    }
}

/// A pointer's position on `canvas`, in the canvas's own pixels (`size_px` wide).
pub fn canvas_px(canvas: &HtmlCanvasElement, client: (f64, f64), size_px: f64) -> (f64, f64) {
    client_rect(canvas).to_canvas(client, size_px)
}

/// Runs a CPU decode now: the CPU backend's reads complete immediately, so there is no need to
/// wait for the event loop.
/// A canvas that is never shown.
fn offscreen_canvas() -> HtmlCanvasElement {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|e| e.dyn_into().ok())
        .expect("a page with a document should make canvases")
}

fn decode_now(model: &Vae, points: &[[f32; 2]], slice: &Slice) -> Option<Vec<f32>> {
    decode_points(model, points, slice).now_or_never()?.ok()
}
