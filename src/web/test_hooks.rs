//! `window.__vae`, when the address asks for it (`?test-hooks`): what the browser tests (and a
//! curious user's console) can ask the page: the current model's decoding of a point of the
//! plane or of a full latent vector, where it encodes an image, and the measured latencies of
//! drags and of strokes on the drawing pad.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::future_to_promise;

use super::latency;
use super::scene::Scene;
use crate::data::ImageSet;
use crate::page::inference::{decode_latents, decode_points, encode_points};

/// Values in [0, 1] as the canvases show them: 0–255.
fn bytes(pixels: &[f32]) -> JsValue {
    pixels
        .iter()
        .map(|v| JsValue::from((v.clamp(0.0, 1.0) * 255.0).round()))
        .collect::<Array>()
        .into()
}

pub fn install(scene: Scene) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = Object::new();
    let decode = {
        let scene = scene.clone();
        Closure::<dyn Fn(f32, f32) -> js_sys::Promise>::new(move |x: f32, y: f32| {
            let scene = scene.clone();
            future_to_promise(async move {
                let vae = scene
                    .model()
                    .ok_or_else(|| JsValue::from_str("no model yet"))?;
                let pixels = decode_points(&vae, &[[x, y]], &scene.slice())
                    .await
                    .map_err(|e| JsValue::from_str(&e))?;
                Ok(bytes(&pixels))
            })
        })
    };
    let latencies = Closure::<dyn Fn(bool) -> Array>::new(|clear: bool| {
        latency::latencies(clear)
            .into_iter()
            .map(JsValue::from)
            .collect()
    });
    let strokes = Closure::<dyn Fn(bool) -> Array>::new(|clear: bool| {
        latency::strokes(clear)
            .into_iter()
            .map(|[all, own]| JsValue::from(Array::of2(&all.into(), &own.into())))
            .collect()
    });
    // The plane's points as it shows them: [x, y, label] (label -1 when none).
    let points = {
        let scene = scene.clone();
        Closure::<dyn Fn() -> Array>::new(move || {
            scene.plane(|p| {
                p.points
                    .iter()
                    .map(|point| {
                        let [x, y] = p.slice.project(&point.mean);
                        let label = point.label.map_or(-1.0, f64::from);
                        JsValue::from(Array::of3(&x.into(), &y.into(), &label.into()))
                    })
                    .collect()
            })
        })
    };
    // A full latent vector's decoding, 0–255.
    let decode_latent = {
        let scene = scene.clone();
        Closure::<dyn Fn(Vec<f32>) -> js_sys::Promise>::new(move |z: Vec<f32>| {
            let scene = scene.clone();
            future_to_promise(async move {
                let vae = scene
                    .model()
                    .ok_or_else(|| JsValue::from_str("no model yet"))?;
                let pixels = decode_latents(&vae, z)
                    .await
                    .map_err(|e| JsValue::from_str(&e))?;
                Ok(bytes(&pixels))
            })
        })
    };
    // Where the encoder puts an image (0–255 values of the model's shape): the plane's x, y.
    let encode = {
        let scene = scene.clone();
        Closure::<dyn Fn(Vec<f32>) -> js_sys::Promise>::new(move |pixels: Vec<f32>| {
            let scene = scene.clone();
            future_to_promise(async move {
                let vae = scene
                    .model()
                    .ok_or_else(|| JsValue::from_str("no model yet"))?;
                let set = ImageSet {
                    shape: scene.shape(),
                    pixels: pixels.iter().map(|v| v / 255.0).collect(),
                    labels: None,
                };
                let point = encode_points(&vae, &set)
                    .await
                    .map_err(|e| JsValue::from_str(&e))?;
                let [x, y] = scene.slice().project(&point[0].mean);
                Ok(Array::of2(&JsValue::from(x), &JsValue::from(y)).into())
            })
        })
    };
    // Installing can only fail on a frozen object; the hooks are optional then.
    let _ = Reflect::set(&hooks, &"decode".into(), decode.as_ref());
    let _ = Reflect::set(&hooks, &"latencies".into(), latencies.as_ref());
    let _ = Reflect::set(&hooks, &"strokes".into(), strokes.as_ref());
    let _ = Reflect::set(&hooks, &"decodeLatent".into(), decode_latent.as_ref());
    let _ = Reflect::set(&hooks, &"encode".into(), encode.as_ref());
    let _ = Reflect::set(&hooks, &"points".into(), points.as_ref());
    let _ = Reflect::set(&window, &"__vae".into(), &hooks);
    // They live as long as the page.
    decode.forget();
    latencies.forget();
    strokes.forget();
    decode_latent.forget();
    encode.forget();
    points.forget();
}
