//! The worker's side: runs the page's sessions (one at a time) and posts their events back.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use futures::channel::oneshot;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

use super::{post, receive};
use crate::data::ImageSet;
use crate::page::protocol::{DataSet, Floats, FromWorker, StartSession, ToWorker};
use crate::page::{SessionEvent, WebGpuReady};
use crate::vae::{Checkpoint, read_weights};
use crate::web::errors::js_message;
use crate::web::session::{self, Command, Event, Setup};

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
    let (device, adapter) = crate::web::backend::init_webgpu().await?;
    let probe = crate::page::inference::probe(&device).await;
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
        post_to_page(&FromWorker::Panicked(info.to_string()));
    }));
}

fn post_to_page(message: &FromWorker) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if let Err(error) = post(message, |m, t| scope.post_message_with_transfer(m, t)) {
        web_sys::console::error_1(
            &format!("could not message the page: {}", js_message(&error)).into(),
        );
    }
}

/// A message from the page (the worker's `onmessage`).
#[wasm_bindgen]
pub fn worker_message(data: JsValue) {
    let message = match receive::<ToWorker>(&data) {
        Ok(message) => message,
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
    match message {
        ToWorker::Init => spawn_local(async {
            let ready = init_here().await;
            post_to_page(&FromWorker::Ready(ready));
        }),
        ToWorker::Start(start) => {
            let session = start.session;
            if let Err(error) = start_here(*start) {
                post_to_page(&FromWorker::Failed { session, error });
            }
        }
        ToWorker::Run { session, run } => command(session, Command::Run(run)),
        ToWorker::Step { session } => command(session, Command::Step),
        ToWorker::Hyper { session, hyper } => command(session, Command::Hyper(hyper)),
        ToWorker::Capture { session, capture } => {
            let (reply, answer) = oneshot::channel();
            command(session, Command::Capture(reply));
            spawn_local(async move {
                let file = match answer.await {
                    Ok(Ok(checkpoint)) => Ok(checkpoint.to_bytes().into()),
                    Ok(Err(error)) => Err(error),
                    Err(_) => Err("training restarted before the model was copied".into()),
                };
                post_to_page(&FromWorker::Captured {
                    session,
                    capture,
                    file,
                });
            });
        }
        ToWorker::Stop { session } => HERE.with_borrow_mut(|here| {
            // Dropping the inbox's sender ends the session's task.
            if here.session.as_ref().is_some_and(|(id, _)| *id == session) {
                here.session = None;
            }
        }),
    }
}

fn start_here(start: StartSession) -> Result<(), String> {
    let StartSession {
        session,
        config,
        hyper,
        seed,
        data,
        start_from,
    } = start;
    let data = match data {
        DataSet::New {
            id,
            shape,
            pixels,
            labels,
        } => {
            let set = Rc::new(ImageSet {
                shape,
                pixels: pixels.into_vec(),
                labels: labels.map(|l| l.into_vec()),
            });
            HERE.with_borrow_mut(|here| here.data = Some((id, set.clone())));
            set
        }
        DataSet::Known(id) => HERE
            .with_borrow(|here| {
                here.data
                    .as_ref()
                    .filter(|(known, _)| *known == id)
                    .map(|(_, set)| set.clone())
            })
            .ok_or("the training worker lost the data set")?,
    };
    let start_from = start_from
        .map(|bytes| Checkpoint::from_bytes(&bytes.0).map(Rc::new))
        .transpose()
        .map_err(|e| e.to_string())?;
    // Reports go out in order: the model's weights are read (at once, on the CPU) before the
    // next event is sent.
    let (outbox, mut events) = unbounded::<Event>();
    spawn_local(async move {
        while let Some(event) = events.next().await {
            post_to_page(&to_page(session, event).await);
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

/// A session's event as a message to the page.
async fn to_page(session: u64, event: Event) -> FromWorker {
    match event {
        Event::Model(vae) => match read_weights(&*vae).await {
            Ok(weights) => FromWorker::Model {
                session,
                weights: Floats::from(weights),
            },
            Err(error) => FromWorker::Failed {
                session,
                error: error.to_string(),
            },
        },
        Event::Points(points) => FromWorker::Points {
            session,
            points: (*points).clone(),
        },
        // Only the page's side of a worker says that it stopped.
        Event::Lost(error) => FromWorker::Failed { session, error },
        Event::Report(report) => match report {
            SessionEvent::Stepped(reports, epoch) => FromWorker::Stepped {
                session,
                reports,
                epoch,
            },
            SessionEvent::HeldOut(step, negative_elbo) => FromWorker::HeldOut {
                session,
                step,
                negative_elbo,
            },
            SessionEvent::Running(running) => FromWorker::Running { session, running },
            SessionEvent::Failed(error) => FromWorker::Failed { session, error },
        },
    }
}
