use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::web::view::{self, FRAMES};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cursor: [f32; 2],
    pub on_cursor: Callback<[f32; 2]>,
}

/// One trip along the path takes this long (ms); the animation goes there and back.
const TRIP_MS: f64 = 2000.0;
const TICK_MS: u32 = 30;

/// Interpolation: two ends (points of the plane, or two held-out images' means), the straight
/// path between them on the plane, decoded frames along it, and the cursor animated along it.
#[component]
pub fn Interpolation(props: &Props) -> Html {
    let ends = use_state(view::ends);
    let animation = use_mut_ref(|| None::<Interval>);
    let animating = use_state(|| false);
    let picks = use_mut_ref(|| 0u64);

    let set = {
        let ends = ends.clone();
        move |end: usize, z: Option<[f32; 2]>| {
            view::set_end(end, z);
            ends.set(view::ends());
        }
    };
    let set_a = {
        let (set, cursor) = (set.clone(), props.cursor);
        Callback::from(move |_| set(0, Some(cursor)))
    };
    let set_b = {
        let (set, cursor) = (set.clone(), props.cursor);
        Callback::from(move |_| set(1, Some(cursor)))
    };
    let samples = {
        let (set, picks) = (set.clone(), picks.clone());
        Callback::from(move |_| {
            *picks.borrow_mut() += 1;
            if let Some([a, b]) = view::two_samples(*picks.borrow()) {
                set(0, Some(a));
                set(1, Some(b));
            }
        })
    };
    let animate = {
        let (animation, animating, on_cursor) = (
            animation.clone(),
            animating.clone(),
            props.on_cursor.clone(),
        );
        Callback::from(move |_| {
            if animation.borrow_mut().take().is_some() {
                animating.set(false);
                return;
            }
            let [Some(a), Some(b)] = view::ends() else {
                return;
            };
            let start = crate::web::now_ms();
            let on_cursor = on_cursor.clone();
            *animation.borrow_mut() = Some(Interval::new(TICK_MS, move || {
                let phase = ((crate::web::now_ms() - start) / TRIP_MS) % 2.0;
                let t = if phase < 1.0 { phase } else { 2.0 - phase } as f32;
                let z = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
                view::set_cursor(z);
                on_cursor.emit(z);
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
                <button id="set-a" onclick={set_a}>{ "A = cursor" }</button>
                <button id="set-b" onclick={set_b}>{ "B = cursor" }</button>
                <button id="two-samples" onclick={samples}>{ "Two random images" }</button>
                <button id="animate" onclick={animate} disabled={a.is_none() || b.is_none()}>
                    { if *animating { "Stop" } else { "Animate" } }
                </button>
            </div>
            <canvas id="interpolation" class="pixelated" />
            <figcaption>{ format!("{FRAMES} decodings along the straight path from A {} to B {}.", describe(a), describe(b)) }</figcaption>
        </figure>
    }
}
