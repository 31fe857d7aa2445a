//! Loading what the state asks for: the data, the pretrained model, the backend, and the WebGPU
//! trainer the first time the user trains on WebGPU.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::page::inference::probe;
use crate::page::{Action, BackendKind, DataKey, Shared, WebGpuTrainer};
use crate::web::store::Store;
use crate::web::{backend, loaders, worker};

#[hook]
pub fn use_loading(store: &UseReducerHandle<Store>) {
    use_effect_with((store.data.dataset, store.data.pretrained_kind), {
        let dispatcher = store.dispatcher();
        move |&(dataset, kind)| {
            let on_pretrained =
                Callback::from(move |p| dispatcher.dispatch(Action::Pretrained(dataset, kind, p)));
            spawn_local(loaders::load_pretrained(dataset, kind, on_pretrained));
        }
    });
    let needs_loading = store.data.needs_loading(&store.data.key());
    use_effect_with(store.data.key(), {
        let dispatcher = store.dispatcher();
        move |key: &DataKey| {
            // Only unusable files were dropped from what was loaded: nothing new to load.
            if !needs_loading {
                return;
            }
            let for_key = key.clone();
            let on_status = Callback::from(move |(status, problems)| {
                dispatcher.dispatch(Action::Data(for_key.clone(), status, Shared::new(problems)))
            });
            spawn_local(loaders::load_data(key.clone(), on_status));
        }
    });
    use_effect_with((store.backends.prefer_gpu, store.backends.forced), {
        let dispatcher = store.dispatcher();
        move |&(prefer_gpu, forced)| {
            remember_backend(prefer_gpu, forced);
            spawn_local(async move {
                let backend = backend::init(prefer_gpu, forced).await;
                let on_cpu = matches!(backend.kind, BackendKind::Cpu { .. });
                dispatcher.dispatch(Action::BackendReady(prefer_gpu, backend));
                if on_cpu {
                    let result = probe(&burn::tensor::Device::flex()).await;
                    dispatcher.dispatch(Action::CpuProbed(result));
                }
            });
        }
    });
    // The WebGPU trainer, the first time the user trains on WebGPU. If it cannot start, the page
    // falls back to the CPU (with the reason), where the queued training then goes. The CPU runs
    // the same probe either way: beside WebGPU's, it tells a software adapter (SwiftShader, where
    // the CPU trains ~70× faster) from a real GPU, and the Backend card says so.
    use_effect_with(store.backends.webgpu == WebGpuTrainer::Loading, {
        let dispatcher = store.dispatcher();
        move |&loading| {
            if loading {
                spawn_local(async move {
                    let started = worker::start_webgpu().await;
                    dispatcher.dispatch(Action::WebGpuStarted(started));
                    let result = probe(&burn::tensor::Device::flex()).await;
                    dispatcher.dispatch(Action::CpuProbed(result));
                });
            }
        }
    });
}

/// The session's storage key for the user's choice of backend (kept until the tab closes).
pub const BACKEND_KEY: &str = "vae-playground-backend";

/// Keeps an explicit choice (the CPU, or WebGPU anyway) for the rest of the tab's session.
fn remember_backend(prefer_gpu: bool, forced: bool) {
    let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) else {
        return;
    };
    // Refused storage (private modes) only means the choice is not kept.
    let _ = match (prefer_gpu, forced) {
        (false, _) => storage.set_item(BACKEND_KEY, "cpu"),
        (true, true) => storage.set_item(BACKEND_KEY, "webgpu"),
        (true, false) => storage.remove_item(BACKEND_KEY),
    };
}
