//! Fetching the page's own assets, with progress.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

use super::errors::js_message;

fn message(value: JsValue) -> String {
    js_message(&value)
}

/// GETs `url`, calling `on_progress` with the fraction received (when the size is known).
pub async fn fetch_bytes(url: &str, on_progress: impl Fn(f64)) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(message)?
        .dyn_into()
        .map_err(message)?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let total: Option<f64> = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|s| s.parse().ok());
    let body = response.body().ok_or("the response has no body")?;
    let reader: ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|o: js_sys::Object| message(o.into()))?;
    let mut bytes = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(message)?;
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(message)?;
        bytes.extend(Uint8Array::new(&value).to_vec());
        if let Some(total) = total {
            on_progress((bytes.len() as f64 / total).min(1.0));
        }
    }
    Ok(bytes)
}
