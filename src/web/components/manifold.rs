use yew::prelude::*;

use crate::web::view::{MANIFOLD_K, STRIP};

/// The classic figure: a K×K lattice of decodings over the visible region of the plane, drawn
/// by `view` whenever the model or the view changes.
#[component]
pub fn Manifold() -> Html {
    html! {
        <figure class="manifold">
            <canvas id="manifold" class="pixelated" />
            <figcaption>{ format!("Manifold: {MANIFOLD_K}×{MANIFOLD_K} decodings across the visible plane") }</figcaption>
        </figure>
    }
}

/// Held-out originals, their reconstructions, and samples from the prior, drawn by `view`.
#[component]
pub fn SampleStrip() -> Html {
    html! {
        <figure class="strip">
            <canvas id="samples" class="pixelated" />
            <figcaption>{ format!("Top: {STRIP} held-out images. Middle: their reconstructions. Bottom: samples from the prior N(0, I).") }</figcaption>
        </figure>
    }
}
