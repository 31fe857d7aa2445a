use yew::prelude::*;

use crate::web::files::download_blob;
use crate::web::recorder::Recording;
use crate::web::scene::Scene;

/// Records the plane and the decoded image as a WebM video, for slides.
#[component]
pub fn RecordButton() -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    let recording = use_mut_ref(|| None::<Recording>);
    let on = use_state(|| false);
    let note = use_state(String::new);
    let toggle = {
        let (recording, on, note) = (recording.clone(), on.clone(), note.clone());
        Callback::from(move |_| {
            // Taken out first: the arm below puts a new recording back.
            let running = recording.borrow_mut().take();
            match running {
                Some(running) => {
                    on.set(false);
                    note.set("Saving the video…".into());
                    let note = note.clone();
                    running.stop(move |video| {
                        note.set(
                            match video.and_then(|v| download_blob("vae-playground.webm", &v)) {
                                Ok(()) => "Saved vae-playground.webm.".into(),
                                Err(why) => format!("The video could not be saved: {why}."),
                            },
                        )
                    });
                }
                None => match Recording::start(&scene) {
                    Ok(started) => {
                        *recording.borrow_mut() = Some(started);
                        on.set(true);
                        note.set(
                            "Recording the plane and the image: drag, animate or train.".into(),
                        );
                    }
                    Err(why) => note.set(format!("Cannot record here: {why}.")),
                },
            }
        })
    };
    html! {
        <div class="record">
            <button id="record" aria-pressed={on.to_string()} onclick={toggle}>
                { if *on { "Stop and save the video" } else { "Record a video (WebM)" } }
            </button>
            <span id="record-note" class="detail" role="status">{ (*note).clone() }</span>
        </div>
    }
}
