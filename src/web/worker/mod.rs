//! The training workers: on the CPU backend a training step takes tens of milliseconds of compute,
//! and on the page's thread every drag waited behind it. Here a Web Worker runs the session
//! (`session::run`) on the other core, and the page keeps only what it draws from: a CPU copy of
//! the weights, refreshed from the flat values the worker sends.
//!
//! There is one worker per engine. The CPU worker runs this same wasm module — the page hands it
//! its compiled `WebAssembly.Module`, so nothing is downloaded or compiled twice. The WebGPU
//! worker runs the WebGPU trainer (`vae-trainer-webgpu`, the same crate built with WebGPU), which
//! it fetches the first time the user trains on WebGPU: the page itself carries no WebGPU code.
//! Messages are `crate::page::protocol`'s, each one binary buffer that is transferred, not
//! copied. `page_side` is the page's half, `worker_side` the worker's.

mod page_side;
mod worker_side;

use burn::tensor::Device;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use js_sys::{Array, Uint8Array};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

pub use page_side::{start_webgpu, trainer_urls};
pub use worker_side::start_in_worker;

use super::session::{self, Command, Event, Setup};
use crate::page::protocol::{ProtocolError, decode, encode};
use crate::page::{Engine, SessionEvent};

/// A session, wherever it runs; ends it when dropped.
pub enum Session {
    /// On the page's own thread.
    Here(UnboundedSender<Command>),
    InWorker(page_side::RemoteSession),
}

impl Session {
    pub fn send(&self, command: Command) {
        match self {
            // A closed channel means the task has ended (after an error it already reported).
            Session::Here(commands) => {
                let _ = commands.unbounded_send(command);
            }
            Session::InWorker(session) => session.send(command),
        }
    }
}

/// Starts a session in the engine's training worker. Without a worker, a CPU session runs here;
/// a WebGPU one cannot (the page's module has no WebGPU) and fails.
pub fn start(setup: Setup, engine: Engine, events: Callback<Event>) -> Session {
    if let Some(session) = page_side::start(&setup, engine, events.clone()) {
        return Session::InWorker(session);
    }
    let (commands, inbox) = unbounded();
    match engine {
        Engine::Cpu => spawn_local(session::run(setup, Device::flex(), inbox, events)),
        Engine::WebGpu => events.emit(Event::Report(SessionEvent::Failed(
            "the WebGPU trainer is not running".into(),
        ))),
    }
    Session::Here(commands)
}

/// Encodes `message` and hands it to `send` (a worker's or the worker scope's
/// `postMessage`), its buffer transferred.
fn post<T: Serialize>(
    message: &T,
    send: impl FnOnce(&JsValue, &JsValue) -> Result<(), JsValue>,
) -> Result<(), JsValue> {
    let bytes = Uint8Array::from(&encode(message)[..]);
    send(&bytes, &Array::of1(&bytes.buffer()))
}

/// A message that `post` sent.
fn receive<T: for<'de> serde::Deserialize<'de>>(data: &JsValue) -> Result<T, ProtocolError> {
    decode(&Uint8Array::new(data).to_vec())
}

/// A module worker that imports `glue` (wasm-bindgen's JS for a module) and instantiates the
/// module the page posts first; messages that arrive meanwhile wait, in order.
fn spawn_worker(glue: &str, name: &str) -> Result<web_sys::Worker, JsValue> {
    let glue = serde_json::to_string(glue).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let script = format!(
        r#"import init, {{ worker_message }} from {glue};
const early = [];
let starting = false;
self.onmessage = (event) => {{
  if (starting) {{ early.push(event.data); return; }}
  starting = true;
  init({{ module_or_path: event.data }}).then(() => {{
    self.onmessage = (event) => worker_message(event.data);
    for (const data of early) worker_message(data);
  }}, (error) => self.postMessage("the training worker could not start: " + error));
}};
"#
    );
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(
        &Array::of1(&JsValue::from_str(&script)),
        &options,
    )?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    options.set_name(name);
    web_sys::Worker::new_with_options(&url, &options)
}
