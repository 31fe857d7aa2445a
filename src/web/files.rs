//! Files in and out of the page: reading what the user picks or drops, offering downloads.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, FileList, HtmlAnchorElement, Url};

use crate::data::NamedFile;

/// The files of a picker or a drop, in order.
pub fn file_list(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// A picked or dropped file's bytes, named with its folders for a folder upload.
pub async fn read_file(file: &File) -> Result<NamedFile, String> {
    // Set for files of a folder upload; web-sys does not bind it.
    let relative = js_sys::Reflect::get(file, &"webkitRelativePath".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let name = if relative.is_empty() {
        file.name()
    } else {
        relative
    };
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("{name}: could not be read (a folder? use \"Choose a folder\")"))?;
    Ok(NamedFile {
        name,
        bytes: Uint8Array::new(&buffer).to_vec(),
    })
}

/// Offers what a canvas shows as a PNG download.
/// Downloads what `canvas` shows as a PNG at least `side` pixels on its longer side, each
/// pixel repeated (nearest neighbour: sharp on a slide); its size, "1036 × 1036 px".
pub fn download_canvas(
    canvas: &web_sys::HtmlCanvasElement,
    name: &str,
    side: u32,
) -> Result<String, String> {
    let scale = crate::page::export_scale(canvas.width(), canvas.height(), side);
    let scaled = if scale == 1 {
        canvas.clone()
    } else {
        let copy: web_sys::HtmlCanvasElement = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|e| e.dyn_into().ok())
            .ok_or("the browser could not make a canvas")?;
        copy.set_width(canvas.width() * scale);
        copy.set_height(canvas.height() * scale);
        let context = super::draw::context2d(&copy).ok_or("the browser could not draw")?;
        context.set_image_smoothing_enabled(false);
        context
            .draw_image_with_html_canvas_element_and_dw_and_dh(
                canvas,
                0.0,
                0.0,
                copy.width() as f64,
                copy.height() as f64,
            )
            .map_err(|_| "the browser could not draw")?;
        copy
    };
    let url = scaled
        .to_data_url()
        .map_err(|_| "the browser could not encode the image")?;
    click_link(&url, name)?;
    Ok(format!("{} × {} px", scaled.width(), scaled.height()))
}

fn click_link(url: &str, name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link")?
        .dyn_into()
        .map_err(|_| "no link")?;
    link.set_href(url);
    link.set_download(name);
    link.click();
    Ok(())
}

/// Offers `bytes` to the user as a download named `name`.
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not make the file")?;
    download_blob(name, &blob)
}

/// Offers a blob the browser made (a recording) as a download named `name`.
pub fn download_blob(name: &str, blob: &Blob) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(blob).map_err(|_| "no object URL")?;
    click_link(&url, name)?;
    // The click has started the download; the URL can go once this task ends.
    let _ = gloo::timers::callback::Timeout::new(1_000, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
