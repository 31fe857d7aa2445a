//! A video of the latent plane and the decoded image side by side (WebM, recorded by the
//! browser from a canvas both are copied onto), for slides.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Blob, BlobEvent, HtmlCanvasElement, MediaRecorder, MediaRecorderOptions};

use super::draw::context2d;
use super::scene::Scene;

/// The video's height; the plane and the decoded image are each this square.
const SIDE_PX: u32 = 480;
const FRAME_MS: u32 = 40;

/// A recording under way; dropping it without `stop` throws it away.
pub struct Recording {
    recorder: MediaRecorder,
    chunks: Rc<RefCell<Vec<Blob>>>,
    _copying: Interval,
    _on_data: Closure<dyn FnMut(BlobEvent)>,
}

impl Recording {
    /// Starts recording what the scene's plane and decoded image show.
    pub fn start(scene: &Scene) -> Result<Self, String> {
        let plane = scene
            .canvases()
            .plane
            .cast::<HtmlCanvasElement>()
            .ok_or("no plane yet")?;
        let decoded = scene
            .canvases()
            .decoded
            .cast::<HtmlCanvasElement>()
            .ok_or("no image yet")?;
        let frame: HtmlCanvasElement = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|e| e.dyn_into().ok())
            .ok_or("the browser could not make a canvas")?;
        frame.set_width(2 * SIDE_PX);
        frame.set_height(SIDE_PX);
        let context = context2d(&frame).ok_or("the browser could not draw")?;
        let copy = move || {
            context.set_fill_style_str("#ffffff");
            context.fill_rect(0.0, 0.0, 2.0 * SIDE_PX as f64, SIDE_PX as f64);
            let side = SIDE_PX as f64;
            let _ = context
                .draw_image_with_html_canvas_element_and_dw_and_dh(&plane, 0.0, 0.0, side, side);
            context.set_image_smoothing_enabled(false);
            let _ = context
                .draw_image_with_html_canvas_element_and_dw_and_dh(&decoded, side, 0.0, side, side);
            context.set_image_smoothing_enabled(true);
        };
        copy();
        let copying = Interval::new(FRAME_MS, copy);
        let stream = frame
            .capture_stream_with_frame_request_rate(1000.0 / FRAME_MS as f64)
            .map_err(|_| "this browser cannot record a canvas")?;
        let options = MediaRecorderOptions::new();
        options.set_mime_type("video/webm");
        let recorder =
            MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options)
                .map_err(|_| "this browser cannot record WebM video")?;
        let chunks = Rc::new(RefCell::new(Vec::new()));
        let on_data = {
            let chunks = chunks.clone();
            Closure::<dyn FnMut(BlobEvent)>::new(move |event: BlobEvent| {
                if let Some(data) = event.data().filter(|d| d.size() > 0.0) {
                    chunks.borrow_mut().push(data);
                }
            })
        };
        recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        recorder
            .start_with_time_slice(1000)
            .map_err(|_| "the recording could not start")?;
        Ok(Self {
            recorder,
            chunks,
            _copying: copying,
            _on_data: on_data,
        })
    }

    /// Stops, and hands the video to `done` once the browser has given the last of it.
    pub fn stop(self, done: impl FnOnce(Result<Blob, String>) + 'static) {
        let Self {
            recorder,
            chunks,
            _copying,
            _on_data,
        } = self;
        drop(_copying);
        // The recorder's last data comes before its stop event: its handler lives until then.
        let on_stop = Closure::once(move || {
            drop(_on_data);
            let parts = js_sys::Array::new();
            for chunk in chunks.borrow_mut().drain(..) {
                parts.push(&chunk);
            }
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("video/webm");
            done(
                Blob::new_with_blob_sequence_and_options(&parts, &options)
                    .map_err(|_| "the browser could not make the video".to_string()),
            );
        });
        recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
        // Freed by JavaScript's collector once the recorder has called it.
        let _ = on_stop.into_js_value();
        let _ = recorder.stop();
    }
}
