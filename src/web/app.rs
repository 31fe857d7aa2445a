use std::rc::Rc;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::backend::{self, Backend, BackendKind, Engine};
use std::cell::RefCell;

use futures::channel::oneshot;

use super::components::{
    Autosave, BackendStatus, ChartPoint, Controls, DataPanel, DataStatus, Dataset, DecodedView,
    Export, Interpolation, LatentPlane, LossChart, Manifold, ModelPanel, SampleStrip,
    WebGpuTrainer,
};
use super::draw::View;
use super::files::{download, download_canvas, read_file};
use super::loaders::{
    DataKey, Pretrained, Probe, fetch_checkpoint, load_data, load_pretrained, probe,
};
use super::persist::{OWN_FILES_KEY, PageMeta, SESSION_KEY, ShareLink};
use super::session::{self, Command, Event, Session, Setup};
use super::shared::Shared;
use super::{probe_hooks, storage, view, worker};
use crate::data::{
    ImageSet, LIMITS, NamedFile, Preprocess, Problem, Rng, ShapesConfig, image_png, read_zip,
    write_idx, write_zip,
};
use crate::vae::{Checkpoint, Hyper, StepReport, VaeConfig};

/// Where the session's weights come from.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    Pretrained,
    Scratch,
    /// A model file the user opened, or the autosave.
    Opened(Shared<Checkpoint>),
}

/// MNIST's pretrained model trained with the discriminator on (see the README).
const PRETRAINED_GAN_URL: &str = "models/mnist-mlp2-gan.vae";

/// How often training is saved to the browser's storage, at most.
const AUTOSAVE_EVERY_MS: u32 = 5_000;
/// The autosave waits this long after the cursor last moved.
const AUTOSAVE_QUIET_MS: f64 = 1_500.0;

/// Training the user asked for while the WebGPU trainer was loading.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Queued {
    run: bool,
    steps: u32,
}

#[derive(Clone)]
struct State {
    prefer_gpu: bool,
    backend: Option<Backend>,
    /// The first computation on the CPU (the WebGPU trainer reports its own).
    cpu_probe: Option<Probe>,
    /// Loaded the first time the user trains on WebGPU: until then the CPU worker serves the
    /// page (encoding the plane's points), so that a visitor who only explores never downloads it.
    webgpu: WebGpuTrainer,
    queued: Queued,
    dataset: Dataset,
    data: DataStatus,
    /// The user's uploads and drawings, kept so that the data can be rebuilt (e.g. at another
    /// size) and saved.
    own_files: Shared<Vec<NamedFile>>,
    preprocess: Preprocess,
    shapes: ShapesConfig,
    /// Files that could not be read or used.
    read_problems: Shared<Vec<Problem>>,
    problems: Shared<Vec<Problem>>,
    pretrained: Pretrained,
    origin: Origin,
    /// The autosave has been looked for: sessions wait for it, so as not to start twice.
    restored: bool,
    /// Steps trained, including those before the model was saved.
    step: u64,
    /// Trained since the page opened (so there is something to autosave).
    trained: bool,
    autosave: Autosave,
    model_busy: Option<String>,
    model_message: Option<String>,
    model_error: Option<String>,
    share_url: Option<String>,
    hyper: Hyper,
    /// The model's settings; its image size is the data's.
    model: VaeConfig,
    seed: u64,
    /// Bumped by every reset: events of older sessions are dropped.
    session_id: u64,
    running: bool,
    last: Option<StepReport>,
    epoch: usize,
    /// Epochs done before this session (the file's), which its own epoch count adds to.
    epochs_before: usize,
    history: Shared<Vec<ChartPoint>>,
    held_out: Shared<Vec<(u64, f32)>>,
    /// A model is loaded (the canvases draw it; see `view`).
    has_model: bool,
    cursor: [f32; 2],
    error: Option<String>,
}

enum Action {
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
    WebGpuStarted(Result<worker::WebGpuReady, String>),
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
    Cursor([f32; 2]),
    Session(u64, Event),
}

impl State {
    /// WebGPU unless the address says `?backend=cpu`; a share link in the fragment sets the
    /// data, the settings and the cursor (and then the autosave is not restored).
    fn from_location() -> Self {
        let location = web_sys::window().map(|w| w.location());
        let search = location
            .as_ref()
            .and_then(|l| l.search().ok())
            .unwrap_or_default();
        let link = location
            .and_then(|l| l.hash().ok())
            .and_then(|hash| ShareLink::from_fragment(&hash));
        if let Some([x, y, half_width]) = link.as_ref().and_then(|l| l.view) {
            view::show(View {
                centre: [x, y],
                half_width,
            });
        }
        let mut state = Self {
            prefer_gpu: !search.contains("backend=cpu"),
            backend: None,
            cpu_probe: None,
            webgpu: WebGpuTrainer::NotLoaded,
            queued: Queued::default(),
            dataset: Dataset::Mnist,
            data: DataStatus::Loading {
                name: "MNIST".into(),
                fraction: 0.0,
            },
            own_files: Shared::default(),
            preprocess: Preprocess::default(),
            shapes: ShapesConfig::default(),
            read_problems: Shared::default(),
            problems: Shared::default(),
            pretrained: Pretrained::Loading,
            origin: Origin::Pretrained,
            restored: link.is_some(),
            step: 0,
            trained: false,
            autosave: Autosave::Idle,
            model_busy: None,
            model_message: None,
            model_error: None,
            share_url: None,
            hyper: Hyper::default(),
            model: VaeConfig::mlp2(),
            seed: 1,
            session_id: 0,
            running: false,
            last: None,
            epoch: 0,
            epochs_before: 0,
            history: Shared::default(),
            held_out: Shared::default(),
            has_model: false,
            cursor: [0.0, 0.0],
            error: None,
        };
        if let Some(link) = link {
            state.dataset = link.dataset;
            state.hyper = link.hyper;
            state.model = link.model;
            state.seed = link.seed;
            state.cursor = link.cursor;
            state.model_message = Some("Opened from a share link.".into());
        }
        state
    }

    fn page_meta(&self) -> PageMeta {
        PageMeta {
            dataset: self.dataset.key().into(),
            preprocess: self.preprocess,
            seed: self.seed,
            chart: (*self.history).clone(),
            held_out: (*self.held_out).clone(),
            epoch: self.epoch,
            cursor: self.cursor,
        }
    }

    /// Makes `checkpoint` the session's start, with its loss history and view.
    fn open(&mut self, checkpoint: Checkpoint) {
        self.reset_training();
        self.hyper = checkpoint.hyper.clone();
        self.model = VaeConfig {
            image: VaeConfig::mlp2().image,
            ..checkpoint.config.clone()
        };
        self.step = checkpoint.step;
        if let Some(page) = PageMeta::from_json(&checkpoint.meta) {
            self.history = Shared::new(page.chart);
            self.held_out = Shared::new(page.held_out);
            self.epoch = page.epoch;
            self.epochs_before = page.epoch;
            self.seed = page.seed;
            self.cursor = page.cursor;
            view::set_cursor(page.cursor);
        } else {
            self.show_epoch_log(&checkpoint);
        }
        self.origin = Origin::Opened(Shared::new(checkpoint));
    }

    /// A file from the native trainer: its per-epoch losses as the chart.
    fn show_epoch_log(&mut self, checkpoint: &Checkpoint) {
        let log = checkpoint.epoch_log();
        let steps_per_epoch = checkpoint.step / (log.len() as u64).max(1);
        let beta = checkpoint.hyper.beta;
        let (history, held_out) = log
            .iter()
            .map(|e| {
                let step = e.epoch as u64 * steps_per_epoch;
                let point = ChartPoint {
                    step,
                    reconstruction: e.reconstruction as f32,
                    kl: e.kl as f32,
                    total: (e.reconstruction + beta * e.kl) as f32,
                    discriminator: None,
                };
                (point, (step, e.held_out_negative_elbo as f32))
            })
            .unzip();
        self.history = Shared::new(history);
        self.held_out = Shared::new(held_out);
        self.epoch = log.len();
        self.epochs_before = log.len();
    }

    /// The pretrained model, until training starts: where it got to, and how.
    fn show_pretrained(&mut self) {
        if let (Origin::Pretrained, Pretrained::Ready(checkpoint)) =
            (&self.origin, &self.pretrained)
            && self.step == 0
            && !self.trained
        {
            let checkpoint = checkpoint.clone();
            self.step = checkpoint.step;
            self.show_epoch_log(&checkpoint);
        }
    }

    /// Shows the model the next session starts from at once, decoded on the CPU from its file,
    /// before the data has loaded or the backend has warmed up. Drawn here rather than in an
    /// effect: effects wait while the data's download progress keeps re-rendering.
    fn show_early(&self) {
        let checkpoint = match (&self.origin, &self.pretrained) {
            (Origin::Opened(checkpoint), _) => checkpoint,
            (Origin::Pretrained, Pretrained::Ready(checkpoint)) if self.restored => checkpoint,
            _ => return,
        };
        let fits = match &self.data {
            DataStatus::Ready { set, .. } => set.shape == checkpoint.config.image,
            _ => true,
        };
        if fits
            && checkpoint.config == self.model_for(checkpoint.config.image)
            && let Ok(vae) = checkpoint.vae(&burn::tensor::Device::flex())
        {
            view::set_model(Rc::new(vae), checkpoint.config.image);
        }
    }

    /// Why `checkpoint` cannot replace the current model, if it cannot.
    fn refuse(&self, checkpoint: &Checkpoint) -> Option<String> {
        let DataStatus::Ready { set, .. } = &self.data else {
            return Some("wait until the data has loaded, then open the file again".into());
        };
        let page = self.model_for(set.shape);
        (checkpoint.config != page).then(|| {
            format!(
                "the file holds {}, but the page is set to {} on this data: choose the same model settings first",
                checkpoint.config.name(),
                page.name()
            )
        })
    }

    /// The chosen model for images of `shape`.
    fn model_for(&self, shape: crate::data::ImageShape) -> VaeConfig {
        VaeConfig {
            image: shape,
            ..self.model.clone()
        }
    }

    fn data_key(&self) -> DataKey {
        DataKey {
            dataset: self.dataset,
            shapes: self.shapes,
            own_files: self.own_files.clone(),
            preprocess: self.preprocess,
        }
    }

    /// Where sessions run, and whether that is where training goes (not while the WebGPU
    /// trainer is still to load: the CPU serves the page meanwhile).
    fn engine(&self) -> Option<(Engine, bool)> {
        Some(match (&self.backend.as_ref()?.kind, &self.webgpu) {
            (BackendKind::Cpu { .. }, _) => (Engine::Cpu, true),
            (BackendKind::WebGpu { .. }, WebGpuTrainer::Ready(_)) => (Engine::WebGpu, true),
            (BackendKind::WebGpu { .. }, _) => (Engine::Cpu, false),
        })
    }

    /// Asks for the WebGPU trainer, if it is not there yet.
    fn load_webgpu(&mut self) {
        if self.webgpu == WebGpuTrainer::NotLoaded {
            self.webgpu = WebGpuTrainer::Loading;
        }
    }

    fn reset_training(&mut self) {
        self.session_id += 1;
        self.queued = Queued::default();
        self.step = 0;
        self.trained = false;
        self.has_model = false;
        self.running = false;
        self.last = None;
        self.epoch = 0;
        self.epochs_before = 0;
        self.history = Shared::default();
        self.held_out = Shared::default();
        self.error = None;
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let starts_anew = matches!(
            action,
            Action::Pretrained(..) | Action::Restored(_) | Action::Open(Ok(_)) | Action::Restart(_)
        );
        match action {
            Action::UseGpu(prefer_gpu) if prefer_gpu != self.prefer_gpu => {
                next.prefer_gpu = prefer_gpu;
                next.backend = None;
                next.cpu_probe = None;
                next.reset_training();
            }
            Action::BackendReady(for_gpu, backend) if for_gpu == self.prefer_gpu => {
                next.backend = Some(backend);
            }
            Action::CpuProbed(probe) => next.cpu_probe = Some(probe),
            Action::QueueRun(run) => {
                next.queued.run = run;
                if run {
                    next.load_webgpu();
                }
            }
            Action::QueueStep => {
                next.queued.steps += 1;
                next.load_webgpu();
            }
            Action::Dequeued => next.queued = Queued::default(),
            Action::WebGpuStarted(Ok(ready)) => next.webgpu = WebGpuTrainer::Ready(ready),
            Action::WebGpuStarted(Err(reason)) => {
                next.webgpu = WebGpuTrainer::NotLoaded;
                if self.prefer_gpu {
                    next.backend = Some(Backend {
                        kind: BackendKind::Cpu {
                            reason: format!("the WebGPU trainer could not start: {reason}"),
                        },
                        init_ms: 0.0,
                    });
                }
            }
            Action::ChooseDataset(dataset) if dataset != self.dataset => {
                next.dataset = dataset;
                next.data = DataStatus::Empty;
                next.problems = Shared::default();
                next.pretrained = Pretrained::Loading;
                next.origin = Origin::Pretrained;
                next.reset_training();
            }
            Action::AddOwnFiles(files, problems) => {
                let mut own = (*self.own_files).clone();
                own.extend(files);
                next.own_files = Shared::new(own);
                next.read_problems = Shared::new(problems);
                next.dataset = Dataset::Own;
                next.pretrained = Pretrained::None;
                next.origin = Origin::Scratch;
                next.reset_training();
            }
            Action::ClearOwnFiles => {
                next.own_files = Shared::default();
                next.read_problems = Shared::default();
                next.data = DataStatus::Empty;
                next.problems = Shared::default();
                next.reset_training();
            }
            Action::SetPreprocess(preprocess) if preprocess != self.preprocess => {
                next.preprocess = preprocess;
                if self.dataset == Dataset::Own {
                    next.reset_training();
                }
            }
            Action::SetShapes(shapes) if shapes != self.shapes => {
                next.shapes = shapes;
                if self.dataset == Dataset::Shapes {
                    next.reset_training();
                }
            }
            Action::Data(key, status, problems) if key == self.data_key() => {
                next.data = status;
                let mut all = (*self.read_problems).clone();
                all.extend(problems.iter().cloned());
                next.problems = Shared::new(all);
            }
            Action::Pretrained(dataset, pretrained) if dataset == self.dataset => {
                next.pretrained = pretrained
            }
            Action::Restart(origin) => {
                next.origin = origin;
                next.reset_training();
            }
            Action::Open(Ok(checkpoint)) => match self.refuse(&checkpoint) {
                Some(reason) => {
                    next.model_error = Some(format!(
                        "Could not open the model: {reason}. The current model is unchanged."
                    ));
                }
                None => {
                    next.model_message = Some(format!(
                        "Opened {} at step {}{}.",
                        checkpoint.config.name(),
                        checkpoint.step,
                        if checkpoint.resumable() {
                            ", with the optimizer's state"
                        } else {
                            ""
                        }
                    ));
                    next.model_error = None;
                    next.open(checkpoint);
                }
            },
            Action::Open(Err(error)) => {
                next.model_error = Some(format!(
                    "Could not open the model: {error}. The current model is unchanged."
                ));
            }
            Action::Restored(saved) => {
                next.restored = true;
                if let Some((checkpoint, own_files)) = saved {
                    if let Some(page) = PageMeta::from_json(&checkpoint.meta) {
                        next.dataset = Dataset::from_key(&page.dataset).unwrap_or(Dataset::Mnist);
                        next.preprocess = page.preprocess;
                    }
                    next.own_files = Shared::new(own_files);
                    if next.dataset == Dataset::Own {
                        next.pretrained = Pretrained::None;
                    }
                    next.model_message = Some(format!(
                        "Resumed where you left off, at step {}. Start over to clear it.",
                        checkpoint.step
                    ));
                    next.autosave = Autosave::Saved {
                        step: checkpoint.step,
                    };
                    next.open(checkpoint);
                }
            }
            Action::Autosaved(autosave) => next.autosave = autosave,
            Action::ModelBusy(busy) => next.model_busy = busy,
            Action::ModelDone(result) => {
                next.model_busy = None;
                match result {
                    Ok(message) => {
                        next.model_message = Some(message);
                        next.model_error = None;
                    }
                    Err(error) => next.model_error = Some(error),
                }
            }
            Action::Shared(url) => next.share_url = Some(url),
            Action::SetHyper(hyper) => next.hyper = hyper,
            Action::SetModel(model) if model != self.model => {
                // The pretrained models are VAE-MLP-2: other settings train from scratch.
                next.origin = if model == VaeConfig::mlp2() {
                    Origin::Pretrained
                } else {
                    Origin::Scratch
                };
                next.model = model;
                next.reset_training();
            }
            Action::SetSeed(seed) => {
                next.seed = seed;
                next.origin = Origin::Scratch;
                next.reset_training();
            }
            Action::Cursor(z) => next.cursor = z,
            Action::Session(id, event) if id == self.session_id => match event {
                Event::Model(_) => next.has_model = true,
                Event::Points(_) => return self,
                Event::Stepped(reports, epoch) => {
                    let mut history = (*self.history).clone();
                    history.extend(reports.iter().map(|report| ChartPoint {
                        step: report.step,
                        reconstruction: report.reconstruction,
                        kl: report.kl,
                        total: report.total,
                        discriminator: report.discriminator.as_ref().map(|d| d.loss),
                    }));
                    next.history = Shared::new(history);
                    next.epoch = self.epochs_before + epoch;
                    next.trained |= !reports.is_empty();
                    next.last = reports.into_iter().last().or(next.last);
                    if let Some(last) = &next.last {
                        next.step = last.step;
                    }
                }
                Event::HeldOut(step, value) => {
                    let mut held_out = (*self.held_out).clone();
                    held_out.push((step, value));
                    next.held_out = Shared::new(held_out);
                }
                Event::Running(running) => next.running = running,
                Event::Failed(error) => {
                    next.running = false;
                    next.error = Some(error);
                }
            },
            _ => return self,
        }
        if starts_anew {
            next.show_pretrained();
            next.show_early();
        }
        next.into()
    }
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(State::from_location);
    let session = use_mut_ref(|| None::<Session>);

    use_effect_with((), {
        let (dispatcher, restored, cursor) = (state.dispatcher(), state.restored, state.cursor);
        move |_| {
            probe_hooks::install();
            view::set_cursor(cursor);
            if !restored {
                spawn_local(async move { dispatcher.dispatch(Action::Restored(restore().await)) });
            }
        }
    });
    // The autosave: every few seconds while there is new training, and when the page is hidden.
    let latest = use_mut_ref(Latest::default);
    {
        let mut latest = latest.borrow_mut();
        // A shallow copy (the history and the data are shared): the metadata is built only
        // when a save happens.
        latest.state = Some((*state).clone());
    }
    use_effect_with((), {
        let (latest, session, dispatcher) = (latest.clone(), session.clone(), state.dispatcher());
        move |_| {
            let save = Rc::new(move || {
                spawn_local(autosave(
                    latest.clone(),
                    session.clone(),
                    dispatcher.clone(),
                ))
            });
            let interval = {
                let save = save.clone();
                gloo::timers::callback::Interval::new(AUTOSAVE_EVERY_MS, move || save())
            };
            let document = web_sys::window().and_then(|w| w.document());
            let listener = document.map(|document| {
                let hidden = document.clone();
                gloo::events::EventListener::new(&document, "visibilitychange", move |_| {
                    if hidden.visibility_state() == web_sys::VisibilityState::Hidden {
                        save();
                    }
                })
            });
            move || drop((interval, listener))
        }
    });
    // The user's own files are kept beside the autosave, whenever they change.
    use_effect_with((state.own_files.clone(), state.restored), {
        let dispatcher = state.dispatcher();
        move |(files, restored)| {
            if *restored {
                let zip = write_zip(files);
                spawn_local(async move {
                    if let Err(error) = storage::save(OWN_FILES_KEY, &zip).await {
                        dispatcher.dispatch(Action::Autosaved(Autosave::Failed(error)));
                    }
                });
            }
        }
    });
    use_effect_with(state.dataset, {
        let dispatcher = state.dispatcher();
        move |&dataset| {
            let on_pretrained =
                Callback::from(move |p| dispatcher.dispatch(Action::Pretrained(dataset, p)));
            spawn_local(load_pretrained(dataset, on_pretrained));
        }
    });
    use_effect_with(state.data_key(), {
        let dispatcher = state.dispatcher();
        move |key: &DataKey| {
            let for_key = key.clone();
            let on_status = Callback::from(move |(status, problems)| {
                dispatcher.dispatch(Action::Data(for_key.clone(), status, Shared::new(problems)))
            });
            spawn_local(load_data(key.clone(), on_status));
        }
    });
    use_effect_with(state.prefer_gpu, {
        let dispatcher = state.dispatcher();
        move |&prefer_gpu| {
            spawn_local(async move {
                let backend = backend::init(prefer_gpu).await;
                let on_cpu = matches!(backend.kind, BackendKind::Cpu { .. });
                dispatcher.dispatch(Action::BackendReady(prefer_gpu, backend));
                if on_cpu {
                    let result = probe(&burn::tensor::Device::flex()).await;
                    dispatcher.dispatch(Action::CpuProbed(result));
                }
            });
        }
    });
    // The WebGPU trainer, the first time the user trains on WebGPU. If it cannot start, the page
    // falls back to the CPU (with the reason), where the queued training then goes. The CPU runs
    // the same probe either way: beside WebGPU's, it tells a software adapter (SwiftShader, where
    // the CPU trains ~70× faster) from a real GPU, and the Backend card says so.
    use_effect_with(state.webgpu == WebGpuTrainer::Loading, {
        let dispatcher = state.dispatcher();
        move |&loading| {
            if loading {
                spawn_local(async move {
                    let started = worker::start_webgpu().await;
                    dispatcher.dispatch(Action::WebGpuStarted(started));
                    let result = probe(&burn::tensor::Device::flex()).await;
                    dispatcher.dispatch(Action::CpuProbed(result));
                });
            }
        }
    });
    // A new session whenever the backend, the data or the session id changes, once it is known
    // whether there is a pretrained model to start from.
    let data_set = match &state.data {
        DataStatus::Ready { set, .. } => Some(set.clone()),
        _ => None,
    };
    let start_from = match (&state.origin, &state.pretrained, &data_set) {
        _ if !state.restored => None,
        (Origin::Opened(checkpoint), _, _) => Some(Some(checkpoint.clone())),
        (Origin::Pretrained, Pretrained::Loading, _) => None,
        (Origin::Pretrained, Pretrained::Ready(checkpoint), Some(set))
            if checkpoint.config == state.model_for(set.shape) =>
        {
            Some(Some(checkpoint.clone()))
        }
        _ => Some(None),
    };
    use_effect_with(
        (
            state.session_id,
            state.engine().map(|(engine, _)| engine),
            data_set,
            start_from,
        ),
        {
            let (session, dispatcher) = (session.clone(), state.dispatcher());
            let (hyper, seed, model) = (state.hyper.clone(), state.seed, state.model.clone());
            move |(id, engine, data, start_from)| {
                *session.borrow_mut() = None;
                if let (Some(engine), Some(data), Some(start_from)) = (engine, data, start_from) {
                    let id = *id;
                    let shape = data.shape;
                    // The strip shows the last images, which the session keeps aside as held out.
                    view::set_originals(Rc::new(data.last(view::STRIP)));
                    let events = Callback::from(move |event: Event| {
                        // The canvases draw straight away; the reducer only tracks the rest.
                        match &event {
                            Event::Model(vae) => view::set_model(vae.clone(), shape),
                            Event::Points(points) => view::set_points(points.clone()),
                            _ => {}
                        }
                        dispatcher.dispatch(Action::Session(id, event))
                    });
                    let setup = Setup {
                        config: VaeConfig {
                            image: shape,
                            ..model
                        },
                        hyper,
                        seed,
                        data: data.0.clone(),
                        start_from: start_from.as_ref().map(|c| c.0.clone()),
                    };
                    *session.borrow_mut() = Some(session::start(setup, *engine, events));
                }
            }
        },
    );
    // Training asked for while the WebGPU trainer loaded goes to the session once it trains where
    // the user wants (the effect above has just started it).
    use_effect_with(
        (
            state.queued,
            state.engine().is_some_and(|(_, training)| training),
        ),
        {
            let (session, dispatcher) = (session.clone(), state.dispatcher());
            move |&(queued, training)| {
                if training && queued != Queued::default() {
                    if let Some(session) = session.borrow().as_ref() {
                        if queued.run {
                            session.send(Command::Run(true));
                        }
                        for _ in 0..queued.steps {
                            session.send(Command::Step);
                        }
                    }
                    dispatcher.dispatch(Action::Dequeued);
                }
            }
        },
    );
    // The plane can colour Shapes by their true factors: those of the held-out images.
    let factors = match &state.data {
        DataStatus::Ready {
            set,
            factors: Some(factors),
            ..
        } => Some((factors.clone(), set.len())),
        _ => None,
    };
    use_effect_with(factors, |factors| {
        view::set_factors(
            factors.as_ref().map(|(factors, len)| {
                Rc::new(factors[len - session::held_out_count(*len)..].to_vec())
            }),
        )
    });
    let command = {
        let session = session.clone();
        move |command: Command| {
            if let Some(session) = session.borrow().as_ref() {
                session.send(command);
            }
        }
    };
    // Before the WebGPU trainer runs, training is queued (and the trainer loaded).
    let training_here = state.engine().is_some_and(|(_, training)| training);
    let on_run = {
        let (command, dispatcher) = (command.clone(), state.dispatcher());
        Callback::from(move |run| match training_here {
            true => command(Command::Run(run)),
            false => dispatcher.dispatch(Action::QueueRun(run)),
        })
    };
    let on_step = {
        let (command, dispatcher) = (command.clone(), state.dispatcher());
        Callback::from(move |()| match training_here {
            true => command(Command::Step),
            false => dispatcher.dispatch(Action::QueueStep),
        })
    };
    let on_hyper = {
        let (command, dispatcher) = (command.clone(), state.dispatcher());
        Callback::from(move |hyper: Hyper| {
            dispatcher.dispatch(Action::SetHyper(hyper.clone()));
            command(Command::Hyper(hyper));
        })
    };
    let on_reset = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::Restart(Origin::Scratch)))
    };
    let on_pretrained = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::Restart(Origin::Pretrained)))
    };
    let on_pretrained_gan = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(Action::ModelBusy(Some("Loading the VAE-GAN model…".into())));
            spawn_local(async move {
                let result = fetch_checkpoint(PRETRAINED_GAN_URL).await;
                dispatcher.dispatch(Action::ModelBusy(None));
                dispatcher.dispatch(Action::Open(result));
            });
        })
    };
    let on_save = {
        let (session, dispatcher) = (session.clone(), state.dispatcher());
        let (meta, name) = (
            state.page_meta(),
            format!("vae-{}-step{}.vae", state.dataset.key(), state.step),
        );
        Callback::from(move |()| {
            let (session, dispatcher, meta, name) = (
                session.clone(),
                dispatcher.clone(),
                meta.clone(),
                name.clone(),
            );
            dispatcher.dispatch(Action::ModelBusy(Some("Saving the model…".into())));
            spawn_local(async move {
                let result = capture(&session, meta).await.and_then(|checkpoint| {
                    let bytes = checkpoint.to_bytes();
                    download(&name, "application/octet-stream", &bytes)?;
                    Ok(format!(
                        "Saved {name} ({:.1} MB).",
                        bytes.len() as f64 / 1e6
                    ))
                });
                dispatcher.dispatch(Action::ModelDone(result));
            });
        })
    };
    let on_open = {
        let dispatcher = state.dispatcher();
        Callback::from(move |file: web_sys::File| {
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let result = read_file(&file).await.and_then(|named| {
                    Checkpoint::from_bytes(&named.bytes).map_err(|e| format!("{}: {e}", named.name))
                });
                dispatcher.dispatch(Action::Open(result));
            });
        })
    };
    let on_export = {
        let dispatcher = state.dispatcher();
        let shape = match &state.data {
            DataStatus::Ready { set, .. } => Some(set.shape),
            _ => None,
        };
        let cursor = state.cursor;
        Callback::from(move |what: Export| {
            let dispatcher = dispatcher.clone();
            dispatcher.dispatch(Action::ModelBusy(Some("Exporting…".into())));
            spawn_local(async move {
                let result = match shape {
                    Some(shape) => export(what, shape, cursor).await,
                    None => Err("no data loaded".into()),
                };
                dispatcher.dispatch(Action::ModelDone(result));
            });
        })
    };
    let on_share = {
        let dispatcher = state.dispatcher();
        let link = ShareLink {
            dataset: state.dataset,
            hyper: state.hyper.clone(),
            model: state.model.clone(),
            seed: state.seed,
            cursor: state.cursor,
            view: None,
        };
        Callback::from(move |()| {
            let view = view::fixed_view().map(|v| [v.centre[0], v.centre[1], v.half_width]);
            let fragment = ShareLink {
                view,
                ..link.clone()
            }
            .to_fragment();
            let Some(window) = web_sys::window() else {
                return;
            };
            if let Ok(history) = window.history() {
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&fragment));
            }
            if let Ok(href) = window.location().href() {
                dispatcher.dispatch(Action::Shared(href));
            }
        })
    };
    let on_start_over = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| {
            // Restart first: an autosave of the old session still under way then finds its
            // session gone and writes nothing, and IndexedDB runs this clear after any write
            // that began before it.
            dispatcher.dispatch(Action::Restart(Origin::Pretrained));
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let cleared = storage::clear().await;
                dispatcher.dispatch(Action::Autosaved(match cleared {
                    Ok(()) => Autosave::Idle,
                    Err(error) => Autosave::Failed(error),
                }));
                dispatcher.dispatch(Action::ModelDone(Ok(
                    "Started over: the saved session is cleared.".into(),
                )));
            });
        })
    };
    let on_seed = {
        let dispatcher = state.dispatcher();
        Callback::from(move |seed| dispatcher.dispatch(Action::SetSeed(seed)))
    };
    let on_cursor = {
        let dispatcher = state.dispatcher();
        Callback::from(move |z| dispatcher.dispatch(Action::Cursor(z)))
    };
    let on_model = {
        let dispatcher = state.dispatcher();
        Callback::from(move |m| dispatcher.dispatch(Action::SetModel(m)))
    };
    let on_dataset = {
        let dispatcher = state.dispatcher();
        Callback::from(move |d| dispatcher.dispatch(Action::ChooseDataset(d)))
    };
    let on_files = {
        let dispatcher = state.dispatcher();
        Callback::from(move |files: Vec<web_sys::File>| {
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let (mut read, mut problems) = (Vec::new(), Vec::new());
                for file in &files {
                    match read_file(file).await {
                        Ok(named) => read.push(named),
                        Err(reason) => problems.push(Problem {
                            file: file.name(),
                            reason,
                        }),
                    }
                }
                dispatcher.dispatch(Action::AddOwnFiles(read, problems));
            });
        })
    };
    let on_drawing = {
        let dispatcher = state.dispatcher();
        Callback::from(move |file| dispatcher.dispatch(Action::AddOwnFiles(vec![file], Vec::new())))
    };
    let on_preprocess = {
        let dispatcher = state.dispatcher();
        Callback::from(move |p| dispatcher.dispatch(Action::SetPreprocess(p)))
    };
    let on_shapes = {
        let dispatcher = state.dispatcher();
        Callback::from(move |s| dispatcher.dispatch(Action::SetShapes(s)))
    };
    let on_clear_own = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::ClearOwnFiles))
    };
    let on_switch = {
        let dispatcher = state.dispatcher();
        Callback::from(move |gpu| dispatcher.dispatch(Action::UseGpu(gpu)))
    };

    // Started, and its first computation done (the WebGPU trainer's waits until it is needed).
    let ready = match state.backend.as_ref().map(|b| &b.kind) {
        Some(BackendKind::Cpu { .. }) => state.cpu_probe.is_some(),
        Some(BackendKind::WebGpu { .. }) => state.webgpu != WebGpuTrainer::Loading,
        None => false,
    };
    let has_factors = matches!(
        &state.data,
        DataStatus::Ready {
            factors: Some(_),
            ..
        }
    );
    let warming_up = state.running && state.last.is_none();
    let loading_trainer =
        state.webgpu == WebGpuTrainer::Loading && state.queued != Queued::default();
    html! {
        <main id="app" data-ready={ready.to_string()}>
            <header>
                <h1>{ "VAE Playground" }</h1>
                <p class="tagline">
                    { "Train a variational autoencoder in your browser and explore its latent space. Nothing leaves your machine." }
                </p>
            </header>
            {
                match &state.pretrained {
                    Pretrained::Ready(checkpoint) => html! {
                        <p id="pretrained-status" class="detail" data-state={if state.origin == Origin::Pretrained { "in-use" } else { "available" }}>
                            {
                                match &state.origin {
                                    Origin::Pretrained => format!("Opened with a pretrained {} (trained natively for {} steps). Train on from here, or Reset to start from scratch.", checkpoint.config.name(), checkpoint.step),
                                    Origin::Scratch => "Training from scratch.".to_string(),
                                    Origin::Opened(_) => "Training a model you opened.".to_string(),
                                }
                            }
                            if state.dataset == Dataset::Mnist {
                                { " " }<button id="pretrained-gan" onclick={on_pretrained_gan}>{ "Open the VAE-GAN version (trained with the discriminator)" }</button>
                            }
                            if state.origin != Origin::Pretrained {
                                { " " }<button id="pretrained" onclick={on_pretrained}>{ "Back to the pretrained model" }</button>
                            }
                        </p>
                    },
                    Pretrained::Unavailable(reason) => html! {
                        <p id="pretrained-status" class="notice" data-state="unavailable">
                            { format!("No pretrained model ({reason}): starting from fresh weights.") }
                        </p>
                    },
                    Pretrained::Loading | Pretrained::None => html! {},
                }
            }
            if let Some(error) = &state.error {
                <p id="error" class="card error" role="alert">{ format!("Training stopped: {error}") }</p>
            }
            <div class="layout">
                <div class="column">
                    <DataPanel
                        dataset={state.dataset}
                        status={state.data.clone()}
                        preprocess={state.preprocess}
                        problems={state.problems.clone()}
                        own_files={state.own_files.len()}
                        shapes={state.shapes}
                        {on_dataset} {on_files} {on_drawing} {on_preprocess} {on_shapes} {on_clear_own}
                    />
                    <Controls
                        hyper={state.hyper.clone()}
                        seed={state.seed}
                        running={state.running || state.queued.run}
                        ready={state.has_model}
                        last={state.last.clone()}
                        step={state.step}
                        epoch={state.epoch}
                        model={state.model.clone()}
                        {on_run} {on_step} {on_reset} {on_hyper} {on_seed} {on_model}
                    />
                    <section class="card" aria-label="Losses">
                        <h2>{ "Losses" }</h2>
                        if loading_trainer {
                            <p id="loading-trainer" class="busy">{ "Loading the WebGPU trainer (once) and compiling its kernels…" }</p>
                        }
                        if warming_up {
                            <p id="warm-up" class="busy">{ "Warming up: the first steps compile the GPU kernels…" }</p>
                        }
                        <LossChart history={state.history.clone()} held_out={state.held_out.clone()} />
                    </section>
                    <ModelPanel
                        ready={state.has_model}
                        busy={state.model_busy.clone()}
                        message={state.model_message.clone()}
                        error={state.model_error.clone()}
                        autosave={state.autosave.clone()}
                        share_url={state.share_url.clone()}
                        {on_save} {on_open} {on_export} {on_share} {on_start_over}
                    />
                    <BackendStatus backend={state.backend.clone()} cpu_probe={state.cpu_probe.clone()} webgpu={state.webgpu.clone()} {on_switch} />
                </div>
                <div class="column">
                    <section class="card explore" aria-label="Latent space">
                        <h2>{ "Latent space" }</h2>
                        <div class="plane-and-view">
                            <LatentPlane cursor={state.cursor} factors={has_factors} latent={state.model.latent} on_cursor={on_cursor.clone()} />
                            <DecodedView cursor={state.cursor} />
                        </div>
                        <p class="detail">{ "Each dot is a held-out image's posterior mean, coloured by its label. Drag the cursor, click anywhere, or focus the plane and use the arrow keys (Shift for big steps)." }</p>
                    </section>
                    <section class="card" aria-label="Interpolation">
                        <h2>{ "Interpolation" }</h2>
                        <Interpolation cursor={state.cursor} on_cursor={on_cursor.clone()} />
                    </section>
                    <section class="card" aria-label="Manifold">
                        <Manifold />
                    </section>
                    <section class="card" aria-label="Reconstructions and samples">
                        <SampleStrip />
                    </section>
                </div>
            </div>
        </main>
    }
}

/// What the autosave needs from the latest render.
#[derive(Default)]
struct Latest {
    state: Option<State>,
    saved_step: Option<u64>,
    saving: bool,
}

/// A copy of the session's model with the page's metadata.
async fn capture(
    session: &Rc<RefCell<Option<Session>>>,
    meta: PageMeta,
) -> Result<Checkpoint, String> {
    let (reply, answer) = oneshot::channel();
    session
        .borrow()
        .as_ref()
        .ok_or("no model yet")?
        .send(Command::Capture(reply));
    let mut checkpoint = answer
        .await
        .map_err(|_| "training restarted before the model was copied".to_string())??;
    checkpoint.meta = serde_json::json!({ "page": meta.to_json() });
    Ok(checkpoint)
}

async fn autosave(
    latest: Rc<RefCell<Latest>>,
    session: Rc<RefCell<Option<Session>>>,
    dispatcher: UseReducerDispatcher<State>,
) {
    // Saving blocks the page for a moment: not in the middle of a drag.
    if super::now_ms() - view::cursor_moved_ms() < AUTOSAVE_QUIET_MS {
        return;
    }
    let meta = {
        let mut latest = latest.borrow_mut();
        let Some(state) = &latest.state else {
            return;
        };
        if !state.trained || latest.saving || latest.saved_step == Some(state.step) {
            return;
        }
        let meta = (state.page_meta(), state.session_id);
        latest.saving = true;
        Some(meta)
    };
    let session_now =
        |latest: &Rc<RefCell<Latest>>| latest.borrow().state.as_ref().map(|s| s.session_id);
    let result = match meta {
        Some((meta, id)) => match capture(&session, meta).await {
            // Started over (or reset) meanwhile: the copy is of a session that is gone.
            _ if session_now(&latest) != Some(id) => {
                latest.borrow_mut().saving = false;
                return;
            }
            Ok(checkpoint) => storage::save(SESSION_KEY, &checkpoint.to_bytes())
                .await
                .map(|()| checkpoint.step),
            Err(error) => Err(error),
        },
        None => Err("nothing to save yet".into()),
    };
    let mut latest = latest.borrow_mut();
    latest.saving = false;
    match result {
        Ok(step) => {
            latest.saved_step = Some(step);
            dispatcher.dispatch(Action::Autosaved(Autosave::Saved { step }));
        }
        Err(error) => dispatcher.dispatch(Action::Autosaved(Autosave::Failed(error))),
    }
}

/// The autosaved model and the user's own files, if the browser kept any.
async fn restore() -> Option<(Checkpoint, Vec<NamedFile>)> {
    let bytes = storage::load(SESSION_KEY).await.ok().flatten()?;
    let checkpoint = Checkpoint::from_bytes(&bytes).ok()?;
    let own_files = match storage::load(OWN_FILES_KEY).await.ok().flatten() {
        Some(zip) if !zip.is_empty() => {
            let mut budget = LIMITS.total_bytes;
            // Saved with their names; `read_zip` prefixes the archive's name.
            read_zip("", &zip, &LIMITS, &mut budget)
                .map(|files| {
                    files
                        .into_iter()
                        .map(|f| NamedFile {
                            name: f.name.trim_start_matches('/').to_string(),
                            bytes: f.bytes,
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    Some((checkpoint, own_files))
}

/// Writes an export and offers it as a download; says what it did.
async fn export(
    what: Export,
    shape: crate::data::ImageShape,
    cursor: [f32; 2],
) -> Result<String, String> {
    match what {
        Export::DecodedPng => {
            download_canvas("decoded", "decoded.png")?;
            Ok("Exported decoded.png.".into())
        }
        Export::ManifoldPng => {
            download_canvas("manifold", "manifold.png")?;
            Ok("Exported manifold.png.".into())
        }
        Export::Samples {
            count,
            around_cursor,
            idx,
        } => {
            let model = view::model().ok_or("no model yet")?;
            let mut rng = Rng::new(super::now_ms().to_bits());
            let (centre, spread) = if around_cursor {
                (cursor, 0.5)
            } else {
                ([0.0, 0.0], 1.0)
            };
            // Every latent dimension varies, not only the two on the plane.
            let latent = model.latent();
            let centre = view::slice().embed(centre);
            let mut pixels = Vec::with_capacity(count * shape.pixels());
            let normals = rng.normals(count * latent);
            for chunk in normals.chunks(latent * 500) {
                let z: Vec<f32> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, e)| centre[i % latent] + spread * e)
                    .collect();
                pixels.extend(session::decode_latents(&model, z).await?);
                session::yield_to_browser().await;
            }
            let set = ImageSet {
                shape,
                pixels,
                labels: None,
            };
            if idx {
                let (images, _) = write_idx(&set);
                let name = "samples-images-idx3-ubyte";
                download(name, "application/octet-stream", &images)?;
                Ok(format!("Exported {count} samples as {name}."))
            } else {
                let files: Vec<NamedFile> = (0..set.len())
                    .map(|i| NamedFile {
                        name: format!("samples/{i:05}.png"),
                        bytes: image_png(set.image(i), shape),
                    })
                    .collect();
                download("samples.zip", "application/zip", &write_zip(&files))?;
                Ok(format!("Exported {count} samples as samples.zip."))
            }
        }
    }
}
