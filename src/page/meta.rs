//! The page's part of a model file it saves (and autosaves): enough to show the same page again.

use serde::{Deserialize, Serialize};

use super::chart::ChartPoint;
use super::geometry::LATENT_BOUND;
use super::settings::{SHAPE_COUNTS, SIDES};
use crate::data::{Preprocess, ShapesConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageMeta {
    /// [`super::Dataset::key`] of the data it was trained on.
    pub dataset: String,
    pub preprocess: Preprocess,
    /// The Shapes it was trained on (files before this field: the default Shapes).
    #[serde(default)]
    pub shapes: ShapesConfig,
    pub seed: u64,
    pub chart: Vec<ChartPoint>,
    pub held_out: Vec<(u64, f32)>,
    pub epoch: usize,
    pub cursor: [f32; 2],
}

impl PageMeta {
    /// The value a file's free-form `meta` holds.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "page": self })
    }

    /// The page's metadata in a file's free-form `meta`, within what the page offers (a file
    /// or a stored record can say anything); `None` for files made elsewhere (the native trainer
    /// keeps other things there).
    pub fn from_json(meta: &serde_json::Value) -> Option<Self> {
        let meta: Self = serde_json::from_value(meta.get("page")?.clone()).ok()?;
        Some(meta.checked())
    }

    fn checked(mut self) -> Self {
        let nearest = |value: usize, offered: &[usize]| {
            offered
                .iter()
                .copied()
                .min_by_key(|o| o.abs_diff(value))
                .expect("there are values to choose from")
        };
        let shape = &mut self.preprocess.shape;
        shape.width = nearest(shape.width, &SIDES);
        shape.height = shape.width;
        if shape.channels != 3 {
            shape.channels = 1;
        }
        self.shapes.size = nearest(self.shapes.size, &SIDES);
        self.shapes.count = nearest(self.shapes.count, &SHAPE_COUNTS);
        if !self.cursor.iter().all(|v| v.is_finite()) {
            self.cursor = [0.0, 0.0];
        }
        self.cursor = self.cursor.map(|v| v.clamp(-LATENT_BOUND, LATENT_BOUND));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_metadata_round_trips_and_other_files_have_none() {
        let meta = PageMeta {
            dataset: "fashion".into(),
            preprocess: Preprocess::default(),
            shapes: ShapesConfig::default(),
            seed: 7,
            chart: vec![ChartPoint {
                step: 3,
                reconstruction: 100.0,
                kl: 4.0,
                total: 104.0,
                discriminator: Some(0.6),
            }],
            held_out: vec![(3, 110.5)],
            epoch: 2,
            cursor: [0.5, -1.25],
        };
        assert_eq!(PageMeta::from_json(&meta.to_json()), Some(meta));
        let native = serde_json::json!({ "trainer": "vae-train", "history": [] });
        assert_eq!(PageMeta::from_json(&native), None);
    }

    #[test]
    fn stored_values_out_of_reach_are_brought_back_to_what_the_page_offers() {
        let mut json = PageMeta {
            dataset: "own".into(),
            preprocess: Preprocess::default(),
            shapes: ShapesConfig::default(),
            seed: 1,
            chart: vec![],
            held_out: vec![],
            epoch: 0,
            cursor: [1e30, -2.0],
        }
        .to_json();
        json["page"]["preprocess"]["shape"] =
            serde_json::json!({ "width": 0, "height": 9000, "channels": 0 });
        json["page"]["shapes"] = serde_json::json!({ "count": 7, "size": 1, "seed": 3 });
        let meta = PageMeta::from_json(&json).expect("a page's metadata");
        assert_eq!(meta.preprocess.shape, crate::data::ImageShape::MNIST);
        assert_eq!((meta.shapes.count, meta.shapes.size), (1_000, 28));
        assert_eq!(meta.cursor, [LATENT_BOUND, -2.0]);
        // Files from before `shapes` was saved still read.
        json["page"]
            .as_object_mut()
            .expect("an object")
            .remove("shapes");
        assert_eq!(
            PageMeta::from_json(&json).map(|m| m.shapes),
            Some(ShapesConfig::default())
        );
    }
}
