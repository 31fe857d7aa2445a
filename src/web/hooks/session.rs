//! The session on screen: started whenever the state says another one should run, fed the
//! user's commands, and its events sent to the scene (model, points) and the reducer (the rest).
//! A session being replaced is first asked for a copy of its model when the state keeps it.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::page::{Action, DataStatus, Keeping, PageMeta, SessionKey, held_out_split};
use crate::vae::{Checkpoint, Hyper, VaeConfig};
use crate::web::scene::{STRIP, Scene};
use crate::web::session::{Command, Event, Setup};
use crate::web::store::Store;
use crate::web::worker::{self, Session};

/// The running session (with its id) and what the controls do with it.
#[derive(Clone)]
pub struct SessionControls {
    session: Rc<RefCell<Option<(u64, Session)>>>,
    /// Train (true) or pause.
    pub on_run: Callback<bool>,
    pub on_step: Callback<()>,
    pub on_hyper: Callback<Hyper>,
}

impl SessionControls {
    fn send(session: &RefCell<Option<(u64, Session)>>, command: Command) {
        if let Some((_, session)) = session.borrow().as_ref() {
            session.send(command);
        }
    }

    /// A copy of the session's model with the page's metadata.
    pub async fn capture(&self, meta: PageMeta) -> Result<Checkpoint, String> {
        let answer = match self.session.borrow().as_ref() {
            Some((_, session)) => ask_copy(session),
            None => return Err("no model yet".into()),
        };
        with_meta(answer, meta).await
    }
}

/// Asks `session` for a copy of its model, now (before any later message to its worker).
fn ask_copy(session: &Session) -> oneshot::Receiver<Result<Checkpoint, String>> {
    let (reply, answer) = oneshot::channel();
    session.send(Command::Capture(reply));
    answer
}

async fn with_meta(
    answer: oneshot::Receiver<Result<Checkpoint, String>>,
    meta: PageMeta,
) -> Result<Checkpoint, String> {
    let mut checkpoint = answer
        .await
        .map_err(|_| "training restarted before the model was copied".to_string())??;
    checkpoint.meta = meta.to_json();
    Ok(checkpoint)
}

/// Ends `old`, first asking it for a copy of its model when the state keeps it.
fn end(
    old: (u64, Session),
    keeping: &[Keeping],
    scene: &Scene,
    dispatcher: UseReducerDispatcher<Store>,
) {
    let (id, session) = old;
    let Some(keeping) = keeping.iter().find(|k| k.session_id == id) else {
        return;
    };
    let meta = PageMeta {
        cursor: scene.cursor(),
        ..keeping.meta.clone()
    };
    let answer = ask_copy(&session);
    spawn_local(async move {
        let copy = with_meta(answer, meta).await;
        // The session ends once it has answered.
        drop(session);
        dispatcher.dispatch(Action::Kept(id, copy.map(Box::new)));
    });
}

#[hook]
pub fn use_session(store: &UseReducerHandle<Store>, scene: &Scene) -> SessionControls {
    let session = use_mut_ref(|| None::<(u64, Session)>);
    use_effect_with(store.session(), {
        let (session, scene, dispatcher) = (session.clone(), scene.clone(), store.dispatcher());
        let (settings, keeping) = (store.settings.clone(), store.keeping.clone());
        move |key: &Option<SessionKey>| {
            // The old session ends first (after its copy, when kept): its worker then takes the
            // new one.
            if let Some(old) = session.borrow_mut().take() {
                end(old, &keeping, &scene, dispatcher.clone());
            }
            let Some(SessionKey {
                id,
                engine,
                data,
                start_from,
            }) = key.clone()
            else {
                return;
            };
            let shape = data.shape;
            // The strip shows the first held-out images.
            let held_out = held_out_split(&data).held_out;
            scene.set_originals(Rc::new(data.select(&held_out[..STRIP.min(held_out.len())])));
            let config = VaeConfig {
                image: shape,
                ..settings.model
            };
            let events = {
                let (config, hyper) = (config.clone(), settings.hyper.clone());
                Callback::from(move |event| match event {
                    Event::Model(vae) => {
                        scene.set_model(vae, shape);
                        dispatcher.dispatch(Action::ModelShown(id));
                    }
                    Event::Points(points) => scene.set_points(points),
                    Event::Report(report) => dispatcher.dispatch(Action::Session(id, report)),
                    Event::Lost(reason) => {
                        // Go on from the weights on screen (the step is the reducer's).
                        let weights = scene.model().and_then(|vae| {
                            Checkpoint::from_model(&vae, config.clone(), hyper.clone(), 0).ok()
                        });
                        dispatcher.dispatch(Action::WorkerLost {
                            session_id: id,
                            reason,
                            weights: weights.map(Box::new),
                        });
                    }
                })
            };
            let setup = Setup {
                config,
                hyper: settings.hyper,
                seed: settings.seed,
                data: data.0.clone(),
                start_from: start_from.map(|c| c.0.clone()),
            };
            *session.borrow_mut() = Some((id, worker::start(setup, engine, events)));
        }
    });
    // Training asked for before the session could take it (the WebGPU trainer loading, a
    // worker replaced) goes to it once it trains where the user wants.
    let trains_here = store.backends.trains_here();
    let running_session = store.session().map(|key| key.id);
    use_effect_with((store.backends.queued, trains_here, running_session), {
        let (session, dispatcher) = (session.clone(), store.dispatcher());
        move |&(queued, trains_here, running)| {
            let started = session.borrow().as_ref().map(|(id, _)| *id);
            if trains_here
                && queued != Default::default()
                && running.is_some()
                && started == running
            {
                if queued.run {
                    SessionControls::send(&session, Command::Run(true));
                }
                for _ in 0..queued.steps {
                    SessionControls::send(&session, Command::Step);
                }
                dispatcher.dispatch(Action::Dequeued);
            }
        }
    });
    // The plane can colour Shapes by their true factors: those of the held-out images.
    let factors = match &store.data.status {
        DataStatus::Ready {
            set,
            factors: Some(factors),
            ..
        } => Some((factors.clone(), set.clone())),
        _ => None,
    };
    use_effect_with(factors, {
        let scene = scene.clone();
        move |factors| {
            scene.set_factors(factors.as_ref().map(|(factors, set)| {
                let split = held_out_split(set);
                Rc::new(split.held_out.iter().map(|&i| factors[i]).collect())
            }))
        }
    });

    // Before the WebGPU trainer runs, training is queued (and the trainer loaded).
    let on_run = {
        let (session, dispatcher) = (session.clone(), store.dispatcher());
        Callback::from(move |run| match trains_here {
            true => SessionControls::send(&session, Command::Run(run)),
            false => dispatcher.dispatch(Action::QueueRun(run)),
        })
    };
    let on_step = {
        let (session, dispatcher) = (session.clone(), store.dispatcher());
        Callback::from(move |()| match trains_here {
            true => SessionControls::send(&session, Command::Step),
            false => dispatcher.dispatch(Action::QueueStep),
        })
    };
    let on_hyper = {
        let (session, dispatcher) = (session.clone(), store.dispatcher());
        Callback::from(move |hyper: Hyper| {
            dispatcher.dispatch(Action::SetHyper(hyper.clone()));
            SessionControls::send(&session, Command::Hyper(hyper));
        })
    };
    SessionControls {
        session,
        on_run,
        on_step,
        on_hyper,
    }
}
