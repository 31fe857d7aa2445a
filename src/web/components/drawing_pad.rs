use web_sys::{HtmlCanvasElement, HtmlInputElement, PointerEvent};
use yew::prelude::*;

use crate::data::{NamedFile, encode_png};
use crate::web::draw::context2d;
use crate::web::scene::canvas_px;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// A finished drawing, as a PNG in a folder named by its label.
    pub on_drawing: Callback<NamedFile>,
}

const PAD_PX: u32 = 224;
const STROKE_PX: f64 = 18.0;

fn clear(canvas: &HtmlCanvasElement) {
    if let Some(context) = context2d(canvas) {
        context.set_fill_style_str("white");
        context.fill_rect(0.0, 0.0, PAD_PX as f64, PAD_PX as f64);
    }
}

/// Draw samples with a mouse, a finger or a pen, label them, and add them to your own dataset.
#[component]
pub fn DrawingPad(props: &Props) -> Html {
    let canvas = use_node_ref();
    let label = use_node_ref();
    let drawing = use_mut_ref(|| false);
    let count = use_state(|| 0usize);
    let inked = use_state(|| false);
    {
        let canvas = canvas.clone();
        use_effect_with((), move |_| {
            if let Some(canvas) = canvas.cast::<HtmlCanvasElement>() {
                clear(&canvas);
            }
        });
    }
    let position = {
        let canvas = canvas.clone();
        move |event: &PointerEvent| -> Option<(HtmlCanvasElement, f64, f64)> {
            let canvas = canvas.cast::<HtmlCanvasElement>()?;
            let client = (event.client_x() as f64, event.client_y() as f64);
            let (x, y) = canvas_px(&canvas, client, PAD_PX as f64);
            Some((canvas, x, y))
        }
    };
    let on_down = {
        let (drawing, position, inked) = (drawing.clone(), position.clone(), inked.clone());
        Callback::from(move |event: PointerEvent| {
            event.prevent_default();
            let Some((canvas, x, y)) = position(&event) else {
                return;
            };
            let _ = canvas.set_pointer_capture(event.pointer_id());
            *drawing.borrow_mut() = true;
            if let Some(context) = context2d(&canvas) {
                context.set_stroke_style_str("black");
                context.set_line_width(STROKE_PX);
                context.set_line_cap("round");
                context.set_line_join("round");
                context.begin_path();
                context.move_to(x, y);
                // A dot for a tap.
                context.line_to(x + 0.01, y);
                context.stroke();
            }
            inked.set(true);
        })
    };
    let on_move = {
        let (drawing, position) = (drawing.clone(), position.clone());
        Callback::from(move |event: PointerEvent| {
            if !*drawing.borrow() {
                return;
            }
            if let Some((canvas, x, y)) = position(&event)
                && let Some(context) = context2d(&canvas)
            {
                context.line_to(x, y);
                context.stroke();
            }
        })
    };
    let on_up = {
        let drawing = drawing.clone();
        Callback::from(move |_: PointerEvent| *drawing.borrow_mut() = false)
    };
    let on_clear = {
        let (canvas, inked) = (canvas.clone(), inked.clone());
        Callback::from(move |_| {
            if let Some(canvas) = canvas.cast::<HtmlCanvasElement>() {
                clear(&canvas);
            }
            inked.set(false);
        })
    };
    let on_add = {
        let (canvas, label, count, inked) =
            (canvas.clone(), label.clone(), count.clone(), inked.clone());
        let on_drawing = props.on_drawing.clone();
        Callback::from(move |_| {
            let Some(canvas) = canvas.cast::<HtmlCanvasElement>() else {
                return;
            };
            let Some(context) = context2d(&canvas) else {
                return;
            };
            let Ok(image) = context.get_image_data(0.0, 0.0, PAD_PX as f64, PAD_PX as f64) else {
                return;
            };
            let grey: Vec<u8> = image.data().chunks_exact(4).map(|p| p[0]).collect();
            let label = label
                .cast::<HtmlInputElement>()
                .map(|i| i.value().trim().replace('/', "-"))
                .unwrap_or_default();
            let folder = if label.is_empty() {
                "drawings".to_string()
            } else {
                format!("drawings/{label}")
            };
            on_drawing.emit(NamedFile {
                name: format!("{folder}/drawing-{}.png", *count + 1),
                bytes: encode_png(PAD_PX, PAD_PX, 1, grey),
            });
            count.set(*count + 1);
            clear(&canvas);
            inked.set(false);
        })
    };
    html! {
        <div class="drawing-pad">
            <canvas id="drawing-pad" ref={canvas} width={PAD_PX.to_string()} height={PAD_PX.to_string()}
                aria-label="Drawing pad: draw with the mouse, a finger or a pen"
                onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up.clone()} onpointercancel={on_up} />
            <div class="pad-controls">
                <label>{ "Label " }<input id="drawing-label" ref={label} type="text" size="8" placeholder="e.g. 3" /></label>
                <button id="add-drawing" onclick={on_add} disabled={!*inked}>{ "Add drawing" }</button>
                <button id="clear-drawing" onclick={on_clear}>{ "Clear" }</button>
                <p class="detail">{ format!("{} drawn so far. Drawings join your own data, labelled by their label.", *count) }</p>
            </div>
        </div>
    }
}
