//! Slow motion: one training step every [`STEP_MS`], its stages lit in turn meanwhile, so a
//! class can follow what one step does.

use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::web::tasks::now_ms;

/// One step's time in slow motion.
pub const STEP_MS: u32 = 1500;

/// While `running`, asks for one step every [`STEP_MS`] (`on_step`, the latest one given) and
/// returns which of `stages` stages of the step is lit.
#[hook]
pub fn use_slow_motion(running: bool, stages: usize, on_step: Callback<()>) -> Option<usize> {
    let latest = use_mut_ref(|| on_step.clone());
    *latest.borrow_mut() = on_step;
    let stage = use_state(|| None::<usize>);
    {
        let stage = stage.clone();
        use_effect_with((running, stages), move |&(running, stages)| {
            let timers = running.then(|| {
                let started = std::rc::Rc::new(std::cell::Cell::new(now_ms()));
                latest.borrow().emit(());
                let step = {
                    let started = started.clone();
                    Interval::new(STEP_MS, move || {
                        started.set(now_ms());
                        latest.borrow().emit(());
                    })
                };
                let light = {
                    let stage = stage.clone();
                    Interval::new(50, move || {
                        let elapsed = (now_ms() - started.get()).max(0.0);
                        let lit = (elapsed / STEP_MS as f64 * stages as f64) as usize;
                        let lit = Some(lit.min(stages.saturating_sub(1)));
                        if *stage != lit {
                            stage.set(lit);
                        }
                    })
                };
                (step, light)
            });
            if !running {
                stage.set(None);
            }
            move || drop(timers)
        });
    }
    *stage
}
