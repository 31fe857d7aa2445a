use web_sys::{HtmlCanvasElement, HtmlInputElement, KeyboardEvent, PointerEvent, WheelEvent};
use yew::prelude::*;

use super::{Explained, select_value};
use crate::data::FACTOR_NAMES;
use crate::page::glossary::Term;
use crate::page::{PlaneKey, ZOOM_IN, ZOOM_OUT};
use crate::web::hooks::use_scene_switches;
use crate::web::latency;
use crate::web::scene::{PLANE_PX, Scene};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The data's true factors are known (Shapes): offer to colour by them.
    pub factors: bool,
    /// Dimensions of the latent space: above 2, choose which two the plane shows.
    pub latent: usize,
}

fn client(event: &web_sys::MouseEvent) -> (f64, f64) {
    (event.client_x() as f64, event.client_y() as f64)
}

/// The latent plane: encoded held-out images coloured by label, and a cursor to drag (mouse,
/// touch, pen), click to jump, or move with the arrow keys. Drawn by the scene, outside yew's
/// render cycle, so that a drag redraws within its own event.
#[component]
pub fn LatentPlane(props: &Props) -> Html {
    let scene = use_scene_switches();
    let canvas = scene.canvases().plane.clone();
    let dragging = use_mut_ref(|| false);
    // Shift-drag or the middle button pans: the last pointer position, in canvas pixels.
    let panning = use_mut_ref(|| None::<(f64, f64)>);
    use_effect_with((), {
        let scene = scene.clone();
        move |_| scene.draw_all()
    });

    let move_to = {
        let scene = scene.clone();
        move |event: &PointerEvent| {
            if let Some(z) = scene.latent_at(client(event)) {
                latency::input_started(event.time_stamp());
                scene.set_cursor(z);
            }
        }
    };
    let on_pointer_down = {
        let (dragging, move_to) = (dragging.clone(), move_to.clone());
        let (canvas, panning, scene) = (canvas.clone(), panning.clone(), scene.clone());
        Callback::from(move |event: PointerEvent| {
            event.prevent_default();
            if let Some(canvas) = canvas.cast::<HtmlCanvasElement>() {
                // Capture keeps the drag going outside the canvas; without it, it still works.
                let _ = canvas.set_pointer_capture(event.pointer_id());
                let _ = canvas.focus();
            }
            if event.shift_key() || event.button() == 1 {
                *panning.borrow_mut() = scene.plane_px(client(&event));
                return;
            }
            *dragging.borrow_mut() = true;
            move_to(&event);
        })
    };
    let on_pointer_move = {
        let (dragging, move_to, panning) = (dragging.clone(), move_to.clone(), panning.clone());
        let scene = scene.clone();
        Callback::from(move |event: PointerEvent| {
            let last = *panning.borrow();
            if let (Some((x0, y0)), Some((x, y))) = (last, scene.plane_px(client(&event))) {
                let per_px = scene.plane(|p| p.view.latent_per_px(PLANE_PX as f64));
                scene.pan([(x0 - x) as f32 * per_px, (y - y0) as f32 * per_px]);
                *panning.borrow_mut() = Some((x, y));
                return;
            }
            if *dragging.borrow() {
                move_to(&event);
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
        let scene = scene.clone();
        Callback::from(move |event: WheelEvent| {
            event.prevent_default();
            if let Some(anchor) = scene.latent_at(client(&event)) {
                scene.zoom((event.delta_y() as f32 * 0.002).exp(), Some(anchor));
            }
        })
    };
    let on_key_down = {
        let scene = scene.clone();
        Callback::from(move |event: KeyboardEvent| {
            let Some(key) = PlaneKey::from_key(&event.key()) else {
                return;
            };
            event.prevent_default();
            latency::input_started(event.time_stamp());
            scene.on_key(key, event.shift_key());
        })
    };
    // The scene owns the choice; this component shows it (and renders again when it changes).
    let (colour_by, ellipses, grid) = scene.plane(|p| (p.colour_by, p.ellipses, p.grid));
    let on_colour_by = {
        let scene = scene.clone();
        Callback::from(move |event: Event| {
            if let Some(value) = select_value(&event) {
                scene.set_colour_by(value.parse().unwrap_or(0));
            }
        })
    };
    let dims = use_state(|| [0usize, 1]);
    let held = use_state(|| None::<usize>);
    let picks = use_mut_ref(|| 0u64);
    {
        // A new model of another size starts on its first two dimensions.
        let (dims, held, scene) = (dims.clone(), held.clone(), scene.clone());
        use_effect_with(props.latent, move |_| {
            dims.set(scene.plane(|p| p.slice.dims));
            held.set(None);
        });
    }
    let on_dim = |axis: usize| {
        let (dims, scene) = (dims.clone(), scene.clone());
        Callback::from(move |event: Event| {
            if let Some(d) = select_value(&event).and_then(|v| v.parse::<usize>().ok()) {
                let mut next = *dims;
                next[axis] = d;
                scene.set_dims(next);
                dims.set(next);
            }
        })
    };
    let hold_image = {
        let (held, picks, scene) = (held.clone(), picks.clone(), scene.clone());
        Callback::from(move |_| {
            *picks.borrow_mut() += 1;
            held.set(scene.hold_at(Some(*picks.borrow())));
        })
    };
    let hold_zero = {
        let (held, scene) = (held.clone(), scene.clone());
        Callback::from(move |_| held.set(scene.hold_at(None)))
    };
    let switch = |set: fn(&Scene, bool)| {
        let scene = scene.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                set(&scene, input.checked());
            }
        })
    };
    let zoom = |factor: f32| {
        let scene = scene.clone();
        Callback::from(move |_| scene.zoom(factor, None))
    };
    let fit = {
        let scene = scene.clone();
        Callback::from(move |_| scene.fit())
    };
    html! {
        <div class="plane-box">
        <div class="plane-tools" role="toolbar" aria-label="Plane view">
            <button id="zoom-in" title="Zoom in (+)" onclick={zoom(ZOOM_IN)}>{ "+" }</button>
            <button id="zoom-out" title="Zoom out (−)" onclick={zoom(ZOOM_OUT)}>{ "−" }</button>
            <button id="zoom-fit" title="Fit the points" onclick={fit}>{ "Fit" }</button>
            <label class="check"><input id="ellipses" type="checkbox" checked={ellipses} onchange={switch(Scene::set_ellipses)} />{ " σ ellipses" }</label>
            <Explained term={Term::Sigma} />
            <label class="check"><input id="grid" type="checkbox" checked={grid} onchange={switch(Scene::set_grid)} />{ " Grid" }</label>
            if props.factors {
                <label>{ "Colour by " }
                    <select id="colour-by" onchange={on_colour_by}>
                        { for FACTOR_NAMES.iter().enumerate().map(|(i, name)| html! {
                            <option value={i.to_string()} selected={i == colour_by}>{ *name }</option>
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
            aria-describedby="plane-caption"
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
