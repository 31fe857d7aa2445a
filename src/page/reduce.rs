//! Every change to the page's state: one `Action` enum and one `reduce`.

use super::backend::{Backend, BackendKind, Engine, Probe, WebGpuReady, WebGpuTrainer};
use super::chart::ChartPoint;
use super::dataset::{DataKey, DataStatus, Dataset, PretrainedKind};
use super::kept::Restore;
use super::offline::OfflineEvent;
use super::share::Layout;
use super::shared::Shared;
use super::state::{Autosave, Effect, Origin, Pretrained, Source, State};
use crate::data::{NamedFile, Preprocess, Problem, ShapesConfig, unique_name};
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
    /// Present on a projector, or back to the full page.
    SetLayout(Layout),
    /// A guided lesson and its step (the step is kept within the lesson), or none.
    Lesson(Option<(String, usize)>),
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
    Pretrained(Dataset, PretrainedKind, Pretrained),
    /// Start from the pretrained VAE, or from the VAE-GAN.
    UsePretrained(PretrainedKind),
    /// Start a new session from these weights (Reset: from scratch).
    Restart(Origin),
    /// Clear everything the browser saved and start from the pretrained model.
    StartOver,
    /// A model file the user picked (or why it could not be read).
    Open(Result<Box<Checkpoint>, String>),
    OpenKept(Dataset),
    ForgetKept(Dataset),
    /// A session's copy of its model, asked for to keep it.
    Kept(u64, Result<Box<Checkpoint>, String>),
    /// What the browser's storage held at start.
    Restored(Box<Restore>),
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
    Offline(OfflineEvent),
    /// The session's worker stopped; the weights the page last had, to go on from.
    WorkerLost {
        session_id: u64,
        reason: String,
        weights: Option<Box<Checkpoint>>,
    },
}

impl State {
    /// The state after `action`, and what the web layer must do for it.
    pub fn reduce(&self, action: Action) -> (State, Vec<Effect>) {
        let mut next = self.clone();
        let mut effects = Vec::new();
        let model_arrives = matches!(
            action,
            Action::Pretrained(..) | Action::Restored(_) | Action::Kept(..)
        );
        match action {
            Action::UseGpu(prefer_gpu)
                if prefer_gpu != self.backends.prefer_gpu || prefer_gpu != self.backends.forced =>
            {
                next.backends.prefer_gpu = prefer_gpu;
                // The user's own choice: WebGPU even where the CPU would be faster.
                next.backends.forced = prefer_gpu;
                next.backends.backend = None;
                next.backends.cpu_probe = None;
                // The same model goes on, on the other backend.
                if next.training.trained {
                    next.keep_current();
                    if let Some(keeping) = next.keeping.last_mut() {
                        keeping.reopen = true;
                    }
                }
                next.reset_training();
            }
            Action::BackendReady(for_gpu, backend) if for_gpu == self.backends.prefer_gpu => {
                next.backends.backend = Some(backend);
            }
            Action::CpuProbed(probe) => next.backends.cpu_probe = Some(probe),
            Action::SetLayout(layout) => next.layout = layout,
            Action::Lesson(lesson) => {
                next.lesson = lesson.and_then(|(id, step)| {
                    let steps = super::lessons::steps_of(&id)?;
                    Some((id, step.min(steps - 1)))
                })
            }
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
            Action::Dequeued => {
                // The session has been told to run: Pause stays Pause until it says it runs (no
                // Pause → Train → Pause on the way).
                if self.backends.queued.run {
                    next.training.running = true;
                }
                next.backends.queued = Default::default();
            }
            Action::WebGpuStarted(Ok(ready)) => {
                // Chosen by measurement, unless the user asked for WebGPU: an adapter that does
                // not call itself a fallback may still be slower than the CPU.
                let speedup =
                    super::backend::cpu_speedup(&ready.probe, self.backends.cpu_probe.as_ref());
                if let Some(times) = speedup.filter(|&t| t >= 2.0 && !self.backends.forced) {
                    next.backends.backend = Some(Backend {
                        kind: BackendKind::Cpu {
                            reason: format!(
                                "the CPU computed the test grid {times:.0}× faster than this WebGPU adapter ({})",
                                ready.adapter
                            ),
                        },
                        init_ms: 0.0,
                        webgpu_slower: Some(ready.adapter.clone()),
                    });
                }
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
                        webgpu_slower: None,
                    });
                }
            }
            Action::ChooseDataset(dataset) if dataset != self.data.dataset => {
                let kept = next.take_kept(dataset);
                next.replace_session();
                next.data.dataset = dataset;
                next.data.status = DataStatus::Empty;
                next.data.problems = Shared::default();
                next.data.pretrained_kind = PretrainedKind::Plain;
                next.pretrained = Pretrained::Loading;
                next.origin = Origin::Pretrained;
                if let Some(kept) = kept {
                    let described = kept.describe();
                    next.reopen(kept, &mut effects);
                    next.card.message = Some(format!("Back to your model ({described})."));
                }
            }
            Action::AddOwnFiles(files, problems) => {
                next.replace_session();
                next.data.own_files = Shared::new(with_files(&self.data.own_files, files));
                next.data.read_problems = Shared::new(problems);
                next.data.dataset = Dataset::Own;
                next.pretrained = Pretrained::None;
                next.origin = Origin::Scratch;
            }
            Action::ClearOwnFiles => {
                next.replace_session();
                next.data.own_files = Shared::default();
                next.data.read_problems = Shared::default();
                next.data.status = DataStatus::Empty;
                next.data.problems = Shared::default();
                next.origin = Origin::Scratch;
            }
            Action::SetPreprocess(preprocess) if preprocess != self.data.preprocess => {
                if self.data.dataset == Dataset::Own {
                    next.replace_session();
                    next.origin = Origin::Scratch;
                }
                next.data.preprocess = preprocess;
            }
            Action::SetShapes(shapes) if shapes != self.data.shapes => {
                if self.data.dataset == Dataset::Shapes {
                    next.replace_session();
                    next.origin = Origin::Pretrained;
                }
                next.data.shapes = shapes;
            }
            Action::Data(key, status, problems) if key == self.data.key() => {
                next.data.status = status;
                let mut all = (*self.data.read_problems).clone();
                all.extend(problems.iter().cloned());
                // Files that could not be used are not kept (nor saved with the autosave).
                if problems
                    .iter()
                    .any(|p| own_file(&self.data.own_files, &p.file))
                {
                    next.data.own_files = Shared::new(
                        self.data
                            .own_files
                            .iter()
                            .filter(|f| !problems.iter().any(|p| p.file == f.name))
                            .cloned()
                            .collect(),
                    );
                }
                next.data.problems = Shared::new(all);
                next.data.loaded_for = Some(next.data.key());
            }
            Action::Pretrained(dataset, kind, pretrained)
                if dataset == self.data.dataset && kind == self.data.pretrained_kind =>
            {
                // The VAE-GAN goes on with its discriminator, as it was trained.
                if let (Pretrained::Ready(checkpoint), PretrainedKind::Gan) = (&pretrained, kind) {
                    next.settings.hyper.discriminator = checkpoint.hyper.discriminator;
                    next.settings.hyper.gamma = checkpoint.hyper.gamma;
                }
                next.pretrained = pretrained;
            }
            Action::UsePretrained(kind) => {
                next.replace_session();
                next.origin = Origin::Pretrained;
                if kind != self.data.pretrained_kind {
                    next.data.pretrained_kind = kind;
                    next.pretrained = Pretrained::Loading;
                }
                next.settings.hyper.discriminator = kind == PretrainedKind::Gan;
            }
            Action::Restart(origin) => {
                next.replace_session();
                next.origin = origin;
            }
            Action::StartOver => {
                next.reset_training();
                next.keeping.clear();
                next.kept = Shared::default();
                next.damaged = Shared::default();
                next.origin = Origin::Pretrained;
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
                    next.keep_current();
                    next.open(*checkpoint, Source::File, &mut effects);
                    next.card.message = Some(message);
                }
            },
            Action::Open(Err(error)) => {
                next.card.error = Some(format!(
                    "Could not open the model: {error}. The current model is unchanged."
                ));
            }
            Action::OpenKept(dataset) => {
                if let Some(kept) = next.take_kept(dataset) {
                    let described = kept.describe();
                    next.keep_current();
                    next.reopen(kept, &mut effects);
                    next.card.message = Some(format!("Back to your model ({described})."));
                }
            }
            Action::ForgetKept(dataset) => {
                next.take_kept(dataset);
            }
            Action::Kept(session_id, copy) => {
                next.kept_arrived(session_id, copy.map(|c| *c), &mut effects)
            }
            Action::Restored(restore) => next.restore(*restore, &mut effects),
            Action::Offline(event) => next.offline.apply(event),
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
                next.replace_session();
                // The pretrained models are VAE-MLP-2: other settings train from scratch.
                next.origin = if model == VaeConfig::mlp2() {
                    Origin::Pretrained
                } else {
                    Origin::Scratch
                };
                next.settings.model = model;
            }
            Action::SetSeed(seed) if seed != self.settings.seed => {
                next.replace_session();
                next.settings.seed = seed;
                next.origin = Origin::Scratch;
            }
            Action::ModelShown(id) if id == self.training.session_id => {
                next.training.has_model = true;
            }
            Action::Session(id, event) if id == self.training.session_id => {
                next.session_event(event)
            }
            Action::WorkerLost {
                session_id,
                reason,
                weights,
            } if session_id == self.training.session_id => next.worker_lost(reason, weights),
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

    /// The session's worker stopped: training goes on in a new session from the weights the
    /// page last had, with the chart and counters as they were (and running if it was).
    fn worker_lost(&mut self, reason: String, weights: Option<Box<Checkpoint>>) {
        self.worker_losses += 1;
        let Some(mut weights) = weights else {
            self.training.running = false;
            self.training.error = Some(format!("the training worker stopped ({reason})"));
            return;
        };
        weights.step = self.training.step;
        let was_running = self.training.running;
        self.origin = Origin::Opened {
            checkpoint: Shared::new(*weights),
            from: Source::Recovered,
        };
        self.training = super::state::Training {
            session_id: self.training.session_id + 1,
            epochs_before: self.training.epoch,
            running: false,
            has_model: false,
            last: None,
            error: None,
            ..self.training.clone()
        };
        self.backends.queued.run = was_running;
        // The WebGPU trainer goes with its worker: it loads again for the next training.
        if self.backends.engine() == Some((Engine::WebGpu, true)) {
            self.backends.webgpu = WebGpuTrainer::NotLoaded;
            if was_running {
                self.backends.load_webgpu();
            }
        }
        self.card.message = Some(format!(
            "The training worker stopped ({reason}); training goes on in a new one from the weights the page last had, at step {}.",
            self.training.step
        ));
    }
}

/// `own` with `added` after it: the same file picked again is one file, and another file of a
/// name already there is numbered (`a (2).png`), so that no name is there twice.
fn with_files(own: &[NamedFile], added: Vec<NamedFile>) -> Vec<NamedFile> {
    let mut files = own.to_vec();
    for file in added {
        if files
            .iter()
            .any(|f| f.name == file.name && f.bytes == file.bytes)
        {
            continue;
        }
        let name = unique_name(&file.name, |n| files.iter().any(|f| f.name == n));
        files.push(NamedFile { name, ..file });
    }
    files
}

fn own_file(own: &[NamedFile], name: &str) -> bool {
    own.iter().any(|f| f.name == name)
}
