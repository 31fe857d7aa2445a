//! The page's service worker, seen from the page: registered once the first image is on screen
//! (so that caching never delays it), asked which build it is, told to take over when the user
//! reloads into a new build, and the files to keep for offline use fetched through it.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};
use yew::Callback;

use super::errors::js_message;
use super::fetch::fetch_bytes;
use crate::page::OfflineEvent;

fn container() -> Result<ServiceWorkerContainer, String> {
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    // Absent outside secure contexts.
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return Err("this browser has no service workers here".into());
    }
    Ok(navigator.service_worker())
}

/// The page's service worker and how to take over with a new build.
#[derive(Clone)]
pub struct ServiceWorker {
    registration: ServiceWorkerRegistration,
    /// Set when the user asked for the new build: the next change of controller reloads.
    updating: Rc<Cell<bool>>,
}

impl PartialEq for ServiceWorker {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.updating, &other.updating)
    }
}

impl ServiceWorker {
    /// Registers `sw.js` (beside the page) and reports what it does.
    pub async fn register(events: Callback<OfflineEvent>) -> Result<Self, String> {
        let container = container()?;
        let registration = JsFuture::from(container.register("sw.js"))
            .await
            .map_err(|e| js_message(&e))?;
        // A browser that blocks service workers may answer with nothing at all.
        let registration: ServiceWorkerRegistration = registration
            .dyn_into()
            .map_err(|_| "this browser blocks service workers here".to_string())?;
        let worker = Self {
            registration: registration.clone(),
            updating: Rc::new(Cell::new(false)),
        };
        // Which build serves the page: asked of the worker that controls it.
        let on_message = {
            let events = events.clone();
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let build = js_sys::Reflect::get(&event.data(), &"build".into())
                    .ok()
                    .and_then(|b| b.as_string());
                if let Some(build) = build {
                    events.emit(OfflineEvent::Active { build });
                }
            })
        };
        container.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let ask_build = {
            let container = container.clone();
            move || {
                if let Some(controller) = container.controller() {
                    let _ = controller.post_message(&"build".into());
                }
            }
        };
        ask_build();
        // The first visit's worker takes control once it has cached the page; a new build's
        // only when the user says so, and then the page reloads into it.
        let on_controller = {
            let updating = worker.updating.clone();
            let ask_build = ask_build.clone();
            Closure::<dyn Fn()>::new(move || {
                if updating.get() {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                } else {
                    ask_build();
                }
            })
        };
        container.set_oncontrollerchange(Some(on_controller.as_ref().unchecked_ref()));
        // A new build: a worker installed (now or already) while another controls the page.
        let has_controller = {
            let container = container.clone();
            move || container.controller().is_some()
        };
        if registration.waiting().is_some() && has_controller() {
            events.emit(OfflineEvent::UpdateReady);
        }
        let on_update = {
            let registration = registration.clone();
            Closure::<dyn Fn()>::new(move || {
                let Some(installing) = registration.installing() else {
                    return;
                };
                let (events, has_controller, watched) =
                    (events.clone(), has_controller.clone(), installing.clone());
                let on_state = Closure::<dyn Fn()>::new(move || {
                    if watched.state() == ServiceWorkerState::Installed && has_controller() {
                        events.emit(OfflineEvent::UpdateReady);
                    }
                });
                installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
                on_state.forget();
            })
        };
        registration.set_onupdatefound(Some(on_update.as_ref().unchecked_ref()));
        // They live as long as the page.
        on_message.forget();
        on_controller.forget();
        on_update.forget();
        Ok(worker)
    }

    /// Hands the page to the waiting build; the page reloads when it has taken over.
    pub fn take_over(&self) {
        self.updating.set(true);
        match self.registration.waiting() {
            Some(waiting) => {
                let _ = waiting.post_message(&"take-over".into());
            }
            None => {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            }
        }
    }
}

/// How many of `urls` the browser's caches hold.
pub async fn count_kept(urls: &[String]) -> usize {
    let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) else {
        return 0;
    };
    let mut kept = 0;
    for url in urls {
        let found = JsFuture::from(caches.match_with_str(url)).await;
        if found.is_ok_and(|response| !response.is_undefined()) {
            kept += 1;
        }
    }
    kept
}

/// Fetches every one of `urls` (the service worker keeps each as it passes), reporting progress.
pub async fn keep_all(urls: Vec<String>, events: Callback<OfflineEvent>) {
    let total = urls.len();
    for (done, url) in urls.iter().enumerate() {
        events.emit(OfflineEvent::Keeping { done, total });
        if let Err(error) = fetch_bytes(url, |_| {}).await {
            return events.emit(OfflineEvent::KeepFailed(error));
        }
    }
    let done = count_kept(&urls).await;
    events.emit(OfflineEvent::Kept { done, total });
}
