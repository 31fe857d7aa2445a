//! Nothing is lost: the session is saved in the browser every few seconds while there is new
//! training and when the page is hidden, the user's own files beside it whenever they change,
//! and at start the page resumes from there.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::SessionControls;
use crate::data::{LIMITS, NamedFile, read_zip, write_zip};
use crate::page::{Action, Autosave, State};
use crate::vae::Checkpoint;
use crate::web::scene::Scene;
use crate::web::storage;
use crate::web::store::Store;
use crate::web::tasks::now_ms;

/// IndexedDB keys of the autosave.
pub const SESSION_KEY: &str = "session";
pub const OWN_FILES_KEY: &str = "own-files";

/// How often training is saved to the browser's storage, at most.
const AUTOSAVE_EVERY_MS: u32 = 5_000;
/// The autosave waits this long after the cursor last moved.
const AUTOSAVE_QUIET_MS: f64 = 1_500.0;

/// What the autosave needs from the latest render.
#[derive(Default)]
struct Latest {
    state: Option<State>,
    saved_step: Option<u64>,
    saving: bool,
}

#[hook]
pub fn use_autosave(store: &UseReducerHandle<Store>, session: &SessionControls, scene: &Scene) {
    use_effect_with((), {
        let (dispatcher, restored) = (store.dispatcher(), store.restored);
        move |_| {
            if !restored {
                spawn_local(async move { dispatcher.dispatch(Action::Restored(restore().await)) });
            }
        }
    });
    let latest = use_mut_ref(Latest::default);
    // A shallow copy (the history and the data are shared): the metadata is built only when a
    // save happens.
    latest.borrow_mut().state = Some((**store).clone());
    use_effect_with((), {
        let (latest, session, scene) = (latest.clone(), session.clone(), scene.clone());
        let dispatcher = store.dispatcher();
        move |_| {
            let save = Rc::new(move || {
                spawn_local(autosave(
                    latest.clone(),
                    session.clone(),
                    scene.clone(),
                    dispatcher.clone(),
                ))
            });
            let interval = {
                let save = save.clone();
                gloo::timers::callback::Interval::new(AUTOSAVE_EVERY_MS, move || save())
            };
            let document = web_sys::window().and_then(|w| w.document());
            let listener = document.map(|document| {
                let hidden = document.clone();
                gloo::events::EventListener::new(&document, "visibilitychange", move |_| {
                    if hidden.visibility_state() == web_sys::VisibilityState::Hidden {
                        save();
                    }
                })
            });
            move || drop((interval, listener))
        }
    });
    // The user's own files are kept beside the autosave, whenever they change.
    use_effect_with((store.data.own_files.clone(), store.restored), {
        let dispatcher = store.dispatcher();
        move |(files, restored)| {
            if *restored {
                let zip = write_zip(files);
                spawn_local(async move {
                    let saved = match zip {
                        Ok(zip) => storage::save(OWN_FILES_KEY, &zip).await,
                        Err(error) => Err(error.to_string()),
                    };
                    if let Err(error) = saved {
                        dispatcher.dispatch(Action::Autosaved(Autosave::Failed(error)));
                    }
                });
            }
        }
    });
}

async fn autosave(
    latest: Rc<RefCell<Latest>>,
    session: SessionControls,
    scene: Scene,
    dispatcher: UseReducerDispatcher<Store>,
) {
    // Saving blocks the page for a moment: not in the middle of a drag.
    if now_ms() - scene.cursor_moved_ms() < AUTOSAVE_QUIET_MS {
        return;
    }
    let (meta, id) = {
        let mut latest = latest.borrow_mut();
        let Some(state) = &latest.state else {
            return;
        };
        if !state.training.trained
            || latest.saving
            || latest.saved_step == Some(state.training.step)
        {
            return;
        }
        let job = (state.page_meta(scene.cursor()), state.training.session_id);
        latest.saving = true;
        job
    };
    let session_now = || {
        latest
            .borrow()
            .state
            .as_ref()
            .map(|s| s.training.session_id)
    };
    let result = match session.capture(meta).await {
        // Started over (or reset) meanwhile: the copy is of a session that is gone.
        _ if session_now() != Some(id) => {
            latest.borrow_mut().saving = false;
            return;
        }
        Ok(checkpoint) => storage::save(SESSION_KEY, &checkpoint.to_bytes())
            .await
            .map(|()| checkpoint.step),
        Err(error) => Err(error),
    };
    let mut latest = latest.borrow_mut();
    latest.saving = false;
    match result {
        Ok(step) => {
            latest.saved_step = Some(step);
            dispatcher.dispatch(Action::Autosaved(Autosave::Saved { step }));
        }
        Err(error) => dispatcher.dispatch(Action::Autosaved(Autosave::Failed(error))),
    }
}

/// The autosaved model and the user's own files, if the browser kept any.
async fn restore() -> Option<(Checkpoint, Vec<NamedFile>)> {
    let bytes = storage::load(SESSION_KEY).await.ok().flatten()?;
    let checkpoint = Checkpoint::from_bytes(&bytes).ok()?;
    let own_files = match storage::load(OWN_FILES_KEY).await.ok().flatten() {
        Some(zip) if !zip.is_empty() => {
            let mut budget = LIMITS.total_bytes;
            // Saved with their names; `read_zip` prefixes the archive's name.
            read_zip("", &zip, &LIMITS, &mut budget)
                .map(|files| {
                    files
                        .into_iter()
                        .map(|f| NamedFile {
                            name: f.name.trim_start_matches('/').to_string(),
                            bytes: f.bytes,
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    Some((checkpoint, own_files))
}
