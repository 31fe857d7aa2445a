//! Offline once visited: the service worker, registered after the first model is on screen; what
//! is kept for offline use; the reload into a new build, after an autosave.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::Autosaver;
use crate::page::{Action, Dataset, OfflineEvent};
use crate::web::offline::{ServiceWorker, count_kept, keep_all};
use crate::web::store::Store;
use crate::web::worker::trainer_urls;

/// What the Offline line's buttons do.
pub struct OfflineControls {
    /// Fetch (and so keep) every dataset and the WebGPU trainer now.
    pub on_keep_all: Callback<()>,
    /// Reload into the new build, after saving.
    pub on_update: Callback<()>,
}

/// The files kept for offline use beyond the page itself: the datasets and the WebGPU trainer.
fn kept_urls() -> Vec<String> {
    let datasets = [Dataset::Mnist, Dataset::Fashion]
        .into_iter()
        .flat_map(|d| d.idx_urls().into_iter().flatten());
    datasets
        .chain(trainer_urls().into_iter().flatten())
        .collect()
}

#[hook]
pub fn use_offline(store: &UseReducerHandle<Store>, autosaver: &Autosaver) -> OfflineControls {
    let worker = use_mut_ref(|| None::<ServiceWorker>);
    let events = {
        let dispatcher = store.dispatcher();
        Callback::from(move |event| dispatcher.dispatch(Action::Offline(event)))
    };
    // Once the first model is on screen: caching never competes with the first image.
    use_effect_with(store.training.has_model, {
        let (worker, events) = (worker.clone(), events.clone());
        move |&shown| {
            if shown && worker.borrow().is_none() {
                register(worker, events);
            }
        }
    });
    let on_keep_all = Callback::from(move |()| spawn_local(keep_all(kept_urls(), events.clone())));
    let on_update = {
        let (worker, autosaver, dispatcher) =
            (worker.clone(), autosaver.clone(), store.dispatcher());
        Callback::from(move |()| {
            dispatcher.dispatch(Action::Offline(OfflineEvent::Updating));
            let (worker, autosaver) = (worker.clone(), autosaver.clone());
            spawn_local(async move {
                autosaver.save_now().await;
                if let Some(worker) = worker.borrow().as_ref() {
                    worker.take_over();
                }
            });
        })
    };
    OfflineControls {
        on_keep_all,
        on_update,
    }
}

fn register(slot: Rc<RefCell<Option<ServiceWorker>>>, events: Callback<OfflineEvent>) {
    spawn_local(async move {
        match ServiceWorker::register(events.clone()).await {
            Ok(worker) => {
                *slot.borrow_mut() = Some(worker);
                let urls = kept_urls();
                let done = count_kept(&urls).await;
                events.emit(OfflineEvent::Kept {
                    done,
                    total: urls.len(),
                });
            }
            Err(reason) => events.emit(OfflineEvent::Unavailable(reason)),
        }
    });
}
