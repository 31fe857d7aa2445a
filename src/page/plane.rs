//! What the latent plane shows and where its cursor is: the encoded points, the view, the slice
//! of the latent space, the interpolation's ends. The one owner of the cursor; the web layer
//! keeps one `Plane` and draws it.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::geometry::{LATENT_BOUND, Slice, View};
use crate::data::Rng;

/// A held-out image on the plane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanePoint {
    /// The posterior mean, all latent dimensions.
    pub mean: Vec<f32>,
    /// The posterior's standard deviations, all latent dimensions.
    pub sigma: Vec<f32>,
    pub label: Option<u8>,
}

/// An image the user is looking at (a drawing, a picked image), placed on the plane by its
/// posterior: the mean, and σ for its ellipse.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub mean: Vec<f32>,
    pub sigma: Vec<f32>,
}

/// The colour of the user's image's marker.
pub const MARKER: &str = "#c2185b";
/// The colour of a latent search's path.
pub const SEARCH: &str = "#1a237e";

/// Ten distinguishable colours for class labels.
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];
/// Points without a label.
pub const UNLABELLED: &str = "#555555";

/// A point's colour on the plane.
#[derive(Debug, Clone, PartialEq)]
pub enum Colour {
    /// One of [`PALETTE`] or [`UNLABELLED`].
    Named(&'static str),
    /// A factor's value on a dark-blue-to-yellow ramp.
    Rgb([u8; 3]),
}

impl Colour {
    pub fn css(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Colour::Named(name) => (*name).into(),
            Colour::Rgb([r, g, b]) => format!("rgb({r},{g},{b})").into(),
        }
    }
}

/// A colour for `v` in [0, 1], dark blue through green to yellow (viridis-like).
pub fn ramp(v: f32) -> [u8; 3] {
    const STOPS: [[f32; 3]; 5] = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = v * (STOPS.len() - 1) as f32;
    let i = (x as usize).min(STOPS.len() - 2);
    let t = x - i as f32;
    [0, 1, 2].map(|k| (STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * t).round() as u8)
}

/// Keys that move the cursor or zoom the plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlaneKey {
    Left,
    Right,
    Up,
    Down,
    ZoomIn,
    ZoomOut,
}

impl PlaneKey {
    /// `KeyboardEvent.key` → the plane's meaning, if any.
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "ArrowLeft" => Self::Left,
            "ArrowRight" => Self::Right,
            "ArrowUp" => Self::Up,
            "ArrowDown" => Self::Down,
            "+" | "=" => Self::ZoomIn,
            "-" | "_" => Self::ZoomOut,
            _ => return None,
        })
    }
}

/// One step of the zoom buttons, the wheel's notches and the +/− keys.
pub const ZOOM_IN: f32 = 0.8;
pub const ZOOM_OUT: f32 = 1.25;

#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    pub points: Rc<Vec<PlanePoint>>,
    pub view: View,
    /// Refit the view to each new set of points (until the user zooms or pans).
    pub auto_fit: bool,
    /// Draw each point's posterior σ as an ellipse.
    pub ellipses: bool,
    /// The interpolation's two ends.
    pub ends: [Option<[f32; 2]>; 2],
    /// The held-out images' true factors (Shapes), in the order of the points.
    pub factors: Option<Rc<Vec<[f32; 5]>>>,
    /// Which factor colours the points (0: the label).
    pub colour_by: usize,
    pub cursor: [f32; 2],
    /// Which latent dimensions the plane shows (and where the others are held).
    pub slice: Slice,
    /// The user's image on the plane.
    pub marker: Option<Marker>,
    /// A latent search's path, full latent vectors from its start to where it is.
    pub search: Vec<Vec<f32>>,
    /// The one class shown strongly (the legend's choice); the others faint.
    pub highlight: Option<u8>,
    /// The manifold grid's decodings under the points.
    pub grid: bool,
    /// Drawn for a projector: a thicker cursor.
    pub presenting: bool,
}

impl Default for Plane {
    fn default() -> Self {
        Self {
            points: Rc::default(),
            view: View::default(),
            auto_fit: true,
            ellipses: false,
            ends: [None, None],
            factors: None,
            colour_by: 0,
            cursor: [0.0, 0.0],
            slice: Slice::origin(2),
            marker: None,
            search: Vec::new(),
            highlight: None,
            grid: false,
            presenting: false,
        }
    }
}

impl Plane {
    /// Moves the cursor (kept finite and within reach).
    pub fn set_cursor(&mut self, z: [f32; 2]) {
        if z.iter().all(|v| v.is_finite()) {
            self.cursor = z.map(|v| v.clamp(-LATENT_BOUND, LATENT_BOUND));
        }
    }

    /// A model with `latent` dimensions is on show: a new size starts on its first two.
    pub fn set_latent(&mut self, latent: usize) {
        if latent != self.slice.latent() {
            self.slice = Slice::origin(latent);
        }
    }

    fn fitted(&self) -> View {
        View::fit(self.points.iter().map(|p| self.slice.project(&p.mean)))
    }

    fn set_view(&mut self, view: View) -> bool {
        std::mem::replace(&mut self.view, view) != view
    }

    /// New encodings; the view is fitted to them unless the user has zoomed. Whether the view
    /// changed.
    pub fn set_points(&mut self, points: Rc<Vec<PlanePoint>>) -> bool {
        self.points = points;
        self.auto_fit && self.set_view(self.fitted())
    }

    /// Shows latent dimensions `dims` (each below the latent size); the view refits.
    pub fn set_dims(&mut self, dims: [usize; 2]) {
        let latent = self.slice.latent().max(1);
        self.slice.dims = dims.map(|d| d.min(latent - 1));
        self.fit();
    }

    /// Holds the dimensions the plane does not show at a held-out image's mean (the `seed`-th
    /// pick), or at the prior's mean (0) with `None`. The image's index.
    pub fn hold_at(&mut self, seed: Option<u64>) -> Option<usize> {
        let latent = self.slice.latent();
        match seed {
            Some(seed) if !self.points.is_empty() => {
                let i = Rng::new(seed).below(self.points.len());
                let mean = &self.points[i].mean;
                if mean.len() != latent {
                    return None;
                }
                self.slice.base = mean.clone();
                Some(i)
            }
            _ => {
                self.slice.base = vec![0.0; latent];
                None
            }
        }
    }

    /// Zooms by `factor` (< 1 zooms in) about `anchor` (the cursor when `None`); stops fitting.
    pub fn zoom(&mut self, factor: f32, anchor: Option<[f32; 2]>) {
        self.auto_fit = false;
        self.view = self.view.zoomed(factor, anchor.unwrap_or(self.cursor));
    }

    /// Moves the view by `delta` latent units; stops fitting.
    pub fn pan(&mut self, delta: [f32; 2]) {
        self.auto_fit = false;
        self.view = self.view.panned(delta);
    }

    /// Shows exactly `view` (from a share link) until the user fits again.
    pub fn show(&mut self, view: View) {
        self.auto_fit = false;
        self.view = view;
    }

    /// Back to fitting the view to the points.
    pub fn fit(&mut self) {
        self.auto_fit = true;
        self.view = self.fitted();
    }

    /// The view when the user has zoomed or panned (`None` while it fits the points).
    pub fn fixed_view(&self) -> Option<View> {
        (!self.auto_fit).then_some(self.view)
    }

    /// The held-out images' factors, in the order of the points (`None`: not known).
    pub fn set_factors(&mut self, factors: Option<Rc<Vec<[f32; 5]>>>) {
        self.factors = factors;
        self.colour_by = 0;
    }

    /// The colour of point `i`: its label's, or its factor's on a ramp.
    pub fn colour_of(&self, i: usize) -> Colour {
        match (&self.factors, self.colour_by) {
            (Some(factors), by) if by > 0 && by < 5 && i < factors.len() => {
                Colour::Rgb(ramp(factors[i][by]))
            }
            _ => Colour::Named(
                self.points
                    .get(i)
                    .and_then(|p| p.label)
                    .map(|l| PALETTE[l as usize % PALETTE.len()])
                    .unwrap_or(UNLABELLED),
            ),
        }
    }

    /// Whether point `i` is drawn faint (another class is highlighted).
    pub fn faint(&self, i: usize) -> bool {
        self.highlight
            .is_some_and(|h| self.points.get(i).and_then(|p| p.label) != Some(h))
    }

    /// Where the cursor is and, when it is among the points, which class it is near:
    /// "z = (0.42, −1.30), near the 7s". `names` are the classes in label order.
    pub fn describe_cursor(&self, names: &[String]) -> String {
        let [x, y] = self.cursor;
        let place = format!("z = ({}, {})", signed(x), signed(y));
        match self.near_label().and_then(|l| names.get(l as usize)) {
            Some(name) => format!("{place}, near the {}", plural(name)),
            None => place,
        }
    }

    /// The class of most of the cursor's nearest points within a tenth of the view, if any.
    pub fn near_label(&self) -> Option<u8> {
        const K: usize = 7;
        let reach = self.view.half_width / 10.0;
        let distance = |p: &PlanePoint| {
            let [px, py] = self.slice.project(&p.mean);
            (px - self.cursor[0]).hypot(py - self.cursor[1])
        };
        let mut nearest: Vec<(f32, u8)> = self
            .points
            .iter()
            .filter_map(|p| Some((distance(p), p.label?)))
            .filter(|(d, _)| *d <= reach)
            .collect();
        nearest.sort_by(|a, b| a.0.total_cmp(&b.0));
        nearest.truncate(K);
        if nearest.is_empty() {
            return None;
        }
        let mut votes = [0usize; 256];
        for &(_, label) in &nearest {
            votes[label as usize] += 1;
        }
        (0..=255u8).max_by_key(|&l| (votes[l as usize], std::cmp::Reverse(l)))
    }

    /// Two held-out images' posterior means (the `seed`-th pick), for the interpolation's ends.
    pub fn two_samples(&self, seed: u64) -> Option<[[f32; 2]; 2]> {
        let n = self.points.len();
        if n < 2 {
            return None;
        }
        let mut rng = Rng::new(seed);
        let a = rng.below(n);
        let b = (a + 1 + rng.below(n - 1)) % n;
        Some([
            self.slice.project(&self.points[a].mean),
            self.slice.project(&self.points[b].mean),
        ])
    }

    /// `frames` evenly spaced points from one end of the interpolation to the other.
    pub fn path(&self, frames: usize) -> Option<Vec<[f32; 2]>> {
        let [Some(a), Some(b)] = self.ends else {
            return None;
        };
        Some(
            (0..frames)
                .map(|i| lerp(a, b, i as f32 / (frames - 1).max(1) as f32))
                .collect(),
        )
    }

    /// Where a key moves the cursor: a fortieth of the view (an eighth with Shift). `None` for
    /// keys that zoom (done here) or mean nothing to the plane.
    pub fn on_key(&mut self, key: PlaneKey, big: bool) -> Option<[f32; 2]> {
        let step = self.view.half_width / if big { 8.0 } else { 40.0 };
        let [x, y] = self.cursor;
        let z = match key {
            PlaneKey::ZoomIn | PlaneKey::ZoomOut => {
                let factor = if key == PlaneKey::ZoomIn {
                    ZOOM_IN
                } else {
                    ZOOM_OUT
                };
                self.zoom(factor, None);
                return None;
            }
            PlaneKey::Left => [x - step, y],
            PlaneKey::Right => [x + step, y],
            PlaneKey::Up => [x, y + step],
            PlaneKey::Down => [x, y - step],
        };
        self.set_cursor(z);
        Some(self.cursor)
    }
}

/// A number as a reader says it: two decimals, a true minus sign.
fn signed(v: f32) -> String {
    let text = format!("{v:.2}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().any(|c| c != '0' && c != '.') => format!("−{rest}"),
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// "the 7s", "the trousers", "the T-shirts".
fn plural(name: &str) -> String {
    if name.ends_with('s') {
        name.to_string()
    } else {
        format!("{name}s")
    }
}

/// The point a fraction `t` of the way from `a` to `b`.
pub fn lerp(a: [f32; 2], b: [f32; 2], t: f32) -> [f32; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// Where an animation along the path is after `elapsed_ms`: there in `trip_ms`, and back.
pub fn there_and_back(elapsed_ms: f64, trip_ms: f64) -> f32 {
    let phase = (elapsed_ms / trip_ms).rem_euclid(2.0);
    (if phase < 1.0 { phase } else { 2.0 - phase }) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(means: &[[f32; 2]]) -> Rc<Vec<PlanePoint>> {
        Rc::new(
            means
                .iter()
                .enumerate()
                .map(|(i, m)| PlanePoint {
                    mean: m.to_vec(),
                    sigma: vec![0.5, 0.5],
                    label: Some(i as u8),
                })
                .collect(),
        )
    }

    #[test]
    fn the_cursor_is_described_by_where_it_is_and_the_class_it_is_near() {
        let mut plane = Plane::default();
        plane.set_points(points(&[[-1.0, -1.0], [1.0, 1.0], [1.1, 1.0]]));
        let names: Vec<String> = (0..3).map(|d| d.to_string()).collect();
        plane.set_cursor([-0.95, -1.0]);
        assert_eq!(
            plane.describe_cursor(&names),
            "z = (−0.95, −1.00), near the 0s"
        );
        plane.set_cursor([1.05, 1.0]);
        assert!(
            plane.describe_cursor(&names).ends_with("near the 1s"),
            "a tie goes to the lower label"
        );
        plane.set_cursor([-0.001, 0.0]);
        assert_eq!(
            plane.describe_cursor(&names),
            "z = (0.00, 0.00)",
            "far from every point"
        );
        plane.set_cursor([1.0, 1.0]);
        let names = ["T-shirt".to_string(), "trouser".into(), "trousers".into()];
        assert!(plane.describe_cursor(&names).ends_with("near the trousers"));
        plane.highlight = Some(1);
        assert!(plane.faint(0) && !plane.faint(1));
    }

    #[test]
    fn new_points_refit_the_view_until_the_user_zooms() {
        let mut plane = Plane::default();
        assert!(plane.set_points(points(&[[10.0, 0.0]])));
        assert!((plane.view.half_width - 11.0).abs() < 1e-5);
        plane.zoom(0.5, Some([0.0, 0.0]));
        assert_eq!(plane.fixed_view(), Some(plane.view));
        assert!(
            !plane.set_points(points(&[[20.0, 0.0]])),
            "a zoomed view stays"
        );
        plane.fit();
        assert!((plane.view.half_width - 22.0).abs() < 1e-4);
        assert_eq!(plane.fixed_view(), None);
    }

    #[test]
    fn keys_move_the_cursor_by_a_share_of_the_view_and_zoom_about_it() {
        let mut plane = Plane::default();
        plane.set_cursor([1.0, 1.0]);
        assert_eq!(plane.on_key(PlaneKey::Right, false), Some([1.1, 1.0]));
        assert_eq!(plane.on_key(PlaneKey::Down, true), Some([1.1, 0.5]));
        assert_eq!(plane.on_key(PlaneKey::ZoomIn, false), None);
        assert!((plane.view.half_width - 3.2).abs() < 1e-6);
        assert_eq!(PlaneKey::from_key("Enter"), None);
        assert_eq!(PlaneKey::from_key("="), Some(PlaneKey::ZoomIn));
    }

    #[test]
    fn the_cursor_stays_finite_and_within_reach() {
        let mut plane = Plane::default();
        plane.set_cursor([f32::NAN, 0.0]);
        assert_eq!(plane.cursor, [0.0, 0.0]);
        plane.set_cursor([1e9, -1e9]);
        assert_eq!(plane.cursor, [LATENT_BOUND, -LATENT_BOUND]);
    }

    #[test]
    fn holding_at_an_image_takes_its_mean_and_a_new_latent_size_resets_the_slice() {
        let mut plane = Plane::default();
        plane.set_latent(3);
        plane.points = Rc::new(vec![PlanePoint {
            mean: vec![1.0, 2.0, 3.0],
            sigma: vec![1.0; 3],
            label: None,
        }]);
        assert_eq!(plane.hold_at(Some(5)), Some(0));
        assert_eq!(plane.slice.base, [1.0, 2.0, 3.0]);
        plane.set_dims([0, 7]);
        assert_eq!(
            plane.slice.dims,
            [0, 2],
            "dimensions stay below the latent size"
        );
        assert_eq!(plane.hold_at(None), None);
        assert_eq!(plane.slice.base, [0.0; 3]);
        plane.set_latent(2);
        assert_eq!(plane.slice, Slice::origin(2));
    }

    #[test]
    fn colours_follow_the_label_or_the_chosen_factor() {
        let mut plane = Plane {
            points: points(&[[0.0, 0.0], [1.0, 1.0]]),
            ..Plane::default()
        };
        assert_eq!(plane.colour_of(1), Colour::Named(PALETTE[1]));
        plane.set_factors(Some(Rc::new(vec![[0.0, 0.0, 1.0, 0.0, 0.0]; 2])));
        plane.colour_by = 2;
        assert_eq!(plane.colour_of(0), Colour::Rgb([253, 231, 37]));
        assert_eq!(plane.colour_of(0).css(), "rgb(253,231,37)");
        assert_eq!(ramp(0.0), [68, 1, 84]);
        assert_eq!(ramp(f32::NAN), ramp(0.0));
    }

    #[test]
    fn the_path_runs_from_a_to_b_and_the_animation_goes_there_and_back() {
        let mut plane = Plane::default();
        assert_eq!(plane.path(10), None);
        plane.ends = [Some([0.0, 0.0]), Some([9.0, -9.0])];
        let path = plane.path(10).expect("both ends are set");
        assert_eq!(path.len(), 10);
        assert_eq!(path[0], [0.0, 0.0]);
        assert_eq!(path[9], [9.0, -9.0]);
        assert_eq!(path[3], [3.0, -3.0]);
        assert_eq!(there_and_back(500.0, 2000.0), 0.25);
        assert_eq!(there_and_back(3000.0, 2000.0), 0.5);
        assert_eq!(there_and_back(4000.0, 2000.0), 0.0);
        let [a, b] = {
            plane.points = points(&[[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]);
            plane.two_samples(4).expect("three points")
        };
        assert_ne!(a, b);
    }
}
