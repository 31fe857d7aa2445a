use yew::prelude::*;

use crate::page::{Files, Offline, Worker};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub offline: Offline,
    pub on_keep_all: Callback<()>,
}

/// Whether the page works offline, and a button to keep everything for offline use.
#[component]
pub fn OfflineCard(props: &Props) -> Html {
    let offline = &props.offline;
    let build = match &offline.worker {
        Worker::Active { build } => build.clone(),
        _ => String::new(),
    };
    let state = match (&offline.worker, &offline.files) {
        (Worker::Active { .. }, _) if offline.all_kept() => "all",
        (Worker::Active { .. }, Files::Keeping { .. }) => "keeping",
        (Worker::Active { .. }, _) => "some",
        (Worker::Unavailable(_), _) => "unavailable",
        (Worker::NotYet, _) => "not-yet",
    };
    let can_keep = matches!(offline.worker, Worker::Active { .. })
        && !offline.all_kept()
        && !matches!(offline.files, Files::Keeping { .. });
    html! {
        <section id="offline-card" class="card" aria-label="Offline">
            <p id="offline" data-state={state} data-build={build.clone()}>
                { offline.line() }
            </p>
            if let Files::Keeping { done, total } = offline.files {
                <progress max={total.to_string()} value={done.to_string()} />
            }
            if can_keep {
                <button id="keep-offline" onclick={props.on_keep_all.reform(|_| ())}>{ "Make everything available offline" }</button>
            }
            if !build.is_empty() {
                <p class="detail">{ format!("Version {build}.") }</p>
            }
        </section>
    }
}
