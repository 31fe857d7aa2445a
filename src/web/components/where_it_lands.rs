use std::rc::Rc;

use web_sys::{HtmlCanvasElement, HtmlInputElement, PointerEvent};
use yew::prelude::*;

use crate::data::{ImageSet, Invert, LIMITS, Preprocess, decode_picture, size_text};
use crate::page::{Shared, held_out_split};
use crate::web::draw::{canvas_image, context2d, context2d_for_reading, draw_images, paint_image};
use crate::web::files::{file_list, read_file};
use crate::web::latency;
use crate::web::scene::{Scene, canvas_px};
use crate::web::tasks::now_ms;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The data in use: the model's input shape, and its held-out images to try.
    pub set: Shared<ImageSet>,
}

const PAD_PX: u32 = 224;
const STROKE_PX: f64 = 20.0;

fn clear(canvas: &HtmlCanvasElement) {
    if let Some(context) = context2d_for_reading(canvas) {
        context.set_fill_style_str("black");
        context.fill_rect(0.0, 0.0, PAD_PX as f64, PAD_PX as f64);
    }
}

/// Where would my drawing go? Draw (or start from a held-out image or a file), and with every
/// stroke its posterior is marked on the plane (mean and σ ellipse) and its reconstruction shown,
/// with the model as it is now (also while it trains).
#[component]
pub fn WhereItLands(props: &Props) -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    let pad = use_node_ref();
    let input = use_node_ref();
    let drawing = use_mut_ref(|| false);
    // Where the pointer was, on the pad's pixels.
    let last = use_mut_ref(|| (0.0, 0.0));
    let picks = use_mut_ref(|| 0u64);
    let problem = use_state(|| None::<String>);
    let set = props.set.clone();
    let shape = set.shape;
    let held_out = use_memo(set.clone(), |set| held_out_split(set).held_out);
    {
        let (pad, scene) = (pad.clone(), scene.clone());
        use_effect_with(shape, move |_| {
            if let Some(canvas) = pad.cast::<HtmlCanvasElement>() {
                clear(&canvas);
            }
            scene.mark(None);
        });
    }
    // The pad as the model's input, marked on the plane.
    let mark = {
        let (pad, input, scene) = (pad.clone(), input.clone(), scene.clone());
        move |timed: Option<(f64, f64)>| {
            let (Some(canvas), Some(shown)) = (
                pad.cast::<HtmlCanvasElement>(),
                input.cast::<HtmlCanvasElement>(),
            ) else {
                return;
            };
            let Some(image) = canvas_image(&canvas, shape.channels) else {
                return;
            };
            let preprocess = Preprocess {
                shape,
                invert: Invert::Never,
                auto_contrast: false,
            };
            let pixels = preprocess.apply(&image);
            draw_images(&shown, &pixels, shape, 1);
            scene.mark(Some(Rc::new(pixels)));
            if let Some((event_ms, started_ms)) = timed {
                latency::stroke_done(event_ms, started_ms);
            }
        }
    };
    // An image of the model's shape, on the pad to draw over.
    let place = {
        let (pad, mark, problem) = (pad.clone(), mark.clone(), problem.clone());
        move |pixels: &[f32]| {
            if let Some(canvas) = pad.cast::<HtmlCanvasElement>() {
                clear(&canvas);
                paint_image(&canvas, pixels, shape);
                problem.set(None);
                mark(None);
            }
        }
    };
    // Each move strokes only its own segment: re-stroking the whole path would cost more with
    // every move of a long stroke.
    let stroke = {
        let (pad, last) = (pad.clone(), last.clone());
        move |event: &PointerEvent, first: bool| {
            let canvas = pad.cast::<HtmlCanvasElement>()?;
            let context = context2d(&canvas)?;
            let client = (event.client_x() as f64, event.client_y() as f64);
            let (x, y) = canvas_px(&canvas, client, PAD_PX as f64);
            if first {
                let _ = canvas.set_pointer_capture(event.pointer_id());
                context.set_stroke_style_str("white");
                context.set_line_width(STROKE_PX);
                context.set_line_cap("round");
                *last.borrow_mut() = (x - 0.01, y);
            }
            let (from_x, from_y) = last.replace((x, y));
            context.begin_path();
            context.move_to(from_x, from_y);
            context.line_to(x, y);
            context.stroke();
            Some(())
        }
    };
    let on_down = {
        let (drawing, mark, stroke) = (drawing.clone(), mark.clone(), stroke.clone());
        Callback::from(move |event: PointerEvent| {
            event.prevent_default();
            *drawing.borrow_mut() = true;
            if stroke(&event, true).is_some() {
                mark(None);
            }
        })
    };
    let on_move = {
        let (drawing, mark) = (drawing.clone(), mark.clone());
        Callback::from(move |event: PointerEvent| {
            let started = now_ms();
            if *drawing.borrow() && stroke(&event, false).is_some() {
                mark(Some((event.time_stamp(), started)));
            }
        })
    };
    let on_up = Callback::from(move |_: PointerEvent| *drawing.borrow_mut() = false);
    let on_held_out = {
        let (place, set) = (place.clone(), set.clone());
        Callback::from(move |_| {
            *picks.borrow_mut() += 1;
            if held_out.is_empty() {
                return;
            }
            let i = held_out[crate::data::Rng::new(*picks.borrow()).below(held_out.len())];
            place(set.image(i));
        })
    };
    let on_file = {
        let problem = problem.clone();
        Callback::from(move |event: Event| {
            let Some(target) = event.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let files = file_list(target.files());
            // The same file picked again should count as a new pick.
            target.set_value("");
            let Some(file) = files.into_iter().next() else {
                return;
            };
            let (place, problem) = (place.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if file.size() as usize > LIMITS.file_bytes {
                    return problem.set(Some(format!(
                        "{} is larger than the {} a file may be.",
                        file.name(),
                        size_text(LIMITS.file_bytes)
                    )));
                }
                let picture = read_file(&file).await.and_then(|named| {
                    decode_picture(&named.bytes).map_err(|e| format!("{}: {e}", named.name))
                });
                match picture {
                    Ok(picture) => {
                        // As an upload to the data set would be: light strokes on dark.
                        let preprocess = Preprocess {
                            shape,
                            invert: Invert::Auto,
                            auto_contrast: true,
                        };
                        place(&preprocess.apply(&picture));
                    }
                    Err(error) => problem.set(Some(format!("Could not open the image: {error}."))),
                }
            });
        })
    };
    let on_clear = {
        let (pad, scene, problem) = (pad.clone(), scene.clone(), problem.clone());
        Callback::from(move |_| {
            if let Some(canvas) = pad.cast::<HtmlCanvasElement>() {
                clear(&canvas);
            }
            problem.set(None);
            scene.mark(None);
        })
    };
    html! {
        <div class="where-it-lands">
            <canvas id="probe-pad" ref={pad} class="pad" width={PAD_PX.to_string()} height={PAD_PX.to_string()}
                aria-label="Drawing pad: draw with the mouse, a finger or a pen; the plane marks where the drawing lands"
                onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up.clone()} onpointercancel={on_up} />
            <figure>
                <canvas id="probe-input" ref={input} class="pixelated small" />
                <figcaption>{ "As the model sees it" }</figcaption>
            </figure>
            <figure>
                <canvas id="probe-reconstruction" ref={scene.canvases().marked.clone()} class="pixelated small" />
                <figcaption>{ "Its reconstruction" }</figcaption>
            </figure>
            <div class="buttons wrap">
                <button id="probe-held-out" onclick={on_held_out}>{ "A held-out image" }</button>
                <label class="file-button">{ "Open an image…" }
                    <input id="probe-file" type="file" accept="image/*" onchange={on_file} />
                </label>
                <button id="probe-clear" onclick={on_clear}>{ "Clear" }</button>
            </div>
            if let Some(problem) = &*problem {
                <p id="probe-error" class="error" role="alert">{ problem }</p>
            }
        </div>
    }
}
