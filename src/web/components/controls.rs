use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{input_value, select_value};
use crate::page::settings::{
    BATCH_SIZES, LATENTS, LEARNING_RATES, MAX_BETA, MAX_GAMMA, gaussian, offered_model,
    parse_weight,
};
use crate::vae::{Architecture, Hyper, Likelihood, StepReport, VaeConfig};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub hyper: Hyper,
    pub seed: u64,
    pub running: bool,
    /// False until the data and the model are ready.
    pub ready: bool,
    pub last: Option<StepReport>,
    /// Steps the model has trained, this session and before it was saved.
    pub step: u64,
    pub epoch: usize,
    pub on_run: Callback<bool>,
    pub on_step: Callback<()>,
    pub on_reset: Callback<()>,
    pub on_hyper: Callback<Hyper>,
    pub on_seed: Callback<u64>,
    /// The model's settings (its image size comes from the data).
    pub model: VaeConfig,
    pub on_model: Callback<VaeConfig>,
}

/// Start, pause, single step, reset; the hyperparameters (they apply from the next step).
#[component]
pub fn Controls(props: &Props) -> Html {
    let hyper = props.hyper.clone();
    let change = |apply: fn(&mut Hyper, &str)| {
        let (hyper, on_hyper) = (hyper.clone(), props.on_hyper.clone());
        move |value: Option<String>| {
            if let Some(value) = value {
                let mut next = hyper.clone();
                apply(&mut next, &value);
                on_hyper.emit(next);
            }
        }
    };
    let on_lr = {
        let apply = change(|h, v| h.learning_rate = v.parse().unwrap_or(h.learning_rate));
        Callback::from(move |e: Event| apply(select_value(&e)))
    };
    let on_batch = {
        let apply = change(|h, v| h.batch_size = v.parse().unwrap_or(h.batch_size));
        Callback::from(move |e: Event| apply(select_value(&e)))
    };
    // A typed β or γ is used when it is a number the page offers; else the field says why and
    // the value stays.
    let weight_error = use_state(|| None::<String>);
    let weight = |name: &'static str, max: f64, set: fn(&mut Hyper, f64)| {
        let (hyper, on_hyper, error) =
            (hyper.clone(), props.on_hyper.clone(), weight_error.clone());
        Callback::from(move |e: Event| {
            let Some(text) = input_value(&e) else {
                return;
            };
            match parse_weight(&text, max) {
                Ok(value) => {
                    error.set(None);
                    let mut next = hyper.clone();
                    set(&mut next, value);
                    on_hyper.emit(next);
                }
                Err(why) => error.set(Some(format!("{name} {why}: it stays as it was."))),
            }
        })
    };
    let on_beta = weight("β", MAX_BETA, |h, v| h.beta = v);
    let on_gamma = weight("γ", MAX_GAMMA, |h, v| h.gamma = v);
    let on_discriminator = {
        let (hyper, on_hyper) = (hyper.clone(), props.on_hyper.clone());
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                on_hyper.emit(Hyper {
                    discriminator: input.checked(),
                    ..hyper.clone()
                });
            }
        })
    };
    let on_seed = {
        let on_seed = props.on_seed.clone();
        Callback::from(move |e: Event| {
            if let Some(seed) = input_value(&e).and_then(|v| v.parse().ok()) {
                on_seed.emit(seed);
            }
        })
    };
    let model = props.model.clone();
    let change_model = |apply: fn(&mut VaeConfig, &str)| {
        let (model, on_model) = (model.clone(), props.on_model.clone());
        Callback::from(move |e: Event| {
            if let Some(value) = select_value(&e) {
                let mut next = model.clone();
                apply(&mut next, &value);
                on_model.emit(next);
            }
        })
    };
    let on_architecture = change_model(|m, v| {
        m.architecture = if v == "conv" {
            VaeConfig::conv(m.image).architecture
        } else {
            VaeConfig::mlp2().architecture
        }
    });
    let on_latent = change_model(|m, v| m.latent = v.parse().unwrap_or(m.latent));
    let on_likelihood = change_model(|m, v| {
        m.likelihood = if v == "gaussian" {
            gaussian()
        } else {
            Likelihood::Bernoulli
        }
    });
    let conv = matches!(model.architecture, Architecture::Conv { .. });
    let is_gaussian = matches!(model.likelihood, Likelihood::Gaussian { .. });
    let run = {
        let (on_run, running) = (props.on_run.clone(), props.running);
        Callback::from(move |_| on_run.emit(!running))
    };
    let step = props.on_step.reform(|_| ());
    let reset = props.on_reset.reform(|_| ());
    let last = props.last.as_ref();
    let d = last.and_then(|r| r.discriminator.as_ref());
    html! {
        <section class="card controls" aria-label="Training">
            <div class="buttons">
                <button id="train" class="primary" onclick={run} disabled={!props.ready}>
                    { if props.running { "Pause" } else { "Train" } }
                </button>
                <button id="step" onclick={step} disabled={!props.ready || props.running}>{ "Step" }</button>
                <button id="reset" onclick={reset} disabled={!props.ready}>{ "Reset" }</button>
            </div>
            <dl class="stats">
                <dt>{ "Step" }</dt>
                <dd id="step-count">{ props.step }</dd>
                <dt>{ "Epoch" }</dt>
                <dd id="epoch">{ props.epoch }</dd>
                <dt>{ "Samples/s" }</dt>
                <dd id="samples-per-s">{ last.map(|r| format!("{:.0}", r.samples_per_s)).unwrap_or_default() }</dd>
                <dt>{ "Total loss" }</dt>
                <dd id="total-loss" data-value={last.map(|r| r.total.to_string()).unwrap_or_default()}>
                    { last.map(|r| format!("{:.1} nats", r.total)).unwrap_or_default() }
                </dd>
                if let Some(d) = d {
                    <dt>{ "D loss / accuracy" }</dt>
                    <dd id="d-loss" data-value={d.loss.to_string()}>{ format!("{:.3} / {:.0}%", d.loss, d.accuracy * 100.0) }</dd>
                }
            </dl>
            if last.is_some_and(|r| r.rolled_back) {
                <p id="rolled-back" class="notice" role="status">{ "The last update made the weights infinite or NaN (too high a learning rate for them): the model went back to its weights before it. Try a lower learning rate." }</p>
            } else if last.is_some_and(|r| !r.applied) {
                <p class="notice" role="status">{ "The last step gave a non-finite loss and was skipped: try a lower learning rate." }</p>
            }
            <div class="fields">
                <label>{ "Architecture (resets)" }
                    <select id="architecture" onchange={on_architecture}>
                        if !offered_model(&model) {
                            <option value="file" selected=true disabled=true>{ format!("{} (from the file)", model.name()) }</option>
                        }
                        <option value="mlp" selected={offered_model(&model) && !conv}>{ "MLP, 512 hidden" }</option>
                        <option value="conv" selected={offered_model(&model) && conv}>{ "Convolutional, 32-64" }</option>
                    </select>
                </label>
                <label>{ "Latent size (resets)" }
                    <select id="latent" onchange={on_latent}>
                        { for LATENTS.iter().map(|&l| html! {
                            <option value={l.to_string()} selected={l == model.latent}>{ l }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Likelihood p(x|z) (resets)" }
                    <select id="likelihood" onchange={on_likelihood}>
                        <option value="bernoulli" selected={!is_gaussian}>{ "Bernoulli (cross-entropy)" }</option>
                        <option value="gaussian" selected={is_gaussian}>{ "Gaussian, learned σ" }</option>
                    </select>
                </label>
                <label>{ "Learning rate" }
                    <select id="learning-rate" onchange={on_lr}>
                        { for LEARNING_RATES.iter().map(|&lr| html! {
                            <option value={lr.to_string()} selected={lr == props.hyper.learning_rate}>{ format!("{lr:e}") }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Batch size" }
                    <select id="batch-size" onchange={on_batch}>
                        { for BATCH_SIZES.iter().map(|&b| html! {
                            <option value={b.to_string()} selected={b == props.hyper.batch_size}>{ b }</option>
                        }) }
                    </select>
                </label>
                <label>{ "β (KL weight)" }
                    <input id="beta" type="number" min="0" max={MAX_BETA.to_string()} step="0.1" value={props.hyper.beta.to_string()} onchange={on_beta} />
                </label>
                <label class="check">
                    <input id="discriminator" type="checkbox" checked={props.hyper.discriminator} onchange={on_discriminator} />
                    { "Discriminator (VAE-GAN)" }
                </label>
                <label>{ "γ (adversarial weight)" }
                    <input id="gamma" type="number" min="0" step="0.5" value={props.hyper.gamma.to_string()} onchange={on_gamma}
                        disabled={!props.hyper.discriminator} />
                </label>
                if let Some(error) = &*weight_error {
                    <p id="weight-error" class="error" role="alert">{ error }</p>
                }
                <label>{ "Seed (resets)" }
                    <input id="seed" type="number" min="0" value={props.seed.to_string()} onchange={on_seed} />
                </label>
            </div>
        </section>
    }
}
