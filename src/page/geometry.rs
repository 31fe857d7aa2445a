//! The latent plane's geometry: which square of the plane is on show, how it maps to canvas
//! pixels and to the browser's client coordinates, and which slice of a larger latent space it
//! is.

/// The square region of the latent plane on show: `centre` ± `half_width` on both axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub centre: [f32; 2],
    pub half_width: f32,
}

/// How far the view may zoom in and out (half-widths in latent units).
pub const HALF_WIDTH_RANGE: (f32, f32) = (0.05, 100.0);
/// How far from the origin the view's centre and the cursor may go (latent units).
pub const LATENT_BOUND: f32 = 100.0;

impl Default for View {
    fn default() -> Self {
        Self {
            centre: [0.0, 0.0],
            half_width: 4.0,
        }
    }
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

    /// Latent units per canvas pixel.
    pub fn latent_per_px(&self, size_px: f64) -> f32 {
        2.0 * self.half_width / size_px as f32
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
        let half_width = (self.half_width * factor).clamp(HALF_WIDTH_RANGE.0, HALF_WIDTH_RANGE.1);
        let kept = half_width / self.half_width;
        Self {
            centre: [
                anchor[0] + (self.centre[0] - anchor[0]) * kept,
                anchor[1] + (self.centre[1] - anchor[1]) * kept,
            ],
            half_width,
        }
        .bounded()
    }

    /// Moved by `delta` latent units.
    pub fn panned(&self, delta: [f32; 2]) -> Self {
        Self {
            centre: [self.centre[0] + delta[0], self.centre[1] + delta[1]],
            ..*self
        }
        .bounded()
    }

    /// Within the bounds the controls can reach; `None` for non-finite values.
    pub fn checked(centre: [f32; 2], half_width: f32) -> Option<Self> {
        (centre.iter().all(|v| v.is_finite()) && half_width.is_finite() && half_width > 0.0).then(
            || {
                Self {
                    centre,
                    half_width: half_width.clamp(HALF_WIDTH_RANGE.0, HALF_WIDTH_RANGE.1),
                }
                .bounded()
            },
        )
    }

    fn bounded(self) -> Self {
        Self {
            centre: self.centre.map(|v| v.clamp(-LATENT_BOUND, LATENT_BOUND)),
            ..self
        }
    }

    /// `k`×`k` evenly spaced points covering the view, row by row from the top left: the
    /// manifold grid's latent points.
    pub fn lattice(&self, k: usize) -> Vec<[f32; 2]> {
        let h = self.half_width * (1.0 - 1.0 / k as f32);
        let t = |v: usize| v as f32 / (k - 1).max(1) as f32 * 2.0 - 1.0;
        let [cx, cy] = self.centre;
        (0..k * k)
            .map(|i| [cx + t(i % k) * h, cy - t(i / k) * h])
            .collect()
    }
}

/// Tick values for an axis from `lo` to `hi`: multiples of a round step (1, 2 or 5 × 10ⁿ), at
/// most `max` of them (and at least two where the range is finite and not empty).
pub fn ticks(lo: f32, hi: f32, max: usize) -> Vec<f32> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) || max < 2 {
        return Vec::new();
    }
    let rough = span / (max - 1) as f32;
    let power = 10f32.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| ((span / step).floor() as usize) < max)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // `+ 0.0` turns −0 into 0, so the tick at the origin reads "0".
    (first..=last).map(|i| i as f32 * step + 0.0).collect()
}

/// Where an element lies in the browser's client coordinates (`getBoundingClientRect`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientRect {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl ClientRect {
    /// A pointer's client position → pixels of a canvas `size_px` wide and high drawn in this
    /// rectangle (CSS may scale the canvas to any size).
    pub fn to_canvas(&self, client: (f64, f64), size_px: f64) -> (f64, f64) {
        (
            (client.0 - self.left) / self.width * size_px,
            (client.1 - self.top) / self.height * size_px,
        )
    }
}

/// The plane as a slice of a latent space of any size: the two dimensions it shows, and the
/// values every other dimension is held at.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub dims: [usize; 2],
    pub base: Vec<f32>,
}

impl Slice {
    /// The first two dimensions, the others at the prior's mean (0).
    pub fn origin(latent: usize) -> Self {
        Self {
            dims: [0, 1.min(latent.saturating_sub(1))],
            base: vec![0.0; latent],
        }
    }

    pub fn latent(&self) -> usize {
        self.base.len()
    }

    /// A full latent vector's place on the plane.
    pub fn project(&self, v: &[f32]) -> [f32; 2] {
        let at = |d: usize| v.get(d).copied().unwrap_or(0.0);
        [at(self.dims[0]), at(self.dims[1])]
    }

    /// A point of the plane as a full latent vector.
    pub fn embed(&self, p: [f32; 2]) -> Vec<f32> {
        let mut z = self.base.clone();
        if let Some(v) = z.get_mut(self.dims[1]) {
            *v = p[1];
        }
        // With one latent dimension both axes are that dimension; x wins.
        if let Some(v) = z.get_mut(self.dims[0]) {
            *v = p[0];
        }
        z
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ticks_are_round_steps_within_the_range() {
        assert_eq!(ticks(-2.5, 2.5, 6), vec![-2.0, -1.0, 0.0, 1.0, 2.0]);
        assert_eq!(ticks(0.0, 1.0, 3), vec![0.0, 0.5, 1.0]);
        for (lo, hi) in [(-11.0, 11.0), (-0.07, 0.05), (3.0, 4.0), (-100.0, 2.0)] {
            let t = ticks(lo, hi, 7);
            assert!((2..=7).contains(&t.len()), "{lo}..{hi}: {t:?}");
            assert!(t.iter().all(|&v| v >= lo - 1e-6 && v <= hi + 1e-6), "{t:?}");
        }
        assert!(ticks(1.0, 1.0, 5).is_empty() && ticks(0.0, f32::NAN, 5).is_empty());
    }
    use proptest::prelude::*;

    use super::*;

    fn close(a: [f32; 2], b: [f32; 2], tolerance: f32) -> bool {
        (a[0] - b[0]).abs() <= tolerance && (a[1] - b[1]).abs() <= tolerance
    }

    #[test]
    fn the_canvas_centre_is_the_views_centre_and_y_points_up() {
        let view = View {
            centre: [1.0, -2.0],
            half_width: 3.0,
        };
        assert_eq!(view.latent_from_canvas(240.0, 240.0, 480.0), [1.0, -2.0]);
        assert_eq!(view.latent_from_canvas(0.0, 0.0, 480.0), [-2.0, 1.0]);
        assert_eq!(view.canvas_from_latent([4.0, -5.0], 480.0), (480.0, 480.0));
    }

    #[test]
    fn client_positions_map_through_css_scaling() {
        let rect = ClientRect {
            left: 100.0,
            top: 50.0,
            width: 240.0,
            height: 240.0,
        };
        // The canvas is drawn at half its pixel size.
        assert_eq!(rect.to_canvas((220.0, 170.0), 480.0), (240.0, 240.0));
        assert_eq!(rect.to_canvas((100.0, 290.0), 480.0), (0.0, 480.0));
    }

    #[test]
    fn fitting_covers_the_points_and_the_priors_bulk() {
        assert_eq!(View::fit(std::iter::empty()).half_width, 3.0 * 1.1);
        let view = View::fit([[5.0, -1.0], [f32::NAN, 900.0], [0.0, -6.0]].into_iter());
        assert_eq!(view.centre, [0.0, 0.0]);
        assert!(
            (view.half_width - 50.0).abs() < 1e-6,
            "far points are capped"
        );
        let view = View::fit([[5.0, -1.0], [0.0, -6.0]].into_iter());
        assert!((view.half_width - 6.6).abs() < 1e-5);
    }

    #[test]
    fn the_lattice_spans_the_view_row_by_row_from_the_top() {
        let view = View {
            centre: [0.0, 0.0],
            half_width: 2.0,
        };
        let grid = view.lattice(3);
        assert_eq!(grid.len(), 9);
        assert!(close(grid[0], [-2.0 * 2.0 / 3.0, 2.0 * 2.0 / 3.0], 1e-6));
        assert_eq!(grid[4], [0.0, 0.0]);
        assert!(grid[8][0] > 0.0 && grid[8][1] < 0.0);
    }

    #[test]
    fn a_slice_embeds_and_projects_the_shown_dimensions() {
        let slice = Slice {
            dims: [2, 0],
            base: vec![0.5, 0.25, 0.75],
        };
        assert_eq!(slice.embed([1.0, 2.0]), [2.0, 0.25, 1.0]);
        assert_eq!(slice.project(&[9.0, 8.0, 7.0]), [7.0, 9.0]);
        // One latent dimension: both axes are it, and x wins.
        assert_eq!(Slice::origin(1).embed([3.0, 4.0]), [3.0]);
        assert_eq!(Slice::origin(1).dims, [0, 0]);
    }

    proptest! {
        #[test]
        fn canvas_and_latent_coordinates_are_inverse(
            cx in -50.0f32..50.0, cy in -50.0f32..50.0, h in 0.05f32..100.0,
            x in 0.0f64..480.0, y in 0.0f64..480.0,
        ) {
            let view = View { centre: [cx, cy], half_width: h };
            let z = view.latent_from_canvas(x, y, 480.0);
            let (x2, y2) = view.canvas_from_latent(z, 480.0);
            prop_assert!((x - x2).abs() < 1e-2 && (y - y2).abs() < 1e-2, "{x},{y} → {z:?} → {x2},{y2}");
        }

        #[test]
        fn zooming_keeps_the_anchor_in_place_and_stays_in_bounds(
            cx in -50.0f32..50.0, cy in -50.0f32..50.0, h in 0.05f32..100.0,
            factor in 0.01f32..100.0, ax in -20.0f32..20.0, ay in -20.0f32..20.0,
        ) {
            let view = View { centre: [cx, cy], half_width: h };
            let zoomed = view.zoomed(factor, [ax, ay]);
            prop_assert!(zoomed.half_width >= HALF_WIDTH_RANGE.0 && zoomed.half_width <= HALF_WIDTH_RANGE.1);
            prop_assert!(zoomed.centre.iter().all(|v| v.abs() <= LATENT_BOUND));
            let before = view.canvas_from_latent([ax, ay], 480.0);
            let after = zoomed.canvas_from_latent([ax, ay], 480.0);
            if zoomed.centre.iter().all(|v| v.abs() < LATENT_BOUND) {
                prop_assert!((before.0 - after.0).abs() < 0.5 && (before.1 - after.1).abs() < 0.5);
            }
        }
    }
}
