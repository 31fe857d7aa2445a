use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{Explained, input_value, select_value};
use crate::page::glossary::Term;
use crate::page::settings::{
    BATCH_SIZES, LATENTS, LEARNING_RATES, MAX_BETA, MAX_GAMMA, gaussian, offered_model,
    parse_weight,
};
use crate::page::{Part, Rules};
use crate::vae::{Architecture, Hyper, Likelihood, VaeConfig};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub hyper: Hyper,
    pub seed: u64,
    /// What a lesson lets students see and change.
    pub rules: Rules,
    pub on_hyper: Callback<Hyper>,
    pub on_seed: Callback<u64>,
    /// The model's settings (its image size comes from the data).
    pub model: VaeConfig,
    pub on_model: Callback<VaeConfig>,
}

/// The model's settings and the hyperparameters (they apply from the next step).
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
    let rules = &props.rules;
    // A control a lesson locks is shown, disabled, and says why.
    let lock = |part: Part| (!rules.allows(part)).then_some(LOCKED);
    let shows = |part: Part| rules.shows(part);
    html! {
        <section class="card controls" aria-labelledby="settings-title">
            <h2 id="settings-title">{ "Settings" }</h2>
            <div class="fields">
                if shows(Part::Architecture) {
                    { field("architecture", "Architecture (resets)", Some(&[Term::Mlp, Term::Convolutional]), lock(Part::Architecture), html! {
                        <select id="architecture" onchange={on_architecture} disabled={lock(Part::Architecture).is_some()} title={lock(Part::Architecture)}>
                            if !offered_model(&model) {
                                <option value="file" selected=true disabled=true>{ format!("{} (from the file)", model.name()) }</option>
                            }
                            <option value="mlp" selected={offered_model(&model) && !conv}>{ "MLP, 512 hidden" }</option>
                            <option value="conv" selected={offered_model(&model) && conv}>{ "Convolutional, 32-64" }</option>
                        </select>
                    }) }
                }
                if shows(Part::Latent) {
                    { field("latent", "Latent size (resets)", Some(&[Term::Latent]), lock(Part::Latent), html! {
                        <select id="latent" onchange={on_latent} disabled={lock(Part::Latent).is_some()} title={lock(Part::Latent)}>
                            { for LATENTS.iter().map(|&l| html! {
                                <option value={l.to_string()} selected={l == model.latent}>{ l }</option>
                            }) }
                        </select>
                    }) }
                }
                if shows(Part::Likelihood) {
                    { field("likelihood", "Likelihood p(x|z) (resets)", None, lock(Part::Likelihood), html! {
                        <select id="likelihood" onchange={on_likelihood} disabled={lock(Part::Likelihood).is_some()} title={lock(Part::Likelihood)}>
                            <option value="bernoulli" selected={!is_gaussian}>{ "Bernoulli (cross-entropy)" }</option>
                            <option value="gaussian" selected={is_gaussian}>{ "Gaussian, learned σ" }</option>
                        </select>
                    }) }
                }
                if shows(Part::LearningRate) {
                    { field("learning-rate", "Learning rate", None, lock(Part::LearningRate), html! {
                        <select id="learning-rate" onchange={on_lr} disabled={lock(Part::LearningRate).is_some()} title={lock(Part::LearningRate)}>
                            { for LEARNING_RATES.iter().map(|&lr| html! {
                                <option value={lr.to_string()} selected={lr == props.hyper.learning_rate}>{ format!("{lr:e}") }</option>
                            }) }
                        </select>
                    }) }
                }
                if shows(Part::BatchSize) {
                    { field("batch-size", "Batch size", None, lock(Part::BatchSize), html! {
                        <select id="batch-size" onchange={on_batch} disabled={lock(Part::BatchSize).is_some()} title={lock(Part::BatchSize)}>
                            { for BATCH_SIZES.iter().map(|&b| html! {
                                <option value={b.to_string()} selected={b == props.hyper.batch_size}>{ b }</option>
                            }) }
                        </select>
                    }) }
                }
                if shows(Part::Beta) {
                    { field("beta", "β (KL weight)", Some(&[Term::Beta]), lock(Part::Beta), html! {
                        <input id="beta" type="number" min="0" max={MAX_BETA.to_string()} step="0.1" value={props.hyper.beta.to_string()} onchange={on_beta}
                            disabled={lock(Part::Beta).is_some()} title={lock(Part::Beta)} />
                    }) }
                }
                if shows(Part::Discriminator) {
                    <div class="field check">
                        <label>
                            <input id="discriminator" type="checkbox" checked={props.hyper.discriminator} onchange={on_discriminator}
                                disabled={lock(Part::Discriminator).is_some()} title={lock(Part::Discriminator)} />
                            { " Discriminator (VAE-GAN)" }
                        </label>
                        <Explained term={Term::Discriminator} />
                        if let Some(why) = lock(Part::Discriminator) {
                            <span class="locked-note">{ why }</span>
                        }
                    </div>
                    { field("gamma", "γ (adversarial weight)", Some(&[Term::Gamma]), lock(Part::Discriminator), html! {
                        <input id="gamma" type="number" min="0" step="0.5" value={props.hyper.gamma.to_string()} onchange={on_gamma}
                            disabled={!props.hyper.discriminator || lock(Part::Discriminator).is_some()} title={lock(Part::Discriminator)} />
                    }) }
                }
                if let Some(error) = &*weight_error {
                    <p id="weight-error" class="error" role="alert">{ error }</p>
                }
                if shows(Part::Seed) {
                    { field("seed", "Seed (resets)", None, lock(Part::Seed), html! {
                        <input id="seed" type="number" min="0" value={props.seed.to_string()} onchange={on_seed}
                            disabled={lock(Part::Seed).is_some()} title={lock(Part::Seed)} />
                    }) }
                }
            </div>
        </section>
    }
}

/// What a locked control says.
const LOCKED: &str = "Set for this lesson";

/// A labelled control, the words in its label explained, and why it is locked when it is.
fn field(
    id: &str,
    label: &str,
    terms: Option<&[Term]>,
    locked: Option<&str>,
    control: Html,
) -> Html {
    html! {
        <div class="field">
            <span class="field-name">
                <label for={id.to_string()}>{ label }</label>
                { for terms.unwrap_or_default().iter().map(|&term| html! { <Explained {term} /> }) }
            </span>
            { control }
            if let Some(why) = locked {
                <span class="locked-note">{ why }</span>
            }
        </div>
    }
}
