//! `window.__vae`, when the address asks for it (`?test-hooks`): what the browser tests (and a
//! curious user's console) can ask the page: the current model's decoding of a latent point,
//! and the measured drag latencies.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::future_to_promise;

use super::latency;
use super::scene::Scene;
use crate::page::inference::decode_points;

pub fn install(scene: Scene) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = Object::new();
    let decode = Closure::<dyn Fn(f32, f32) -> js_sys::Promise>::new(move |x: f32, y: f32| {
        let scene = scene.clone();
        future_to_promise(async move {
            let vae = scene
                .model()
                .ok_or_else(|| JsValue::from_str("no model yet"))?;
            let pixels = decode_points(&vae, &[[x, y]], &scene.slice())
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
        latency::latencies(clear)
            .into_iter()
            .map(JsValue::from)
            .collect()
    });
    // Installing can only fail on a frozen object; the hooks are optional then.
    let _ = Reflect::set(&hooks, &"decode".into(), decode.as_ref());
    let _ = Reflect::set(&hooks, &"latencies".into(), latencies.as_ref());
    let _ = Reflect::set(&window, &"__vae".into(), &hooks);
    // They live as long as the page.
    decode.forget();
    latencies.forget();
}
