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
pub fn download_canvas(canvas: &web_sys::HtmlCanvasElement, name: &str) -> Result<(), String> {
    let url = canvas
        .to_data_url()
        .map_err(|_| "the browser could not encode the image")?;
    click_link(&url, name)
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
    let url = Url::create_object_url_with_blob(&blob).map_err(|_| "no object URL")?;
    click_link(&url, name)?;
    // The click has started the download; the URL can go once this task ends.
    let _ = gloo::timers::callback::Timeout::new(1_000, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
