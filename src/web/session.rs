//! The training session: one async task that owns the trainer and the data, takes commands from
//! the page, and reports back. It runs in a training worker (`worker.rs`), so a step never holds
//! up the page: the page's own module on the CPU, the WebGPU trainer module on WebGPU. Where the
//! browser cannot start a worker, CPU sessions run on the page's thread, yielding to the event
//! loop after every step.

use std::rc::Rc;

use burn::tensor::{Device, Tensor, TensorData};
use futures::StreamExt;
use futures::channel::mpsc::{TryRecvError, UnboundedReceiver, UnboundedSender, unbounded};
use futures::channel::oneshot;
use serde::{Deserialize, Serialize};
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

use super::backend::Engine;
use super::{now_ms, worker};
use crate::data::{Batches, ImageSet};
use crate::vae::{Checkpoint, Hyper, StepReport, Trainer, Vae, VaeConfig, to_cpu};

/// How often the page gets a fresh copy of the weights for drawing (ms of training), at least.
const MODEL_REFRESH_MS: f64 = 400.0;
/// How often the plane's points are re-encoded (ms of training), at least.
const POINTS_REFRESH_MS: f64 = 1500.0;
/// Refreshing the page's view (copying weights, encoding the plane's points, drawing) takes at
/// most about 1/(1 + this) of the time, so that it never dominates training.
const TRAIN_TO_REFRESH: f64 = 6.0;
/// Step reports go to the page in batches, at most this often (ms): re-rendering after every
/// step would leave the page no time to draw the cursor's decoding.
const REPORT_EVERY_MS: f64 = 100.0;
/// Held-out negative ELBO every this many steps.
const EVALUATE_EVERY: u64 = 50;
/// Images encoded for the plane and scored for the held-out ELBO.
pub const HELD_OUT: usize = 1000;

/// How many of `len` images are kept aside (the last ones).
pub fn held_out_count(len: usize) -> usize {
    HELD_OUT.min(len / 5)
}

pub enum Command {
    Run(bool),
    Step,
    Hyper(Hyper),
    /// A copy of the model as it is now (for saving), sent back on the channel.
    Capture(oneshot::Sender<Result<Checkpoint, String>>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanePoint {
    /// The posterior mean, all latent dimensions.
    pub mean: Vec<f32>,
    /// The posterior's standard deviations, all latent dimensions.
    pub sigma: Vec<f32>,
    pub label: Option<u8>,
}

/// The plane as a slice of a latent space of any size: the two dimensions it shows, and the
/// values every other dimension is held at.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub dims: [usize; 2],
    pub base: Vec<f32>,
}

impl Slice {
    /// The first two dimensions, the others at the prior's mean (0).
    pub fn origin(latent: usize) -> Self {
        Self {
            dims: [0, 1.min(latent.saturating_sub(1))],
            base: vec![0.0; latent],
        }
    }

    /// A full latent vector's place on the plane.
    pub fn project(&self, v: &[f32]) -> [f32; 2] {
        let at = |d: usize| v.get(d).copied().unwrap_or(0.0);
        [at(self.dims[0]), at(self.dims[1])]
    }

    /// A point of the plane as a full latent vector.
    pub fn embed(&self, p: [f32; 2]) -> Vec<f32> {
        let mut z = self.base.clone();
        if let Some(v) = z.get_mut(self.dims[1]) {
            *v = p[1];
        }
        // With one latent dimension both axes are that dimension; x wins.
        if let Some(v) = z.get_mut(self.dims[0]) {
            *v = p[0];
        }
        z
    }
}

pub enum Event {
    Model(Rc<Vae>),
    Points(Rc<Vec<PlanePoint>>),
    /// Steps since the last report, and the epoch.
    Stepped(Vec<StepReport>, usize),
    HeldOut(u64, f32),
    Running(bool),
    Failed(String),
}

/// Ends the session's task when dropped.
pub enum Session {
    /// On the page's own thread.
    Here(UnboundedSender<Command>),
    InWorker(worker::Session),
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

pub struct Setup {
    pub config: VaeConfig,
    pub hyper: Hyper,
    pub seed: u64,
    /// The training images; the last `HELD_OUT` are kept aside.
    pub data: Rc<ImageSet>,
    /// Weights to start from (a pretrained or saved model); fresh ones when `None`.
    pub start_from: Option<Rc<Checkpoint>>,
}

/// Starts a session in the engine's training worker. Without a worker, a CPU session runs here;
/// a WebGPU one cannot (the page's module has no WebGPU) and fails.
pub fn start(setup: Setup, engine: Engine, events: Callback<Event>) -> Session {
    if let Some(session) = worker::start(&setup, engine, events.clone()) {
        return Session::InWorker(session);
    }
    let (commands, inbox) = unbounded();
    match engine {
        Engine::Cpu => spawn_local(run(setup, Device::flex(), inbox, events)),
        Engine::WebGpu => events.emit(Event::Failed("the WebGPU trainer is not running".into())),
    }
    Session::Here(commands)
}

/// The session's task on `device`: ends when the inbox closes.
pub async fn run(
    setup: Setup,
    device: Device,
    mut inbox: UnboundedReceiver<Command>,
    events: Callback<Event>,
) {
    // Adam's moments are saved and resumed on the CPU only: burn rebuilds a saved optimizer's
    // state on `Device::default()` (the CPU in the page's module, but not in the WebGPU
    // trainer's), and reads it synchronously, which WebGPU in the browser forbids. A WebGPU
    // session carries on with fresh moments (weights, step and RNG are exact).
    let keeps_adam = device == Device::flex();
    let trainer = match setup.start_from {
        Some(checkpoint) => {
            let mut checkpoint = (*checkpoint).clone();
            // The page's settings, not the ones the file was trained with.
            checkpoint.hyper = setup.hyper;
            if !keeps_adam {
                checkpoint.forget_optimizers();
            }
            checkpoint
                .into_trainer(setup.seed, &device)
                .map_err(|e| e.to_string())
        }
        None => {
            Trainer::new(setup.config, setup.hyper, setup.seed, &device).map_err(|e| e.to_string())
        }
    };
    let mut trainer = match trainer {
        Ok(trainer) => trainer,
        Err(error) => return events.emit(Event::Failed(error)),
    };
    // Batches index the first images of the shared set; only the held-out tail is copied.
    let train = setup.data;
    let held_out_len = held_out_count(train.len());
    let held_out = Rc::new(train.last(held_out_len));
    let mut batches = Batches::new(train.len() - held_out_len, setup.seed);
    let mut running = false;
    let mut pending_steps = 0u32;
    let mut next_model = f64::NEG_INFINITY;
    let mut next_points = f64::NEG_INFINITY;
    let mut last_report = f64::NEG_INFINITY;
    let mut reports = Vec::new();

    if let Err(error) = publish(&trainer, &held_out, &events, true).await {
        return events.emit(Event::Failed(error));
    }
    loop {
        // Take every waiting command; when idle, sleep until the next one.
        let idle = !running && pending_steps == 0;
        let next = if idle {
            // Nothing may stay unreported while the session waits.
            if !reports.is_empty() {
                events.emit(Event::Stepped(std::mem::take(&mut reports), batches.epoch));
            }
            match inbox.next().await {
                Some(command) => Some(command),
                None => return,
            }
        } else {
            match inbox.try_recv() {
                Ok(command) => Some(command),
                Err(TryRecvError::Closed) => return,
                Err(TryRecvError::Empty) => None,
            }
        };
        if let Some(command) = next {
            match command {
                Command::Run(run) => {
                    let pausing = running && !run;
                    running = run;
                    if !reports.is_empty() {
                        events.emit(Event::Stepped(std::mem::take(&mut reports), batches.epoch));
                    }
                    // Paused: the canvases show the weights as they are, not a copy from
                    // up to a refresh period ago.
                    if pausing && let Err(error) = publish(&trainer, &held_out, &events, true).await
                    {
                        return events.emit(Event::Failed(error));
                    }
                    events.emit(Event::Running(run));
                }
                Command::Step => pending_steps += 1,
                Command::Hyper(hyper) => trainer.hyper = hyper,
                Command::Capture(reply) => {
                    let meta = serde_json::Value::Null;
                    let checkpoint = Checkpoint::capture(&trainer, meta, keeps_adam)
                        .await
                        .map_err(|e| e.to_string());
                    // The page may have stopped waiting.
                    let _ = reply.send(checkpoint);
                }
            }
            continue;
        }

        let indices = batches.next_batch(trainer.hyper.batch_size);
        let images = train.batch(&indices, trainer.device());
        let report = match trainer.step(images).await {
            Ok(report) => report,
            Err(error) => return events.emit(Event::Failed(error.to_string())),
        };
        pending_steps = pending_steps.saturating_sub(1);
        let step = report.step;
        reports.push(report);
        let now = now_ms();
        let stopping = !running && pending_steps == 0;
        if stopping || now - last_report > REPORT_EVERY_MS {
            events.emit(Event::Stepped(std::mem::take(&mut reports), batches.epoch));
            last_report = now;
        }

        if step % EVALUATE_EVERY == 0 {
            let images = held_out.batch(&(0..held_out.len()).collect::<Vec<_>>(), trainer.device());
            match trainer.evaluate(images).await {
                Ok(evaluation) => events.emit(Event::HeldOut(step, evaluation.negative_elbo())),
                Err(error) => return events.emit(Event::Failed(error.to_string())),
            }
        }
        if stopping || now > next_model {
            let with_points = stopping || now > next_points;
            if let Err(error) = publish(&trainer, &held_out, &events, with_points).await {
                return events.emit(Event::Failed(error));
            }
            let cost = now_ms() - now;
            next_model = now + MODEL_REFRESH_MS.max(TRAIN_TO_REFRESH * cost);
            if with_points {
                next_points = now + POINTS_REFRESH_MS.max(TRAIN_TO_REFRESH * cost);
            }
        }
        // Let the page draw and handle input between steps (in the worker: take commands).
        yield_to_browser().await;
    }
}

/// Sends a CPU copy of the weights and, with `points`, the held-out images' encodings.
async fn publish(
    trainer: &Trainer,
    held_out: &ImageSet,
    events: &Callback<Event>,
    points: bool,
) -> Result<(), String> {
    let vae = Rc::new(to_cpu(trainer.vae()).await.map_err(|e| e.to_string())?);
    events.emit(Event::Model(vae.clone()));
    if points {
        let encoded = encode_means(&vae, held_out).await?;
        events.emit(Event::Points(Rc::new(encoded)));
    }
    Ok(())
}

/// The posteriors of `set` under `vae` (on the CPU).
pub async fn encode_means(vae: &Vae, set: &ImageSet) -> Result<Vec<PlanePoint>, String> {
    let device = Device::flex();
    let all: Vec<usize> = (0..set.len()).collect();
    let posterior = vae.encode(set.batch(&all, &device));
    let latent = vae.latent();
    let read = |tensor: Tensor<2>| async move {
        tensor
            .into_data_async()
            .await
            .map_err(|e| format!("{e:?}"))?
            .try_to_vec::<f32>()
            .map_err(|e| format!("{e:?}"))
    };
    let means = read(posterior.mean).await?;
    let sigmas = read((posterior.log_var * 0.5).exp()).await?;
    Ok(means
        .chunks_exact(latent)
        .zip(sigmas.chunks_exact(latent))
        .enumerate()
        .map(|(i, (z, sigma))| PlanePoint {
            mean: z.to_vec(),
            sigma: sigma.to_vec(),
            label: set.labels.as_ref().map(|l| l[i]),
        })
        .collect())
}

/// Decodes points of the plane (placed in the latent space by `slice`) with a CPU model:
/// n points → n images, values in [0, 1].
pub async fn decode_points(
    vae: &Vae,
    points: &[[f32; 2]],
    slice: &Slice,
) -> Result<Vec<f32>, String> {
    decode_latents(vae, points.iter().flat_map(|&p| slice.embed(p)).collect()).await
}

/// Decodes full latent vectors (rows of `vae.latent()` values) with a CPU model.
pub async fn decode_latents(vae: &Vae, z: Vec<f32>) -> Result<Vec<f32>, String> {
    let latent = vae.latent();
    let rows = z.len() / latent.max(1);
    if rows * latent != z.len() {
        return Err(format!("{} values are not rows of {latent}", z.len()));
    }
    let z = Tensor::from_data(TensorData::new(z, [rows, latent]), &Device::flex());
    vae.decode(z)
        .into_data_async()
        .await
        .map_err(|e| format!("{e:?}"))?
        .try_to_vec()
        .map_err(|e| format!("{e:?}"))
}

/// Lets the browser handle input and draw, then resumes: a message to ourselves is a new task
/// without the 4 ms (or worse, in the background) clamp of nested `setTimeout`s.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let Ok(channel) = web_sys::MessageChannel::new() else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            return;
        };
        channel.port1().set_onmessage(Some(&resolve));
        if channel
            .port2()
            .post_message(&wasm_bindgen::JsValue::NULL)
            .is_err()
        {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
