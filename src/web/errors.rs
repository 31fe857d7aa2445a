//! What the browser's errors say, in words for the page.

use wasm_bindgen::{JsCast, JsValue};

/// The message of a JavaScript error, `DOMException` or thrown string.
pub fn js_message(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    if let Some(exception) = value.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", exception.name(), exception.message());
    }
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    "the browser gave no reason".into()
}
