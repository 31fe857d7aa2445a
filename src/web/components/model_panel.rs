use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use super::select_value;
use crate::page::{Autosave, Damaged, Dataset, EXPORT_SIDES, Export, Kept, MAX_SAMPLES, Shared};
use crate::web::files::file_list;
use crate::web::hooks::use_drop_zone;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// A model is loaded.
    pub ready: bool,
    pub busy: Option<String>,
    pub message: Option<String>,
    pub error: Option<String>,
    pub autosave: Autosave,
    pub share_url: Option<String>,
    /// Earlier models, kept when the user switched.
    pub kept: Shared<Vec<Kept>>,
    /// Records of the storage that could not be read.
    pub damaged: Shared<Vec<Damaged>>,
    pub on_open_kept: Callback<Dataset>,
    pub on_forget_kept: Callback<Dataset>,
    pub on_download_damaged: Callback<Damaged>,
    pub on_save: Callback<()>,
    pub on_open: Callback<File>,
    pub on_export: Callback<Export>,
    pub on_share: Callback<()>,
    pub on_start_over: Callback<()>,
}

/// Save and open model files, exports, the share link and the autosave's state.
#[component]
pub fn ModelPanel(props: &Props) -> Html {
    let count = use_state(|| 64usize);
    let around = use_state(|| false);
    let on_open = {
        let on_open = props.on_open.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                if let Some(file) = file_list(input.files()).into_iter().next() {
                    on_open.emit(file);
                }
                input.set_value("");
            }
        })
    };
    let drop = {
        let on_open = props.on_open.clone();
        use_drop_zone(Callback::from(move |files: Vec<File>| {
            if let Some(file) = files.into_iter().next() {
                on_open.emit(file);
            }
        }))
    };
    let on_count = {
        let count = count.clone();
        Callback::from(move |e: Event| {
            if let Some(value) = e
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|i| i.value().parse::<usize>().ok())
            {
                count.set(value.clamp(1, MAX_SAMPLES));
            }
        })
    };
    let on_around = {
        let around = around.clone();
        Callback::from(move |e: Event| {
            if let Some(value) = select_value(&e) {
                around.set(value == "cursor");
            }
        })
    };
    let export = |what: Export| props.on_export.reform(move |_| what);
    let side = use_state(|| 1024u32);
    let on_side = {
        let side = side.clone();
        Callback::from(move |e: Event| {
            if let Some(value) = select_value(&e).and_then(|v| v.parse().ok()) {
                side.set(value);
            }
        })
    };
    let samples = |idx| {
        export(Export::Samples {
            count: *count,
            around_cursor: *around,
            idx,
        })
    };
    let disabled = !props.ready || props.busy.is_some();
    html! {
        <section id="model-panel" aria-label="Model file"
            class={classes!("card", drop.dragging.then_some("dragging"))}
            ondragover={drop.ondragover} ondragleave={drop.ondragleave} ondrop={drop.ondrop}>
            <h2>{ "Model" }</h2>
            <div class="buttons">
                <button id="save-model" onclick={props.on_save.reform(|_| ())} {disabled}>{ "Save model" }</button>
                <label class="file-button">{ "Open model…" }
                    <input id="open-model" type="file" accept=".vae,application/octet-stream" onchange={on_open} />
                </label>
                <button id="share" onclick={props.on_share.reform(|_| ())}>{ "Share link" }</button>
            </div>
            <p class="detail">{ "Model files (.vae) hold the weights, settings and loss history (and, when trained on the CPU, the optimizer's state, so that training resumes exactly); the native trainer writes the same files. Drop one here to open it." }</p>
            if let Some(busy) = &props.busy {
                <p id="model-busy" class="busy" aria-busy="true">{ busy }</p>
            }
            if let Some(message) = &props.message {
                <p id="model-message" role="status">{ message }</p>
            }
            if let Some(error) = &props.error {
                <p id="model-error" class="error" role="alert">{ error }</p>
            }
            if let Some(url) = &props.share_url {
                <label class="share">{ "Link to this view: " }
                    <input id="share-url" type="text" readonly=true value={url.clone()} />
                </label>
                <p class="detail">{ "The link carries the dataset, the settings, the cursor and the view — not the trained model. To share the model itself, save it and send the file: it opens in any browser with Open model…" }</p>
            }
            if !props.kept.is_empty() {
                <h3>{ "Kept in this browser" }</h3>
                <ul id="kept" class="kept">
                    { for props.kept.iter().map(|kept| {
                        let dataset = kept.dataset;
                        html! {
                            <li data-dataset={dataset.key()}>
                                { kept.describe() }{ " " }
                                <button class="open-kept" onclick={props.on_open_kept.reform(move |_| dataset)}>{ "Open" }</button>
                                <button class="forget-kept" onclick={props.on_forget_kept.reform(move |_| dataset)}>{ "Forget" }</button>
                            </li>
                        }
                    }) }
                </ul>
                <p class="detail">{ "Switching to another dataset or a setting that starts over keeps the model you trained here, one per dataset; switching back opens it." }</p>
            }
            if !props.damaged.is_empty() {
                <ul id="damaged" class="error">
                    { for props.damaged.iter().map(|damaged| {
                        let record = damaged.clone();
                        html! {
                            <li>
                                { format!("Could not read {}: {}. ", damaged.what, damaged.reason) }
                                <button class="download-damaged" onclick={props.on_download_damaged.reform(move |_| record.clone())}>{ "Download it" }</button>
                            </li>
                        }
                    }) }
                </ul>
            }
            <h3>{ "Export" }</h3>
            <div class="buttons wrap">
                <button id="export-decoded" onclick={export(Export::DecodedPng { side: *side })} {disabled}>{ "Decoded image (PNG)" }</button>
                <button id="export-manifold" onclick={export(Export::ManifoldPng { side: *side })} {disabled}>{ "Manifold (PNG)" }</button>
                <select id="export-size" onchange={on_side} aria-label="Size of the PNG">
                    { for EXPORT_SIDES.iter().map(|&s| html! {
                        <option value={s.to_string()} selected={s == *side}>{ if s == 0 { "as it is".to_string() } else { format!("for slides: {s} px or more") } }</option>
                    }) }
                </select>
            </div>
            <div class="buttons wrap">
                <input id="sample-count" type="number" min="1" max={MAX_SAMPLES.to_string()} value={count.to_string()} onchange={on_count} aria-label="Number of samples" />
                <select id="sample-source" onchange={on_around} aria-label="Where the samples come from">
                    <option value="prior" selected={!*around}>{ "samples from the prior" }</option>
                    <option value="cursor" selected={*around}>{ "samples around the cursor" }</option>
                </select>
                <button id="export-zip" onclick={samples(false)} {disabled}>{ "zip of PNGs" }</button>
                <button id="export-idx" onclick={samples(true)} {disabled}>{ "IDX" }</button>
            </div>
            <p id="autosave" class="detail" data-step={match &props.autosave { Autosave::Saved { step } => step.to_string(), _ => String::new() }}>
                {
                    match &props.autosave {
                        Autosave::Idle => "This model's training is saved in this browser as you go.".to_string(),
                        Autosave::Saved { step } => format!("Saved in this browser at step {step}."),
                        Autosave::Failed(error) => format!("Could not save in this browser: {error}"),
                    }
                }
                { " " }
                <button id="start-over" onclick={props.on_start_over.reform(|_| ())}>{ "Start over" }</button>
            </p>
        </section>
    }
}
