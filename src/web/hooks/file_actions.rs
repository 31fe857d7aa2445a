//! What the user does with files: pick their own data, save and open models, export images and
//! samples, share a link, start over.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::SessionControls;
use crate::data::{ImageSet, ImageShape, NamedFile, Problem, Rng, image_png, write_idx, write_zip};
use crate::page::inference::decode_latents;
use crate::page::{Action, Autosave, Export, Origin, PRETRAINED_GAN_URL};
use crate::vae::Checkpoint;
use crate::web::files::{download, download_canvas, read_file};
use crate::web::loaders::fetch_checkpoint;
use crate::web::scene::Scene;
use crate::web::storage;
use crate::web::store::Store;
use crate::web::tasks::{now_ms, yield_to_browser};

pub struct FileActions {
    /// Files picked or dropped for the user's own data.
    pub on_files: Callback<Vec<web_sys::File>>,
    pub on_save: Callback<()>,
    pub on_open: Callback<web_sys::File>,
    pub on_pretrained_gan: Callback<()>,
    pub on_export: Callback<Export>,
    pub on_share: Callback<()>,
    pub on_start_over: Callback<()>,
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
                let (mut read, mut problems) = (Vec::new(), Vec::new());
                for file in &files {
                    match read_file(file).await {
                        Ok(named) => read.push(named),
                        Err(reason) => problems.push(Problem {
                            file: file.name(),
                            reason,
                        }),
                    }
                }
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
                let result = read_file(&file).await.and_then(|named| {
                    Checkpoint::from_bytes(&named.bytes).map_err(|e| format!("{}: {e}", named.name))
                });
                dispatcher.dispatch(Action::Open(result));
            });
        })
    };
    let on_pretrained_gan = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |()| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(Action::ModelBusy(Some("Loading the VAE-GAN model…".into())));
            spawn_local(async move {
                let result = fetch_checkpoint(PRETRAINED_GAN_URL).await;
                dispatcher.dispatch(Action::ModelBusy(None));
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
            if let Ok(href) = window.location().href() {
                dispatcher.dispatch(Action::Shared(href));
            }
        })
    };
    let on_start_over = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |()| {
            // Restart first: an autosave of the old session still under way then finds its
            // session gone and writes nothing, and IndexedDB runs this clear after any write
            // that began before it.
            dispatcher.dispatch(Action::Restart(Origin::Pretrained));
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let cleared = storage::clear().await;
                dispatcher.dispatch(Action::Autosaved(match cleared {
                    Ok(()) => Autosave::Idle,
                    Err(error) => Autosave::Failed(error),
                }));
                dispatcher.dispatch(Action::ModelDone(Ok(
                    "Started over: the saved session is cleared.".into(),
                )));
            });
        })
    };
    FileActions {
        on_files,
        on_save,
        on_open,
        on_pretrained_gan,
        on_export,
        on_share,
        on_start_over,
    }
}

/// Writes an export and offers it as a download; says what it did.
async fn export(what: Export, shape: ImageShape, scene: &Scene) -> Result<String, String> {
    let canvas = |node: &NodeRef| node.cast::<HtmlCanvasElement>().ok_or("nothing drawn yet");
    match what {
        Export::DecodedPng => {
            download_canvas(&canvas(&scene.canvases().decoded)?, "decoded.png")?;
            Ok("Exported decoded.png.".into())
        }
        Export::ManifoldPng => {
            download_canvas(&canvas(&scene.canvases().manifold)?, "manifold.png")?;
            Ok("Exported manifold.png.".into())
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
