//! Loading what the page shows: the backend's first computation, the datasets, the pretrained
//! models.

use burn::tensor::{Device, Tensor, TensorData};
use yew::Callback;

use super::components::{DataStatus, Dataset};
use super::fetch::fetch_bytes;
use super::now_ms;
use super::session::yield_to_browser;
use super::shared::Shared;
use crate::data::{
    KINDS, NamedFile, Preprocess, Problem, ShapesConfig, Upload, generate_shapes, read_idx_pair,
};
use crate::vae::{Checkpoint, VaeConfig};

/// The first real computation on the chosen backend.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Probe {
    Done {
        first_ms: f64,
        warm_ms: f64,
        checksum: f32,
    },
    Failed(String),
}

/// The pretrained model the page opens with.
#[derive(Debug, Clone, PartialEq)]
pub enum Pretrained {
    Loading,
    Ready(Shared<Checkpoint>),
    /// Missing or unreadable: the page starts from fresh weights and says why.
    Unavailable(String),
    /// None is made for this data (the user's own).
    None,
}

/// What the data shown was loaded for: a late answer for an older choice is dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct DataKey {
    pub dataset: Dataset,
    pub shapes: ShapesConfig,
    pub own_files: Shared<Vec<NamedFile>>,
    pub preprocess: Preprocess,
}

/// Decodes a 20×20 grid of latent points twice: once cold (shader compilation on WebGPU), once
/// warm. Reads back asynchronously, as the browser requires.
pub async fn probe(device: &Device) -> Probe {
    let vae = match VaeConfig::mlp2().init(device) {
        Ok(vae) => vae,
        Err(error) => return Probe::Failed(error.to_string()),
    };
    let grid: Vec<f32> = (0..400)
        .flat_map(|i| [(i % 20) as f32 / 5.0 - 2.0, (i / 20) as f32 / 5.0 - 2.0])
        .collect();
    let mut times = [0.0; 2];
    let mut checksum = 0.0;
    for time in &mut times {
        let start = now_ms();
        let z = Tensor::from_data(TensorData::new(grid.clone(), [400, 2]), device);
        let images = match vae.decode(z).into_data_async().await {
            Ok(data) => data,
            Err(error) => return Probe::Failed(format!("{error:?}")),
        };
        *time = now_ms() - start;
        checksum = images.iter::<f32>().sum::<f32>() / 400.0;
    }
    Probe::Done {
        first_ms: times[0],
        warm_ms: times[1],
        checksum,
    }
}

/// The model each bundled dataset opens with, trained natively by `vae-train` (see the README).
fn pretrained_url(dataset: Dataset) -> Option<&'static str> {
    match dataset {
        Dataset::Mnist => Some("models/mnist-mlp2.vae"),
        Dataset::Fashion => Some("models/fashion-mlp2.vae"),
        Dataset::Shapes => Some("models/shapes-mlp2.vae"),
        Dataset::Own => None,
    }
}

/// A model file among the page's own assets.
pub async fn fetch_checkpoint(url: &str) -> Result<Checkpoint, String> {
    let bytes = fetch_bytes(url, |_| {}).await?;
    Checkpoint::from_bytes(&bytes).map_err(|e| e.to_string())
}

pub async fn load_pretrained(dataset: Dataset, dispatch: Callback<Pretrained>) {
    let Some(url) = pretrained_url(dataset) else {
        return dispatch.emit(Pretrained::None);
    };
    dispatch.emit(match fetch_checkpoint(url).await {
        Ok(checkpoint) => Pretrained::Ready(Shared::new(checkpoint)),
        Err(error) => Pretrained::Unavailable(error),
    });
}

/// Loads (fetches, generates or decodes) the data `key` names, reporting progress and the
/// files that could not be used.
pub async fn load_data(key: DataKey, dispatch: Callback<(DataStatus, Vec<Problem>)>) {
    let name = key.dataset.name().to_string();
    let loading = |fraction| DataStatus::Loading {
        name: name.clone(),
        fraction,
    };
    let failed = |error| DataStatus::Failed {
        name: name.clone(),
        error,
    };
    let digits = || (0..10).map(|d| d.to_string()).collect();
    let (status, problems) = match key.dataset {
        Dataset::Mnist | Dataset::Fashion => {
            let folder = if key.dataset == Dataset::Mnist {
                "mnist"
            } else {
                "fashion-mnist"
            };
            let progress = |share: f64, offset: f64| {
                let (dispatch, name) = (dispatch.clone(), name.clone());
                move |fraction: f64| {
                    let status = DataStatus::Loading {
                        name: name.clone(),
                        fraction: offset + share * fraction,
                    };
                    dispatch.emit((status, Vec::new()))
                }
            };
            let images_url = format!("{folder}/t10k-images-idx3-ubyte.gz");
            let labels_url = format!("{folder}/t10k-labels-idx1-ubyte.gz");
            let images = fetch_bytes(&images_url, progress(0.98, 0.0)).await;
            let labels = fetch_bytes(&labels_url, progress(0.02, 0.98)).await;
            let status = match (images, labels) {
                (Ok(images), Ok(labels)) => match read_idx_pair(&images, Some(&labels)) {
                    Ok(set) => DataStatus::Ready {
                        name: name.clone(),
                        set: Shared::new(set),
                        classes: if key.dataset == Dataset::Mnist {
                            digits()
                        } else {
                            FASHION_CLASSES.iter().map(|c| c.to_string()).collect()
                        },
                        resized: 0,
                        factors: None,
                    },
                    Err(error) => failed(error.to_string()),
                },
                (Err(error), _) | (_, Err(error)) => failed(error),
            };
            (status, Vec::new())
        }
        Dataset::Shapes => {
            dispatch.emit((loading(0.0), Vec::new()));
            yield_to_browser().await;
            let (set, factors) = generate_shapes(&key.shapes);
            let status = DataStatus::Ready {
                name: name.clone(),
                set: Shared::new(set),
                classes: KINDS.iter().map(|k| k.to_string()).collect(),
                resized: 0,
                factors: Some(Shared::new(factors.iter().map(|f| f.values()).collect())),
            };
            (status, Vec::new())
        }
        Dataset::Own if key.own_files.is_empty() => (DataStatus::Empty, Vec::new()),
        Dataset::Own => {
            let mut upload = Upload::new(key.preprocess);
            let total = key.own_files.len();
            let mut yielded = now_ms();
            for (i, file) in key.own_files.iter().enumerate() {
                for inner in upload.expand(file.clone()) {
                    upload.add(inner);
                    // Decoding thousands of files takes a while: let the page breathe.
                    if now_ms() - yielded > 30.0 {
                        dispatch.emit((loading(i as f64 / total as f64), Vec::new()));
                        yield_to_browser().await;
                        yielded = now_ms();
                    }
                }
            }
            let result = upload.finish();
            let status = match result.set {
                Some(set) => DataStatus::Ready {
                    name: name.clone(),
                    set: Shared::new(set),
                    classes: result.classes,
                    resized: result.resized,
                    factors: None,
                },
                None => failed("none of the files held a usable image".into()),
            };
            (status, result.problems)
        }
    };
    dispatch.emit((status, problems));
}

const FASHION_CLASSES: [&str; 10] = [
    "T-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
];
