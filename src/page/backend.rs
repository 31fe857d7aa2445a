//! Where the page computes: the backends it can choose and what it knows about them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub enum BackendKind {
    WebGpu {
        adapter: String,
    },
    /// The CPU fallback, and why WebGPU is not in use.
    Cpu {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub kind: BackendKind,
    pub init_ms: f64,
    /// On the CPU because it is faster than the browser's WebGPU adapter (a software fallback):
    /// that adapter, which the user may still choose.
    pub webgpu_slower: Option<String>,
}

/// Where sessions run: the CPU (the page's own module), or WebGPU (the WebGPU trainer module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Cpu,
    WebGpu,
}

/// The first real computation on a backend: a 20×20 grid decoded cold (shader compilation on
/// WebGPU), then warm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Probe {
    Done {
        first_ms: f64,
        warm_ms: f64,
        checksum: f32,
    },
    Failed(String),
}

/// How many times faster the CPU ran the probe than WebGPU (warm), when both ran it.
pub fn cpu_speedup(webgpu: &Probe, cpu: Option<&Probe>) -> Option<f64> {
    match (webgpu, cpu?) {
        (
            Probe::Done {
                warm_ms: gpu_ms, ..
            },
            Probe::Done {
                warm_ms: cpu_ms, ..
            },
        ) => Some(gpu_ms / cpu_ms.max(0.1)),
        _ => None,
    }
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

/// The WebGPU trainer module: fetched the first time the user trains on WebGPU.
#[derive(Debug, Clone, PartialEq)]
pub enum WebGpuTrainer {
    NotLoaded,
    Loading,
    Ready(WebGpuReady),
}

/// Training the user asked for while the WebGPU trainer was loading.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Queued {
    pub run: bool,
    pub steps: u32,
}

/// The page's backends: the one chosen, and the WebGPU trainer's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Backends {
    pub prefer_gpu: bool,
    /// WebGPU even on a software adapter (the user's choice, or `?backend=webgpu`).
    pub forced: bool,
    pub backend: Option<Backend>,
    /// The first computation on the CPU (the WebGPU trainer reports its own).
    pub cpu_probe: Option<Probe>,
    /// Loaded the first time the user trains on WebGPU: until then the CPU worker serves the
    /// page (encoding the plane's points), so that a visitor who only explores never downloads it.
    pub webgpu: WebGpuTrainer,
    pub queued: Queued,
}

impl Backends {
    pub fn new(prefer_gpu: bool, forced: bool) -> Self {
        Self {
            prefer_gpu,
            forced,
            backend: None,
            cpu_probe: None,
            webgpu: WebGpuTrainer::NotLoaded,
            queued: Queued::default(),
        }
    }

    /// Where sessions run, and whether that is where training goes (not while the WebGPU
    /// trainer is still to load: the CPU serves the page meanwhile).
    pub fn engine(&self) -> Option<(Engine, bool)> {
        Some(match (&self.backend.as_ref()?.kind, &self.webgpu) {
            (BackendKind::Cpu { .. }, _) => (Engine::Cpu, true),
            (BackendKind::WebGpu { .. }, WebGpuTrainer::Ready(_)) => (Engine::WebGpu, true),
            (BackendKind::WebGpu { .. }, _) => (Engine::Cpu, false),
        })
    }

    /// Whether Train and Step go straight to the session (else they are queued).
    pub fn trains_here(&self) -> bool {
        self.engine().is_some_and(|(_, training)| training)
    }

    /// Started, and its first computation done (the WebGPU trainer's waits until it is needed).
    pub fn ready(&self) -> bool {
        match self.backend.as_ref().map(|b| &b.kind) {
            Some(BackendKind::Cpu { .. }) => self.cpu_probe.is_some(),
            Some(BackendKind::WebGpu { .. }) => self.webgpu != WebGpuTrainer::Loading,
            None => false,
        }
    }

    /// Training waits for the WebGPU trainer to load.
    pub fn loading_trainer(&self) -> bool {
        self.webgpu == WebGpuTrainer::Loading && self.queued != Queued::default()
    }

    /// Asks for the WebGPU trainer, if it is not there yet.
    pub fn load_webgpu(&mut self) {
        if self.webgpu == WebGpuTrainer::NotLoaded {
            self.webgpu = WebGpuTrainer::Loading;
        }
    }
}
