use std::rc::Rc;

use burn::tensor::{Device, Tensor, TensorData};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::backend::{self, Backend};
use super::components::{
    BackendStatus, ChartPoint, Controls, DataPanel, DataStatus, DecodedView, LatentPlane,
    LossChart, Manifold, SampleStrip,
};
use super::fetch::fetch_bytes;
use super::session::{self, Command, Event, Session, Setup};
use super::shared::Shared;
use super::{now_ms, probe_hooks, view};
use crate::data::read_idx_pair;
use crate::vae::{Checkpoint, Hyper, StepReport, VaeConfig};

/// The first real computation on the chosen backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Done {
        first_ms: f64,
        warm_ms: f64,
        checksum: f32,
    },
    Failed(String),
}

/// The pretrained model the page opens with.
#[derive(Debug, Clone, PartialEq)]
enum Pretrained {
    Loading,
    Ready(Shared<Checkpoint>),
    /// Missing or unreadable: the page starts from fresh weights and says why.
    Unavailable(String),
}

#[derive(Clone)]
struct State {
    prefer_gpu: bool,
    backend: Option<Backend>,
    probe: Option<Probe>,
    data: DataStatus,
    pretrained: Pretrained,
    /// Start sessions from the pretrained weights (until the user resets).
    use_pretrained: bool,
    hyper: Hyper,
    seed: u64,
    /// Bumped by every reset: events of older sessions are dropped.
    session_id: u64,
    running: bool,
    last: Option<StepReport>,
    epoch: usize,
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
    Probed(bool, Probe),
    Data(DataStatus),
    Pretrained(Pretrained),
    /// Start over from the pretrained weights (`true`) or from fresh ones.
    StartOver(bool),
    SetHyper(Hyper),
    SetSeed(u64),
    Cursor([f32; 2]),
    Session(u64, Event),
}

impl State {
    /// WebGPU unless the address says `?backend=cpu`.
    fn from_location() -> Self {
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Self {
            prefer_gpu: !search.contains("backend=cpu"),
            backend: None,
            probe: None,
            data: DataStatus::Loading {
                name: "MNIST".into(),
                fraction: 0.0,
            },
            pretrained: Pretrained::Loading,
            use_pretrained: true,
            hyper: Hyper::default(),
            seed: 1,
            session_id: 0,
            running: false,
            last: None,
            epoch: 0,
            history: Shared::default(),
            held_out: Shared::default(),
            has_model: false,
            cursor: [0.0, 0.0],
            error: None,
        }
    }

    fn reset_training(&mut self) {
        self.session_id += 1;
        self.has_model = false;
        self.running = false;
        self.last = None;
        self.epoch = 0;
        self.history = Shared::default();
        self.held_out = Shared::default();
        self.error = None;
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::UseGpu(prefer_gpu) if prefer_gpu != self.prefer_gpu => {
                next.prefer_gpu = prefer_gpu;
                next.backend = None;
                next.probe = None;
                next.reset_training();
            }
            Action::BackendReady(for_gpu, backend) if for_gpu == self.prefer_gpu => {
                next.backend = Some(backend);
            }
            Action::Probed(for_gpu, probe) if for_gpu == self.prefer_gpu => {
                next.probe = Some(probe);
            }
            Action::Data(status) => next.data = status,
            Action::Pretrained(pretrained) => next.pretrained = pretrained,
            Action::StartOver(pretrained) => {
                next.use_pretrained = pretrained;
                next.reset_training();
            }
            Action::SetHyper(hyper) => next.hyper = hyper,
            Action::SetSeed(seed) => {
                next.seed = seed;
                next.use_pretrained = false;
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
                    next.epoch = epoch;
                    next.last = reports.into_iter().last().or(next.last);
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
        next.into()
    }
}

/// Decodes a 20×20 grid of latent points twice: once cold (shader compilation on WebGPU), once
/// warm. Reads back asynchronously, as the browser requires.
async fn probe(device: &Device) -> Probe {
    let vae = match VaeConfig::mlp2().init(device) {
        Ok(vae) => vae,
        Err(error) => return Probe::Failed(error.to_string()),
    };
    let grid: Vec<f32> = (0..400)
        .flat_map(|i| [(i % 20) as f32 / 5.0 - 2.0, (i / 20) as f32 / 5.0 - 2.0])
        .collect();
    let mut times = [0.0; 2];
    let mut checksum = 0.0;
    for time in &mut times {
        let start = now_ms();
        let z = Tensor::from_data(TensorData::new(grid.clone(), [400, 2]), device);
        let images = match vae.decode(z).into_data_async().await {
            Ok(data) => data,
            Err(error) => return Probe::Failed(format!("{error:?}")),
        };
        *time = now_ms() - start;
        checksum = images.iter::<f32>().sum::<f32>() / 400.0;
    }
    Probe::Done {
        first_ms: times[0],
        warm_ms: times[1],
        checksum,
    }
}

/// The model the page opens with, trained natively by `vae-train` (see the README).
const PRETRAINED_URL: &str = "models/mnist-mlp2.vae";

async fn load_pretrained(dispatch: Callback<Pretrained>) {
    let result = fetch_bytes(PRETRAINED_URL, |_| {})
        .await
        .and_then(|bytes| Checkpoint::from_bytes(&bytes).map_err(|e| e.to_string()));
    dispatch.emit(match result {
        Ok(checkpoint) => Pretrained::Ready(Shared::new(checkpoint)),
        Err(error) => Pretrained::Unavailable(error),
    });
}

/// Fetches the bundled MNIST test set (gzipped IDX), reporting progress.
async fn load_mnist(dispatch: Callback<DataStatus>) {
    let name = "MNIST".to_string();
    let progress = |share: f64, offset: f64| {
        let (dispatch, name) = (dispatch.clone(), name.clone());
        move |fraction: f64| {
            dispatch.emit(DataStatus::Loading {
                name: name.clone(),
                fraction: offset + share * fraction,
            })
        }
    };
    let images = fetch_bytes("mnist/t10k-images-idx3-ubyte.gz", progress(0.98, 0.0)).await;
    let labels = fetch_bytes("mnist/t10k-labels-idx1-ubyte.gz", progress(0.02, 0.98)).await;
    let status = match (images, labels) {
        (Ok(images), Ok(labels)) => match read_idx_pair(&images, Some(&labels)) {
            Ok(set) => DataStatus::Ready {
                name,
                set: Shared::new(set),
            },
            Err(error) => DataStatus::Failed {
                name,
                error: error.to_string(),
            },
        },
        (Err(error), _) | (_, Err(error)) => DataStatus::Failed { name, error },
    };
    dispatch.emit(status);
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(State::from_location);
    let session = use_mut_ref(|| None::<Session>);

    use_effect_with((), {
        let dispatcher = state.dispatcher();
        move |_| {
            probe_hooks::install();
            let on_pretrained = {
                let dispatcher = dispatcher.clone();
                Callback::from(move |p| dispatcher.dispatch(Action::Pretrained(p)))
            };
            spawn_local(load_pretrained(on_pretrained));
            let on_status = Callback::from(move |status| dispatcher.dispatch(Action::Data(status)));
            spawn_local(load_mnist(on_status));
        }
    });
    use_effect_with(state.prefer_gpu, {
        let dispatcher = state.dispatcher();
        move |&prefer_gpu| {
            spawn_local(async move {
                let backend = backend::init(prefer_gpu).await;
                let device = backend.device.clone();
                dispatcher.dispatch(Action::BackendReady(prefer_gpu, backend));
                let result = probe(&device).await;
                dispatcher.dispatch(Action::Probed(prefer_gpu, result));
            });
        }
    });
    // A new session whenever the backend, the data or the session id changes, once it is known
    // whether there is a pretrained model to start from.
    let data_set = match &state.data {
        DataStatus::Ready { set, .. } => Some(set.clone()),
        _ => None,
    };
    let start_from = match (&state.pretrained, state.use_pretrained) {
        (Pretrained::Loading, _) => None,
        (Pretrained::Ready(checkpoint), true) => Some(Some(checkpoint.clone())),
        _ => Some(None),
    };
    use_effect_with(
        (
            state.session_id,
            state.backend.clone(),
            data_set,
            start_from,
        ),
        {
            let (session, dispatcher) = (session.clone(), state.dispatcher());
            let (hyper, seed) = (state.hyper.clone(), state.seed);
            move |(id, backend, data, start_from)| {
                *session.borrow_mut() = None;
                if let (Some(backend), Some(data), Some(start_from)) = (backend, data, start_from) {
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
                        device: backend.device.clone(),
                        config: VaeConfig::mlp2(),
                        hyper,
                        seed,
                        data: data.0.clone(),
                        start_from: start_from.as_ref().map(|c| c.0.clone()),
                    };
                    *session.borrow_mut() = Some(session::start(setup, events));
                }
            }
        },
    );
    let command = {
        let session = session.clone();
        move |command: Command| {
            if let Some(session) = session.borrow().as_ref() {
                session.send(command);
            }
        }
    };
    let on_run = {
        let command = command.clone();
        Callback::from(move |run| command(Command::Run(run)))
    };
    let on_step = {
        let command = command.clone();
        Callback::from(move |()| command(Command::Step))
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
        Callback::from(move |()| dispatcher.dispatch(Action::StartOver(false)))
    };
    let on_pretrained = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::StartOver(true)))
    };
    let on_seed = {
        let dispatcher = state.dispatcher();
        Callback::from(move |seed| dispatcher.dispatch(Action::SetSeed(seed)))
    };
    let on_cursor = {
        let dispatcher = state.dispatcher();
        Callback::from(move |z| dispatcher.dispatch(Action::Cursor(z)))
    };
    let on_switch = {
        let dispatcher = state.dispatcher();
        Callback::from(move |gpu| dispatcher.dispatch(Action::UseGpu(gpu)))
    };

    let ready = state.probe.is_some();
    let warming_up = state.running && state.last.is_none();
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
                        <p id="pretrained-status" class="detail" data-state={if state.use_pretrained { "in-use" } else { "available" }}>
                            {
                                if state.use_pretrained {
                                    format!("Opened with a pretrained {} (trained natively for {} steps). Train on from here, or Reset to start from scratch.", checkpoint.config.name(), checkpoint.step)
                                } else {
                                    "Training from scratch.".to_string()
                                }
                            }
                            if !state.use_pretrained {
                                { " " }<button id="pretrained" onclick={on_pretrained}>{ "Back to the pretrained model" }</button>
                            }
                        </p>
                    },
                    Pretrained::Unavailable(reason) => html! {
                        <p id="pretrained-status" class="notice" data-state="unavailable">
                            { format!("No pretrained model ({reason}): starting from fresh weights.") }
                        </p>
                    },
                    Pretrained::Loading => html! {},
                }
            }
            if let Some(error) = &state.error {
                <p id="error" class="card error" role="alert">{ format!("Training stopped: {error}") }</p>
            }
            <div class="layout">
                <div class="column">
                    <DataPanel status={state.data.clone()} />
                    <Controls
                        hyper={state.hyper.clone()}
                        seed={state.seed}
                        running={state.running}
                        ready={state.has_model}
                        last={state.last.clone()}
                        epoch={state.epoch}
                        {on_run} {on_step} {on_reset} {on_hyper} {on_seed}
                    />
                    <section class="card" aria-label="Losses">
                        <h2>{ "Losses" }</h2>
                        if warming_up {
                            <p id="warm-up" class="busy">{ "Warming up: the first steps compile the GPU kernels…" }</p>
                        }
                        <LossChart history={state.history.clone()} held_out={state.held_out.clone()} />
                    </section>
                    <BackendStatus backend={state.backend.clone()} probe={state.probe.clone()} {on_switch} />
                </div>
                <div class="column">
                    <section class="card explore" aria-label="Latent space">
                        <h2>{ "Latent space" }</h2>
                        <div class="plane-and-view">
                            <LatentPlane cursor={state.cursor} {on_cursor} />
                            <DecodedView cursor={state.cursor} />
                        </div>
                        <p class="detail">{ "Each dot is a held-out image's posterior mean, coloured by its label. Drag the cursor, click anywhere, or focus the plane and use the arrow keys (Shift for big steps)." }</p>
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
