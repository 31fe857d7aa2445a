use yew::prelude::*;

use super::Explained;
use crate::page::glossary::Term;
use crate::vae::StepReport;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub running: bool,
    /// False until the data and the model are ready.
    pub ready: bool,
    /// A lesson has locked training (shown, disabled).
    pub locked: bool,
    pub last: Option<StepReport>,
    /// Steps the model has trained, this session and before it was saved.
    pub step: u64,
    pub epoch: usize,
    pub on_run: Callback<bool>,
    pub on_step: Callback<()>,
    pub on_reset: Callback<()>,
    /// One step every 1.5 s, its stages shown (slow motion), or full speed.
    pub slow: bool,
    pub on_slow: Callback<bool>,
}

/// Train or pause, one step, reset, and the last step's numbers: beside the plane, so the
/// learner sees what training does to it.
#[component]
pub fn RunBar(props: &Props) -> Html {
    let run = {
        let (on_run, running) = (props.on_run.clone(), props.running);
        Callback::from(move |_| on_run.emit(!running))
    };
    let step = props.on_step.reform(|_| ());
    let reset = props.on_reset.reform(|_| ());
    let usable = props.ready && !props.locked;
    let title = props.locked.then_some("Set for this lesson");
    let last = props.last.as_ref();
    let d = last.and_then(|r| r.discriminator.as_ref());
    html! {
        <div class="run-bar" role="group" aria-label="Training">
            <div class="buttons">
                <button id="train" class="primary" onclick={run} disabled={!usable} {title}>
                    { if props.running { "Pause" } else { "Train" } }
                </button>
                <button id="step" onclick={step} disabled={!usable || props.running} {title}>{ "Step" }</button>
                <button id="reset" onclick={reset} disabled={!usable} {title}>{ "Reset" }</button>
                <label class="speed">{ "Speed " }
                    <select id="speed" onchange={props.on_slow.reform(|e: Event| super::select_value(&e).as_deref() == Some("slow"))}>
                        <option value="full" selected={!props.slow}>{ "Full" }</option>
                        <option value="slow" selected={props.slow}>{ "Slow motion" }</option>
                    </select>
                </label>
            </div>
            <dl class="stats">
                <dt>{ "Step" }</dt>
                <dd id="step-count">{ props.step }</dd>
                <dt>{ "Epoch" }</dt>
                <dd id="epoch">{ props.epoch }</dd>
                <dt>{ "Samples/s" }</dt>
                <dd id="samples-per-s" data-host-reads={last.map(|r| r.host_reads.to_string()).unwrap_or_default()}>{ last.map(|r| format!("{:.0}", r.samples_per_s)).unwrap_or_default() }</dd>
                <dt>{ "Total loss " }<Explained term={Term::Nats} /></dt>
                <dd id="total-loss" data-value={last.map(|r| r.total.to_string()).unwrap_or_default()}>
                    { last.map(|r| format!("{:.1} nats", r.total)).unwrap_or_default() }
                </dd>
                if let Some(d) = d {
                    <dt>{ "D loss / accuracy " }<Explained term={Term::Discriminator} /></dt>
                    <dd id="d-loss" data-value={d.loss.to_string()}>{ format!("{:.3} / {:.0}%", d.loss, d.accuracy * 100.0) }</dd>
                }
            </dl>
            if last.is_some_and(|r| r.rolled_back) {
                <p id="rolled-back" class="notice" role="status">{ "The last update made the weights infinite or NaN (too high a learning rate for them): the model went back to its weights before it. Try a lower learning rate." }</p>
            } else if last.is_some_and(|r| !r.applied) {
                <p class="notice" role="status">{ "The last step gave a non-finite loss and was skipped: try a lower learning rate." }</p>
            }
        </div>
    }
}
