//! Bytes kept in the browser's IndexedDB (the autosave): survives reloads, stays on the machine.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

use super::errors::js_message;

const DATABASE: &str = "vae-playground";
const STORE: &str = "autosave";

fn message(value: JsValue) -> String {
    js_message(&value)
}

/// Waits for an IndexedDB request; its error (e.g. QuotaExceededError) becomes the message.
async fn finished(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let result = request.result().unwrap_or(JsValue::UNDEFINED);
                let _ = resolve.call1(&JsValue::NULL, &result);
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::once_into_js(move |_: web_sys::Event| {
                let error = request
                    .error()
                    .ok()
                    .flatten()
                    .map(|e| JsValue::from_str(&format!("{}: {}", e.name(), e.message())))
                    .unwrap_or_else(|| JsValue::from_str("unknown error"));
                let _ = reject.call1(&JsValue::NULL, &error);
            })
        };
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(message)
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser keeps no IndexedDB (private mode?)")?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1).map_err(message)?;
    let on_upgrade = Closure::once_into_js(move |event: web_sys::Event| {
        let database = event
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
        if let Some(database) = database {
            let _ = database.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    finished(&request)
        .await?
        .dyn_into()
        .map_err(|_| "IndexedDB gave no database".to_string())
}

fn store(
    database: &IdbDatabase,
    mode: IdbTransactionMode,
) -> Result<web_sys::IdbObjectStore, String> {
    database
        .transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .map_err(message)
}

pub async fn save(key: &str, bytes: &[u8]) -> Result<(), String> {
    let database = open().await?;
    let request = store(&database, IdbTransactionMode::Readwrite)?
        .put_with_key(&Uint8Array::from(bytes), &JsValue::from_str(key))
        .map_err(message)?;
    finished(&request).await.map(|_| ())
}

pub async fn load(key: &str) -> Result<Option<Vec<u8>>, String> {
    let database = open().await?;
    let request = store(&database, IdbTransactionMode::Readonly)?
        .get(&JsValue::from_str(key))
        .map_err(message)?;
    let value = finished(&request).await?;
    Ok(value.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec()))
}

pub async fn clear() -> Result<(), String> {
    let database = open().await?;
    let request = store(&database, IdbTransactionMode::Readwrite)?
        .clear()
        .map_err(message)?;
    finished(&request).await.map(|_| ())
}

pub async fn delete(key: &str) -> Result<(), String> {
    let database = open().await?;
    let request = store(&database, IdbTransactionMode::Readwrite)?
        .delete(&JsValue::from_str(key))
        .map_err(message)?;
    finished(&request).await.map(|_| ())
}
