use yew::prelude::*;

use crate::page::{ChartPoint, Shared};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub history: Shared<Vec<ChartPoint>>,
    pub held_out: Shared<Vec<(u64, f32)>>,
}

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 200.0;

/// Reconstruction, KL and total per step (and D's loss when on), with the held-out negative
/// ELBO as dots. The y axis fits the recent values, so that early spikes do not flatten it.
#[component]
pub fn LossChart(props: &Props) -> Html {
    let history = &props.history;
    if history.is_empty() {
        return html! { <p class="detail" id="loss-chart-empty">{ "Losses appear here once training starts." }</p> };
    }
    let last_step = history.last().map(|p| p.step).unwrap_or(1).max(1) as f64;
    let first_step = history.first().map(|p| p.step).unwrap_or(0) as f64;
    let recent = &history[history.len() / 10..];
    let y_max = recent
        .iter()
        .map(|p| p.total.max(p.reconstruction))
        .chain(props.held_out.iter().map(|&(_, v)| v))
        .filter(|v| v.is_finite())
        .fold(1.0f32, f32::max) as f64
        * 1.1;
    let x = |step: u64| (step as f64 - first_step) / (last_step - first_step).max(1.0) * WIDTH;
    let y = |v: f32| HEIGHT - (v as f64 / y_max).clamp(0.0, 1.0) * HEIGHT;
    // At most ~500 vertices per line.
    let stride = history.len().div_ceil(500).max(1);
    let line = |value: &dyn Fn(&ChartPoint) -> Option<f32>| -> String {
        history
            .iter()
            .step_by(stride)
            .filter_map(|p| {
                value(p)
                    .filter(|v| v.is_finite())
                    .map(|v| format!("{:.1},{:.1}", x(p.step), y(v)))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let has_d = history.iter().any(|p| p.discriminator.is_some());
    html! {
        <figure class="chart">
            <svg id="loss-chart" data-points={history.len().to_string()} viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
                aria-label="Loss per training step">
                <polyline class="total" points={line(&|p| Some(p.total))} />
                <polyline class="reconstruction" points={line(&|p| Some(p.reconstruction))} />
                <polyline class="kl" points={line(&|p| Some(p.kl))} />
                if has_d {
                    <polyline class="discriminator" points={line(&|p| p.discriminator.map(|d| d * 100.0))} />
                }
                { for props.held_out.iter().map(|&(step, v)| html! {
                    <circle class="held-out" cx={format!("{:.1}", x(step))} cy={format!("{:.1}", y(v))} r="3" />
                }) }
            </svg>
            <figcaption class="legend">
                <span class="total">{ "total" }</span>
                <span class="reconstruction">{ "reconstruction" }</span>
                <span class="kl">{ "KL" }</span>
                if has_d { <span class="discriminator">{ "D loss ×100" }</span> }
                <span class="held-out">{ "held-out −ELBO" }</span>
                { format!(" · y: 0 to {y_max:.0} nats") }
            </figcaption>
        </figure>
    }
}
