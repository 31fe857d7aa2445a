//! The page (wasm32 only): yew components over the `vae` core.

mod app;
mod backend;
mod components;
mod draw;
mod fetch;
mod files;
mod hooks;
mod loaders;
mod persist;
mod probe_hooks;
mod session;
mod shared;
mod storage;
mod view;

use wasm_bindgen::JsCast;

/// Mounts the app. A Rust panic is shown in the page (and logged), never a blank screen.
pub fn start() {
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

/// Milliseconds since the page started (monotonic).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}
