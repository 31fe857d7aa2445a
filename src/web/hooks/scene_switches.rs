//! Renders a component again whenever the plane's switches change (the grid, the σ ellipses,
//! the highlighted class, the animation), whoever changed them: its controls or a shortcut.

use yew::prelude::*;

use crate::web::scene::Scene;

/// The scene, from context, with the component subscribed to its switches.
#[hook]
pub fn use_scene_switches() -> Scene {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    let update = use_force_update();
    use_effect_with((), {
        let scene = scene.clone();
        move |_| {
            let id = scene.subscribe(Callback::from(move |()| update.force_update()));
            move || scene.unsubscribe(id)
        }
    });
    scene
}
