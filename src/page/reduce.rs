//! Every change to the page's state: one `Action` enum and one `reduce`.

use super::backend::{Backend, BackendKind, Probe, WebGpuReady, WebGpuTrainer};
use super::chart::ChartPoint;
use super::dataset::{DataKey, DataStatus, Dataset};
use super::meta::PageMeta;
use super::shared::Shared;
use super::state::{Autosave, Effect, Origin, Pretrained, State};
use crate::data::{NamedFile, Preprocess, Problem, ShapesConfig};
use crate::vae::{Checkpoint, Hyper, StepReport, VaeConfig};

/// What a session tells the page (its model and points go straight to the canvases).
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// Steps since the last report, and the session's epoch.
    Stepped(Vec<StepReport>, usize),
    /// The held-out negative ELBO at a step.
    HeldOut(u64, f32),
    Running(bool),
    Failed(String),
}

#[derive(Debug, Clone)]
pub enum Action {
    UseGpu(bool),
    /// Results carry the choice they were made for, so that a late answer after a switch is
    /// dropped rather than shown.
    BackendReady(bool, Backend),
    CpuProbed(Probe),
    /// Train (or pause) / one step, asked for before the WebGPU trainer is running.
    QueueRun(bool),
    QueueStep,
    /// The queued training went to the session.
    Dequeued,
    WebGpuStarted(Result<WebGpuReady, String>),
    ChooseDataset(Dataset),
    /// Files added to the user's own data, and the ones that could not be read.
    AddOwnFiles(Vec<NamedFile>, Vec<Problem>),
    ClearOwnFiles,
    SetPreprocess(Preprocess),
    SetShapes(ShapesConfig),
    Data(DataKey, DataStatus, Shared<Vec<Problem>>),
    Pretrained(Dataset, Pretrained),
    /// Start a new session from these weights.
    Restart(Origin),
    /// A model file the user picked (or why it could not be read).
    Open(Result<Checkpoint, String>),
    /// What the autosave held at start (its model and the user's own files), if anything.
    Restored(Option<(Checkpoint, Vec<NamedFile>)>),
    Autosaved(Autosave),
    ModelBusy(Option<String>),
    ModelDone(Result<String, String>),
    Shared(String),
    SetHyper(Hyper),
    SetModel(VaeConfig),
    SetSeed(u64),
    /// The session's model is on show.
    ModelShown(u64),
    Session(u64, SessionEvent),
}

impl State {
    /// The state after `action`, and what the web layer must do for it.
    pub fn reduce(&self, action: Action) -> (State, Vec<Effect>) {
        let mut next = self.clone();
        let mut effects = Vec::new();
        let model_arrives = matches!(action, Action::Pretrained(..) | Action::Restored(_));
        match action {
            Action::UseGpu(prefer_gpu) if prefer_gpu != self.backends.prefer_gpu => {
                next.backends.prefer_gpu = prefer_gpu;
                next.backends.backend = None;
                next.backends.cpu_probe = None;
                next.reset_training();
            }
            Action::BackendReady(for_gpu, backend) if for_gpu == self.backends.prefer_gpu => {
                next.backends.backend = Some(backend);
            }
            Action::CpuProbed(probe) => next.backends.cpu_probe = Some(probe),
            Action::QueueRun(run) => {
                next.backends.queued.run = run;
                if run {
                    next.backends.load_webgpu();
                }
            }
            Action::QueueStep => {
                next.backends.queued.steps += 1;
                next.backends.load_webgpu();
            }
            Action::Dequeued => next.backends.queued = Default::default(),
            Action::WebGpuStarted(Ok(ready)) => {
                next.backends.webgpu = WebGpuTrainer::Ready(ready);
            }
            Action::WebGpuStarted(Err(reason)) => {
                next.backends.webgpu = WebGpuTrainer::NotLoaded;
                if self.backends.prefer_gpu {
                    next.backends.backend = Some(Backend {
                        kind: BackendKind::Cpu {
                            reason: format!("the WebGPU trainer could not start: {reason}"),
                        },
                        init_ms: 0.0,
                    });
                }
            }
            Action::ChooseDataset(dataset) if dataset != self.data.dataset => {
                next.data.dataset = dataset;
                next.data.status = DataStatus::Empty;
                next.data.problems = Shared::default();
                next.pretrained = Pretrained::Loading;
                next.origin = Origin::Pretrained;
                next.reset_training();
            }
            Action::AddOwnFiles(files, problems) => {
                let mut own = (*self.data.own_files).clone();
                own.extend(files);
                next.data.own_files = Shared::new(own);
                next.data.read_problems = Shared::new(problems);
                next.data.dataset = Dataset::Own;
                next.pretrained = Pretrained::None;
                next.origin = Origin::Scratch;
                next.reset_training();
            }
            Action::ClearOwnFiles => {
                next.data.own_files = Shared::default();
                next.data.read_problems = Shared::default();
                next.data.status = DataStatus::Empty;
                next.data.problems = Shared::default();
                next.reset_training();
            }
            Action::SetPreprocess(preprocess) if preprocess != self.data.preprocess => {
                next.data.preprocess = preprocess;
                if self.data.dataset == Dataset::Own {
                    next.reset_training();
                }
            }
            Action::SetShapes(shapes) if shapes != self.data.shapes => {
                next.data.shapes = shapes;
                if self.data.dataset == Dataset::Shapes {
                    next.reset_training();
                }
            }
            Action::Data(key, status, problems) if key == self.data.key() => {
                next.data.status = status;
                let mut all = (*self.data.read_problems).clone();
                all.extend(problems.iter().cloned());
                next.data.problems = Shared::new(all);
            }
            Action::Pretrained(dataset, pretrained) if dataset == self.data.dataset => {
                next.pretrained = pretrained;
            }
            Action::Restart(origin) => {
                next.origin = origin;
                next.reset_training();
            }
            Action::Open(Ok(checkpoint)) => match self.refuse(&checkpoint) {
                Some(reason) => {
                    next.card.error = Some(format!(
                        "Could not open the model: {reason}. The current model is unchanged."
                    ));
                }
                None => {
                    let message = format!(
                        "Opened {} at step {}{}.",
                        checkpoint.config.name(),
                        checkpoint.step,
                        if checkpoint.resumable() {
                            ", with the optimizer's state"
                        } else {
                            ""
                        }
                    );
                    next.open(checkpoint, &mut effects);
                    next.card.message = Some(message);
                }
            },
            Action::Open(Err(error)) => {
                next.card.error = Some(format!(
                    "Could not open the model: {error}. The current model is unchanged."
                ));
            }
            Action::Restored(saved) => {
                next.restored = true;
                if let Some((checkpoint, own_files)) = saved {
                    if let Some(page) = PageMeta::from_json(&checkpoint.meta) {
                        next.data.dataset =
                            Dataset::from_key(&page.dataset).unwrap_or(Dataset::Mnist);
                        next.data.preprocess = page.preprocess;
                    }
                    next.data.own_files = Shared::new(own_files);
                    if next.data.dataset == Dataset::Own {
                        next.pretrained = Pretrained::None;
                    }
                    let (step, message) = (
                        checkpoint.step,
                        format!(
                            "Resumed where you left off, at step {}. Start over to clear it.",
                            checkpoint.step
                        ),
                    );
                    next.open(checkpoint, &mut effects);
                    next.card.message = Some(message);
                    next.card.autosave = Autosave::Saved { step };
                }
            }
            Action::Autosaved(autosave) => next.card.autosave = autosave,
            Action::ModelBusy(busy) => next.card.busy = busy,
            Action::ModelDone(result) => {
                next.card.busy = None;
                match result {
                    Ok(message) => {
                        next.card.message = Some(message);
                        next.card.error = None;
                    }
                    Err(error) => next.card.error = Some(error),
                }
            }
            Action::Shared(url) => next.card.share_url = Some(url),
            Action::SetHyper(hyper) => next.settings.hyper = hyper,
            Action::SetModel(model) if model != self.settings.model => {
                // The pretrained models are VAE-MLP-2: other settings train from scratch.
                next.origin = if model == VaeConfig::mlp2() {
                    Origin::Pretrained
                } else {
                    Origin::Scratch
                };
                next.settings.model = model;
                next.reset_training();
            }
            Action::SetSeed(seed) => {
                next.settings.seed = seed;
                next.origin = Origin::Scratch;
                next.reset_training();
            }
            Action::ModelShown(id) if id == self.training.session_id => {
                next.training.has_model = true;
            }
            Action::Session(id, event) if id == self.training.session_id => {
                next.session_event(event)
            }
            _ => return (next, effects),
        }
        next.settle();
        // A new session, or the model it starts from has arrived: show that model at once.
        if model_arrives || next.training.session_id != self.training.session_id {
            effects.extend(next.early_model());
        }
        (next, effects)
    }

    fn session_event(&mut self, event: SessionEvent) {
        let training = &mut self.training;
        match event {
            SessionEvent::Stepped(reports, epoch) => {
                let mut history = (*training.history).clone();
                history.extend(reports.iter().map(ChartPoint::from));
                training.history = Shared::new(history);
                training.epoch = training.epochs_before + epoch;
                training.trained |= !reports.is_empty();
                if let Some(last) = reports.into_iter().last() {
                    // Reports come in order; the counter never goes back, whatever arrives.
                    training.step = training.step.max(last.step);
                    training.last = Some(last);
                }
            }
            SessionEvent::HeldOut(step, value) => {
                let mut held_out = (*training.held_out).clone();
                held_out.push((step, value));
                training.held_out = Shared::new(held_out);
            }
            SessionEvent::Running(running) => training.running = running,
            SessionEvent::Failed(error) => {
                training.running = false;
                training.error = Some(error);
            }
        }
    }
}
