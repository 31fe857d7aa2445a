use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::help::use_modal;
use crate::page::{Part, Rules, ShareLink, qr_svg};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub open: bool,
    /// The page's address without its fragment.
    pub page_url: String,
    /// What is on show now: the lesson link's data, settings, cursor and view.
    pub link: ShareLink,
    pub on_close: Callback<()>,
}

/// "Make a lesson link": what students see and what they may change, as a link and a QR code
/// (drawn here; nothing is fetched).
#[component]
pub fn LessonDialog(props: &Props) -> Html {
    let dialog = use_modal(props.open);
    // Which parts students see, and which they may change; from the page's own rules.
    let choice = use_state(|| {
        let rules = &props.link.rules;
        Part::ALL.map(|p| (rules.shows(p), rules.allows(p)))
    });
    let copied = use_state(|| false);
    let rules = Rules::new(
        Part::ALL
            .into_iter()
            .zip(choice.iter())
            .filter(|(_, (see, _))| !see)
            .map(|(p, _)| p),
        Part::ALL
            .into_iter()
            .zip(choice.iter())
            .filter(|(_, (_, change))| !change)
            .map(|(p, _)| p),
    );
    let link = ShareLink {
        rules,
        ..props.link.clone()
    };
    let url = format!("{}{}", props.page_url, link.to_fragment());
    let toggle = |i: usize, which: usize| {
        let (choice, copied) = (choice.clone(), copied.clone());
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let mut next = *choice;
            if which == 0 {
                next[i].0 = input.checked();
            } else {
                next[i].1 = input.checked();
            }
            choice.set(next);
            copied.set(false);
        })
    };
    let copy = {
        let (url, copied) = (url.clone(), copied.clone());
        Callback::from(move |_| {
            if let Some(window) = web_sys::window() {
                // Where the browser refuses the clipboard, the link is there to select.
                let _ = window.navigator().clipboard().write_text(&url);
                copied.set(true);
            }
        })
    };
    let qr = qr_svg(&url);
    html! {
        <dialog id="lesson-dialog" ref={dialog} aria-labelledby="lesson-title" oncancel={props.on_close.reform(|_: Event| ())}>
            <h2 id="lesson-title">{ "Make a lesson link" }</h2>
            <p class="detail">{ "The link opens this page with what is on show now — the data, the settings, the cursor and the view — and only what you choose below. Students' own changes stay in their own browsers." }</p>
            <div class="lesson-body">
            <table class="lesson-parts">
                <thead><tr><th scope="col">{ "Part of the page" }</th><th scope="col">{ "Students see it" }</th><th scope="col">{ "Students may change it" }</th></tr></thead>
                <tbody>
                    { for Part::ALL.iter().enumerate().map(|(i, part)| {
                        let (see, change) = choice[i];
                        html! {
                            <tr data-part={part.key()}>
                                <th scope="row">{ part.label() }</th>
                                <td><input type="checkbox" id={format!("see-{}", part.key())} aria-label={format!("Students see: {}", part.label())} checked={see} onchange={toggle(i, 0)} /></td>
                                <td>
                                    if part.lockable() {
                                        <input type="checkbox" id={format!("change-{}", part.key())} aria-label={format!("Students may change: {}", part.label())} checked={see && change} disabled={!see} onchange={toggle(i, 1)} />
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <div class="lesson-out">
                <div class="lesson-link">
                    <label for="lesson-link">{ "The lesson link" }</label>
                    <input id="lesson-link" readonly=true value={url.clone()} />
                    <div class="buttons">
                        <button id="lesson-copy" onclick={copy}>{ if *copied { "Copied" } else { "Copy the link" } }</button>
                        <a id="lesson-open" href={url} target="_blank" rel="noopener">{ "Open it in a new tab" }</a>
                    </div>
                </div>
                <figure id="lesson-qr" class="qr">
                    { qr.map(|svg| Html::from_html_unchecked(AttrValue::from(svg))).unwrap_or_else(|| html! { <p>{ "This link is too long for a QR code." }</p> }) }
                    <figcaption>{ "Point a phone's camera here to open the lesson." }</figcaption>
                </figure>
            </div>
            </div>
            <button id="lesson-close" onclick={props.on_close.reform(|_| ())}>{ "Done" }</button>
        </dialog>
    }
}
