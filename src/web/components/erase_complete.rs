use std::rc::Rc;

use web_sys::{HtmlCanvasElement, PointerEvent};
use yew::prelude::*;

use crate::data::{ImageSet, ImageShape};
use crate::page::{Shared, held_out_split};
use crate::vae::completion::{LatentSearch, Mask, clamped, erased_error, iterate, samples_around};
use crate::web::draw::{context2d, draw_images};
use crate::web::files::download_canvas;
use crate::web::scene::{Scene, canvas_px};
use crate::web::tasks::{now_ms, yield_to_browser};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The data in use: its held-out images are offered, its training images give the baseline.
    pub set: Shared<ImageSet>,
}

const SEARCH: &str = "latent search";
const ITERATE: &str = "iterated encode–decode";
/// Iterations of encode–decode shown.
const ITERATIONS: usize = 8;
/// Latent search: steps at most, and how often the page shows where it is.
const SEARCH_STEPS: usize = 150;
const SHOW_EVERY: usize = 5;
/// Other plausible completions: how many, how far around the result (prior σ).
const SAMPLES: usize = 8;
const SPREAD: f32 = 0.5;
const SUBJECT_PX: f64 = 224.0;
const BRUSH: f64 = 1.6;

/// The image being completed: its pixels, which are known, and (for a held-out image) the
/// truth the completion is scored against.
#[derive(Clone, PartialEq)]
struct Subject {
    pixels: Vec<f32>,
    known: Vec<bool>,
    truth: Option<Vec<f32>>,
}

#[derive(Clone, PartialEq, Default)]
enum Work {
    #[default]
    Idle,
    Running(&'static str),
    Done {
        method: &'static str,
        /// Erased pixels' squared error: the completion's, the mean image's.
        errors: Option<(f32, f32)>,
        ms: f64,
    },
    Failed(String),
}

/// Erase part of an image and let the model fill it in: by iterating encode–decode, or by
/// searching the latent space (its path drawn on the plane), with other plausible completions.
#[component]
pub fn EraseComplete(props: &Props) -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    let subject = use_state(|| None::<Subject>);
    let work = use_state(Work::default);
    let picks = use_mut_ref(|| 0u64);
    let erasing = use_mut_ref(|| false);
    // Completions finished: a new one is told from the last by its number.
    let runs = use_mut_ref(|| 0u32);
    let (shown, steps, samples) = (use_node_ref(), use_node_ref(), use_node_ref());
    let set = props.set.clone();
    let shape = set.shape;
    // The held-out images, and the training images' mean (the baseline), for this data.
    let held_out = use_memo(set.clone(), |set| Rc::new(held_out_split(set)));
    let mean_image = use_memo(set.clone(), |set| {
        let split = held_out_split(set);
        let mut mean = vec![0.0f32; set.shape.pixels()];
        for &i in &split.train {
            for (m, v) in mean.iter_mut().zip(set.image(i)) {
                *m += v / split.train.len().max(1) as f32;
            }
        }
        Rc::new(mean)
    });
    {
        // What is being completed, as it is now: known pixels, erased ones shown red.
        let (shown, subject) = (shown.clone(), subject.clone());
        use_effect_with((*subject).clone(), move |_| {
            if let (Some(canvas), Some(subject)) = (shown.cast::<HtmlCanvasElement>(), &*subject) {
                draw_subject(&canvas, subject, shape);
            }
        });
    }
    let pick = {
        let (subject, work, picks, held_out, set, scene) = (
            subject.clone(),
            work.clone(),
            picks.clone(),
            held_out.clone(),
            set.clone(),
            scene.clone(),
        );
        Callback::from(move |_| {
            *picks.borrow_mut() += 1;
            let n = held_out.held_out.len();
            if n == 0 {
                return;
            }
            let i = held_out.held_out[crate::data::Rng::new(*picks.borrow()).below(n)];
            let pixels = set.image(i).to_vec();
            subject.set(Some(Subject {
                known: vec![true; pixels.len()],
                truth: Some(pixels.clone()),
                pixels,
            }));
            work.set(Work::Idle);
            scene.set_search(Vec::new());
        })
    };
    let use_drawing = {
        let (subject, work, scene) = (subject.clone(), work.clone(), scene.clone());
        Callback::from(move |_| {
            if let Some(pixels) = scene.marked().filter(|p| p.len() == shape.pixels()) {
                subject.set(Some(Subject {
                    known: vec![true; pixels.len()],
                    truth: None,
                    pixels: (*pixels).clone(),
                }));
                work.set(Work::Idle);
                scene.set_search(Vec::new());
            }
        })
    };
    let mask = |mask: Mask| {
        let subject = subject.clone();
        Callback::from(move |_| {
            if let Some(current) = &*subject {
                subject.set(Some(Subject {
                    known: mask.known(shape),
                    ..current.clone()
                }));
            }
        })
    };
    // The brush: erases the pixels under the pointer (mouse, finger, pen).
    let brush = {
        let (subject, erasing) = (subject.clone(), erasing.clone());
        move |event: &PointerEvent, canvas: &NodeRef| {
            let (Some(canvas), Some(current)) = (canvas.cast::<HtmlCanvasElement>(), &*subject)
            else {
                return;
            };
            if !*erasing.borrow() {
                return;
            }
            let client = (event.client_x() as f64, event.client_y() as f64);
            let (x, y) = canvas_px(&canvas, client, SUBJECT_PX);
            let scale = SUBJECT_PX / shape.width as f64;
            let (cx, cy) = (x / scale, y / scale);
            let mut known = current.known.clone();
            let plane = shape.width * shape.height;
            for (i, k) in known.iter_mut().enumerate() {
                let p = i % plane;
                let (px, py) = (
                    (p % shape.width) as f64 + 0.5,
                    (p / shape.width) as f64 + 0.5,
                );
                if (px - cx).powi(2) + (py - cy).powi(2) <= BRUSH * BRUSH {
                    *k = false;
                }
            }
            if known != current.known {
                subject.set(Some(Subject {
                    known,
                    ..current.clone()
                }));
            }
        }
    };
    let on_down = {
        let (erasing, brush, shown) = (erasing.clone(), brush.clone(), shown.clone());
        Callback::from(move |event: PointerEvent| {
            event.prevent_default();
            if let Some(canvas) = shown.cast::<HtmlCanvasElement>() {
                let _ = canvas.set_pointer_capture(event.pointer_id());
            }
            *erasing.borrow_mut() = true;
            brush(&event, &shown);
        })
    };
    let on_move = {
        let (brush, shown) = (brush.clone(), shown.clone());
        Callback::from(move |event: PointerEvent| brush(&event, &shown))
    };
    let on_up = Callback::from(move |_: PointerEvent| *erasing.borrow_mut() = false);
    let complete = |search: bool| {
        let (subject, work, scene, runs) =
            (subject.clone(), work.clone(), scene.clone(), runs.clone());
        let (steps, samples, mean_image) = (steps.clone(), samples.clone(), mean_image.clone());
        Callback::from(move |_| {
            let (Some(current), Some(model)) = ((*subject).clone(), scene.model()) else {
                return;
            };
            let (work, scene, runs) = (work.clone(), scene.clone(), runs.clone());
            let (steps, samples, mean_image) = (steps.clone(), samples.clone(), mean_image.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let start = now_ms();
                let method = if search { SEARCH } else { ITERATE };
                work.set(Work::Running(method));
                scene.set_search(Vec::new());
                // Other completions come only from a search: none from an earlier one stay.
                if let Some(canvas) = samples.cast::<HtmlCanvasElement>() {
                    canvas.set_width(0);
                }
                let finished = if search {
                    search_latent(&model, &current, &scene, &steps, &samples, shape).await
                } else {
                    iterate_decode(&model, &current, &steps, shape).await
                };
                *runs.borrow_mut() += 1;
                work.set(match finished {
                    Ok(completed) => Work::Done {
                        method,
                        errors: current.truth.as_ref().map(|truth| {
                            let baseline = clamped(truth, &current.known, &mean_image);
                            (
                                erased_error(&completed, truth, &current.known),
                                erased_error(&baseline, truth, &current.known),
                            )
                        }),
                        ms: now_ms() - start,
                    },
                    Err(error) => Work::Failed(error),
                });
            });
        })
    };
    let export = {
        let steps = steps.clone();
        Callback::from(move |_| {
            if let Some(canvas) = steps.cast::<HtmlCanvasElement>() {
                let _ = download_canvas(&canvas, "completion.png", 0);
            }
        })
    };
    let busy = matches!(*work, Work::Running(_));
    let has = subject.is_some();
    html! {
        <div class="erase-complete">
            <div class="buttons wrap">
                <button id="complete-pick" onclick={pick}>{ "A held-out image" }</button>
                <button id="complete-drawing" onclick={use_drawing}>{ "The pad's image" }</button>
            </div>
            <canvas id="complete-subject" ref={shown.clone()} class="pixelated pad" width="28" height="28"
                aria-label="The image to complete: erase part of it with the mouse, a finger or a pen"
                onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up.clone()} onpointercancel={on_up} />
            <div class="buttons wrap" role="group" aria-label="Erase">
                <button id="mask-left" onclick={mask(Mask::LeftHalf)} disabled={!has}>{ "Left half" }</button>
                <button id="mask-top" onclick={mask(Mask::TopHalf)} disabled={!has}>{ "Top half" }</button>
                <button id="mask-box" onclick={mask(Mask::Box)} disabled={!has}>{ "A box" }</button>
                <button id="mask-random" onclick={mask(Mask::Random(now_ms().to_bits()))} disabled={!has}>{ "Random half of the pixels" }</button>
            </div>
            <div class="buttons wrap" role="group" aria-label="Complete">
                <button id="complete-iterate" class="primary" onclick={complete(false)} disabled={!has || busy}>{ "Fill by iterating" }</button>
                <button id="complete-search" class="primary" onclick={complete(true)} disabled={!has || busy}>{ "Search the latent space" }</button>
                <button id="complete-export" onclick={export} disabled={!matches!(*work, Work::Done { .. })}>{ "Export (PNG)" }</button>
            </div>
            <figure hidden={matches!(*work, Work::Idle)}>
                <canvas id="complete-steps" ref={steps} class="pixelated strip" />
                <figcaption>{ "The erased image, then the completion step by step" }</figcaption>
            </figure>
            <figure hidden={!matches!(*work, Work::Done { method: SEARCH, .. })}>
                <canvas id="complete-samples" ref={samples} class="pixelated strip" />
                <figcaption>{ "Other plausible completions: decodings of z drawn around the search's result" }</figcaption>
            </figure>
            <p id="complete-status" data-state={match &*work { Work::Idle => "idle", Work::Running(_) => "running", Work::Done { .. } => "done", Work::Failed(_) => "failed" }}
                data-runs={runs.borrow().to_string()}
                data-ms={match &*work { Work::Done { ms, .. } => format!("{ms:.0}"), _ => String::new() }}>
                { status(&work, has) }
            </p>
        </div>
    }
}

fn status(work: &Work, has: bool) -> String {
    match work {
        Work::Idle if !has => {
            "Pick a held-out image, or use the pad's image (a drawing, a held-out image or a file)."
                .into()
        }
        Work::Idle => {
            "Erase part of it (drag on it, or a button), then let the model fill it in.".into()
        }
        Work::Running(method) => format!("Completing by {method}…"),
        Work::Done {
            method,
            errors: Some((model, baseline)),
            ms,
        } => format!(
            "Completed by {method} in {ms:.0} ms. Mean squared error on the erased pixels: {model:.4}, against {baseline:.4} for the mean image of the data."
        ),
        Work::Done { method, ms, .. } => format!("Completed by {method} in {ms:.0} ms."),
        Work::Failed(error) => format!("The completion failed: {error}"),
    }
}

/// Known pixels as they are, erased ones red, at the canvas's size of one pixel per pixel.
fn draw_subject(canvas: &HtmlCanvasElement, subject: &Subject, shape: ImageShape) {
    draw_images(canvas, &subject.pixels, shape, 1);
    let Some(context) = context2d(canvas) else {
        return;
    };
    context.set_fill_style_str("rgba(230, 40, 60, 0.85)");
    let plane = shape.width * shape.height;
    for (p, known) in subject.known.iter().take(plane).enumerate() {
        if !known {
            let (x, y) = ((p % shape.width) as f64, (p / shape.width) as f64);
            context.fill_rect(x, y, 1.0, 1.0);
        }
    }
}

/// The images of a completion in a row: the image as erased, then each step.
fn draw_row(canvas: &NodeRef, subject: &Subject, images: &[Vec<f32>], shape: ImageShape) {
    let Some(canvas) = canvas.cast::<HtmlCanvasElement>() else {
        return;
    };
    let mut pixels = clamped(
        &subject.pixels,
        &subject.known,
        &vec![0.0; subject.pixels.len()],
    );
    for image in images {
        pixels.extend_from_slice(image);
    }
    draw_images(&canvas, &pixels, shape, images.len() + 1);
}

async fn iterate_decode(
    model: &crate::vae::Vae,
    subject: &Subject,
    steps: &NodeRef,
    shape: ImageShape,
) -> Result<Vec<f32>, String> {
    let images = iterate(model, &subject.pixels, &subject.known, 1, ITERATIONS)
        .await
        .map_err(|e| e.to_string())?;
    draw_row(steps, subject, &images, shape);
    if let Some(canvas) = steps.cast::<HtmlCanvasElement>() {
        let _ = canvas.set_attribute("data-completed", "iterate");
    }
    images.last().cloned().ok_or_else(|| "no iterations".into())
}

async fn search_latent(
    model: &crate::vae::Vae,
    subject: &Subject,
    scene: &Scene,
    steps: &NodeRef,
    samples: &NodeRef,
    shape: ImageShape,
) -> Result<Vec<f32>, String> {
    let mut search = LatentSearch::new(model, &subject.pixels, &subject.known, 1)
        .await
        .map_err(|e| e.to_string())?;
    let mut path = vec![search.z.clone()];
    let mut shown = Vec::new();
    let mut last = f32::INFINITY;
    for step in 1..=SEARCH_STEPS {
        let objective = search.step().await.map_err(|e| e.to_string())?;
        path.push(search.z.clone());
        if step % SHOW_EVERY == 0 {
            // The completion as the search converges, its path on the plane.
            let completed = search.completed(model).await.map_err(|e| e.to_string())?;
            if shown.len() < ITERATIONS || step == SEARCH_STEPS {
                shown.push(completed);
            } else {
                *shown.last_mut().expect("some completions are shown") = completed;
            }
            draw_row(steps, subject, &shown, shape);
            scene.set_search(path.clone());
            yield_to_browser().await;
            // Converged: the objective moved by less than a thousandth of a nat in five steps.
            if (last - objective).abs() < 1e-3 {
                break;
            }
            last = objective;
        }
    }
    let completed = search.completed(model).await.map_err(|e| e.to_string())?;
    *shown.last_mut().expect("some completions are shown") = completed.clone();
    draw_row(steps, subject, &shown, shape);
    let taken = path.len() - 1;
    scene.set_search(path);
    let others = samples_around(model, &search.z, SPREAD, SAMPLES, 7)
        .await
        .map_err(|e| e.to_string())?;
    let others: Vec<Vec<f32>> = others
        .chunks(shape.pixels())
        .map(|decoded| clamped(&subject.pixels, &subject.known, decoded))
        .collect();
    draw_row(samples, subject, &others, shape);
    if let Some(canvas) = steps.cast::<HtmlCanvasElement>() {
        let _ = canvas.set_attribute("data-search-steps", &taken.to_string());
        let z: Vec<String> = search.z.iter().map(|v| v.to_string()).collect();
        let _ = canvas.set_attribute("data-z", &z.join(","));
        let _ = canvas.set_attribute("data-completed", "search");
    }
    Ok(completed)
}
