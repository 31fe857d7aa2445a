use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::page::{lerp, there_and_back};
use crate::web::scene::{FRAMES, Scene};
use crate::web::tasks::now_ms;

/// One trip along the path takes this long (ms); the animation goes there and back.
const TRIP_MS: f64 = 2000.0;
const TICK_MS: u32 = 30;

/// Interpolation: two ends (points of the plane, or two held-out images' means), the straight
/// path between them on the plane, decoded frames along it, and the cursor animated along it.
#[component]
pub fn Interpolation() -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    let ends = use_state(|| scene.plane(|p| p.ends));
    let animation = use_mut_ref(|| None::<Interval>);
    let animating = use_state(|| false);
    let picks = use_mut_ref(|| 0u64);

    let set = {
        let (ends, scene) = (ends.clone(), scene.clone());
        move |end: usize, z: Option<[f32; 2]>| {
            scene.set_end(end, z);
            ends.set(scene.plane(|p| p.ends));
        }
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
        let (animation, animating, scene) = (animation.clone(), animating.clone(), scene.clone());
        Callback::from(move |_| {
            if animation.borrow_mut().take().is_some() {
                animating.set(false);
                return;
            }
            let [Some(a), Some(b)] = scene.plane(|p| p.ends) else {
                return;
            };
            let (start, scene) = (now_ms(), scene.clone());
            *animation.borrow_mut() = Some(Interval::new(TICK_MS, move || {
                scene.set_cursor(lerp(a, b, there_and_back(now_ms() - start, TRIP_MS)));
            }));
            animating.set(true);
        })
    };
    {
        // Stop the animation when the component goes.
        let animation = animation.clone();
        use_effect_with((), move |_| move || drop(animation.borrow_mut().take()));
    }
    let [a, b] = *ends;
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
                    { if *animating { "Stop" } else { "Animate" } }
                </button>
            </div>
            <canvas id="interpolation" ref={scene.canvases().interpolation.clone()} class="pixelated" />
            <figcaption>{ format!("{FRAMES} decodings along the straight path from A {} to B {}.", describe(a), describe(b)) }</figcaption>
        </figure>
    }
}
