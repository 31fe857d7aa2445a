use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::web::tasks::now_ms;

/// What training on WebGPU waits for before its first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The WebGPU trainer's module is fetched and its kernels compiled (once per visit).
    Trainer,
    /// The first training steps compile the training kernels.
    FirstStep,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub wait: Option<Wait>,
}

/// Beside Train: what the first WebGPU step is waiting for, and for how long so far, so a wait
/// of many seconds on a slow adapter reads as progress, not as a page that hangs.
#[component]
pub fn TrainProgress(props: &Props) -> Html {
    let since = use_state(|| None::<(Wait, f64)>);
    let update = use_force_update();
    {
        let since = since.clone();
        use_effect_with(props.wait, move |&wait| {
            since.set(wait.map(|w| (w, now_ms())));
            let ticking = wait.map(|_| Interval::new(1000, move || update.force_update()));
            move || drop(ticking)
        });
    }
    let Some((wait, started)) = *since else {
        return html! {};
    };
    let seconds = ((now_ms() - started) / 1000.0).max(0.0) as u64;
    let (id, step, text) = match wait {
        Wait::Trainer => (
            "loading-trainer",
            1,
            "Loading the WebGPU trainer (about 4 MB, once) and compiling its kernels",
        ),
        Wait::FirstStep => ("warm-up", 2, "The first steps compile the training kernels"),
    };
    html! {
        <p {id} class="busy train-progress" role="status" data-seconds={seconds.to_string()}>
            { format!("Step {step} of 2 before training on WebGPU: {text}… {seconds} s") }
        </p>
    }
}
