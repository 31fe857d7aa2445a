//! Loading what the page shows: the datasets and the pretrained models.

use yew::Callback;

use super::fetch::fetch_bytes;
use super::tasks::{now_ms, yield_to_browser};
use crate::data::{Problem, ShapeMaker, Upload, read_idx_pair};
use crate::page::{DataKey, DataStatus, Dataset, Pretrained, PretrainedKind, Shared};
use crate::vae::Checkpoint;

/// A model file among the page's own assets.
pub async fn fetch_checkpoint(url: &str) -> Result<Checkpoint, String> {
    let bytes = fetch_bytes(url, |_| {}).await?;
    Checkpoint::from_bytes(&bytes).map_err(|e| e.to_string())
}

pub async fn load_pretrained(
    dataset: Dataset,
    kind: PretrainedKind,
    dispatch: Callback<Pretrained>,
) {
    let Some(url) = dataset.pretrained_url(kind) else {
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
    let ready = |set, classes, resized, factors| DataStatus::Ready {
        name: name.clone(),
        set: Shared::new(set),
        classes,
        resized,
        factors,
    };
    let (status, problems) = match key.dataset {
        Dataset::Mnist | Dataset::Fashion => {
            let [images_url, labels_url] = key
                .dataset
                .idx_urls()
                .expect("MNIST and Fashion-MNIST should be bundled as IDX files");
            let progress = |share: f64, offset: f64| {
                let (dispatch, loading) = (dispatch.clone(), loading);
                move |fraction: f64| dispatch.emit((loading(offset + share * fraction), Vec::new()))
            };
            let images = fetch_bytes(&images_url, progress(0.98, 0.0)).await;
            let labels = fetch_bytes(&labels_url, progress(0.02, 0.98)).await;
            let status = match (images, labels) {
                (Ok(images), Ok(labels)) => match read_idx_pair(&images, Some(&labels)) {
                    Ok(set) => ready(set, key.dataset.classes(), 0, None),
                    Err(error) => failed(error.to_string()),
                },
                (Err(error), _) | (_, Err(error)) => failed(error),
            };
            (status, Vec::new())
        }
        Dataset::Shapes => {
            // Drawn in slices, with progress: 60,000 images at 64×64 take seconds.
            let mut maker = ShapeMaker::new(&key.shapes);
            loop {
                dispatch.emit((
                    loading(maker.done() as f64 / key.shapes.count as f64),
                    Vec::new(),
                ));
                yield_to_browser().await;
                let start = now_ms();
                let mut done = false;
                while !done && now_ms() - start < 30.0 {
                    done = maker.make(50);
                }
                if done {
                    break;
                }
            }
            let (set, factors) = maker.finish();
            let factors = Shared::new(factors.iter().map(|f| f.values()).collect());
            (
                ready(set, key.dataset.classes(), 0, Some(factors)),
                Vec::new(),
            )
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
                Some(set) => ready(set, result.classes, result.resized, None),
                None => failed("none of the files held a usable image".into()),
            };
            (status, result.problems)
        }
    };
    dispatch.emit((status, problems));
}
