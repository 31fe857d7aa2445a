//! The page's layout: the state's parts down to the components, their callbacks up to the
//! reducer and the hooks.

use yew::prelude::*;

use super::components::{
    BackendStatus, Controls, DataPanel, DecodedView, EmbedBar, EraseComplete, ExplainPanel,
    Explained, Interpolation, LatentPlane, Legend, LessonDialog, LessonList, LessonTour, LossChart,
    Manifold, ModelPanel, OfflineCard, RecordButton, RunBar, SampleStrip, ShortcutHelp,
    StepDiagram, TrainProgress, TrainWait, WhereItLands, stages,
};
use super::hooks::{
    OfflineControls, RunControls, use_autosave, use_file_actions, use_lesson_steps, use_loading,
    use_offline, use_session, use_shortcuts, use_slow_motion,
};
use super::scene::Scene;
use super::store::Store;
use super::test_hooks;
use crate::page::glossary::Term;
use crate::page::{Action, Autosave, DataStatus, Dataset, Layout, Origin, Part, PretrainedKind};

/// A callback that dispatches `action` of its value.
fn dispatch<T: 'static>(store: &UseReducerHandle<Store>, action: fn(T) -> Action) -> Callback<T> {
    let dispatcher = store.dispatcher();
    Callback::from(move |value| dispatcher.dispatch(action(value)))
}

#[component]
pub fn App() -> Html {
    let scene = use_memo((), |_| Scene::new());
    let scene = (*scene).clone();
    let store = use_reducer({
        let scene = scene.clone();
        move || Store::from_location(scene)
    });
    use_effect_with((), {
        let scene = scene.clone();
        move |_| {
            // Only when asked for in the address: the release page exposes nothing by default.
            let search = web_sys::window().and_then(|w| w.location().search().ok());
            if search.is_some_and(|s| s.contains("test-hooks")) {
                test_hooks::install(scene)
            }
        }
    });
    use_loading(&store);
    let session = use_session(&store, &scene);
    let autosaver = use_autosave(&store, &session, &scene);
    let files = use_file_actions(&store, &session, &scene);
    let offline = use_offline(&store, &autosaver);
    let help_open = use_state(|| false);
    let lesson_open = use_state(|| false);
    let drawer_open = use_state(|| false);
    let lessons_open = use_state(|| false);

    let backends = &store.backends;
    let training = &store.training;
    let has_factors = matches!(
        &store.data.status,
        DataStatus::Ready {
            factors: Some(_),
            ..
        }
    );
    if store.layout == Layout::Embed {
        return html! {
            <ContextProvider<Scene> context={scene.clone()}>
                { embedded(&store, &scene, session.on_run.clone(), has_factors) }
            </ContextProvider<Scene>>
        };
    }
    let present = store.layout == Layout::Present;
    let rules = store.rules.clone();
    let classes = match &store.data.status {
        DataStatus::Ready { classes, .. } => classes.clone(),
        _ => Vec::new(),
    };
    use_effect_with(present, {
        let scene = scene.clone();
        move |&present| scene.set_presenting(present)
    });
    use_effect_with(classes.clone(), {
        let scene = scene.clone();
        move |classes: &Vec<String>| scene.set_class_names(classes.clone())
    });
    let toggle = |flag: &UseStateHandle<bool>| {
        let flag = flag.clone();
        Callback::from(move |_: ()| flag.set(!*flag))
    };
    let set_flag = |flag: &UseStateHandle<bool>, value: bool| {
        let flag = flag.clone();
        Callback::from(move |_: ()| flag.set(value))
    };
    // Slow motion: the page asks for one step at a time, and lights the step's stages.
    let slow = use_state(|| false);
    let slow_running = use_state(|| false);
    let gan = store.settings.hyper.discriminator;
    let stage = use_slow_motion(*slow_running, stages(gan).len(), session.on_step.clone());
    let running = training.running || backends.queued.run || *slow_running;
    let on_run = if *slow {
        let slow_running = slow_running.clone();
        Callback::from(move |run: bool| slow_running.set(run))
    } else {
        session.on_run.clone()
    };
    let on_slow = {
        let (slow, slow_running, on_run) =
            (slow.clone(), slow_running.clone(), session.on_run.clone());
        Callback::from(move |on: bool| {
            // A change of speed pauses: the learner presses Train again at the new speed.
            on_run.emit(false);
            slow_running.set(false);
            slow.set(on);
        })
    };
    use_shortcuts(
        &store,
        RunControls {
            running,
            on_run: on_run.clone(),
            on_step: session.on_step.clone(),
        },
        &scene,
        toggle(&help_open),
    );
    use_lesson_steps(&store, &session, &scene);
    let on_start_lesson = {
        let (dispatcher, lessons_open) = (store.dispatcher(), lessons_open.clone());
        Callback::from(move |id: String| {
            lessons_open.set(false);
            dispatcher.dispatch(Action::Lesson(Some((id, 0))));
        })
    };
    let on_present = {
        let dispatcher = store.dispatcher();
        let next = if present {
            Layout::Full
        } else {
            Layout::Present
        };
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::SetLayout(next)))
    };
    // A lesson link is the page itself: no query (a backend forced here, test hooks).
    let page_url = web_sys::window()
        .map(|w| w.location())
        .and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?)))
        .unwrap_or_default();
    let losses = html! {
        <section id="losses" class="card" aria-labelledby="losses-title">
            <h2 id="losses-title">{ "Losses" }</h2>
            <LossChart history={training.history.clone()} held_out={training.held_out.clone()} />
        </section>
    };
    let on_webgpu = matches!(backends.engine(), Some((crate::page::Engine::WebGpu, _)))
        || backends.loading_trainer();
    let train_wait = if backends.loading_trainer() {
        Some(TrainWait::Trainer)
    } else if on_webgpu && training.running && training.last.is_none() {
        Some(TrainWait::FirstStep)
    } else {
        None
    };
    let conv_pace = crate::page::conv_pace(
        &store.settings.model,
        training.step * store.settings.hyper.batch_size as u64,
        training.last.as_ref().map(|r| r.samples_per_s),
    );
    let settings_shown = Part::SETTINGS.into_iter().any(|part| rules.shows(part));
    html! {
           <ContextProvider<Scene> context={scene.clone()}>
           <main id="app" class={classes!(present.then_some("present"))} data-ready={backends.ready().to_string()} data-layout={if present { "present" } else { "full" }}>
               { update_notice(&store, &offline) }
               <header class="top">
                   <div>
                       <h1>{ "VAE Playground" }</h1>
                       <p class="tagline">
                           { "Train a variational autoencoder in your browser and explore its latent space. Nothing leaves your machine." }
                       </p>
                   </div>
                   <nav class="page-tools" aria-label="Page">
                       <button id="present" aria-pressed={present.to_string()} onclick={on_present}>
                           { if present { "Leave presenter mode" } else { "Present" } }
                       </button>
                       if present {
                           <button id="fullscreen" onclick={Callback::from(|_| toggle_fullscreen())}>{ "Fullscreen" }</button>
                       }
    <button id="lessons" onclick={set_flag(&lessons_open, true).reform(|_| ())}>{ "Lessons" }</button>
                       <button id="make-lesson" onclick={set_flag(&lesson_open, true).reform(|_| ())}>{ "Make a lesson link" }</button>
                       <button id="shortcuts" onclick={set_flag(&help_open, true).reform(|_| ())} aria-keyshortcuts="?">{ "Shortcuts (?)" }</button>
                   </nav>
               </header>
               { pretrained_status(&store, dispatch(&store, Action::UsePretrained), dispatch(&store, |_: MouseEvent| Action::Restart(Origin::Pretrained))) }
               if let Some(error) = &training.error {
                   <p id="error" class="card error" role="alert">{ format!("Training stopped: {error}") }</p>
               }
               <section class="card stage" aria-labelledby="stage-title">
                   <h2 id="stage-title" class="visually-hidden">{ "Latent space" }</h2>
                   <div class="stage-plane">
                       <LatentPlane factors={has_factors} latent={store.settings.model.latent} />
                       <p id="plane-caption" class="detail">
                           { "Each dot is a held-out image's posterior mean " }
                           <Explained term={Term::PosteriorMean} />
                           { ", coloured as the legend says. Drag the cursor, click anywhere, or focus the plane and use the arrow keys (Shift for big steps)." }
                       </p>
                   </div>
                   <div class="stage-side">
                       <DecodedView />
                       if rules.shows(Part::Train) {
                           <RunBar
                               {running}
                            slow={*slow}
                            {on_slow}
                               ready={training.has_model}
                               locked={!rules.allows(Part::Train)}
                               last={training.last.clone()}
                               step={training.step}
                               epoch={training.epoch}
                               {on_run}
                               on_step={session.on_step.clone()}
                               on_reset={dispatch(&store, |()| Action::Restart(Origin::Scratch))}
                           />
                       }
                       <TrainProgress wait={train_wait} />
                       if let Some(line) = conv_pace {
                           <p id="conv-pace" class="detail">{ line }</p>
                       }
                       if backends.backend.as_ref().is_some_and(|b| b.webgpu_slower.is_some()) {
                           <p id="auto-cpu" class="detail">
                               { "Training on the CPU: faster here than this browser's WebGPU. " }
                               <button id="use-webgpu" onclick={dispatch(&store, |_: MouseEvent| Action::UseGpu(true))}>{ "Train on WebGPU anyway" }</button>
                           </p>
                       }
                       <RecordButton />
                       if *slow {
                           <StepDiagram {stage} {gan} />
                       }
                       <Legend classes={classes.clone()} />
                   </div>
               </section>
               if present && rules.shows(Part::Losses) {
                   { losses.clone() }
               }
               if present {
                   <button id="drawer-toggle" class="drawer-toggle" aria-expanded={drawer_open.to_string()} aria-controls="drawer"
                       onclick={toggle(&drawer_open).reform(|_| ())}>
                       { if *drawer_open { "Hide the settings and the rest" } else { "Settings and the rest" } }
                   </button>
               }
               <div id="drawer" class="layout" hidden={present && !*drawer_open}>
                   <div class="column">
                       if !present && rules.shows(Part::Losses) {
                           { losses }
                       }
                       if rules.shows(Part::Data) {
                           <DataPanel
                               dataset={store.data.dataset}
                               status={store.data.status.clone()}
                               preprocess={store.data.preprocess}
                               problems={store.data.problems.clone()}
                               own_files={store.data.own_files.len()}
                               shapes={store.data.shapes}
                               locked={!rules.allows(Part::Data)}
                               on_dataset={dispatch(&store, Action::ChooseDataset)}
                               on_files={files.on_files}
                               on_drawing={dispatch(&store, |file| Action::AddOwnFiles(vec![file], Vec::new()))}
                               on_preprocess={dispatch(&store, Action::SetPreprocess)}
                               on_shapes={dispatch(&store, Action::SetShapes)}
                               on_clear_own={dispatch(&store, |()| Action::ClearOwnFiles)}
                           />
                       }
                       if settings_shown {
                           <Controls
                               hyper={store.settings.hyper.clone()}
                               seed={store.settings.seed}
                               rules={rules.clone()}
                               model={store.settings.model.clone()}
                               on_hyper={session.on_hyper.clone()}
                               on_seed={dispatch(&store, Action::SetSeed)}
                               on_model={dispatch(&store, Action::SetModel)}
                           />
                       }
                       if rules.shows(Part::Model) {
                           <ModelPanel
                               ready={training.has_model}
                               busy={store.card.busy.clone()}
                               message={store.card.message.clone()}
                               error={store.card.error.clone()}
                               autosave={store.card.autosave.clone()}
                               share_url={store.card.share_url.clone()}
                               kept={store.kept.clone()}
                               damaged={store.damaged.clone()}
                               on_open_kept={dispatch(&store, Action::OpenKept)}
                               on_forget_kept={dispatch(&store, Action::ForgetKept)}
                               on_download_damaged={files.on_download_damaged}
                               on_save={files.on_save}
                               on_open={files.on_open}
                               on_export={files.on_export}
                               on_share={files.on_share}
                               on_start_over={files.on_start_over}
                           />
                       }
                       if rules.shows(Part::Backend) {
                           <BackendStatus
                               backend={backends.backend.clone()}
                               cpu_probe={backends.cpu_probe.clone()}
                               webgpu={backends.webgpu.clone()}
                               on_switch={dispatch(&store, Action::UseGpu)}
                           />
                       }
                       if rules.shows(Part::Offline) {
                           <OfflineCard offline={store.offline.clone()} on_keep_all={offline.on_keep_all} />
                       }
                   </div>
                   <div class="column">
                       if rules.shows(Part::Explain) {
                           <ExplainPanel last={training.last.clone()} gamma={store.settings.hyper.gamma} set={store.data.status.set().cloned()} step={training.step} />
                       }
                       if let (Some(set), true) = (store.data.status.set(), rules.shows(Part::YourImage)) {
                           <section id="your-image" class="card" aria-label="Your image">
                               <h2>{ "Where does your drawing land?" }</h2>
                               <p class="detail">{ "Draw, and the plane marks where the encoder puts your drawing (its posterior mean, in its σ ellipse) with every stroke; beside it, its reconstruction." }</p>
                               <WhereItLands set={set.clone()} />
                               <h2>{ "Erase and complete" }</h2>
                               <p class="detail">{ "Erase part of an image and let the model fill it in: by encoding and decoding again and again, the known pixels held; or by searching for the z that best explains the known pixels (its path drawn on the plane), with other plausible completions around it." }</p>
                               <EraseComplete set={set.clone()} />
                           </section>
                       }
                       if rules.shows(Part::Interpolation) {
                           <section class="card" aria-labelledby="interpolation-title">
                               <h2 id="interpolation-title">{ "Interpolation" }</h2>
                               <Interpolation />
                           </section>
                       }
                       if rules.shows(Part::Manifold) {
                           <section class="card" aria-label="Manifold">
                               <Manifold />
                           </section>
                       }
                       if rules.shows(Part::Samples) {
                           <section class="card" aria-label="Reconstructions and samples">
                               <SampleStrip />
                           </section>
                       }
                   </div>
               </div>
               <ShortcutHelp open={*help_open} on_close={set_flag(&help_open, false)} />
               <LessonList open={*lessons_open} on_start={on_start_lesson} on_close={set_flag(&lessons_open, false)} />
               <LessonTour lesson={store.lesson.clone()} step_count={training.step} {running} classes={classes.clone()} on_lesson={dispatch(&store, Action::Lesson)} />
               <LessonDialog open={*lesson_open} {page_url} link={store.share_link(scene.cursor(), scene.plane(|p| p.fixed_view()))} on_close={set_flag(&lesson_open, false)} />
           </main>
           </ContextProvider<Scene>>
       }
}

/// Fills the screen with the page, or leaves full screen.
fn toggle_fullscreen() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // Refused outside a user's gesture or in a frame that does not allow it: nothing to undo.
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
    } else if let Some(root) = document.document_element() {
        let _ = root.request_fullscreen();
    }
}

/// A new build is ready: the user reloads into it when they choose (after an autosave).
fn update_notice(store: &Store, offline: &OfflineControls) -> Html {
    if !store.offline.update_ready {
        return html! {};
    }
    html! {
        <p id="update-ready" class="card notice" role="status">
            if store.offline.updating {
                { "Saving your work, then reloading into the new version…" }
            } else {
                { "A new version of VAE Playground is ready. " }
                <button id="update" onclick={offline.on_update.reform(|_| ())}>{ "Reload" }</button>
            }
        </p>
    }
}

/// The compact page for an `<iframe>`: the plane, the decoded image, Train, and a link to the
/// full page at the same data and settings.
fn embedded(store: &Store, scene: &Scene, on_run: Callback<bool>, has_factors: bool) -> Html {
    let here = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let page = here.split('#').next().unwrap_or_default();
    let link = store.share_link(scene.cursor(), None).to_fragment();
    let training = &store.training;
    html! {
        <main id="app" class="embed" data-ready={store.backends.ready().to_string()}>
            <div class="plane-and-view">
                <LatentPlane factors={has_factors} latent={store.settings.model.latent} />
                <DecodedView />
            </div>
            <EmbedBar
                running={training.running || store.backends.queued.run}
                ready={training.has_model}
                step={training.step}
                {on_run}
                full_url={format!("{page}{link}")}
            />
            if let Some(error) = &training.error {
                <p id="error" class="error" role="alert">{ format!("Training stopped: {error}") }</p>
            }
            // Inside another site, the browser may refuse the page its storage.
            if let Autosave::Failed(reason) = &store.card.autosave {
                <p id="embed-note" class="notice" role="status">
                    { format!("Your training cannot be kept in this browser here ({}). Open the full page to keep it.", reason.trim_end_matches('.')) }
                </p>
            }
        </main>
    }
}

/// Where the model on show comes from, with the ways back to the pretrained models.
fn pretrained_status(
    store: &Store,
    on_kind: Callback<PretrainedKind>,
    on_pretrained: Callback<MouseEvent>,
) -> Html {
    let Some(line) = store.origin_line() else {
        return html! {};
    };
    if line.unavailable {
        return html! {
            <p id="pretrained-status" class="notice" data-state="unavailable">{ line.text }</p>
        };
    }
    let gan = store.data.pretrained_kind == PretrainedKind::Gan;
    let other_kind = if gan {
        PretrainedKind::Plain
    } else {
        PretrainedKind::Gan
    };
    html! {
        <p id="pretrained-status" class="detail" data-state={if line.in_use { "in-use" } else { "available" }}>
            { line.text }
            if store.data.dataset == Dataset::Mnist {
                { " " }
                <button id={if gan { "pretrained-plain" } else { "pretrained-gan" }} onclick={on_kind.reform(move |_| other_kind)}>
                    { if gan { "Back to the plain VAE" } else { "Open the VAE-GAN version (trained with the discriminator)" } }
                </button>
            }
            if !line.in_use {
                { " " }<button id="pretrained" onclick={on_pretrained}>{ "Back to the pretrained model" }</button>
            }
        </p>
    }
}
