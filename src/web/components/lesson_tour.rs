use std::cell::RefCell;
use std::collections::BTreeSet;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::help::use_modal;
use crate::page::lessons::{Lesson, Seen, built_in, find};
use crate::web::scene::Scene;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lesson under way and its step.
    pub lesson: Option<(String, usize)>,
    /// Steps the model has trained (the page's step counter).
    pub step_count: u64,
    /// Training is running: only steps taken meanwhile count as the learner's training (a new
    /// model opened, with its own count, does not).
    pub running: bool,
    /// The classes' names in label order, for the hints.
    pub classes: Vec<String>,
    pub on_lesson: Callback<Option<(String, usize)>>,
}

/// The lesson under way: a card with the step's words, what is left to do, and Back, Next and
/// Leave. Next waits until the learner has done what the step asks.
#[component]
pub fn LessonTour(props: &Props) -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    let lesson: Option<(&Lesson, usize)> = props.lesson.as_ref().and_then(|(id, step)| {
        let lesson = find(id)?;
        Some((lesson, (*step).min(lesson.steps.len() - 1)))
    });
    // What the learner has done since the step began.
    let clicked = use_mut_ref(BTreeSet::<String>::new);
    // (the step counter last seen, steps trained since the lesson's step began)
    let trained = use_mut_ref(|| (props.step_count, 0u64));
    let steps_now = use_mut_ref(|| (props.step_count, props.running));
    *steps_now.borrow_mut() = (props.step_count, props.running);
    let seen = use_state(Seen::default);
    {
        let (clicked, trained, steps_now) = (clicked.clone(), trained.clone(), steps_now.clone());
        let seen = seen.clone();
        use_effect_with(props.lesson.clone(), move |_| {
            clicked.borrow_mut().clear();
            *trained.borrow_mut() = (steps_now.borrow().0, 0);
            // What was seen for the last step must not count as done for this one, even for the
            // moment until the watch below looks again.
            seen.set(Seen::default());
        });
    }
    {
        // A step may wait on the cursor, the plane's switches, clicks and training: looked at a
        // few times a second rather than wired into each of them.
        let (scene, seen) = (scene.clone(), seen.clone());
        let (clicked, trained, steps_now) = (clicked.clone(), trained.clone(), steps_now.clone());
        let active = props.lesson.is_some();
        use_effect_with(active, move |&active| {
            let listeners = active.then(|| {
                let document = web_sys::window().and_then(|w| w.document());
                let on_click = document.map(|document| {
                    let clicked = clicked.clone();
                    let options = EventListenerOptions::run_in_capture_phase();
                    EventListener::new_with_options(&document, "click", options, move |event| {
                        if let Some(id) = clicked_id(event) {
                            clicked.borrow_mut().insert(id);
                        }
                    })
                });
                let watch = Interval::new(200, move || {
                    let (count, running) = *steps_now.borrow();
                    let (last, so_far) = *trained.borrow();
                    let so_far = so_far
                        + if running {
                            count.saturating_sub(last)
                        } else {
                            0
                        };
                    *trained.borrow_mut() = (count, so_far);
                    let now = scene.plane(|p| Seen {
                        near: p.near_label(),
                        cursor: p.cursor,
                        trained: so_far,
                        grid: p.grid,
                        ellipses: p.ellipses,
                        clicked: clicked.borrow().clone(),
                    });
                    if now != *seen {
                        seen.set(now);
                    }
                });
                (on_click, watch)
            });
            move || drop(listeners)
        });
    }
    let Some((lesson, index)) = lesson else {
        return html! {};
    };
    let step = &lesson.steps[index];
    let last = index + 1 == lesson.steps.len();
    let done = step.wait.as_ref().is_none_or(|w| w.done(&seen));
    let go = |to: Option<usize>| {
        let (on_lesson, id) = (props.on_lesson.clone(), lesson.id.clone());
        Callback::from(move |_: MouseEvent| on_lesson.emit(to.map(|s| (id.clone(), s))))
    };
    html! {
        <aside id="lesson-card" class="lesson-card" aria-labelledby="lesson-card-title" data-lesson={lesson.id.clone()} data-step={index.to_string()} data-done={done.to_string()}>
            <p class="lesson-name">{ format!("Lesson: {}", lesson.title) }</p>
            <h2 id="lesson-card-title">{ format!("{} ({} of {})", step.title, index + 1, lesson.steps.len()) }</h2>
            <p id="lesson-say">{ &step.say }</p>
            <p id="lesson-status" role="status" class={classes!(done.then_some("done"))}>
                { match (&step.wait, done) {
                    (Some(_), true) => "Done. ".to_string() + if last { "That is the end of the lesson." } else { "Press Next." },
                    (Some(wait), false) => wait.hint(&seen, &props.classes),
                    (None, _) if last => "That is the end of the lesson.".into(),
                    (None, _) => String::new(),
                } }
            </p>
            <div class="buttons">
                <button id="lesson-back" onclick={go(Some(index.saturating_sub(1)))} disabled={index == 0}>{ "Back" }</button>
                if last {
                    <button id="lesson-next" class="primary" onclick={go(None)} disabled={!done}>{ "Finish" }</button>
                } else {
                    <button id="lesson-next" class="primary" onclick={go(Some(index + 1))} disabled={!done}>{ "Next" }</button>
                }
                <button id="lesson-leave" onclick={go(None)}>{ "Leave the lesson" }</button>
            </div>
        </aside>
    }
}

/// The id of the clicked element or of the nearest element around it that has one.
fn clicked_id(event: &web_sys::Event) -> Option<String> {
    let target = event.target()?.dyn_into::<web_sys::Element>().ok()?;
    let with_id = target.closest("[id]").ok()??;
    Some(with_id.id())
}

#[derive(Properties, PartialEq)]
pub struct ListProps {
    pub open: bool,
    pub on_start: Callback<String>,
    pub on_close: Callback<()>,
}

/// The built-in lessons, each with a Start button.
#[component]
pub fn LessonList(props: &ListProps) -> Html {
    let dialog = use_modal(props.open);
    html! {
        <dialog id="lesson-list" ref={dialog} aria-labelledby="lesson-list-title" oncancel={props.on_close.reform(|_: Event| ())}>
            <h2 id="lesson-list-title">{ "Lessons" }</h2>
            <p class="detail">{ "Short guided tours: each sets the page up, points at what matters and waits for you to try it." }</p>
            <ol class="lessons">
                { for built_in().iter().map(|lesson| {
                    let (on_start, id) = (props.on_start.clone(), lesson.id.clone());
                    html! {
                        <li>
                            <button id={format!("start-{}", lesson.id)} onclick={Callback::from(move |_| on_start.emit(id.clone()))}>{ &lesson.title }</button>
                            <span class="detail">{ format!(" {} ({} steps)", lesson.about, lesson.steps.len()) }</span>
                        </li>
                    }
                }) }
            </ol>
            <button id="lesson-list-close" onclick={props.on_close.reform(|_| ())}>{ "Close" }</button>
        </dialog>
    }
}

/// Keeps one highlighted element at a time.
#[derive(Default)]
pub struct Highlight(RefCell<Option<web_sys::Element>>);

impl Highlight {
    /// Points at the element with `id` (scrolled into view), or at nothing.
    pub fn show(&self, id: Option<&str>) {
        if let Some(previous) = self.0.borrow_mut().take() {
            let _ = previous.class_list().remove_1("lesson-highlight");
        }
        let document = web_sys::window().and_then(|w| w.document());
        let Some(element) = id.and_then(|id| document?.get_element_by_id(id)) else {
            return;
        };
        let _ = element.class_list().add_1("lesson-highlight");
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        element.scroll_into_view_with_scroll_into_view_options(&options);
        *self.0.borrow_mut() = Some(element);
    }
}
