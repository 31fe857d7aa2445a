use yew::prelude::*;

use crate::web::view::MANIFOLD_K;

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
