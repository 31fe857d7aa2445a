use web_sys::{DragEvent, File};
use yew::prelude::*;

use crate::web::files::file_list;

/// A drop target for files: whether files are being dragged over it, and its handlers.
pub struct DropZone {
    pub dragging: bool,
    pub ondragover: Callback<DragEvent>,
    pub ondragleave: Callback<DragEvent>,
    pub ondrop: Callback<DragEvent>,
}

#[hook]
pub fn use_drop_zone(on_files: Callback<Vec<File>>) -> DropZone {
    let dragging = use_state(|| false);
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            // Without this the browser opens the dropped file instead.
            e.prevent_default();
            dragging.set(true);
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let ondrop = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            on_files.emit(file_list(e.data_transfer().and_then(|d| d.files())));
        })
    };
    DropZone {
        dragging: *dragging,
        ondragover,
        ondragleave,
        ondrop,
    }
}
