use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The stage lit now (slow motion), if any.
    pub stage: Option<usize>,
    /// The discriminator is on: its phase comes first.
    pub gan: bool,
}

/// A VAE's training step, stage by stage.
pub const VAE_STAGES: [&str; 9] = [
    "batch of images",
    "encoder",
    "μ, σ",
    "sample ε",
    "z = μ + σ·ε",
    "decoder",
    "reconstruction loss + β·KL",
    "gradients",
    "update the weights",
];

/// A VAE-GAN's step: the discriminator's phase, then the generator's.
pub const GAN_STAGES: [&str; 11] = [
    "batch of images",
    "discriminator: real or decoded?",
    "update the discriminator",
    "encoder",
    "μ, σ",
    "sample ε",
    "z = μ + σ·ε",
    "decoder",
    "reconstruction + β·KL + γ·adversarial",
    "gradients",
    "update the VAE",
];

pub fn stages(gan: bool) -> &'static [&'static str] {
    if gan { &GAN_STAGES } else { &VAE_STAGES }
}

/// The stages of one training step, the current one lit (slow motion).
#[component]
pub fn StepDiagram(props: &Props) -> Html {
    let stages = stages(props.gan);
    html! {
        <ol id="step-diagram" class="step-diagram" aria-label="One training step" data-stage={props.stage.map(|s| s.to_string()).unwrap_or_default()}>
            { for stages.iter().enumerate().map(|(i, name)| html! {
                <li class={classes!((props.stage == Some(i)).then_some("lit"))} aria-current={(props.stage == Some(i)).then_some("step")}>{ *name }</li>
            }) }
        </ol>
    }
}
