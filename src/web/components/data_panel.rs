use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::ImageSet;
use crate::web::draw::draw_images;
use crate::web::shared::Shared;

#[derive(Debug, Clone, PartialEq)]
pub enum DataStatus {
    Loading { name: String, fraction: f64 },
    Ready { name: String, set: Shared<ImageSet> },
    Failed { name: String, error: String },
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub status: DataStatus,
}

const PREVIEW: usize = 32;

/// The dataset in use: loading progress, a summary and a preview grid.
#[component]
pub fn DataPanel(props: &Props) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(props.status.clone(), move |status| {
            if let (DataStatus::Ready { set, .. }, Some(canvas)) =
                (status, canvas.cast::<HtmlCanvasElement>())
            {
                let preview = set.take(PREVIEW);
                draw_images(&canvas, &preview.pixels, preview.shape, 16);
            }
        });
    }
    let body = match &props.status {
        DataStatus::Loading { name, fraction } => html! {
            <p id="data-status" class="busy" aria-busy="true">
                { format!("Loading {name}… {:.0}%", fraction * 100.0) }
                <progress max="1" value={fraction.to_string()} />
            </p>
        },
        DataStatus::Failed { name, error } => html! {
            <p id="data-status" class="error" role="alert">{ format!("Could not load {name}: {error}") }</p>
        },
        DataStatus::Ready { name, set } => {
            let classes = set
                .labels
                .as_ref()
                .map(|l| {
                    let mut seen = [false; 256];
                    l.iter().for_each(|&c| seen[c as usize] = true);
                    seen.iter().filter(|&&s| s).count()
                })
                .unwrap_or(0);
            html! {
                <p id="data-status" data-count={set.len().to_string()}>
                    { format!(
                        "{name}: {} images, {}×{}{}, {classes} classes",
                        set.len(), set.shape.width, set.shape.height,
                        if set.shape.channels == 3 { " RGB" } else { " grey" }
                    ) }
                </p>
            }
        }
    };
    html! {
        <section class="card" aria-label="Data">
            <h2>{ "Data" }</h2>
            <label>{ "Dataset " }
                <select id="dataset"><option value="mnist" selected=true>{ "MNIST digits (10,000)" }</option></select>
            </label>
            { body }
            <canvas id="data-preview" ref={canvas} class="pixelated preview" />
        </section>
    }
}
