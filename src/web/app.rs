use std::rc::Rc;

use burn::tensor::{Device, Tensor, TensorData};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::backend::{self, Backend};
use super::components::BackendStatus;
use super::now_ms;
use crate::vae::VaeConfig;

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

#[derive(Debug, Clone, PartialEq)]
struct State {
    prefer_gpu: bool,
    backend: Option<Backend>,
    probe: Option<Probe>,
}

enum Action {
    UseGpu(bool),
    /// Results carry the choice they were made for, so that a late answer after a switch is
    /// dropped rather than shown.
    BackendReady(bool, Backend),
    Probed(bool, Probe),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::UseGpu(prefer_gpu) if prefer_gpu != self.prefer_gpu => {
                next = State {
                    prefer_gpu,
                    backend: None,
                    probe: None,
                };
            }
            Action::BackendReady(for_gpu, backend) if for_gpu == self.prefer_gpu => {
                next.backend = Some(backend);
            }
            Action::Probed(for_gpu, probe) if for_gpu == self.prefer_gpu => {
                next.probe = Some(probe);
            }
            _ => return self,
        }
        next.into()
    }
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
        }
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

#[component]
pub fn App() -> Html {
    let state = use_reducer(State::from_location);
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.prefer_gpu, move |&prefer_gpu| {
            spawn_local(async move {
                let backend = backend::init(prefer_gpu).await;
                let device = backend.device.clone();
                dispatcher.dispatch(Action::BackendReady(prefer_gpu, backend));
                let result = probe(&device).await;
                dispatcher.dispatch(Action::Probed(prefer_gpu, result));
            });
        });
    }
    let on_switch = {
        let dispatcher = state.dispatcher();
        Callback::from(move |gpu| dispatcher.dispatch(Action::UseGpu(gpu)))
    };
    let ready = state.probe.is_some();
    html! {
        <main id="app" data-ready={ready.to_string()}>
            <header>
                <h1>{ "VAE Playground" }</h1>
                <p class="tagline">
                    { "Train a variational autoencoder in your browser and explore its latent space. Nothing leaves your machine." }
                </p>
            </header>
            <BackendStatus backend={state.backend.clone()} probe={state.probe.clone()} {on_switch} />
        </main>
    }
}
