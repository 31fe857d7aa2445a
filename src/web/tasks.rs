//! Time and turns on the browser's event loop, on the page and in workers.

use wasm_bindgen::{JsCast, JsValue};

/// Milliseconds since the page (or the worker) started (monotonic), on the clock of events'
/// `timeStamp`.
pub fn now_ms() -> f64 {
    thread_local! {
        // `window.performance` on the page, `self.performance` in a worker.
        static PERFORMANCE: Option<web_sys::Performance> =
            js_sys::Reflect::get(&js_sys::global(), &"performance".into())
                .ok()
                .and_then(|p| p.dyn_into().ok());
    }
    PERFORMANCE.with(|p| p.as_ref().map(|p| p.now()).unwrap_or_default())
}

/// Lets the browser handle input and draw, then resumes: a message to ourselves is a new task
/// without the 4 ms (or worse, in the background) clamp of nested `setTimeout`s.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let Ok(channel) = web_sys::MessageChannel::new() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        channel.port1().set_onmessage(Some(&resolve));
        if channel.port2().post_message(&JsValue::NULL).is_err() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
