use std::sync::atomic::{AtomicU32, Ordering};

use yew::prelude::*;

use crate::page::glossary::Term;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub term: Term,
}

/// Tooltips need ids of their own for `aria-describedby`.
static NEXT_ID: AtomicU32 = AtomicU32::new(0);

/// A small "?" beside a word a student may not know: its explanation shows on hover, on
/// keyboard focus and on tap (a tap focuses it).
#[component]
pub fn Explained(props: &Props) -> Html {
    let id = use_state(|| format!("tip-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)));
    let text = props.term.explanation();
    html! {
        <span class="term">
            <button type="button" class="term-mark" aria-describedby={(*id).clone()} aria-label={format!("What is {}?", props.term.name())}>{ "?" }</button>
            <span role="tooltip" id={(*id).clone()} class="tip">{ text }</span>
        </span>
    }
}
