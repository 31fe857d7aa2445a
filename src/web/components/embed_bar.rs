use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub running: bool,
    pub ready: bool,
    pub step: u64,
    pub on_run: Callback<bool>,
    /// The full page, at the same data and settings.
    pub full_url: String,
}

/// The embedded page's controls: Train or Pause, the step, and the way to the full page.
#[component]
pub fn EmbedBar(props: &Props) -> Html {
    let run = {
        let (on_run, running) = (props.on_run.clone(), props.running);
        Callback::from(move |_| on_run.emit(!running))
    };
    html! {
        <div class="embed-bar">
            <button id="train" class="primary" onclick={run} disabled={!props.ready}>
                { if props.running { "Pause" } else { "Train" } }
            </button>
            <span class="detail">{ "Step " }<span id="step-count">{ props.step }</span></span>
            <a id="open-full" href={props.full_url.clone()} target="_blank" rel="noopener">{ "Open the full VAE Playground" }</a>
        </div>
    }
}
