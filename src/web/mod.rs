//! The page (wasm32 only): yew components over the page's logic (`crate::page`), the canvases,
//! the training workers, the browser's storage and files.

mod app;
mod backend;
mod components;
mod draw;
mod errors;
mod fetch;
mod files;
mod hooks;
mod latency;
mod loaders;
mod offline;
mod plane_draw;
mod recorder;
mod scene;
mod session;
mod storage;
mod store;
mod tasks;
mod test_hooks;
mod worker;

use wasm_bindgen::JsCast;

unsafe extern "C" {
    /// Runs the module's static constructors (burn's kernel registries use them). Synthesised
    /// by the linker.
    fn __wasm_call_ctors();
}

/// The entry point of both wasm modules (the page and the WebGPU trainer), called from `main`:
/// mounts the app. A Rust panic is shown in the page (and logged), never a blank screen. In a
/// training worker (without a window) there is nothing to mount: it waits for the page's
/// messages (`worker::worker_message`).
pub fn start() {
    // A wasm binary whose exports never run the constructors themselves is linked as a
    // "command": the linker then runs all of them again at the start of *every* export, i.e.
    // every call from JavaScript into Rust — measured at more than a third of the page's
    // main-thread time. Running them here, once, makes it a "reactor": exports stay plain.
    // SAFETY: `start` is called once, from `main`, before anything else in the module runs.
    unsafe { __wasm_call_ctors() };
    if web_sys::window().is_none() {
        return worker::start_in_worker();
    }
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal(&info.to_string());
    }));
    yew::Renderer::<app::App>::new().render();
}

fn show_fatal(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(element) = document
        .get_element_by_id("fatal")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        element.set_inner_text(&format!(
            "Something went wrong and the page stopped: {message}\nReload the page to start again."
        ));
        element.set_hidden(false);
    }
}
