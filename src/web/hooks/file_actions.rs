//! What the user does with files: pick their own data, save and open models, export images and
//! samples, share a link, start over.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::SessionControls;
use crate::data::{
    ImageSet, ImageShape, LIMITS, NamedFile, Problem, Rng, image_png, size_text, write_idx,
    write_zip,
};
use crate::page::inference::decode_latents;
use crate::page::{Action, Autosave, Damaged, Export};
use crate::vae::Checkpoint;
use crate::web::files::{download, download_canvas, read_file};
use crate::web::scene::Scene;
use crate::web::storage;
use crate::web::store::Store;
use crate::web::tasks::{now_ms, yield_to_browser};

pub struct FileActions {
    /// Files picked or dropped for the user's own data.
    pub on_files: Callback<Vec<web_sys::File>>,
    pub on_save: Callback<()>,
    pub on_open: Callback<web_sys::File>,
    pub on_export: Callback<Export>,
    pub on_share: Callback<()>,
    pub on_start_over: Callback<()>,
    /// Downloads a record of the storage that could not be read.
    pub on_download_damaged: Callback<Damaged>,
}

#[hook]
pub fn use_file_actions(
    store: &UseReducerHandle<Store>,
    session: &SessionControls,
    scene: &Scene,
) -> FileActions {
    let dispatcher = store.dispatcher();
    // Runs `work` with the Model card saying `busy` meanwhile, then shows its outcome.
    let busy = {
        let dispatcher = dispatcher.clone();
        move |busy: &str, work: std::pin::Pin<Box<dyn Future<Output = Result<String, String>>>>| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(Action::ModelBusy(Some(busy.into())));
            spawn_local(async move { dispatcher.dispatch(Action::ModelDone(work.await)) });
        }
    };
    let on_files = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |files: Vec<web_sys::File>| {
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let (read, problems) = read_files(&files).await;
                dispatcher.dispatch(Action::AddOwnFiles(read, problems));
            });
        })
    };
    let on_save = {
        let (session, busy) = (session.clone(), busy.clone());
        let meta = store.page_meta(scene.cursor());
        let name = format!(
            "vae-{}-step{}.vae",
            store.data.dataset.key(),
            store.training.step
        );
        Callback::from(move |()| {
            let (session, meta, name) = (session.clone(), meta.clone(), name.clone());
            busy(
                "Saving the model…",
                Box::pin(async move {
                    let bytes = session.capture(meta).await?.to_bytes();
                    download(&name, "application/octet-stream", &bytes)?;
                    Ok(format!(
                        "Saved {name} ({:.1} MB).",
                        bytes.len() as f64 / 1e6
                    ))
                }),
            )
        })
    };
    let on_open = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |file: web_sys::File| {
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let result = match too_large(&file) {
                    Some(reason) => Err(format!("{}: {reason}", file.name())),
                    None => read_file(&file).await.and_then(|named| {
                        Checkpoint::from_bytes(&named.bytes)
                            .map(Box::new)
                            .map_err(|e| format!("{}: {e}", named.name))
                    }),
                };
                dispatcher.dispatch(Action::Open(result));
            });
        })
    };
    let on_export = {
        let (scene, busy) = (scene.clone(), busy.clone());
        let shape = store.data.status.set().map(|set| set.shape);
        Callback::from(move |what: Export| {
            let scene = scene.clone();
            busy(
                "Exporting…",
                Box::pin(async move {
                    let shape = shape.ok_or("no data loaded")?;
                    export(what, shape, &scene).await
                }),
            )
        })
    };
    let on_share = {
        let (dispatcher, scene) = (dispatcher.clone(), scene.clone());
        let store = store.clone();
        Callback::from(move |()| {
            let link = store.share_link(scene.cursor(), scene.plane(|p| p.fixed_view()));
            let Some(window) = web_sys::window() else {
                return;
            };
            if let Ok(history) = window.history() {
                let _ =
                    history.replace_state_with_url(&JsValue::NULL, "", Some(&link.to_fragment()));
            }
            let Ok(href) = window.location().href() else {
                return;
            };
            dispatcher.dispatch(Action::Shared(href.clone()));
            // Copied too, where the browser lets the page write the clipboard.
            let copied = window.navigator().clipboard().write_text(&href);
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let done = wasm_bindgen_futures::JsFuture::from(copied).await.is_ok();
                dispatcher.dispatch(Action::ModelDone(Ok(if done {
                    "The link is copied.".into()
                } else {
                    "Copy the link below (the browser did not let the page copy it).".into()
                })));
            });
        })
    };
    let on_start_over = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |()| {
            // Start over first: an autosave of the old session still under way then finds its
            // session gone and writes nothing, and IndexedDB runs this clear after any write
            // that began before it.
            dispatcher.dispatch(Action::StartOver);
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let cleared = storage::clear().await;
                dispatcher.dispatch(Action::Autosaved(match cleared {
                    Ok(()) => Autosave::Idle,
                    Err(error) => Autosave::Failed(error),
                }));
                dispatcher.dispatch(Action::ModelDone(Ok(
                    "Started over: what this browser saved is cleared.".into(),
                )));
            });
        })
    };
    let on_download_damaged = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |damaged: Damaged| {
            let name = format!("{}.bin", damaged.key);
            let result = download(&name, "application/octet-stream", &damaged.bytes)
                .map(|()| format!("Downloaded {name}."));
            dispatcher.dispatch(Action::ModelDone(result));
        })
    };
    FileActions {
        on_files,
        on_save,
        on_open,
        on_export,
        on_share,
        on_start_over,
        on_download_damaged,
    }
}

/// Why `file` is too large to read, before a byte of it is read.
fn too_large(file: &web_sys::File) -> Option<String> {
    let size = file.size() as usize;
    (size > LIMITS.file_bytes).then(|| {
        format!(
            "{} is larger than the {} allowed per file",
            size_text(size),
            size_text(LIMITS.file_bytes)
        )
    })
}

/// Reads the files the user picked, within the upload's limits, which are checked from each
/// file's size before it is read: a large folder is not read whole to be refused after.
async fn read_files(files: &[web_sys::File]) -> (Vec<NamedFile>, Vec<Problem>) {
    let (mut read, mut problems) = (Vec::new(), Vec::new());
    let mut total = 0usize;
    for (i, file) in files.iter().enumerate() {
        let problem = |reason: String| Problem {
            file: file.name(),
            reason,
        };
        if i >= LIMITS.images {
            problems.push(problem(format!(
                "more than {} files: this one and the {} after it are left out",
                LIMITS.images,
                files.len() - i - 1
            )));
            break;
        }
        if let Some(reason) = too_large(file) {
            problems.push(problem(reason));
            continue;
        }
        total += file.size() as usize;
        if total > LIMITS.total_bytes {
            problems.push(problem(format!(
                "the upload is over its {} in all: this file and the ones after it are left out",
                size_text(LIMITS.total_bytes)
            )));
            break;
        }
        match read_file(file).await {
            Ok(named) => read.push(named),
            Err(reason) => problems.push(problem(reason)),
        }
    }
    (read, problems)
}

/// Writes an export and offers it as a download; says what it did.
async fn export(what: Export, shape: ImageShape, scene: &Scene) -> Result<String, String> {
    let canvas = |node: &NodeRef| node.cast::<HtmlCanvasElement>().ok_or("nothing drawn yet");
    match what {
        Export::DecodedPng { side } => {
            let size = download_canvas(&canvas(&scene.canvases().decoded)?, "decoded.png", side)?;
            Ok(format!("Exported decoded.png ({size})."))
        }
        Export::ManifoldPng { side } => {
            let size = download_canvas(&canvas(&scene.canvases().manifold)?, "manifold.png", side)?;
            Ok(format!("Exported manifold.png ({size})."))
        }
        Export::Samples {
            count,
            around_cursor,
            idx,
        } => {
            let model = scene.model().ok_or("no model yet")?;
            let mut rng = Rng::new(now_ms().to_bits());
            let (centre, spread) = if around_cursor {
                (scene.cursor(), 0.5)
            } else {
                ([0.0, 0.0], 1.0)
            };
            // Every latent dimension varies, not only the two on the plane.
            let latent = model.latent();
            let centre = scene.slice().embed(centre);
            let mut pixels = Vec::with_capacity(count * shape.pixels());
            let normals = rng.normals(count * latent);
            for chunk in normals.chunks(latent * 500) {
                let z: Vec<f32> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, e)| centre[i % latent] + spread * e)
                    .collect();
                pixels.extend(decode_latents(&model, z).await?);
                yield_to_browser().await;
            }
            let set = ImageSet {
                shape,
                pixels,
                labels: None,
            };
            if idx {
                let (images, _) = write_idx(&set);
                let name = "samples-images-idx3-ubyte";
                download(name, "application/octet-stream", &images)?;
                Ok(format!("Exported {count} samples as {name}."))
            } else {
                let files: Vec<NamedFile> = (0..set.len())
                    .map(|i| NamedFile {
                        name: format!("samples/{i:05}.png"),
                        bytes: image_png(set.image(i), shape),
                    })
                    .collect();
                let zip = write_zip(&files).map_err(|e| e.to_string())?;
                download("samples.zip", "application/zip", &zip)?;
                Ok(format!("Exported {count} samples as samples.zip."))
            }
        }
    }
}
