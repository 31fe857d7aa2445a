//! The training workers: on the CPU backend a training step takes tens of milliseconds of compute,
//! and on the page's thread every drag waited behind it. Here a Web Worker runs the session
//! (`session::run`) on the other core, and the page keeps only what it draws from: a CPU copy of
//! the weights, refreshed from the flat values the worker sends.
//!
//! There is one worker per engine. The CPU worker runs this same wasm module — the page hands it
//! its compiled `WebAssembly.Module`, so nothing is downloaded or compiled twice. The WebGPU
//! worker runs the WebGPU trainer (`vae-trainer-webgpu`, the same crate built with WebGPU), which
//! it fetches the first time the user trains on WebGPU: the page itself carries no WebGPU code.
//! Messages are a JSON `Wire` value plus typed arrays (pixels, weights, model files), which are
//! transferred, not copied.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use burn::tensor::Device;
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use futures::channel::oneshot;
use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

use super::backend::Engine;
use super::loaders::Probe;
use super::now_ms;
use super::session::{self, Command, Event, PlanePoint, Setup};
use crate::data::{ImageSet, ImageShape};
use crate::vae::{Checkpoint, Hyper, StepReport, Vae, VaeConfig, read_weights, with_weights};

#[wasm_bindgen]
extern "C" {
    /// The URL of wasm-bindgen's JS glue for this module (Trunk gives it a hashed name): the
    /// worker imports it to instantiate the module.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

/// The WebGPU trainer's glue and module, beside the page's (Trunk names workers' files after
/// their binary).
const WEBGPU_GLUE: &str = "vae-trainer-webgpu.js";
const WEBGPU_WASM: &str = "vae-trainer-webgpu_bg.wasm";

/// Page → worker.
#[derive(Debug, Serialize, Deserialize)]
enum ToWorker {
    /// WebGPU trainer only: start WebGPU and run the probe, answered by `Ready`.
    Init,
    /// A new session (the previous one ends). The data's pixels and labels come along only when
    /// the worker does not have data set `data` yet; a model file when `start_from`.
    Start {
        session: u64,
        config: VaeConfig,
        hyper: Hyper,
        seed: u64,
        data: u64,
        shape: ImageShape,
        start_from: bool,
    },
    Run(u64, bool),
    Step(u64),
    Hyper(u64, Hyper),
    /// A copy of the model for saving, answered by `Captured` with the same id.
    Capture(u64, u64),
    Stop(u64),
}

/// Worker → page.
#[derive(Debug, Serialize, Deserialize)]
enum FromWorker {
    /// The weights come along, flattened (`vae::read_weights`).
    Model(u64),
    Points(u64, Vec<PlanePoint>),
    Stepped(u64, Vec<StepReport>, usize),
    HeldOut(u64, u64, f32),
    Running(u64, bool),
    Failed(u64, String),
    /// The model file comes along on success.
    Captured(u64, u64, Result<(), String>),
    /// The worker panicked: every session has ended.
    Panicked(String),
    Ready(Result<WebGpuReady, String>),
}

/// The WebGPU trainer is up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebGpuReady {
    pub adapter: String,
    /// From the page's request to a working WebGPU device in the worker, module loading included.
    pub start_ms: f64,
    /// The first computation (compiling the decoder's kernels) and a warm one.
    pub probe: Probe,
}

/// The typed arrays a message can carry.
#[derive(Default)]
struct Payload {
    pixels: Option<Float32Array>,
    labels: Option<Uint8Array>,
    bytes: Option<Uint8Array>,
    weights: Option<Float32Array>,
}

const FIELDS: [&str; 4] = ["pixels", "labels", "bytes", "weights"];

fn pack<T: Serialize>(wire: &T, payload: Payload) -> Result<(JsValue, Array), String> {
    let message = Object::new();
    let json = serde_json::to_string(wire).map_err(|e| e.to_string())?;
    let transfer = Array::new();
    let arrays: [Option<JsValue>; 4] = [
        payload.pixels.map(Into::into),
        payload.labels.map(Into::into),
        payload.bytes.map(Into::into),
        payload.weights.map(Into::into),
    ];
    let set = |key: &str, value: &JsValue| {
        Reflect::set(&message, &key.into(), value).map_err(|e| format!("{e:?}"))
    };
    set("json", &json.into())?;
    for (key, array) in FIELDS.iter().zip(arrays) {
        if let Some(array) = array {
            transfer.push(&Reflect::get(&array, &"buffer".into()).map_err(|e| format!("{e:?}"))?);
            set(key, &array)?;
        }
    }
    Ok((message.into(), transfer))
}

fn unpack<T: for<'de> Deserialize<'de>>(message: &JsValue) -> Result<(T, Payload), String> {
    let get = |key: &str| {
        Reflect::get(message, &key.into())
            .ok()
            .filter(|v| !v.is_undefined())
    };
    let json = get("json")
        .and_then(|j| j.as_string())
        .ok_or("a message without its JSON part")?;
    let wire = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let payload = Payload {
        pixels: get(FIELDS[0]).map(JsCast::unchecked_into),
        labels: get(FIELDS[1]).map(JsCast::unchecked_into),
        bytes: get(FIELDS[2]).map(JsCast::unchecked_into),
        weights: get(FIELDS[3]).map(JsCast::unchecked_into),
    };
    Ok((wire, payload))
}

// ---------------------------------------------------------------------------------------------
// The page's side.

/// A session running in a worker; ends it when dropped.
pub struct Session {
    engine: Engine,
    id: u64,
}

impl Session {
    pub fn send(&self, command: Command) {
        let id = self.id;
        let wire = match command {
            Command::Run(run) => ToWorker::Run(id, run),
            Command::Step => ToWorker::Step(id),
            Command::Hyper(hyper) => ToWorker::Hyper(id, hyper),
            Command::Capture(reply) => {
                let capture = with_link(self.engine, |link| {
                    link.next_id += 1;
                    let capture = link.next_id;
                    if let Some(remote) = link.sessions.get_mut(&id) {
                        remote.captures.insert(capture, reply);
                    }
                    capture
                });
                match capture {
                    Some(capture) => ToWorker::Capture(id, capture),
                    None => return,
                }
            }
        };
        post_to_worker(self.engine, &wire, Payload::default());
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let id = self.id;
        with_link(self.engine, |link| link.sessions.remove(&id));
        post_to_worker(self.engine, &ToWorker::Stop(id), Payload::default());
    }
}

/// What the page keeps of a session in the worker.
struct Remote {
    events: Callback<Event>,
    config: VaeConfig,
    /// The last model built from the worker's weights: the next one reuses its structure.
    model: Option<Rc<Vae>>,
    captures: HashMap<u64, oneshot::Sender<Result<Checkpoint, String>>>,
}

struct Link {
    worker: web_sys::Worker,
    sessions: HashMap<u64, Remote>,
    next_id: u64,
    /// The data set the worker holds, so that a new session on the same data sends no pixels.
    data: Option<(Weak<ImageSet>, u64)>,
    /// Waiting for the WebGPU trainer's `Ready`, and since when (ms).
    starting: Vec<(oneshot::Sender<Result<WebGpuReady, String>>, f64)>,
}

thread_local! {
    /// The page's workers, each started when first needed. `Err` (why) once one could not
    /// start or has failed: CPU sessions then run on the page's thread.
    static LINKS: RefCell<HashMap<Engine, Result<Link, String>>> = RefCell::new(HashMap::new());
}

/// Runs `f` on the engine's link, if it is up. `f` must not emit events: a yew callback may
/// start a session, which needs the link again.
fn with_link<T>(engine: Engine, f: impl FnOnce(&mut Link) -> T) -> Option<T> {
    LINKS.with_borrow_mut(|links| match links.get_mut(&engine) {
        Some(Ok(link)) => Some(f(link)),
        _ => None,
    })
}

/// The engine's link, started if need be: `Err` says why there is none.
fn ensure_link(engine: Engine) -> Result<(), String> {
    LINKS.with_borrow_mut(|links| {
        // `spawn` only posts to the new worker: its answers come later, on their own tasks.
        let link = links.entry(engine).or_insert_with(|| {
            spawn(engine)
                .map(|worker| Link {
                    worker,
                    sessions: HashMap::new(),
                    next_id: 0,
                    data: None,
                    starting: Vec::new(),
                })
                .map_err(|error| {
                    let error = format!("the training worker could not start ({error:?})");
                    web_sys::console::warn_1(&error.clone().into());
                    error
                })
        });
        link.as_ref().map(|_| ()).map_err(Clone::clone)
    })
}

fn post_to_worker(engine: Engine, wire: &ToWorker, payload: Payload) {
    let sent = pack(wire, payload).and_then(|(message, transfer)| {
        with_link(engine, |link| {
            link.worker
                .post_message_with_transfer(&message, &transfer)
                .map_err(|e| format!("{e:?}"))
        })
        .unwrap_or(Ok(()))
    });
    if let Err(error) = sent {
        web_sys::console::error_1(
            &format!("could not message the training worker: {error}").into(),
        );
    }
}

/// Starts the WebGPU trainer (its worker and module, the first time) and WebGPU in it.
pub async fn start_webgpu() -> Result<WebGpuReady, String> {
    ensure_link(Engine::WebGpu)?;
    let (reply, answer) = oneshot::channel();
    with_link(Engine::WebGpu, |link| link.starting.push((reply, now_ms())));
    post_to_worker(Engine::WebGpu, &ToWorker::Init, Payload::default());
    answer
        .await
        .map_err(|_| "the WebGPU trainer stopped".to_string())?
}

/// Starts `setup` in the engine's worker (starting the worker first, if need be); `None` when
/// the browser cannot run one.
pub fn start(setup: &Setup, engine: Engine, events: Callback<Event>) -> Option<Session> {
    ensure_link(engine).ok()?;
    let (id, data_id, send_data) = with_link(engine, |link| {
        link.next_id += 1;
        let id = link.next_id;
        link.sessions.insert(
            id,
            Remote {
                events,
                config: setup.config.clone(),
                model: None,
                captures: HashMap::new(),
            },
        );
        let known = link
            .data
            .as_ref()
            .filter(|(set, _)| {
                set.upgrade()
                    .is_some_and(|set| Rc::ptr_eq(&set, &setup.data))
            })
            .map(|(_, data_id)| *data_id);
        match known {
            Some(data_id) => (id, data_id, false),
            None => {
                link.data = Some((Rc::downgrade(&setup.data), id));
                (id, id, true)
            }
        }
    })?;
    let mut payload = Payload {
        bytes: setup
            .start_from
            .as_ref()
            .map(|checkpoint| Uint8Array::from(&checkpoint.to_bytes()[..])),
        ..Payload::default()
    };
    if send_data {
        payload.pixels = Some(Float32Array::from(&setup.data.pixels[..]));
        payload.labels = setup.data.labels.as_deref().map(Uint8Array::from);
    }
    let wire = ToWorker::Start {
        session: id,
        config: setup.config.clone(),
        hyper: setup.hyper.clone(),
        seed: setup.seed,
        data: data_id,
        shape: setup.data.shape,
        start_from: setup.start_from.is_some(),
    };
    post_to_worker(engine, &wire, payload);
    Some(Session { engine, id })
}

fn spawn(engine: Engine) -> Result<web_sys::Worker, JsValue> {
    let page_glue = GLUE_URL.with(String::clone);
    // Trunk names the trainer's files without a hash: the page's own hashed glue name, as a query,
    // keeps a cached trainer from an older build (with other messages) from being used.
    let beside_page = |file: &str| -> Result<String, JsValue> {
        let url = web_sys::Url::new_with_base(file, &page_glue)?;
        let build = page_glue.rsplit('/').next().unwrap_or_default();
        url.search_params().set("page", build);
        Ok(url.href())
    };
    // The CPU worker instantiates the page's own compiled module; the WebGPU one fetches its own.
    let (glue, module, name) = match engine {
        Engine::Cpu => (page_glue.clone(), wasm_bindgen::module(), "trainer"),
        Engine::WebGpu => (
            beside_page(WEBGPU_GLUE)?,
            JsValue::from(beside_page(WEBGPU_WASM)?),
            "webgpu-trainer",
        ),
    };
    let glue = serde_json::to_string(&glue).map_err(|e| JsValue::from_str(&e.to_string()))?;
    // The first message is the module; messages that arrive while it instantiates wait in
    // `early`, in order.
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
  }}, (error) => self.postMessage({{
    json: JSON.stringify({{ Panicked: "the training worker could not start: " + error }}),
  }}));
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
    let worker = web_sys::Worker::new_with_options(&url, &options)?;
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            on_worker_message(engine, event.data())
        });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // An `ErrorEvent` for an uncaught exception, a plain `Event` when its script cannot load.
    let on_error = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let message = Reflect::get(&event, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "its code could not be loaded".into());
        worker_failed(engine, format!("the training worker failed: {message}"))
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // They live as long as the worker, which lives as long as the page.
    on_message.forget();
    on_error.forget();
    worker.post_message(&module)?;
    Ok(worker)
}

/// The worker is gone: its sessions fail, and later CPU sessions run on the page's thread.
fn worker_failed(engine: Engine, error: String) {
    web_sys::console::error_1(&error.clone().into());
    let link = LINKS.with_borrow_mut(|links| links.insert(engine, Err(error.clone())));
    if let Some(Ok(link)) = link {
        link.worker.terminate();
        for (reply, _) in link.starting {
            let _ = reply.send(Err(error.clone()));
        }
        for remote in link.sessions.into_values() {
            remote.events.emit(Event::Failed(error.clone()));
        }
    }
}

fn on_worker_message(engine: Engine, message: JsValue) {
    let (wire, payload) = match unpack::<FromWorker>(&message) {
        Ok(unpacked) => unpacked,
        Err(error) => {
            return web_sys::console::error_1(
                &format!("unreadable message from the training worker: {error}").into(),
            );
        }
    };
    let session = match wire {
        FromWorker::Panicked(error) => return worker_failed(engine, error),
        FromWorker::Ready(result) => {
            let waiting = with_link(engine, |link| std::mem::take(&mut link.starting));
            for (reply, since) in waiting.unwrap_or_default() {
                let result = result.clone().map(|ready| WebGpuReady {
                    start_ms: now_ms() - since,
                    ..ready
                });
                // The page may have stopped waiting.
                let _ = reply.send(result);
            }
            return;
        }
        FromWorker::Model(id)
        | FromWorker::Points(id, _)
        | FromWorker::Stepped(id, ..)
        | FromWorker::HeldOut(id, ..)
        | FromWorker::Running(id, _)
        | FromWorker::Failed(id, _)
        | FromWorker::Captured(id, ..) => id,
    };
    // Events of a session that has ended are dropped.
    let Some((events, config, model)) = with_link(engine, |link| {
        link.sessions
            .get(&session)
            .map(|r| (r.events.clone(), r.config.clone(), r.model.clone()))
    })
    .flatten() else {
        return;
    };
    let event = match wire {
        FromWorker::Model(_) => {
            let weights = payload.weights.map(|w| w.to_vec()).unwrap_or_default();
            // The session's first model gives the structure the weights are poured into.
            let template = match model {
                Some(model) => Ok(model),
                None => config
                    .init(&Device::flex())
                    .map(Rc::new)
                    .map_err(|e| e.to_string()),
            };
            match template.and_then(|t| with_weights(&*t, &weights).map_err(|e| e.to_string())) {
                Ok(model) => {
                    let model = Rc::new(model);
                    with_link(engine, |link| {
                        if let Some(remote) = link.sessions.get_mut(&session) {
                            remote.model = Some(model.clone());
                        }
                    });
                    Event::Model(model)
                }
                Err(error) => Event::Failed(error),
            }
        }
        FromWorker::Points(_, points) => Event::Points(Rc::new(points)),
        FromWorker::Stepped(_, reports, epoch) => Event::Stepped(reports, epoch),
        FromWorker::HeldOut(_, step, value) => Event::HeldOut(step, value),
        FromWorker::Running(_, running) => Event::Running(running),
        FromWorker::Failed(_, error) => Event::Failed(error),
        FromWorker::Captured(_, capture, result) => {
            let reply = with_link(engine, |link| {
                link.sessions
                    .get_mut(&session)
                    .and_then(|remote| remote.captures.remove(&capture))
            })
            .flatten();
            let checkpoint = result.and_then(|()| {
                let bytes = payload.bytes.map(|b| b.to_vec()).unwrap_or_default();
                Checkpoint::from_bytes(&bytes).map_err(|e| e.to_string())
            });
            if let Some(reply) = reply {
                // The page may have stopped waiting.
                let _ = reply.send(checkpoint);
            }
            return;
        }
        FromWorker::Panicked(_) | FromWorker::Ready(_) => return,
    };
    events.emit(event);
}

// ---------------------------------------------------------------------------------------------
// The worker's side.

struct Here {
    /// The running session's id and inbox.
    session: Option<(u64, UnboundedSender<Command>)>,
    data: Option<(u64, Rc<ImageSet>)>,
    /// Where sessions train: WebGPU once `Init` has started it, else the CPU.
    device: Option<Device>,
}

thread_local! {
    static HERE: RefCell<Here> = const {
        RefCell::new(Here {
            session: None,
            data: None,
            device: None,
        })
    };
}

/// Starts WebGPU in the WebGPU trainer and compiles the decoder's kernels (the probe).
#[cfg(feature = "wgpu")]
async fn init_here() -> Result<WebGpuReady, String> {
    let (device, adapter) = super::backend::init_webgpu().await?;
    let probe = super::loaders::probe(&device).await;
    HERE.with_borrow_mut(|here| here.device = Some(device));
    Ok(WebGpuReady {
        adapter,
        start_ms: 0.0,
        probe,
    })
}

#[cfg(not(feature = "wgpu"))]
async fn init_here() -> Result<WebGpuReady, String> {
    Err("this module was built without WebGPU".into())
}

/// In the worker, instead of mounting the page: a panic ends every session, so the page hears
/// of it.
pub fn start_in_worker() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post_to_page(&FromWorker::Panicked(info.to_string()), Payload::default());
    }));
}

fn post_to_page(wire: &FromWorker, payload: Payload) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let sent = pack(wire, payload).and_then(|(message, transfer)| {
        scope
            .post_message_with_transfer(&message, &transfer)
            .map_err(|e| format!("{e:?}"))
    });
    if let Err(error) = sent {
        web_sys::console::error_1(&format!("could not message the page: {error}").into());
    }
}

/// A message from the page (the worker's `onmessage`).
#[wasm_bindgen]
pub fn worker_message(message: JsValue) {
    let (wire, payload) = match unpack::<ToWorker>(&message) {
        Ok(unpacked) => unpacked,
        Err(error) => {
            return web_sys::console::error_1(
                &format!("unreadable message from the page: {error}").into(),
            );
        }
    };
    let command = |id: u64, command: Command| {
        HERE.with_borrow(|here| {
            if let Some((session, inbox)) = &here.session
                && *session == id
            {
                // A closed inbox: the session ended after reporting why.
                let _ = inbox.unbounded_send(command);
            }
        })
    };
    match wire {
        ToWorker::Init => spawn_local(async {
            let ready = init_here().await;
            post_to_page(&FromWorker::Ready(ready), Payload::default());
        }),
        ToWorker::Start {
            session,
            config,
            hyper,
            seed,
            data,
            shape,
            start_from,
        } => {
            if let Err(error) = start_here(
                session,
                config,
                hyper,
                seed,
                (data, shape),
                start_from,
                payload,
            ) {
                post_to_page(&FromWorker::Failed(session, error), Payload::default());
            }
        }
        ToWorker::Run(id, run) => command(id, Command::Run(run)),
        ToWorker::Step(id) => command(id, Command::Step),
        ToWorker::Hyper(id, hyper) => command(id, Command::Hyper(hyper)),
        ToWorker::Capture(id, capture) => {
            let (reply, answer) = oneshot::channel();
            command(id, Command::Capture(reply));
            spawn_local(async move {
                let (result, bytes) = match answer.await {
                    Ok(Ok(checkpoint)) => {
                        (Ok(()), Some(Uint8Array::from(&checkpoint.to_bytes()[..])))
                    }
                    Ok(Err(error)) => (Err(error), None),
                    Err(_) => (
                        Err("training restarted before the model was copied".into()),
                        None,
                    ),
                };
                let payload = Payload {
                    bytes,
                    ..Payload::default()
                };
                post_to_page(&FromWorker::Captured(id, capture, result), payload);
            });
        }
        ToWorker::Stop(id) => HERE.with_borrow_mut(|here| {
            // Dropping the inbox's sender ends the session's task.
            if here
                .session
                .as_ref()
                .is_some_and(|(session, _)| *session == id)
            {
                here.session = None;
            }
        }),
    }
}

fn start_here(
    session: u64,
    config: VaeConfig,
    hyper: Hyper,
    seed: u64,
    (data_id, shape): (u64, ImageShape),
    start_from: bool,
    payload: Payload,
) -> Result<(), String> {
    let data = match payload.pixels {
        Some(pixels) => {
            let set = Rc::new(ImageSet {
                shape,
                pixels: pixels.to_vec(),
                labels: payload.labels.map(|l| l.to_vec()),
            });
            HERE.with_borrow_mut(|here| here.data = Some((data_id, set.clone())));
            set
        }
        None => HERE
            .with_borrow(|here| {
                here.data
                    .as_ref()
                    .filter(|(id, _)| *id == data_id)
                    .map(|(_, set)| set.clone())
            })
            .ok_or("the training worker lost the data set")?,
    };
    let start_from = match (start_from, payload.bytes) {
        (true, Some(bytes)) => Some(Rc::new(
            Checkpoint::from_bytes(&bytes.to_vec()).map_err(|e| e.to_string())?,
        )),
        (true, None) => return Err("the model to start from did not arrive".into()),
        (false, _) => None,
    };
    // Reports go out in order: the model's weights are read (at once, on the CPU) before the
    // next event is sent.
    let (outbox, mut reports) = unbounded::<Event>();
    spawn_local(async move {
        while let Some(event) = reports.next().await {
            let (wire, payload) = match event {
                Event::Model(vae) => match read_weights(&*vae).await {
                    Ok(weights) => (
                        FromWorker::Model(session),
                        Payload {
                            weights: Some(Float32Array::from(&weights[..])),
                            ..Payload::default()
                        },
                    ),
                    Err(error) => (
                        FromWorker::Failed(session, error.to_string()),
                        Payload::default(),
                    ),
                },
                Event::Points(points) => (
                    FromWorker::Points(session, (*points).clone()),
                    Payload::default(),
                ),
                Event::Stepped(steps, epoch) => (
                    FromWorker::Stepped(session, steps, epoch),
                    Payload::default(),
                ),
                Event::HeldOut(step, value) => (
                    FromWorker::HeldOut(session, step, value),
                    Payload::default(),
                ),
                Event::Running(running) => {
                    (FromWorker::Running(session, running), Payload::default())
                }
                Event::Failed(error) => (FromWorker::Failed(session, error), Payload::default()),
            };
            post_to_page(&wire, payload);
        }
    });
    let events = Callback::from(move |event| {
        let _ = outbox.unbounded_send(event);
    });
    let (commands, inbox) = unbounded();
    // The previous session's inbox closes here, which ends its task.
    HERE.with_borrow_mut(|here| here.session = Some((session, commands)));
    let setup = Setup {
        config,
        hyper,
        seed,
        data,
        start_from,
    };
    let device = HERE
        .with_borrow(|here| here.device.clone())
        .unwrap_or_else(Device::flex);
    spawn_local(session::run(setup, device, inbox, events));
    Ok(())
}
