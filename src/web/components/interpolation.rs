use yew::prelude::*;

use crate::web::hooks::use_scene_switches;
use crate::web::scene::FRAMES;

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
            </div>
            <canvas id="interpolation" ref={scene.canvases().interpolation.clone()} class="pixelated" />
            <figcaption>{ format!("{FRAMES} decodings along the straight path from A {} to B {}.", describe(a), describe(b)) }</figcaption>
        </figure>
    }
}
