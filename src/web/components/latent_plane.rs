use web_sys::{HtmlCanvasElement, HtmlInputElement, KeyboardEvent, PointerEvent, WheelEvent};
use yew::prelude::*;

use super::select_value;
use crate::data::FACTOR_NAMES;
use crate::web::probe_hooks;
use crate::web::view::{self, PLANE_PX};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cursor: [f32; 2],
    /// The data's true factors are known (Shapes): offer to colour by them.
    pub factors: bool,
    /// Dimensions of the latent space: above 2, choose which two the plane shows.
    pub latent: usize,
    pub on_cursor: Callback<[f32; 2]>,
}

/// The latent plane: encoded held-out images coloured by label, and a cursor to drag (mouse,
/// touch, pen), click to jump, or move with the arrow keys. Drawn by `view`, outside yew's
/// render cycle, so that a drag redraws within its own event.
#[component]
pub fn LatentPlane(props: &Props) -> Html {
    let canvas = use_node_ref();
    let dragging = use_mut_ref(|| false);
    // Shift-drag or the middle button pans: the last pointer position, in canvas pixels.
    let panning = use_mut_ref(|| None::<(f64, f64)>);
    use_effect_with((), |_| view::draw_all());

    let move_to = {
        let on_cursor = props.on_cursor.clone();
        move |z: [f32; 2], event_ms: f64| {
            probe_hooks::input_started(event_ms);
            view::set_cursor(z);
            on_cursor.emit(z);
        }
    };
    let latent_at = {
        let canvas = canvas.clone();
        move |event: &PointerEvent| -> Option<[f32; 2]> {
            let canvas = canvas.cast::<HtmlCanvasElement>()?;
            let rect = canvas.get_bounding_client_rect();
            let size = PLANE_PX as f64;
            let x = (event.client_x() as f64 - rect.left()) / rect.width() * size;
            let y = (event.client_y() as f64 - rect.top()) / rect.height() * size;
            Some(view::view().latent_from_canvas(x, y, size))
        }
    };
    let canvas_px = {
        let canvas = canvas.clone();
        move |event: &PointerEvent| -> Option<(f64, f64)> {
            let canvas = canvas.cast::<HtmlCanvasElement>()?;
            let rect = canvas.get_bounding_client_rect();
            let size = PLANE_PX as f64;
            Some((
                (event.client_x() as f64 - rect.left()) / rect.width() * size,
                (event.client_y() as f64 - rect.top()) / rect.height() * size,
            ))
        }
    };
    let on_pointer_down = {
        let (dragging, latent_at, move_to) = (dragging.clone(), latent_at.clone(), move_to.clone());
        let (canvas, panning, canvas_px) = (canvas.clone(), panning.clone(), canvas_px.clone());
        Callback::from(move |event: PointerEvent| {
            event.prevent_default();
            if let Some(canvas) = canvas.cast::<HtmlCanvasElement>() {
                // Capture keeps the drag going outside the canvas; without it, it still works.
                let _ = canvas.set_pointer_capture(event.pointer_id());
                let _ = canvas.focus();
            }
            if event.shift_key() || event.button() == 1 {
                *panning.borrow_mut() = canvas_px(&event);
                return;
            }
            *dragging.borrow_mut() = true;
            if let Some(z) = latent_at(&event) {
                move_to(z, event.time_stamp());
            }
        })
    };
    let on_pointer_move = {
        let (dragging, move_to, panning) = (dragging.clone(), move_to.clone(), panning.clone());
        Callback::from(move |event: PointerEvent| {
            let last = *panning.borrow();
            if let (Some((x0, y0)), Some((x, y))) = (last, canvas_px(&event)) {
                let per_px = 2.0 * view::view().half_width / PLANE_PX as f32;
                view::pan([(x0 - x) as f32 * per_px, (y - y0) as f32 * per_px]);
                *panning.borrow_mut() = Some((x, y));
                return;
            }
            if *dragging.borrow()
                && let Some(z) = latent_at(&event)
            {
                move_to(z, event.time_stamp());
            }
        })
    };
    let on_pointer_up = {
        let (dragging, panning) = (dragging.clone(), panning.clone());
        Callback::from(move |_: PointerEvent| {
            *dragging.borrow_mut() = false;
            *panning.borrow_mut() = None;
        })
    };
    let on_wheel = {
        let canvas = canvas.clone();
        Callback::from(move |event: WheelEvent| {
            event.prevent_default();
            let Some(canvas) = canvas.cast::<HtmlCanvasElement>() else {
                return;
            };
            let rect = canvas.get_bounding_client_rect();
            let size = PLANE_PX as f64;
            let x = (event.client_x() as f64 - rect.left()) / rect.width() * size;
            let y = (event.client_y() as f64 - rect.top()) / rect.height() * size;
            let anchor = view::view().latent_from_canvas(x, y, size);
            view::zoom((event.delta_y() as f32 * 0.002).exp(), Some(anchor));
        })
    };
    let on_key_down = Callback::from(move |event: KeyboardEvent| {
        let step = view::view().half_width / if event.shift_key() { 8.0 } else { 40.0 };
        let [x, y] = view::cursor();
        let z = match event.key().as_str() {
            "+" | "=" => return view::zoom(0.8, None),
            "-" | "_" => return view::zoom(1.25, None),
            "ArrowLeft" => [x - step, y],
            "ArrowRight" => [x + step, y],
            "ArrowUp" => [x, y + step],
            "ArrowDown" => [x, y - step],
            _ => return,
        };
        event.prevent_default();
        move_to(z, event.time_stamp());
    });
    let [x, y] = props.cursor;
    let on_colour_by = Callback::from(|event: Event| {
        if let Some(value) = select_value(&event) {
            view::set_colour_by(value.parse().unwrap_or(0));
        }
    });
    let dims = use_state(|| [0usize, 1]);
    let held = use_state(|| None::<usize>);
    let picks = use_mut_ref(|| 0u64);
    {
        // A new model of another size starts on its first two dimensions.
        let (dims, held) = (dims.clone(), held.clone());
        use_effect_with(props.latent, move |_| {
            dims.set(view::slice().dims);
            held.set(None);
        });
    }
    let on_dim = |axis: usize| {
        let dims = dims.clone();
        Callback::from(move |event: Event| {
            if let Some(d) = select_value(&event).and_then(|v| v.parse::<usize>().ok()) {
                let mut next = *dims;
                next[axis] = d;
                view::set_dims(next);
                dims.set(next);
            }
        })
    };
    let hold_image = {
        let (held, picks) = (held.clone(), picks.clone());
        Callback::from(move |_| {
            *picks.borrow_mut() += 1;
            held.set(view::hold_at(Some(*picks.borrow())));
        })
    };
    let hold_zero = {
        let held = held.clone();
        Callback::from(move |_| held.set(view::hold_at(None)))
    };
    let on_ellipses = Callback::from(|event: Event| {
        if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
            view::set_ellipses(input.checked());
        }
    });
    html! {
        <div class="plane-box">
        <div class="plane-tools" role="toolbar" aria-label="Plane view">
            <button id="zoom-in" title="Zoom in (+)" onclick={Callback::from(|_| view::zoom(0.8, None))}>{ "+" }</button>
            <button id="zoom-out" title="Zoom out (−)" onclick={Callback::from(|_| view::zoom(1.25, None))}>{ "−" }</button>
            <button id="zoom-fit" title="Fit the points" onclick={Callback::from(|_| view::fit())}>{ "Fit" }</button>
            <label class="check"><input id="ellipses" type="checkbox" onchange={on_ellipses} />{ " σ ellipses" }</label>
            if props.factors {
                <label>{ "Colour by " }
                    <select id="colour-by" onchange={on_colour_by}>
                        { for FACTOR_NAMES.iter().enumerate().map(|(i, name)| html! {
                            <option value={i.to_string()}>{ *name }</option>
                        }) }
                    </select>
                </label>
            }
        </div>
        if props.latent > 2 {
            <div class="plane-tools" aria-label="Latent dimensions">
                { for [("x", 0usize), ("y", 1)].into_iter().map(|(name, axis)| html! {
                    <label>{ format!("{name}: ") }
                        <select id={format!("dim-{name}")} onchange={on_dim(axis)}>
                            { for (0..props.latent).map(|d| html! {
                                <option value={d.to_string()} selected={dims[axis] == d}>{ format!("z{}", d + 1) }</option>
                            }) }
                        </select>
                    </label>
                }) }
                <span id="held-at" class="detail">
                    { match *held { Some(i) => format!("others at held-out image #{i}'s mean"), None => "others at 0".to_string() } }
                </span>
                <button id="hold-image" onclick={hold_image}>{ "Hold at an image" }</button>
                <button id="hold-zero" onclick={hold_zero}>{ "At 0" }</button>
            </div>
        }
        <canvas
            id="latent-plane"
            ref={canvas}
            class="plane"
            width={PLANE_PX.to_string()}
            height={PLANE_PX.to_string()}
            tabindex="0"
            role="slider"
            aria-label="Latent plane: drag, click or use the arrow keys to move the cursor"
            aria-valuetext={format!("z = ({x:.2}, {y:.2})")}
            onpointerdown={on_pointer_down}
            onpointermove={on_pointer_move}
            onpointerup={on_pointer_up.clone()}
            onpointercancel={on_pointer_up}
            onkeydown={on_key_down}
            onwheel={on_wheel}
        />
        </div>
    }
}
