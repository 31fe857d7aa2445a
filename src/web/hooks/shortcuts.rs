//! The presenter's keyboard shortcuts (`page::Shortcut`), on the whole document: never while
//! the user types, never taking a focused control's own keys, never past a lesson's locks.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use crate::page::{Action, Focus, Origin, Rules, Shortcut};
use crate::web::scene::Scene;
use crate::web::store::Store;

/// What the shortcuts need of the page as it is now (the session's callbacks change with it).
struct Now {
    running: bool,
    ready: bool,
    rules: Rules,
    on_run: Callback<bool>,
    on_step: Callback<()>,
}

/// Training as the page runs it now (at full speed or in slow motion).
pub struct RunControls {
    pub running: bool,
    pub on_run: Callback<bool>,
    pub on_step: Callback<()>,
}

#[hook]
pub fn use_shortcuts(
    store: &UseReducerHandle<Store>,
    run: RunControls,
    scene: &Scene,
    on_help: Callback<()>,
) {
    let now = use_mut_ref(|| None::<Now>);
    *now.borrow_mut() = Some(Now {
        running: run.running,
        ready: store.training.has_model,
        rules: store.rules.clone(),
        on_run: run.on_run,
        on_step: run.on_step,
    });
    let dispatcher = store.dispatcher();
    let scene = scene.clone();
    use_effect_with((), move |_| {
        let document = web_sys::window().and_then(|w| w.document());
        let listener = document.map(|document| {
            // Not passive: a handled Space must not scroll the page too.
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&document, "keydown", options, move |event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let modifier = event.ctrl_key() || event.alt_key() || event.meta_key();
                let Some(shortcut) = Shortcut::from_key(&event.key(), modifier, focus_of(event))
                else {
                    return;
                };
                let now = now.borrow();
                let Some(now) = now.as_ref() else { return };
                if shortcut.needs().is_some_and(|part| !now.rules.allows(part))
                    || (shortcut.needs().is_some() && !now.ready && shortcut != Shortcut::Animate)
                    || dialog_open()
                {
                    return;
                }
                event.prevent_default();
                match shortcut {
                    Shortcut::TrainOrPause => now.on_run.emit(!now.running),
                    Shortcut::Step if !now.running => now.on_step.emit(()),
                    Shortcut::Step => {}
                    Shortcut::Reset => dispatcher.dispatch(Action::Restart(Origin::Scratch)),
                    Shortcut::Grid => scene.set_grid(!scene.plane(|p| p.grid)),
                    Shortcut::Ellipses => scene.set_ellipses(!scene.plane(|p| p.ellipses)),
                    Shortcut::Animate => scene.toggle_animation(),
                    Shortcut::Help => on_help.emit(()),
                }
            })
        });
        move || drop(listener)
    });
}

/// Whether the key belongs to what has focus: typing, a control's own keys, or neither.
fn focus_of(event: &KeyboardEvent) -> Focus {
    let Some(element) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return Focus::Page;
    };
    if element.has_attribute("contenteditable") {
        return Focus::Typing;
    }
    match element.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => Focus::Typing,
        "INPUT" => {
            let kind = element
                .dyn_ref::<HtmlInputElement>()
                .map(|i| i.type_())
                .unwrap_or_default();
            match kind.as_str() {
                "checkbox" | "radio" | "button" | "submit" | "file" | "range" | "color" => {
                    Focus::Control
                }
                _ => Focus::Typing,
            }
        }
        "BUTTON" | "A" | "SUMMARY" | "CANVAS" => Focus::Control,
        _ if element.has_attribute("tabindex") => Focus::Control,
        _ => Focus::Page,
    }
}

/// A modal dialog is open: it has the keyboard.
fn dialog_open() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("dialog[open]").ok().flatten())
        .is_some()
}
