//! The page's state in yew: `crate::page::State` behind `use_reducer`, with the reducer's
//! effects carried out on the scene as each action is reduced.

use std::ops::Deref;
use std::rc::Rc;

use yew::Reducible;

use super::scene::Scene;
use crate::page::{Action, State};

pub struct Store {
    state: State,
    scene: Scene,
}

impl Store {
    /// The page as the address opens it.
    pub fn from_location(scene: Scene) -> Self {
        let location = web_sys::window().map(|w| w.location());
        let read = |part: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
            location
                .as_ref()
                .and_then(|l| part(l).ok())
                .unwrap_or_default()
        };
        let (state, effects) = State::new(
            &with_remembered_backend(read(|l| l.search())),
            &read(|l| l.hash()),
        );
        for effect in &effects {
            scene.apply(effect);
        }
        Self { state, scene }
    }
}

impl Deref for Store {
    type Target = State;

    fn deref(&self) -> &State {
        &self.state
    }
}

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let (state, effects) = self.state.reduce(action);
        for effect in &effects {
            self.scene.apply(effect);
        }
        if state == self.state {
            return self;
        }
        Rc::new(Self {
            state,
            scene: self.scene.clone(),
        })
    }
}

/// The address's query, with the backend the user chose earlier in this tab when it names none.
fn with_remembered_backend(search: String) -> String {
    if search.contains("backend=") {
        return search;
    }
    let remembered = web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .and_then(|s| s.get_item(super::hooks::BACKEND_KEY).ok().flatten());
    match remembered.as_deref() {
        Some(backend @ ("cpu" | "webgpu")) => format!("{search}&backend={backend}"),
        _ => search,
    }
}
