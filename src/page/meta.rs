//! The page's part of a model file it saves (and autosaves): enough to show the same page again.

use serde::{Deserialize, Serialize};

use super::chart::ChartPoint;
use crate::data::Preprocess;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageMeta {
    /// [`super::Dataset::key`] of the data it was trained on.
    pub dataset: String,
    pub preprocess: Preprocess,
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

    /// The page's metadata in a file's free-form `meta`; `None` for files made elsewhere (the
    /// native trainer keeps other things there).
    pub fn from_json(meta: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(meta.get("page")?.clone()).ok()
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
}
