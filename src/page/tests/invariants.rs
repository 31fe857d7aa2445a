//! The reducer's invariants under random sequences of user actions and session events.

use proptest::prelude::*;

use super::*;

/// A user's or a session's move; session events go to the current session or the one before.
#[derive(Debug, Clone)]
enum Move {
    Session { current: bool, event: SessionEvent },
    User(Box<Action>),
}

fn any_move() -> impl Strategy<Value = Move> {
    let event = prop_oneof![
        (prop::collection::vec(0u64..3000, 0..4), 0usize..5).prop_map(|(steps, epoch)| {
            SessionEvent::Stepped(steps.into_iter().map(report).collect(), epoch)
        }),
        (0u64..3000, -10.0f32..300.0).prop_map(|(s, v)| SessionEvent::HeldOut(s, v)),
        any::<bool>().prop_map(SessionEvent::Running),
        Just(SessionEvent::Failed("stopped".into())),
    ];
    let user = prop_oneof![
        Just(Action::Restart(Origin::Scratch)),
        Just(Action::Restart(Origin::Pretrained)),
        any::<u64>().prop_map(Action::SetSeed),
        prop::sample::select(settings::LATENTS.to_vec()).prop_map(|latent| Action::SetModel(
            VaeConfig {
                latent,
                ..VaeConfig::mlp2()
            }
        )),
        any::<bool>().prop_map(Action::QueueRun),
        Just(Action::ModelDone(Ok("Exported decoded.png.".into()))),
        Just(Action::Autosaved(Autosave::Saved { step: 7 })),
    ];
    prop_oneof![
        3 => (any::<bool>(), event).prop_map(|(current, event)| Move::Session { current, event }),
        1 => user.prop_map(|action| Move::User(Box::new(action))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_reducers_invariants_hold_whatever_the_user_and_the_sessions_do(
        moves in prop::collection::vec(any_move(), 1..40),
    ) {
        let mut state = ready_page();
        for step in moves {
            let action = match step {
                Move::Session { current, event } => {
                    let id = state.training.session_id;
                    Action::Session(if current { id } else { id.wrapping_sub(1) }, event)
                }
                Move::User(action) => *action,
            };
            let (next, _) = state.reduce(action.clone());
            let (before, after) = (&state.training, &next.training);
            if before.session_id == after.session_id {
                prop_assert!(after.step >= before.step, "{action:?}: step {} → {}", before.step, after.step);
            } else {
                prop_assert!(!after.has_model && !after.running, "a new session starts empty");
            }
            if let Action::Session(id, _) = &action
                && *id != state.training.session_id
            {
                prop_assert_eq!(&next, &state, "another session's event changed the page");
            }
            // The status lines describe the model on screen.
            if !after.trained && !matches!(next.origin, Origin::Opened { .. }) {
                let start = next.pretrained_start().map_or(0, |c| c.step);
                prop_assert_eq!(after.step, start, "{:?}", action);
            }
            if let Some(message) = &next.card.message {
                let about_a_file = message.starts_with("Resumed") || message.starts_with("Opened VAE");
                prop_assert!(!about_a_file || matches!(next.origin, Origin::Opened { .. }), "{}", message);
            }
            state = next;
        }
    }
}

/// `cargo fuzz` explores far more (see `scripts/fuzz.sh`); this runs the share-link target on
/// thousands of seeded mutations of real links.
#[test]
fn the_share_link_fuzz_target_survives_mutated_links() {
    let seeds = [
        "#data=fashion&lr=0.003&batch=64&beta=2&gan=1&gamma=10&seed=5&z=1.5,-0.5&view=0.5,0.5,2",
        "#data=shapes&arch=conv&latent=16&lik=gaussian&z=-100,100",
        "#lr=NaN&batch=0&beta=inf&gamma=-3&z=1e9,0&view=0,0,0&latent=5&junk",
    ];
    let mut rng = crate::data::Rng::new(11);
    for i in 0..20_000 {
        let bytes = crate::data::fuzz::mutate(seeds[i % seeds.len()].as_bytes(), &mut rng);
        fuzz::share_link(&bytes);
    }
}
