//! The session on screen: started whenever the state says another one should run, fed the
//! user's commands, and its events sent to the scene (model, points) and the reducer (the rest).

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use yew::prelude::*;

use crate::page::{Action, DataStatus, PageMeta, SessionKey, held_out_split};
use crate::vae::{Checkpoint, Hyper};
use crate::web::scene::{STRIP, Scene};
use crate::web::session::{Command, Event, Setup};
use crate::web::store::Store;
use crate::web::worker::{self, Session};

/// The running session and what the controls do with it.
#[derive(Clone)]
pub struct SessionControls {
    session: Rc<RefCell<Option<Session>>>,
    /// Train (true) or pause.
    pub on_run: Callback<bool>,
    pub on_step: Callback<()>,
    pub on_hyper: Callback<Hyper>,
}

impl SessionControls {
    fn send(session: &RefCell<Option<Session>>, command: Command) {
        if let Some(session) = session.borrow().as_ref() {
            session.send(command);
        }
    }

    /// A copy of the session's model with the page's metadata.
    pub async fn capture(&self, meta: PageMeta) -> Result<Checkpoint, String> {
        let (reply, answer) = oneshot::channel();
        self.session
            .borrow()
            .as_ref()
            .ok_or("no model yet")?
            .send(Command::Capture(reply));
        let mut checkpoint = answer
            .await
            .map_err(|_| "training restarted before the model was copied".to_string())??;
        checkpoint.meta = meta.to_json();
        Ok(checkpoint)
    }
}

#[hook]
pub fn use_session(store: &UseReducerHandle<Store>, scene: &Scene) -> SessionControls {
    let session = use_mut_ref(|| None::<Session>);
    use_effect_with(store.session(), {
        let (session, scene, dispatcher) = (session.clone(), scene.clone(), store.dispatcher());
        let settings = store.settings.clone();
        move |key: &Option<SessionKey>| {
            // The old session ends first: its worker then takes the new one.
            *session.borrow_mut() = None;
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
            let split = held_out_split(&data);
            scene.set_originals(Rc::new(
                data.select(&split.held_out[..STRIP.min(split.held_out.len())]),
            ));
            let events = Callback::from(move |event| match event {
                Event::Model(vae) => {
                    scene.set_model(vae, shape);
                    dispatcher.dispatch(Action::ModelShown(id));
                }
                Event::Points(points) => scene.set_points(points),
                Event::Report(report) => dispatcher.dispatch(Action::Session(id, report)),
            });
            let setup = Setup {
                config: crate::vae::VaeConfig {
                    image: shape,
                    ..settings.model
                },
                hyper: settings.hyper,
                seed: settings.seed,
                data: data.0.clone(),
                start_from: start_from.map(|c| c.0.clone()),
            };
            *session.borrow_mut() = Some(worker::start(setup, engine, events));
        }
    });
    // Training asked for while the WebGPU trainer loaded goes to the session once it trains where
    // the user wants (the effect above has just started it).
    let trains_here = store.backends.trains_here();
    use_effect_with((store.backends.queued, trains_here), {
        let (session, dispatcher) = (session.clone(), store.dispatcher());
        move |&(queued, trains_here)| {
            if trains_here && queued != Default::default() {
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
