use yew::prelude::*;

use crate::data::animated_gif;
use crate::page::inference::decode_points;
use crate::web::files::download;
use crate::web::hooks::use_scene_switches;
use crate::web::scene::{FRAMES, Scene};

/// Interpolation: two ends (points of the plane, or two held-out images' means), the straight
/// path between them on the plane, decoded frames along it, and the cursor animated along it.
#[component]
pub fn Interpolation() -> Html {
    let scene = use_scene_switches();
    let picks = use_mut_ref(|| 0u64);

    // The scene tells this component when the ends change.
    let set = {
        let scene = scene.clone();
        move |end: usize, z: Option<[f32; 2]>| scene.set_end(end, z)
    };
    let to_cursor = |end: usize| {
        let (set, scene) = (set.clone(), scene.clone());
        Callback::from(move |_| set(end, Some(scene.cursor())))
    };
    let samples = {
        let (set, picks, scene) = (set.clone(), picks.clone(), scene.clone());
        Callback::from(move |_| {
            *picks.borrow_mut() += 1;
            if let Some([a, b]) = scene.plane(|p| p.two_samples(*picks.borrow())) {
                set(0, Some(a));
                set(1, Some(b));
            }
        })
    };
    let animate = {
        let scene = scene.clone();
        Callback::from(move |_| scene.toggle_animation())
    };
    {
        // Stop the animation when the component goes.
        let scene = scene.clone();
        use_effect_with((), move |_| {
            move || {
                if scene.animating() {
                    scene.toggle_animation()
                }
            }
        });
    }
    let gif_note = use_state(String::new);
    let export_gif = {
        let (scene, gif_note) = (scene.clone(), gif_note.clone());
        Callback::from(move |_| {
            gif_note.set(match interpolation_gif(&scene) {
                Ok(()) => "Exported interpolation.gif.".into(),
                Err(why) => format!("The GIF could not be made: {why}."),
            })
        })
    };
    let [a, b] = scene.plane(|p| p.ends);
    let describe = |z: Option<[f32; 2]>| {
        z.map(|[x, y]| format!("({x:.2}, {y:.2})"))
            .unwrap_or_else(|| "not set".into())
    };
    html! {
        <figure class="interpolation">
            <div class="buttons wrap">
                <button id="set-a" onclick={to_cursor(0)}>{ "A = cursor" }</button>
                <button id="set-b" onclick={to_cursor(1)}>{ "B = cursor" }</button>
                <button id="two-samples" onclick={samples}>{ "Two random images" }</button>
                <button id="animate" onclick={animate} disabled={a.is_none() || b.is_none()}>
                    { if scene.animating() { "Stop" } else { "Animate" } }
                </button>
                <button id="export-gif" onclick={export_gif} disabled={a.is_none() || b.is_none()}>{ "Animated GIF" }</button>
                <span id="gif-note" class="detail" role="status">{ (*gif_note).clone() }</span>
            </div>
            <canvas id="interpolation" ref={scene.canvases().interpolation.clone()} class="pixelated" />
            <figcaption>{ format!("{FRAMES} decodings along the straight path from A {} to B {}.", describe(a), describe(b)) }</figcaption>
        </figure>
    }
}

/// Frames of the animated GIF: there and back along the path.
const GIF_FRAMES: usize = 24;

/// Decodes the path from A to B and back and downloads it as a looping GIF, 10× each pixel.
fn interpolation_gif(scene: &Scene) -> Result<(), String> {
    use futures::FutureExt;
    let model = scene.model().ok_or("no model yet")?;
    let (path, slice) = scene.plane(|p| (p.path(GIF_FRAMES / 2 + 1), p.slice.clone()));
    let path = path.ok_or("set both ends first")?;
    // There and back, without showing either end twice in a row.
    let trip: Vec<[f32; 2]> = path
        .iter()
        .chain(path.iter().rev().skip(1).take(path.len() - 2))
        .copied()
        .collect();
    let shape = scene.shape();
    let pixels = decode_points(&model, &trip, &slice)
        .now_or_never()
        .ok_or("the decoder is busy")??;
    let frames: Vec<Vec<f32>> = pixels
        .chunks_exact(shape.pixels())
        .map(<[f32]>::to_vec)
        .collect();
    let gif = animated_gif(&frames, shape, 10, 100).map_err(|e| e.to_string())?;
    download("interpolation.gif", "image/gif", &gif)
}
