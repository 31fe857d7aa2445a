//! A lesson's step, carried out when the learner reaches it: its settings applied over what is
//! on show, the pretrained model opened, its element pointed at.

use yew::prelude::*;

use super::SessionControls;
use crate::page::lessons::find;
use crate::page::{Action, Effect};
use crate::web::components::Highlight;
use crate::web::scene::Scene;
use crate::web::store::Store;

#[hook]
pub fn use_lesson_steps(store: &UseReducerHandle<Store>, session: &SessionControls, scene: &Scene) {
    let highlight = use_memo((), |_| Highlight::default());
    let (store, on_hyper, scene) = (store.clone(), session.on_hyper.clone(), scene.clone());
    use_effect_with(store.lesson.clone(), move |lesson| {
        let step = lesson.as_ref().and_then(|(id, step)| {
            let lesson = find(id)?;
            lesson.steps.get(*step).cloned()
        });
        let Some(step) = step else {
            highlight.show(None);
            return;
        };
        if let Some(fragment) = &step.set {
            let now = store.share_link(scene.cursor(), scene.plane(|p| p.fixed_view()));
            // Checked when the lesson was read: nothing here is ignored.
            let next = now.with_fragment(fragment).link;
            if next.dataset != now.dataset {
                store.dispatch(Action::ChooseDataset(next.dataset));
            }
            if next.model != now.model {
                store.dispatch(Action::SetModel(next.model.clone()));
            }
            if next.seed != now.seed {
                store.dispatch(Action::SetSeed(next.seed));
            }
            if next.hyper != now.hyper {
                on_hyper.emit(next.hyper.clone());
            }
            if next.cursor != now.cursor {
                scene.set_cursor(next.cursor);
            }
            if let Some(view) = next.view.filter(|_| next.view != now.view) {
                scene.apply(&Effect::ShowView(view));
            }
        }
        if let Some(kind) = step.pretrained {
            store.dispatch(Action::UsePretrained(kind));
        }
        highlight.show(step.highlight.as_deref());
    });
}
