use yew::prelude::*;

use crate::page::{Backend, BackendKind, Probe, WebGpuTrainer, cpu_speedup};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub backend: Option<Backend>,
    pub cpu_probe: Option<Probe>,
    pub webgpu: WebGpuTrainer,
    pub on_switch: Callback<bool>,
}

/// Which backend computes, how long it took to start, and what the first computation cost.
#[component]
pub fn BackendStatus(props: &Props) -> Html {
    let Some(backend) = &props.backend else {
        return html! {
            <section class="card" aria-busy="true">
                <p id="backend" class="busy">{ "Starting the compute backend…" }</p>
            </section>
        };
    };
    let (name, detail, notice, on_gpu) = match &backend.kind {
        BackendKind::WebGpu { adapter } => ("WebGPU", adapter.clone(), None, true),
        BackendKind::Cpu { reason } => (
            "CPU",
            "burn flex backend (WebAssembly)".to_string(),
            Some(reason.clone()),
            false,
        ),
    };
    let switch = {
        let on_switch = props.on_switch.clone();
        Callback::from(move |_| on_switch.emit(!on_gpu))
    };
    html! {
        <section id="backend-card" class="card">
            <p id="backend" data-backend={name.to_lowercase()}>
                <strong>{ format!("Backend: {name}") }</strong>
                <span class="detail">{ format!(" — {detail}") }</span>
            </p>
            if let (Some(_), Some(reason)) = (&backend.webgpu_slower, &notice) {
                <p id="cpu-chosen" class="notice" role="status">
                    { format!("Training on the CPU because it is faster here: {reason}.") }
                </p>
            } else if let Some(reason) = notice {
                <p id="fallback-notice" class="notice" role="status">
                    { format!("Running on the CPU fallback: {reason}. Training is slower.") }
                </p>
            }
            {
                match (on_gpu, &props.webgpu) {
                    (false, _) => html! {
                        <>
                            <p class="detail">{ format!("Backend started in {:.0} ms.", backend.init_ms) }</p>
                            { probe(props.cpu_probe.as_ref(), false) }
                        </>
                    },
                    (true, WebGpuTrainer::NotLoaded) => html! {
                        <p id="probe" class="detail" data-state="not-loaded">
                            { "The WebGPU trainer loads the first time you train (about 4 MB, once); until then the CPU draws and encodes." }
                        </p>
                    },
                    (true, WebGpuTrainer::Loading) => html! {
                        <p id="probe" class="busy" data-state="loading">{ "Loading the WebGPU trainer and compiling its kernels…" }</p>
                    },
                    (true, WebGpuTrainer::Ready(ready)) => html! {
                        <>
                            <p class="detail">{ format!("The WebGPU trainer started in {:.0} ms (download, WebGPU and the first computation).", ready.start_ms) }</p>
                            { probe(Some(&ready.probe), true) }
                            { cpu_faster(&ready.probe, props.cpu_probe.as_ref()) }
                        </>
                    },
                }
            }
            <button id="switch-backend" onclick={switch}>
                { match (on_gpu, backend.webgpu_slower.is_some()) {
                    (true, _) => "Use the CPU instead",
                    (false, true) => "Train on WebGPU anyway",
                    (false, false) => "Try WebGPU",
                } }
            </button>
        </section>
    }
}

/// The first computation's times (on WebGPU the first includes compiling the kernels), or why
/// it failed.
fn probe(probe: Option<&Probe>, gpu: bool) -> Html {
    match probe {
        None => html! { <p id="probe" class="busy">{ "Running a first computation…" }</p> },
        Some(Probe::Done {
            first_ms,
            warm_ms,
            checksum,
        }) => html! {
            <p id="probe" data-first-ms={format!("{first_ms:.1}")} data-warm-ms={format!("{warm_ms:.1}")}>
                { format!(
                    "Decoding a 20×20 grid with VAE-MLP-2: first {first_ms:.0} ms{}, then {warm_ms:.1} ms. Checksum {checksum:.3}.",
                    if gpu { " (includes shader compilation)" } else { "" }
                ) }
            </p>
        },
        Some(Probe::Failed(message)) => html! {
            <p id="probe" class="error" role="alert">{ format!("The first computation failed: {message}") }</p>
        },
    }
}

/// A notice when the CPU ran the same probe at least twice as fast as WebGPU: the adapter is
/// then most likely a software renderer, and training on the CPU is faster.
fn cpu_faster(webgpu: &Probe, cpu: Option<&Probe>) -> Html {
    let (
        Some(times),
        Some(Probe::Done {
            warm_ms: cpu_ms, ..
        }),
    ) = (cpu_speedup(webgpu, cpu), cpu)
    else {
        return html! {};
    };
    if times < 2.0 {
        return html! {};
    }
    html! {
        <p id="cpu-faster" class="notice" role="status">
            { format!(
                "The CPU decoded the same grid in {cpu_ms:.1} ms, {times:.0}× faster than this WebGPU adapter: it is most likely a software renderer, and training will be faster on the CPU."
            ) }
        </p>
    }
}
