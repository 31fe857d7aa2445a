use yew::prelude::*;

use crate::data::FACTOR_NAMES;
use crate::page::PALETTE;
use crate::web::hooks::use_scene_switches;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The classes' names in label order (empty when the data has no labels).
    pub classes: Vec<String>,
}

/// What the plane's colours mean: the classes by name (click one to pick out its points), or a
/// colour bar for a Shapes factor.
#[component]
pub fn Legend(props: &Props) -> Html {
    let scene = use_scene_switches();
    let (colour_by, highlight) = scene.plane(|p| (p.colour_by, p.highlight));
    if colour_by > 0 {
        let factor = FACTOR_NAMES.get(colour_by).copied().unwrap_or_default();
        return html! {
            <div id="legend" class="legend-box" data-kind="factor">
                <p class="legend-caption">{ format!("Colour: each shape's true {factor}, from its lowest (0) to its highest (1).") }</p>
                <div class="colour-bar"><span>{ "0" }</span><span class="ramp" aria-hidden="true" /><span>{ "1" }</span></div>
            </div>
        };
    }
    if props.classes.is_empty() {
        return html! {
            <div id="legend" class="legend-box" data-kind="none">
                <p class="legend-caption">{ "These images have no labels: every point is grey." }</p>
            </div>
        };
    }
    let pick = |label: u8| {
        let scene = scene.clone();
        Callback::from(move |_| {
            let next = (highlight != Some(label)).then_some(label);
            scene.set_highlight(next);
        })
    };
    html! {
        <div id="legend" class="legend-box" data-kind="classes">
            <p class="legend-caption">{ "Colour: each point's class. Pick one to show its points alone." }</p>
            <ul class="classes">
                { for props.classes.iter().enumerate().take(PALETTE.len()).map(|(i, name)| {
                    let label = i as u8;
                    html! {
                        <li>
                            <button class="class" data-label={i.to_string()} aria-pressed={(highlight == Some(label)).to_string()} onclick={pick(label)}>
                                <span class={classes!("swatch", format!("c{i}"))} aria-hidden="true" />
                                { name }
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </div>
    }
}
