use yew::prelude::*;

use crate::web::scene::Scene;

/// The decoder's output at the cursor, drawn by the scene on every move and every new model.
#[component]
pub fn DecodedView() -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    let canvases = scene.canvases();
    html! {
        <figure class="decoded">
            <canvas id="decoded" ref={canvases.decoded.clone()} class="pixelated" />
            <figcaption ref={canvases.decoded_caption.clone()} />
        </figure>
    }
}
