//! `window.__vae`: what the browser tests (and a curious user's console) can ask the page:
//! the current model's decoding of a latent point, and the measured drag latencies.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::future_to_promise;

use super::session::decode_points;
use super::{now_ms, view};

thread_local! {
    static INPUT_AT_MS: Cell<Option<f64>> = const { Cell::new(None) };
    static LATENCIES_MS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// A pointer or key event moved the cursor: the clock starts when the browser created the
/// event (`event.timeStamp`), so time spent waiting behind a training step counts too.
pub fn input_started(event_ms: f64) {
    INPUT_AT_MS.with(|t| {
        if t.get().is_none() {
            t.set(Some(event_ms));
        }
    });
}

/// The decoded image for the latest input is drawn: the clock stops.
pub fn input_drawn() {
    if let Some(start) = INPUT_AT_MS.with(|t| t.take()) {
        LATENCIES_MS.with_borrow_mut(|l| l.push(now_ms() - start));
    }
}

pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = Object::new();
    let decode = Closure::<dyn Fn(f32, f32) -> js_sys::Promise>::new(|x: f32, y: f32| {
        future_to_promise(async move {
            let vae = view::model().ok_or_else(|| JsValue::from_str("no model yet"))?;
            let pixels = decode_points(&vae, &[[x, y]], &view::slice())
                .await
                .map_err(|e| JsValue::from_str(&e))?;
            Ok(pixels
                .iter()
                .map(|v| JsValue::from((v.clamp(0.0, 1.0) * 255.0).round()))
                .collect::<Array>()
                .into())
        })
    });
    let latencies = Closure::<dyn Fn(bool) -> Array>::new(|clear: bool| {
        LATENCIES_MS.with_borrow_mut(|l| {
            let out = l.iter().map(|&v| JsValue::from(v)).collect();
            if clear {
                l.clear();
            }
            out
        })
    });
    // Installing can only fail on a frozen object; the hooks are optional then.
    let _ = Reflect::set(&hooks, &"decode".into(), decode.as_ref());
    let _ = Reflect::set(&hooks, &"latencies".into(), latencies.as_ref());
    let _ = Reflect::set(&window, &"__vae".into(), &hooks);
    // They live as long as the page.
    decode.forget();
    latencies.forget();
}
