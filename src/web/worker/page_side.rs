//! The page's side of the training workers: starting them, sending sessions and commands, and
//! turning their messages back into the session's events.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use burn::tensor::Device;
use futures::channel::oneshot;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use yew::Callback;

use super::{post, receive};
use crate::data::ImageSet;
use crate::page::protocol::{Bytes, DataSet, Floats, FromWorker, StartSession, ToWorker};
use crate::page::{Engine, SessionEvent, WebGpuReady};
use crate::vae::{Checkpoint, Vae, VaeConfig, with_weights};
use crate::web::errors::js_message;
use crate::web::session::{Command, Event, Setup};
use crate::web::tasks::now_ms;

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

/// A session running in a worker; ends it when dropped.
pub struct RemoteSession {
    engine: Engine,
    id: u64,
}

impl RemoteSession {
    pub fn send(&self, command: Command) {
        let session = self.id;
        let message = match command {
            Command::Run(run) => ToWorker::Run { session, run },
            Command::Step => ToWorker::Step { session },
            Command::Hyper(hyper) => ToWorker::Hyper { session, hyper },
            Command::Capture(reply) => {
                let capture = with_link(self.engine, |link| {
                    let capture = next_id();
                    if let Some(remote) = link.sessions.get_mut(&session) {
                        remote.captures.insert(capture, reply);
                    }
                    capture
                });
                match capture {
                    Some(capture) => ToWorker::Capture { session, capture },
                    None => return,
                }
            }
        };
        post_to_worker(self.engine, &message);
    }
}

impl Drop for RemoteSession {
    fn drop(&mut self) {
        let session = self.id;
        with_link(self.engine, |link| link.sessions.remove(&session));
        post_to_worker(self.engine, &ToWorker::Stop { session });
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
    /// The data set the worker holds, so that a new session on the same data sends no pixels.
    data: Option<(Weak<ImageSet>, u64)>,
    /// Waiting for the WebGPU trainer's `Ready`, and since when (ms).
    starting: Vec<(oneshot::Sender<Result<WebGpuReady, String>>, f64)>,
}

/// Workers that may stop before the page gives up on workers: a worker that stops is replaced
/// by a fresh one, but one that keeps stopping leaves CPU sessions to the page's thread.
const LOSSES_BEFORE_GIVING_UP: u32 = 2;

thread_local! {
    /// The page's workers, each started when first needed. `Err` (why) once one could not
    /// start or has stopped too often: CPU sessions then run on the page's thread.
    static LINKS: RefCell<HashMap<Engine, Result<Link, String>>> = RefCell::new(HashMap::new());
    static LOSSES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    static NEXT_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Ids of sessions and copies, never reused while the page lives: a session of a worker that
/// stopped is never mistaken for one of its successor's.
fn next_id() -> u64 {
    NEXT_ID.set(NEXT_ID.get() + 1);
    NEXT_ID.get()
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
                    data: None,
                    starting: Vec::new(),
                })
                .map_err(|error| {
                    let error = format!(
                        "the training worker could not start ({})",
                        js_message(&error)
                    );
                    web_sys::console::warn_1(&error.clone().into());
                    error
                })
        });
        link.as_ref().map(|_| ()).map_err(Clone::clone)
    })
}

fn post_to_worker(engine: Engine, message: &ToWorker) {
    let sent = with_link(engine, |link| {
        post(message, |m, t| link.worker.post_message_with_transfer(m, t))
    });
    if let Some(Err(error)) = sent {
        web_sys::console::error_1(
            &format!(
                "could not message the training worker: {}",
                js_message(&error)
            )
            .into(),
        );
    }
}

/// Starts the WebGPU trainer (its worker and module, the first time) and WebGPU in it.
pub async fn start_webgpu() -> Result<WebGpuReady, String> {
    ensure_link(Engine::WebGpu)?;
    let (reply, answer) = oneshot::channel();
    with_link(Engine::WebGpu, |link| link.starting.push((reply, now_ms())));
    post_to_worker(Engine::WebGpu, &ToWorker::Init);
    answer
        .await
        .map_err(|_| "the WebGPU trainer stopped".to_string())?
}

/// Starts `setup` in the engine's worker (starting the worker first, if need be); `None` when
/// the browser cannot run one.
pub fn start(setup: &Setup, engine: Engine, events: Callback<Event>) -> Option<RemoteSession> {
    ensure_link(engine).ok()?;
    let (session, known) = with_link(engine, |link| {
        let session = next_id();
        link.sessions.insert(
            session,
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
            .map(|(_, id)| *id);
        if known.is_none() {
            link.data = Some((Rc::downgrade(&setup.data), session));
        }
        (session, known)
    })?;
    let data = match known {
        Some(id) => DataSet::Known(id),
        None => DataSet::New {
            id: session,
            shape: setup.data.shape,
            pixels: Floats(setup.data.pixels.as_slice().into()),
            labels: setup.data.labels.as_deref().map(|l| Bytes(l.into())),
        },
    };
    let message = ToWorker::Start(Box::new(StartSession {
        session,
        config: setup.config.clone(),
        hyper: setup.hyper.clone(),
        seed: setup.seed,
        data,
        start_from: setup.start_from.as_ref().map(|c| c.to_bytes().into()),
    }));
    post_to_worker(engine, &message);
    Some(RemoteSession {
        engine,
        id: session,
    })
}

/// A file of this build beside the page's glue. Trunk names the trainer's files without a hash:
/// the page's own hashed glue name, as a query, keeps a cached trainer from an older build (with
/// other messages) from being used.
fn beside_page(file: &str) -> Result<String, JsValue> {
    let page_glue = GLUE_URL.with(String::clone);
    let url = web_sys::Url::new_with_base(file, &page_glue)?;
    let build = page_glue.rsplit('/').next().unwrap_or_default();
    url.search_params().set("page", build);
    Ok(url.href())
}

/// The WebGPU trainer's glue and module, as its worker fetches them.
pub fn trainer_urls() -> Result<[String; 2], JsValue> {
    Ok([beside_page(WEBGPU_GLUE)?, beside_page(WEBGPU_WASM)?])
}

fn spawn(engine: Engine) -> Result<web_sys::Worker, JsValue> {
    // The CPU worker instantiates the page's own compiled module; the WebGPU one fetches its own.
    let (glue, module, name) = match engine {
        Engine::Cpu => (
            GLUE_URL.with(String::clone),
            wasm_bindgen::module(),
            "trainer",
        ),
        Engine::WebGpu => {
            let [glue, module] = trainer_urls()?;
            (glue, JsValue::from(module), "webgpu-trainer")
        }
    };
    let worker = super::spawn_worker(&glue, name)?;
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

/// The worker is gone: its sessions hear so (the page goes on in a fresh worker, or, once
/// workers have stopped too often, on its own thread).
fn worker_failed(engine: Engine, error: String) {
    web_sys::console::error_1(&error.clone().into());
    let losses = LOSSES.get() + 1;
    LOSSES.set(losses);
    let link = LINKS.with_borrow_mut(|links| {
        if losses >= LOSSES_BEFORE_GIVING_UP {
            links.insert(engine, Err(error.clone()))
        } else {
            links.remove(&engine)
        }
    });
    if let Some(Ok(link)) = link {
        link.worker.terminate();
        for (reply, _) in link.starting {
            let _ = reply.send(Err(error.clone()));
        }
        for remote in link.sessions.into_values() {
            for (_, reply) in remote.captures {
                let _ = reply.send(Err(error.clone()));
            }
            remote.events.emit(Event::Lost(error.clone()));
        }
    }
}

fn on_worker_message(engine: Engine, data: JsValue) {
    // Text comes from the worker's bootstrap script: the module could not start there.
    if let Some(error) = data.as_string() {
        return worker_failed(engine, error);
    }
    let message = match receive::<FromWorker>(&data) {
        Ok(message) => message,
        Err(error) => {
            return web_sys::console::error_1(
                &format!("unreadable message from the training worker: {error}").into(),
            );
        }
    };
    let Some(session) = message.session() else {
        match message {
            FromWorker::Panicked(error) => worker_failed(engine, error),
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
            }
            _ => {}
        }
        return;
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
    let event = match message {
        FromWorker::Model { weights, .. } => match model_from(&config, model, &weights.0) {
            Ok(model) => {
                with_link(engine, |link| {
                    if let Some(remote) = link.sessions.get_mut(&session) {
                        remote.model = Some(model.clone());
                    }
                });
                Event::Model(model)
            }
            Err(error) => Event::Report(SessionEvent::Failed(error)),
        },
        FromWorker::Points { points, .. } => Event::Points(Rc::new(points)),
        FromWorker::Stepped { reports, epoch, .. } => {
            Event::Report(SessionEvent::Stepped(reports, epoch))
        }
        FromWorker::HeldOut {
            step,
            negative_elbo,
            ..
        } => Event::Report(SessionEvent::HeldOut(step, negative_elbo)),
        FromWorker::Running { running, .. } => Event::Report(SessionEvent::Running(running)),
        FromWorker::Failed { error, .. } => Event::Report(SessionEvent::Failed(error)),
        FromWorker::Captured { capture, file, .. } => {
            let reply = with_link(engine, |link| {
                link.sessions
                    .get_mut(&session)
                    .and_then(|remote| remote.captures.remove(&capture))
            })
            .flatten();
            let checkpoint =
                file.and_then(|bytes| Checkpoint::from_bytes(&bytes.0).map_err(|e| e.to_string()));
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

/// The session's weights poured into a CPU model: the session's first model gives the
/// structure.
fn model_from(
    config: &VaeConfig,
    template: Option<Rc<Vae>>,
    weights: &[f32],
) -> Result<Rc<Vae>, String> {
    let template = match template {
        Some(model) => model,
        None => Rc::new(config.init(&Device::flex()).map_err(|e| e.to_string())?),
    };
    with_weights(&*template, weights)
        .map(Rc::new)
        .map_err(|e| e.to_string())
}
