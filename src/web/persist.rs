//! What outlives the tab: the page's part of a model file, the autosave, and share links.

use serde::{Deserialize, Serialize};

use super::components::{ChartPoint, Dataset};
use crate::data::Preprocess;
use crate::vae::{Architecture, Hyper, Likelihood, VaeConfig};

/// IndexedDB keys of the autosave.
pub const SESSION_KEY: &str = "session";
pub const OWN_FILES_KEY: &str = "own-files";

/// What the page keeps beside the weights in a model file it saves (and autosaves): enough to
/// show the same page again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageMeta {
    /// [`Dataset::key`] of the data it was trained on.
    pub dataset: String,
    pub preprocess: Preprocess,
    pub seed: u64,
    pub chart: Vec<ChartPoint>,
    pub held_out: Vec<(u64, f32)>,
    pub epoch: usize,
    pub cursor: [f32; 2],
}

impl PageMeta {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("page metadata is plain data and should serialise")
    }

    /// The page's metadata in a file's free-form `meta`; `None` for files made elsewhere (the
    /// native trainer keeps other things there).
    pub fn from_json(meta: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(meta.get("page")?.clone()).ok()
    }
}

/// What a share link carries: the data, the settings and where the cursor is.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareLink {
    pub dataset: Dataset,
    pub hyper: Hyper,
    /// The model settings (the image size comes from the data).
    pub model: VaeConfig,
    pub seed: u64,
    pub cursor: [f32; 2],
    /// The plane's centre and half-width, when not fitted to the points.
    pub view: Option<[f32; 3]>,
}

impl ShareLink {
    /// `#data=mnist&lr=0.001&batch=128&beta=1&gan=0&gamma=10&seed=1&z=0.500,-1.200` and, when
    /// they differ from the defaults, `&arch=conv&latent=3&lik=gaussian&view=0.0,1.0,2.5`.
    pub fn to_fragment(&self) -> String {
        let h = &self.hyper;
        let mut out = format!(
            "#data={}&lr={}&batch={}&beta={}&gan={}&gamma={}&seed={}&z={:.3},{:.3}",
            self.dataset.key(),
            h.learning_rate,
            h.batch_size,
            h.beta,
            u8::from(h.discriminator),
            h.gamma,
            self.seed,
            self.cursor[0],
            self.cursor[1]
        );
        if matches!(self.model.architecture, Architecture::Conv { .. }) {
            out += "&arch=conv";
        }
        if self.model.latent != 2 {
            out += &format!("&latent={}", self.model.latent);
        }
        if matches!(self.model.likelihood, Likelihood::Gaussian { .. }) {
            out += "&lik=gaussian";
        }
        if let Some([x, y, h]) = self.view {
            out += &format!("&view={x:.3},{y:.3},{h:.3}");
        }
        out
    }

    /// Reads a fragment; missing or unreadable values keep their defaults. `None` when the
    /// fragment is not a share link at all.
    pub fn from_fragment(fragment: &str) -> Option<Self> {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let mut link = Self {
            dataset: Dataset::Mnist,
            hyper: Hyper::default(),
            model: VaeConfig::mlp2(),
            seed: 1,
            cursor: [0.0, 0.0],
            view: None,
        };
        let mut any = false;
        for pair in fragment.split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let h = &mut link.hyper;
            let known = match key {
                "data" => Dataset::from_key(value).map(|d| link.dataset = d),
                "lr" => value.parse().ok().map(|v| h.learning_rate = v),
                "batch" => value
                    .parse()
                    .ok()
                    .map(|v: usize| h.batch_size = v.clamp(1, 1024)),
                "beta" => value.parse().ok().map(|v: f64| h.beta = v.max(0.0)),
                "gan" => {
                    h.discriminator = value == "1";
                    Some(())
                }
                "gamma" => value.parse().ok().map(|v: f64| h.gamma = v.max(0.0)),
                "seed" => value.parse().ok().map(|v| link.seed = v),
                "arch" => (value == "conv").then(|| {
                    link.model.architecture = VaeConfig::conv(link.model.image).architecture
                }),
                "latent" => value
                    .parse()
                    .ok()
                    .filter(|l| (1..=16).contains(l))
                    .map(|l| link.model.latent = l),
                "lik" => (value == "gaussian").then(|| {
                    link.model.likelihood = Likelihood::Gaussian {
                        sigma: 0.1,
                        learned: true,
                    }
                }),
                "view" => {
                    let v: Vec<f32> = value.split(',').filter_map(|v| v.parse().ok()).collect();
                    match v[..] {
                        [x, y, h] if v.iter().all(|v| v.is_finite()) && h > 0.0 => {
                            link.view = Some([x, y, h]);
                            Some(())
                        }
                        _ => None,
                    }
                }
                "z" => value.split_once(',').and_then(|(x, y)| {
                    let z = [x.parse::<f32>().ok()?, y.parse::<f32>().ok()?];
                    z.iter().all(|v| v.is_finite()).then(|| link.cursor = z)
                }),
                _ => None,
            };
            any |= known.is_some();
        }
        any.then_some(link)
    }
}
