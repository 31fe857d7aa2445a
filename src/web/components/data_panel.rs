use web_sys::{File, HtmlCanvasElement, HtmlInputElement};
use yew::prelude::*;

use super::{DrawingPad, Explained, select_value};
use crate::data::{ImageShape, Invert, NamedFile, Preprocess, Problem, ShapesConfig};
use crate::page::glossary::Term;
use crate::page::settings::{SHAPE_COUNTS, SIDES};
use crate::page::{DataStatus, Dataset, Shared, thousands};
use crate::web::draw::draw_images;
use crate::web::files::file_list;
use crate::web::hooks::use_drop_zone;

/// How the menu names each dataset.
fn menu_label(dataset: Dataset, shapes: &ShapesConfig) -> String {
    match dataset {
        Dataset::Mnist => "MNIST digits (10,000)".into(),
        Dataset::Fashion => "Fashion-MNIST clothes (10,000)".into(),
        Dataset::Shapes => format!("Shapes, generated ({})", thousands(shapes.count as u64)),
        Dataset::Own => "Your own: files, folders, drawings".into(),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub dataset: Dataset,
    pub status: DataStatus,
    pub preprocess: Preprocess,
    pub shapes: ShapesConfig,
    /// Files of the upload that could not be used.
    pub problems: Shared<Vec<Problem>>,
    /// How many files (uploads and drawings) the user's own dataset holds.
    pub own_files: usize,
    pub on_dataset: Callback<Dataset>,
    pub on_files: Callback<Vec<File>>,
    pub on_drawing: Callback<NamedFile>,
    pub on_preprocess: Callback<Preprocess>,
    pub on_shapes: Callback<ShapesConfig>,
    pub on_clear_own: Callback<()>,
    /// A lesson has set the data: shown, not changeable.
    #[prop_or_default]
    pub locked: bool,
}

const PREVIEW: usize = 32;

/// The dataset in use: the choice, uploads, loading progress, a summary and a preview grid.
#[component]
pub fn DataPanel(props: &Props) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        use_effect_with(props.status.clone(), move |status| {
            if let (DataStatus::Ready { set, .. }, Some(canvas)) =
                (status, canvas.cast::<HtmlCanvasElement>())
            {
                let preview = set.take(PREVIEW);
                draw_images(&canvas, &preview.pixels, preview.shape, 16);
            }
        });
    }
    let on_dataset = {
        let on_dataset = props.on_dataset.clone();
        Callback::from(move |e: Event| {
            if let Some(dataset) = select_value(&e).as_deref().and_then(Dataset::from_key) {
                on_dataset.emit(dataset);
            }
        })
    };
    let on_pick = {
        let on_files = props.on_files.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                on_files.emit(file_list(input.files()));
                // The same file picked again should count as a new pick.
                input.set_value("");
            }
        })
    };
    let drop = use_drop_zone(props.on_files.clone());
    let preprocess = props.preprocess;
    let change = |apply: fn(&mut Preprocess, &str)| {
        let on_preprocess = props.on_preprocess.clone();
        Callback::from(move |e: Event| {
            let value = select_value(&e).or_else(|| {
                e.target_dyn_into::<HtmlInputElement>()
                    .map(|i| i.checked().to_string())
            });
            if let Some(value) = value {
                let mut next = preprocess;
                apply(&mut next, &value);
                on_preprocess.emit(next);
            }
        })
    };
    let on_side = change(|p, v| {
        let side = v.parse().unwrap_or(28);
        p.shape.width = side;
        p.shape.height = side;
    });
    let on_colour = change(|p, v| p.shape.channels = if v == "rgb" { 3 } else { 1 });
    let on_invert = change(|p, v| {
        p.invert = match v {
            "always" => Invert::Always,
            "never" => Invert::Never,
            _ => Invert::Auto,
        }
    });
    let on_contrast = change(|p, v| p.auto_contrast = v == "true");
    let clear = props.on_clear_own.reform(|_| ());
    let shapes = props.shapes;
    let on_shapes_count = {
        let on_shapes = props.on_shapes.clone();
        Callback::from(move |e: Event| {
            if let Some(count) = select_value(&e).and_then(|v| v.parse().ok()) {
                on_shapes.emit(ShapesConfig { count, ..shapes });
            }
        })
    };
    let on_shapes_size = {
        let on_shapes = props.on_shapes.clone();
        Callback::from(move |e: Event| {
            if let Some(size) = select_value(&e).and_then(|v| v.parse().ok()) {
                on_shapes.emit(ShapesConfig { size, ..shapes });
            }
        })
    };
    let on_shapes_seed = {
        let on_shapes = props.on_shapes.clone();
        Callback::from(move |e: Event| {
            let seed = e
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|i| i.value().parse().ok());
            if let Some(seed) = seed {
                on_shapes.emit(ShapesConfig { seed, ..shapes });
            }
        })
    };

    let body = match &props.status {
        DataStatus::Empty => html! {
            <p id="data-status" class="detail">{ "Pick or drop image files, a folder, a .zip, IDX or .npy files, or draw your own." }</p>
        },
        DataStatus::Loading { name, fraction } => html! {
            <p id="data-status" class="busy" aria-busy="true">
                { format!("Loading {name}… {:.0}%", fraction * 100.0) }
                <progress max="1" value={fraction.to_string()} />
            </p>
        },
        DataStatus::Failed { name, error } => html! {
            <p id="data-status" class="error" role="alert">{ format!("Could not load {name}: {error}") }</p>
        },
        DataStatus::Ready {
            name,
            set,
            classes,
            resized,
            ..
        } => {
            let ImageShape {
                width,
                height,
                channels,
            } = set.shape;
            let classes = match classes.len() {
                0 => "unlabelled".to_string(),
                n if n <= 10 => format!("{n} classes ({})", classes.join(", ")),
                n => format!("{n} classes"),
            };
            html! {
                <p id="data-status" data-count={set.len().to_string()}>
                    { format!(
                        "{name}: {} images, {width}×{height}{}, {classes}{}",
                        set.len(),
                        if channels == 3 { " RGB" } else { " grey" },
                        if *resized > 0 { format!("; {resized} resized") } else { String::new() },
                    ) }
                </p>
            }
        }
    };
    let own = props.dataset == Dataset::Own;
    html! {
        <section class="card" aria-label="Data">
            <h2>{ "Data" }</h2>
            if props.locked {
                <p class="locked-note">{ "Set for this lesson" }</p>
            }
            <fieldset class="plain" disabled={props.locked}>
            <label>{ "Dataset " }
                <select id="dataset" onchange={on_dataset}>
                    { for Dataset::ALL.iter().map(|&d| html! {
                        <option value={d.key()} selected={d == props.dataset}>{ menu_label(d, &props.shapes) }</option>
                    }) }
                </select>
            </label>
            if props.dataset == Dataset::Shapes {
                <div class="fields">
                    <label>{ "Images" }
                        <select id="shapes-count" onchange={on_shapes_count}>
                            { for SHAPE_COUNTS.iter().map(|&n| html! {
                                <option value={n.to_string()} selected={n == shapes.count}>{ n }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "Size" }
                        <select id="shapes-size" onchange={on_shapes_size}>
                            { for SIDES.iter().map(|&s| html! {
                                <option value={s.to_string()} selected={s == shapes.size}>{ format!("{s}×{s}") }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "Seed" }
                        <input id="shapes-seed" type="number" min="0" value={shapes.seed.to_string()} onchange={on_shapes_seed} />
                    </label>
                </div>
                <p class="detail">{ "Squares, circles and triangles with known position, scale and rotation: colour the plane by any of them to see which the VAE found. The pretrained model is for 28×28." }</p>
            }
            if own {
                <div id="drop-zone" class={classes!("drop-zone", drop.dragging.then_some("dragging"))}
                    ondragover={drop.ondragover} ondragleave={drop.ondragleave} ondrop={drop.ondrop}>
                    <p>{ "Drop files here, or " }
                        <label class="file-button">{ "choose files" }
                            <input id="upload" type="file" multiple=true
                                accept="image/*,.zip,.npy,.gz,.idx,.idx1-ubyte,.idx3-ubyte,application/octet-stream"
                                onchange={on_pick.clone()} />
                        </label>
                        { " or " }
                        <label class="file-button">{ "choose a folder" }
                            <input id="upload-folder" type="file" webkitdirectory=true onchange={on_pick} />
                        </label>
                    </p>
                    <p class="detail">
                        { "PNG, JPEG, GIF, WebP, BMP (sub-folders name the classes), .zip of images, IDX " }
                        <Explained term={Term::Idx} />
                        { " (raw or .gz, with a labels file), NumPy .npy (N×H×W or N×H×W×C, uint8 or float, labels as a 1-D array). At most 64 MB a file, 256 MB and 60,000 images in all." }
                    </p>
                    <div class="fields">
                        <label>{ "Size" }
                            <select id="input-side" onchange={on_side}>
                                { for SIDES.iter().map(|&s| html! {
                                    <option value={s.to_string()} selected={s == preprocess.shape.width}>{ format!("{s}×{s}") }</option>
                                }) }
                            </select>
                        </label>
                        <label>{ "Colour" }
                            <select id="input-colour" onchange={on_colour}>
                                <option value="grey" selected={preprocess.shape.channels == 1}>{ "Grey" }</option>
                                <option value="rgb" selected={preprocess.shape.channels == 3}>{ "RGB" }</option>
                            </select>
                        </label>
                        <label>{ "Invert" }
                            <select id="input-invert" onchange={on_invert}>
                                <option value="auto" selected={preprocess.invert == Invert::Auto}>{ "When the background is light" }</option>
                                <option value="always" selected={preprocess.invert == Invert::Always}>{ "Always" }</option>
                                <option value="never" selected={preprocess.invert == Invert::Never}>{ "Never" }</option>
                            </select>
                        </label>
                        <label class="check">
                            <input id="input-contrast" type="checkbox" checked={preprocess.auto_contrast} onchange={on_contrast} />
                            { "Auto-contrast" }
                        </label>
                    </div>
                    if props.own_files > 0 {
                        <p class="detail">
                            { format!("{} file{} so far. ", props.own_files, if props.own_files == 1 { "" } else { "s" }) }
                            <button id="clear-own" onclick={clear}>{ "Remove them all" }</button>
                        </p>
                    }
                </div>
                <DrawingPad on_drawing={props.on_drawing.clone()} />
            }
            </fieldset>
            { body }
            if !props.problems.is_empty() {
                <div id="upload-problems" class="error" role="alert">
                    <p>{ format!("{} file{} could not be used (the rest are in):", props.problems.len(), if props.problems.len() == 1 { "" } else { "s" }) }</p>
                    <ul>
                        { for props.problems.iter().map(|p| html! {
                            <li><strong>{ &p.file }</strong>{ ": " }{ &p.reason }</li>
                        }) }
                    </ul>
                </div>
            }
            <canvas id="data-preview" ref={canvas} class="pixelated preview" />
        </section>
    }
}
