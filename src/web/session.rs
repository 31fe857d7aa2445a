//! The training session: one async task that owns the trainer and the data, takes commands from
//! the page, and reports back. It runs in a training worker (`worker`), so a step never holds up
//! the page: the page's own module on the CPU, the WebGPU trainer module on WebGPU. Where the
//! browser cannot start a worker, CPU sessions run on the page's thread, yielding to the event
//! loop after every step.

use std::rc::Rc;

use burn::tensor::Device;
use futures::StreamExt;
use futures::channel::mpsc::{TryRecvError, UnboundedReceiver};
use futures::channel::oneshot;
use yew::Callback;

use super::tasks::{now_ms, yield_to_browser};
use crate::data::{Batches, ImageSet};
use crate::page::inference::encode_points;
use crate::page::{PlanePoint, SessionEvent, held_out_split};
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
/// Held-out negative ELBO every this many steps, at most.
const EVALUATE_EVERY: u64 = 50;
/// The held-out ELBO (a forward pass over up to a thousand images: as long as several training
/// steps) takes at most about 1/(1 + this) of the time: every 50 steps it was a tenth of the CPU
/// page's training time.
const TRAIN_TO_EVALUATE: f64 = 30.0;
/// Steps queued on the device before their numbers are read back, at most: enough that reads
/// are rare where steps are fast, few enough that Pause is felt at once where they are slow
/// (the depth is what fits in `REPORT_EVERY_MS`).
const MAX_QUEUED: usize = 32;

pub enum Command {
    Run(bool),
    Step,
    Hyper(Hyper),
    /// A copy of the model as it is now (for saving), sent back on the channel.
    Capture(oneshot::Sender<Result<Checkpoint, String>>),
}

/// What a session sends the page: the model and the points for the canvases, the rest for the
/// reducer.
pub enum Event {
    Model(Rc<Vae>),
    Points(Rc<Vec<PlanePoint>>),
    Report(SessionEvent),
    /// The worker running the session stopped (why).
    Lost(String),
}

pub struct Setup {
    pub config: VaeConfig,
    pub hyper: Hyper,
    pub seed: u64,
    /// The training images; the last `held_out_count` are kept aside.
    pub data: Rc<ImageSet>,
    /// Weights to start from (a pretrained or saved model); fresh ones when `None`.
    pub start_from: Option<Rc<Checkpoint>>,
}

/// The session's task on `device`: ends when the inbox closes.
pub async fn run(
    setup: Setup,
    device: Device,
    mut inbox: UnboundedReceiver<Command>,
    events: Callback<Event>,
) {
    let failed = |error: String| events.emit(Event::Report(SessionEvent::Failed(error)));
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
        Err(error) => return failed(error),
    };
    // Batches index the shared set through the split; only the held-out images are copied.
    let data = setup.data;
    if data.shape != trainer.config().image {
        return failed(format!(
            "the model is for {} images but the data holds {} ones",
            trainer.config().image,
            data.shape
        ));
    }
    let split = held_out_split(&data);
    let held_out = Rc::new(data.select(&split.held_out));
    let mut batches = Batches::new(split.train.len(), setup.seed);
    let mut running = false;
    let mut pending_steps = 0u32;
    let mut next_model = f64::NEG_INFINITY;
    let mut next_points = f64::NEG_INFINITY;
    let mut next_evaluation = f64::NEG_INFINITY;
    let mut last_report = f64::NEG_INFINITY;
    let mut reports = Vec::new();
    let mut queue_depth = 1;
    let stepped = |reports: &mut Vec<_>, epoch| {
        events.emit(Event::Report(SessionEvent::Stepped(
            std::mem::take(reports),
            epoch,
        )))
    };

    if let Err(error) = publish(&trainer, &held_out, &events, true).await {
        return failed(error);
    }
    loop {
        // Take every waiting command; when idle, sleep until the next one.
        let idle = !running && pending_steps == 0;
        let next = if idle {
            // Nothing may stay unread or unreported while the session waits.
            if let Err(error) = read_into(&mut trainer, &mut reports, false).await {
                return failed(error);
            }
            if !reports.is_empty() {
                stepped(&mut reports, batches.epoch);
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
                    if let Err(error) = read_into(&mut trainer, &mut reports, false).await {
                        return failed(error);
                    }
                    if !reports.is_empty() {
                        stepped(&mut reports, batches.epoch);
                    }
                    // Paused: the canvases show the weights as they are, not a copy from
                    // up to a refresh period ago.
                    if pausing && let Err(error) = publish(&trainer, &held_out, &events, true).await
                    {
                        return failed(error);
                    }
                    events.emit(Event::Report(SessionEvent::Running(run)));
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

        let indices: Vec<usize> = batches
            .next_batch(trainer.hyper.batch_size)
            .into_iter()
            .map(|i| split.train[i])
            .collect();
        let images = data.batch(&indices, trainer.device());
        // Queued, not waited for: the numbers are read back a few steps at a time.
        if let Err(error) = trainer.queue_step(images).await {
            return failed(error.to_string());
        }
        pending_steps = pending_steps.saturating_sub(1);
        let step = trainer.steps();
        let now = now_ms();
        let stopping = !running && pending_steps == 0;
        let due = stopping || now - last_report > REPORT_EVERY_MS;
        if due || trainer.queued() >= queue_depth {
            // On a GPU the steps just queued are read while the device computes on, and the
            // reports of those before come back; stopping, everything is read.
            if let Err(error) = read_into(&mut trainer, &mut reports, !stopping).await {
                return failed(error);
            }
            if let Some(last) = reports.last() {
                queue_depth = (REPORT_EVERY_MS / last.step_ms.max(0.1))
                    .clamp(1.0, MAX_QUEUED as f64) as usize;
            }
        }
        if due {
            if !reports.is_empty() {
                stepped(&mut reports, batches.epoch);
            }
            last_report = now;
        }

        if step % EVALUATE_EVERY == 0 && now >= next_evaluation {
            let images = held_out.batch(&(0..held_out.len()).collect::<Vec<_>>(), trainer.device());
            match trainer.evaluate(images).await {
                Ok(evaluation) => events.emit(Event::Report(SessionEvent::HeldOut(
                    step,
                    evaluation.negative_elbo(),
                ))),
                Err(error) => return failed(error.to_string()),
            }
            next_evaluation = now + TRAIN_TO_EVALUATE * (now_ms() - now);
        }
        if stopping || now > next_model {
            let with_points = stopping || now > next_points;
            if let Err(error) = publish(&trainer, &held_out, &events, with_points).await {
                return failed(error);
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

/// Reads back the numbers of the steps queued on the device, after `reports`: all of them, or
/// with `earlier` those whose read was started the last time (starting the read of the rest).
async fn read_into(
    trainer: &mut Trainer,
    reports: &mut Vec<StepReport>,
    earlier: bool,
) -> Result<(), String> {
    let read = if earlier {
        trainer.read_earlier_reports().await
    } else {
        trainer.read_reports().await
    };
    reports.extend(read.map_err(|e| e.to_string())?);
    Ok(())
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
        let encoded = encode_points(&vae, held_out).await?;
        events.emit(Event::Points(Rc::new(encoded)));
    }
    Ok(())
}
