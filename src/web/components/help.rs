use web_sys::HtmlDialogElement;
use yew::prelude::*;

use crate::page::Shortcut;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub open: bool,
    pub on_close: Callback<()>,
}

/// The keyboard shortcuts, listed (`?`).
#[component]
pub fn ShortcutHelp(props: &Props) -> Html {
    let dialog = use_modal(props.open);
    let close = props.on_close.reform(|_| ());
    html! {
        <dialog id="shortcut-help" ref={dialog} aria-labelledby="shortcut-help-title" oncancel={props.on_close.reform(|_: Event| ())}>
            <h2 id="shortcut-help-title">{ "Keyboard shortcuts" }</h2>
            <p class="detail">{ "They work anywhere on the page except while you type in a field. On the plane itself the arrow keys move the cursor, + and − zoom." }</p>
            <dl class="shortcuts">
                { for Shortcut::HELP.iter().map(|(_, key, what)| html! {
                    <>
                        <dt><kbd>{ *key }</kbd></dt>
                        <dd>{ *what }</dd>
                    </>
                }) }
            </dl>
            <button id="shortcut-help-close" onclick={close}>{ "Close" }</button>
        </dialog>
    }
}

/// A `<dialog>` shown modally (focus inside, Escape closes it) while `open`.
#[hook]
pub fn use_modal(open: bool) -> NodeRef {
    let dialog = use_node_ref();
    use_effect_with(open, {
        let dialog = dialog.clone();
        move |&open| {
            if let Some(dialog) = dialog.cast::<HtmlDialogElement>() {
                if open && !dialog.open() {
                    let _ = dialog.show_modal();
                } else if !open && dialog.open() {
                    dialog.close();
                }
            }
        }
    });
    dialog
}
