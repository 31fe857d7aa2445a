use yew::prelude::*;

use crate::web::scene::{MANIFOLD_K, STRIP, Scene};

/// The classic figure: a K×K lattice of decodings over the visible region of the plane, drawn
/// by the scene whenever the model or the view changes.
#[component]
pub fn Manifold() -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    html! {
        <figure class="manifold">
            <canvas id="manifold" ref={scene.canvases().manifold.clone()} class="pixelated" />
            <figcaption>{ format!("Manifold: {MANIFOLD_K}×{MANIFOLD_K} decodings across the visible plane") }</figcaption>
        </figure>
    }
}

/// Held-out originals, their reconstructions, and samples from the prior, drawn by the scene.
#[component]
pub fn SampleStrip() -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    html! {
        <figure class="strip">
            <canvas id="samples" ref={scene.canvases().strip.clone()} class="pixelated" />
            <figcaption>{ format!("Top: {STRIP} held-out images. Middle: their reconstructions. Bottom: samples from the prior N(0, I).") }</figcaption>
        </figure>
    }
}
