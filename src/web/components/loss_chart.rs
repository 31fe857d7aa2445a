use yew::prelude::*;

use super::Explained;
use crate::page::glossary::Term;
use crate::page::{ChartPoint, Shared, y_range};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub history: Shared<Vec<ChartPoint>>,
    pub held_out: Shared<Vec<(u64, f32)>>,
}

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 200.0;
/// Room for the axes' numbers, in the chart's units.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 18.0;

/// Reconstruction, KL and total per step (and D's loss when on), with the held-out negative
/// ELBO as dots, against the step. The y axis fits the recent values (early spikes do not
/// flatten it) and goes below 0 when they do (the Gaussian likelihood's densities).
#[component]
pub fn LossChart(props: &Props) -> Html {
    let history = &props.history;
    if history.is_empty() {
        return html! { <p class="detail" id="loss-chart-empty">{ "Losses appear here once training starts." }</p> };
    }
    let last_step = history.last().map(|p| p.step).unwrap_or(1).max(1) as f64;
    let first_step = history.first().map(|p| p.step).unwrap_or(0) as f64;
    let (y_low, y_high) = y_range(history, &props.held_out);
    let (y_low, y_high) = (y_low as f64, y_high as f64);
    let plot_width = WIDTH - LEFT;
    let plot_height = HEIGHT - BOTTOM;
    let x = |step: u64| {
        LEFT + (step as f64 - first_step) / (last_step - first_step).max(1.0) * plot_width
    };
    let y = |v: f32| {
        plot_height
            - ((v as f64 - y_low) / (y_high - y_low).max(1e-9)).clamp(0.0, 1.0) * plot_height
    };
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
    let label = |v: f64| format!("{v:.0}");
    html! {
        <figure class="chart">
            <svg id="loss-chart" data-points={history.len().to_string()} data-y-low={label(y_low)} data-y-high={label(y_high)}
                viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
                aria-label={format!("Loss per training step, steps {first_step} to {last_step}")}>
                <g class="axis">
                    <line x1={LEFT.to_string()} y1="0" x2={LEFT.to_string()} y2={plot_height.to_string()} />
                    <line x1={LEFT.to_string()} y1={plot_height.to_string()} x2={WIDTH.to_string()} y2={plot_height.to_string()} />
                    if y_low < 0.0 {
                        <line class="zero" x1={LEFT.to_string()} y1={format!("{:.1}", y(0.0))} x2={WIDTH.to_string()} y2={format!("{:.1}", y(0.0))} />
                    }
                    <text x={(LEFT - 4.0).to_string()} y="10" text-anchor="end">{ label(y_high) }</text>
                    <text x={(LEFT - 4.0).to_string()} y={plot_height.to_string()} text-anchor="end">{ label(y_low) }</text>
                    <text x={LEFT.to_string()} y={(HEIGHT - 3.0).to_string()}>{ format!("step {first_step}") }</text>
                    <text id="chart-last-step" x={WIDTH.to_string()} y={(HEIGHT - 3.0).to_string()} text-anchor="end">{ format!("step {last_step}") }</text>
                </g>
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
                <Explained term={Term::HeldOutElbo} />
                { format!(" · nats per image, {} to {} · steps {first_step} to {last_step}", label(y_low), label(y_high)) }
            </figcaption>
        </figure>
    }
}
