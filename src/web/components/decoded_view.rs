use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cursor: [f32; 2],
}

/// The decoder's output at the cursor, drawn by `view` on every move and every new model.
#[component]
pub fn DecodedView(props: &Props) -> Html {
    let [x, y] = props.cursor;
    html! {
        <figure class="decoded">
            <canvas id="decoded" class="pixelated" />
            <figcaption>{ format!("Decoded at z = ({x:.2}, {y:.2})") }</figcaption>
        </figure>
    }
}
