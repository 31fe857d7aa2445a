//! Nothing is lost: the session is saved in the browser every few seconds while there is new
//! training and when the page is hidden, the user's own files and the kept models beside it
//! whenever they change, and at start the page finds them there again. A record that cannot be
//! read is moved aside (never overwritten) and offered as a download.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::SessionControls;
use crate::data::{LIMITS, NamedFile, read_zip, write_zip};
use crate::page::{Action, Autosave, Damaged, Dataset, Kept, Restore, Shared, State};
use crate::vae::Checkpoint;
use crate::web::scene::Scene;
use crate::web::storage;
use crate::web::store::Store;
use crate::web::tasks::now_ms;

/// IndexedDB keys: the session, the user's own files, and a kept model per dataset.
const SESSION_KEY: &str = "session";
const OWN_FILES_KEY: &str = "own-files";

fn kept_key(dataset: Dataset) -> String {
    format!("kept-{}", dataset.key())
}

/// What a record holds, for people.
fn record_name(key: &str) -> String {
    match key {
        SESSION_KEY => "the saved session".into(),
        OWN_FILES_KEY => "your own files".into(),
        _ => Dataset::ALL
            .into_iter()
            .find(|d| kept_key(*d) == key)
            .map(|d| format!("the model kept for {}", d.name()))
            .unwrap_or_else(|| key.into()),
    }
}

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

/// Saves the session in the browser now, whatever the timer says (before a reload into a new
/// build, say).
#[derive(Clone)]
pub struct Autosaver {
    latest: Rc<RefCell<Latest>>,
    session: SessionControls,
    scene: Scene,
    dispatcher: UseReducerDispatcher<Store>,
}

impl Autosaver {
    pub async fn save_now(&self) {
        autosave(
            self.latest.clone(),
            self.session.clone(),
            self.scene.clone(),
            self.dispatcher.clone(),
            true,
        )
        .await
    }
}

#[hook]
pub fn use_autosave(
    store: &UseReducerHandle<Store>,
    session: &SessionControls,
    scene: &Scene,
) -> Autosaver {
    use_effect_with((), {
        let dispatcher = store.dispatcher();
        move |_| {
            spawn_local(async move {
                dispatcher.dispatch(Action::Restored(Box::new(restore().await)));
            })
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
                    false,
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
    // Written only once the storage has been read, kept models before own files: IndexedDB
    // runs writes in the order they began, so moved work is never left nowhere.
    use_effect_with((store.kept.clone(), store.restored), {
        let dispatcher = store.dispatcher();
        move |(kept, restored)| {
            if *restored {
                let kept = kept.clone();
                spawn_local(async move {
                    if let Err(error) = save_kept(&kept).await {
                        dispatcher.dispatch(Action::Autosaved(Autosave::Failed(error)));
                    }
                });
            }
        }
    });
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
    Autosaver {
        latest,
        session: session.clone(),
        scene: scene.clone(),
        dispatcher: store.dispatcher(),
    }
}

/// Saves the session if it trained since the last save; `now` even in the middle of a drag.
async fn autosave(
    latest: Rc<RefCell<Latest>>,
    session: SessionControls,
    scene: Scene,
    dispatcher: UseReducerDispatcher<Store>,
    now: bool,
) {
    // Saving blocks the page for a moment: not in the middle of a drag.
    if !now && now_ms() - scene.cursor_moved_ms() < AUTOSAVE_QUIET_MS {
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

/// One record per kept model; records of datasets with none are removed.
async fn save_kept(kept: &[Kept]) -> Result<(), String> {
    for dataset in Dataset::ALL {
        match kept.iter().find(|k| k.dataset == dataset) {
            Some(kept) => storage::save(&kept_key(dataset), &kept.to_bytes()?).await?,
            None => storage::delete(&kept_key(dataset)).await?,
        }
    }
    Ok(())
}

/// What the browser kept: a record that cannot be read is moved aside (to `damaged-…`) and
/// listed, never dropped.
async fn restore() -> Restore {
    let mut restore = Restore::default();
    // (key, what it held, why it cannot be read, its bytes)
    let mut unreadable: Vec<(String, String, String, Vec<u8>)> = Vec::new();
    // The browser may keep nothing (private windows): then there is nothing to restore.
    let load = |key: String| async move { storage::load(&key).await.ok().flatten() };
    let own_files = match load(OWN_FILES_KEY.into()).await {
        Some(zip) if !zip.is_empty() => read_own_files(&zip).unwrap_or_else(|reason| {
            unreadable.push((
                OWN_FILES_KEY.into(),
                record_name(OWN_FILES_KEY),
                reason,
                zip,
            ));
            Vec::new()
        }),
        _ => Vec::new(),
    };
    if let Some(bytes) = load(SESSION_KEY.into()).await {
        match Checkpoint::from_bytes(&bytes) {
            Ok(checkpoint) => restore.session = Some((checkpoint, own_files)),
            Err(error) => unreadable.push((
                SESSION_KEY.into(),
                record_name(SESSION_KEY),
                error.to_string(),
                bytes,
            )),
        }
    }
    for dataset in Dataset::ALL {
        let Some(bytes) = load(kept_key(dataset)).await else {
            continue;
        };
        match Kept::from_bytes(&bytes) {
            Ok(kept) => restore.kept.push(kept),
            Err(reason) => unreadable.push((
                kept_key(dataset),
                record_name(&kept_key(dataset)),
                reason,
                bytes,
            )),
        }
    }
    for (key, what, reason, bytes) in unreadable {
        let aside = format!("damaged-{key}");
        // Moved, so that no autosave writes over it.
        if storage::save(&aside, &bytes).await.is_ok() {
            let _ = storage::delete(&key).await;
        }
        restore.damaged.push(Damaged {
            what,
            key: aside,
            reason,
            bytes: Shared::new(bytes),
        });
    }
    // Records moved aside on an earlier visit stay on offer until the user starts over.
    let keys = [SESSION_KEY.to_string(), OWN_FILES_KEY.to_string()]
        .into_iter()
        .chain(Dataset::ALL.map(kept_key));
    for key in keys {
        let aside = format!("damaged-{key}");
        if restore.damaged.iter().any(|d| d.key == aside) {
            continue;
        }
        if let Some(bytes) = load(aside.clone()).await {
            restore.damaged.push(Damaged {
                what: record_name(&key),
                key: aside,
                reason: "it could not be read on an earlier visit".into(),
                bytes: Shared::new(bytes),
            });
        }
    }
    restore
}

/// The own files saved beside the session, with their names.
fn read_own_files(zip: &[u8]) -> Result<Vec<NamedFile>, String> {
    let mut budget = LIMITS.total_bytes;
    // Saved with their names; `read_zip` prefixes the archive's name.
    let files = read_zip("", zip, &LIMITS, &mut budget).map_err(|e| e.to_string())?;
    Ok(files
        .into_iter()
        .map(|f| NamedFile {
            name: f.name.trim_start_matches('/').to_string(),
            bytes: f.bytes,
        })
        .collect())
}
