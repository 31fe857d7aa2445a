//! What each action does to the page.

use super::*;

#[test]
fn a_plain_address_opens_mnist_on_webgpu_and_waits_for_the_autosave() {
    let (state, effects) = State::new("", "");
    assert!(state.backends.prefer_gpu);
    assert_eq!(state.data.dataset, Dataset::Mnist);
    assert!(!state.restored);
    assert_eq!(effects, []);
    assert_eq!(state.session(), None);
}

#[test]
fn a_share_link_sets_the_data_settings_cursor_and_view_and_says_what_it_ignored() {
    let (state, effects) = State::new(
        "?backend=cpu",
        "#data=fashion&lr=0.003&batch=64&beta=2&z=1.5,-0.5&view=0.5,0.5,2&lr2=x",
    );
    assert!(!state.backends.prefer_gpu);
    assert!(
        !state.restored,
        "a link waits for the storage too: its work may be the user's own"
    );
    assert_eq!(state.data.dataset, Dataset::Fashion);
    assert_eq!(state.settings.hyper.learning_rate, 3e-3);
    assert_eq!(state.settings.hyper.batch_size, 64);
    assert_eq!(
        effects,
        [
            Effect::MoveCursor([1.5, -0.5]),
            Effect::ShowView(geometry::View {
                centre: [0.5, 0.5],
                half_width: 2.0
            })
        ]
    );
    let message = state.card.message.expect("the page says it opened a link");
    assert!(message.contains("“lr2” (not a setting)"), "{message}");
}

#[test]
fn a_share_links_lesson_is_opened_only_when_the_page_has_it() {
    let (state, _) = State::new("", "#data=mnist&lesson=generating&step=2");
    assert_eq!(state.lesson, Some(("generating".into(), 2)));
    let (state, _) = State::new("", "#data=mnist&lesson=nope&step=2");
    assert_eq!(state.lesson, None);
    let message = state.card.message.expect("the page says it opened a link");
    assert!(
        message
            .ends_with("ignored what could not be used: lesson=nope (not a lesson of the page)."),
        "{message}"
    );
}

#[test]
fn the_session_starts_once_the_backend_the_data_and_the_pretrained_model_are_known() {
    let (mut state, _) = State::new("?backend=cpu", "");
    let data = DataStatus::Ready {
        name: "MNIST".into(),
        set: mnist_like(50),
        classes: vec![],
        resized: 0,
        factors: None,
    };
    let key = state.data.key();
    for action in [
        Action::BackendReady(false, cpu()),
        Action::Restored(Box::default()),
        Action::Data(key, data, Shared::default()),
    ] {
        assert_eq!(state.session(), None);
        state = state.reduce(action).0;
    }
    assert_eq!(state.session(), None, "it waits for the pretrained model");
    let (state, effects) = state.reduce(Action::Pretrained(
        Dataset::Mnist,
        PretrainedKind::Plain,
        Pretrained::Ready(pretrained()),
    ));
    let session = state.session().expect("everything is known");
    assert_eq!(session.engine, Engine::Cpu);
    assert_eq!(session.start_from, Some(pretrained()));
    assert_eq!(effects, [Effect::ShowModel(pretrained())]);
    assert_eq!(
        state.training.step, 2100,
        "it shows where the pretrained model got to"
    );
}

#[test]
fn late_answers_for_another_choice_change_nothing() {
    let state = ready_page();
    let old_key = state.data.key();
    let (state, _) = state.reduce(Action::ChooseDataset(Dataset::Shapes));
    let stale = [
        Action::Data(old_key, DataStatus::Empty, Shared::default()),
        Action::BackendReady(true, cpu()),
        Action::Pretrained(
            Dataset::Mnist,
            PretrainedKind::Plain,
            Pretrained::Unavailable("gone".into()),
        ),
        Action::Session(
            state.training.session_id - 1,
            SessionEvent::Stepped(vec![report(5)], 0),
        ),
    ];
    for action in stale {
        let (next, effects) = state.reduce(action.clone());
        assert_eq!(next, state, "{action:?}");
        assert_eq!(effects, []);
    }
}

#[test]
fn step_reports_move_the_counters_and_the_chart_and_never_back() {
    let state = ready_page();
    let id = state.training.session_id;
    let (state, _) = run(
        state,
        [
            Action::ModelShown(id),
            Action::Session(id, SessionEvent::Running(true)),
            Action::Session(
                id,
                SessionEvent::Stepped(vec![report(2101), report(2102)], 1),
            ),
            Action::Session(id, SessionEvent::HeldOut(2102, 160.0)),
        ],
    );
    let training = &state.training;
    assert!(training.has_model && training.running && training.trained);
    assert_eq!(training.step, 2102);
    assert_eq!(training.history.len(), 2);
    assert_eq!(*training.held_out, [(2102, 160.0)]);
    let (state, _) = state.reduce(Action::Session(
        id,
        SessionEvent::Stepped(vec![report(7)], 1),
    ));
    assert_eq!(
        state.training.step, 2102,
        "a stale report does not move the counter back"
    );
    let (state, _) = state.reduce(Action::Session(id, SessionEvent::Failed("boom".into())));
    assert!(!state.training.running);
    assert_eq!(state.training.error.as_deref(), Some("boom"));
}

#[test]
fn a_file_of_another_model_is_refused_and_the_current_one_stays() {
    let state = ready_page();
    let conv = checkpoint(
        VaeConfig::conv(ImageShape::MNIST),
        10,
        serde_json::Value::Null,
    );
    let (next, effects) = state.reduce(Action::Open(Ok(Box::new(conv))));
    assert_eq!(effects, []);
    assert_eq!(next.origin, state.origin);
    assert_eq!(next.training, state.training);
    let error = next.card.error.expect("the page says why");
    assert!(
        error.starts_with("Could not open the model: the file holds VAE-conv-2"),
        "{error}"
    );
}

#[test]
fn a_file_saved_by_the_page_brings_back_its_chart_seed_and_cursor() {
    let state = ready_page();
    let meta = PageMeta {
        dataset: "mnist".into(),
        preprocess: Default::default(),
        shapes: Default::default(),
        seed: 9,
        chart: vec![ChartPoint::from(&report(40))],
        held_out: vec![(40, 170.0)],
        epoch: 3,
        cursor: [0.25, -0.75],
    };
    let file = checkpoint(VaeConfig::mlp2(), 40, meta.to_json());
    let (state, effects) = state.reduce(Action::Open(Ok(Box::new(file))));
    let Origin::Opened {
        checkpoint: opened,
        from: Source::File,
    } = &state.origin
    else {
        panic!("the file should be the session's start");
    };
    assert_eq!(state.training.step, 40);
    assert_eq!(state.training.epoch, 3);
    assert_eq!(state.settings.seed, 9);
    assert_eq!(state.training.history.len(), 1);
    assert_eq!(
        effects,
        [
            Effect::MoveCursor([0.25, -0.75]),
            Effect::ShowModel(opened.clone())
        ]
    );
    assert_eq!(
        state.session().and_then(|s| s.start_from),
        Some(opened.clone())
    );
    assert!(
        state
            .card
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("Opened VAE-MLP-2 [512] at step 40"))
    );
}

#[test]
fn training_asked_for_before_the_webgpu_trainer_waits_for_it_or_falls_back() {
    let (state, _) = State::new("", "");
    let gpu = Backend {
        kind: BackendKind::WebGpu {
            adapter: "test".into(),
        },
        init_ms: 1.0,
        webgpu_slower: None,
    };
    let (state, _) = run(
        state,
        [Action::BackendReady(true, gpu), Action::QueueRun(true)],
    );
    assert_eq!(state.backends.webgpu, WebGpuTrainer::Loading);
    assert_eq!(state.backends.engine(), Some((Engine::Cpu, false)));
    assert!(state.backends.loading_trainer());
    assert!(!state.backends.trains_here());

    let ready = WebGpuReady {
        adapter: "test".into(),
        start_ms: 5.0,
        probe: Probe::Failed("skipped".into()),
    };
    let (started, _) = state.reduce(Action::WebGpuStarted(Ok(ready)));
    assert_eq!(started.backends.engine(), Some((Engine::WebGpu, true)));
    assert!(
        started.backends.queued.run,
        "the queued run waits to be sent"
    );

    let (failed, _) = state.reduce(Action::WebGpuStarted(Err("no network".into())));
    assert_eq!(failed.backends.engine(), Some((Engine::Cpu, true)));
    let Some(Backend {
        kind: BackendKind::Cpu { reason },
        ..
    }) = &failed.backends.backend
    else {
        panic!("the page should fall back to the CPU");
    };
    assert_eq!(reason, "the WebGPU trainer could not start: no network");
}

#[test]
fn other_model_settings_train_from_scratch_and_back_to_mlp2_shows_the_pretrained_model() {
    let state = ready_page();
    let four = VaeConfig {
        latent: 4,
        ..VaeConfig::mlp2()
    };
    let (state, _) = state.reduce(Action::SetModel(four));
    assert_eq!(state.origin, Origin::Scratch);
    assert_eq!(state.training.step, 0);
    assert_eq!(state.session().and_then(|s| s.start_from), None);
    let (state, effects) = state.reduce(Action::SetModel(VaeConfig::mlp2()));
    assert_eq!(state.origin, Origin::Pretrained);
    assert_eq!(
        state.training.step, 2100,
        "the counters describe the pretrained model on show"
    );
    assert_eq!(effects, [Effect::ShowModel(pretrained())]);
}

#[test]
fn a_pretrained_model_for_other_images_is_not_shown_as_the_start() {
    let state = ready_page();
    assert!(state.origin_line().is_some_and(|l| l.in_use));
    // Shapes at 32×32: the pretrained model is for 28×28.
    let (state, _) = state.reduce(loaded(blank(32, 10), &state));
    assert_eq!(state.pretrained_start(), None);
    assert_eq!(state.training.step, 0, "a fresh model has trained no steps");
    assert!(state.training.history.is_empty());
    assert_eq!(state.session().and_then(|s| s.start_from), None);
    let line = state
        .origin_line()
        .expect("the page says where the model comes from");
    assert!(!line.in_use);
    assert_eq!(
        line.text,
        "Training from scratch: the pretrained model is VAE-MLP-2 [512] for 28×28 grey images, not these settings."
    );
}

#[test]
fn own_files_switch_to_own_data_from_scratch() {
    let state = ready_page();
    let file = NamedFile {
        name: "a.png".into(),
        bytes: vec![1, 2, 3],
    };
    let (state, _) = state.reduce(Action::AddOwnFiles(vec![file], vec![]));
    assert_eq!(state.data.dataset, Dataset::Own);
    assert_eq!(state.pretrained, Pretrained::None);
    assert_eq!(state.origin, Origin::Scratch);
    assert_eq!(state.data.own_files.len(), 1);
    let (state, _) = state.reduce(Action::ClearOwnFiles);
    assert!(state.data.own_files.is_empty());
    assert_eq!(state.data.status, DataStatus::Empty);
}

#[test]
fn the_held_out_tail_is_a_fifth_of_a_small_set_and_at_most_a_thousand() {
    assert_eq!(held_out_count(50), 10);
    assert_eq!(held_out_count(10_000), HELD_OUT);
    assert_eq!(held_out_count(3), 0);
}

#[test]
fn the_backend_is_chosen_by_speed_unless_the_user_or_the_address_asks_for_webgpu() {
    let (auto, _) = State::new("", "");
    assert!(auto.backends.prefer_gpu && !auto.backends.forced);
    let (forced, _) = State::new("?backend=webgpu", "");
    assert!(forced.backends.prefer_gpu && forced.backends.forced);
    // "Train on WebGPU anyway" on a page that chose the CPU for speed: WebGPU, even a slow one.
    let (anyway, _) = auto.reduce(Action::UseGpu(true));
    assert!(anyway.backends.prefer_gpu && anyway.backends.forced);
    assert_eq!(anyway.backends.backend, None, "the backend starts again");
    let (cpu, _) = anyway.reduce(Action::UseGpu(false));
    assert!(!cpu.backends.prefer_gpu && !cpu.backends.forced);
}

#[test]
fn a_queued_run_handed_to_the_session_keeps_the_button_on_pause() {
    let (state, _) = ready_page().reduce(Action::QueueRun(true));
    assert!(state.backends.queued.run);
    let (state, _) = state.reduce(Action::Dequeued);
    assert!(
        state.training.running,
        "Pause stays Pause until the session says it runs"
    );
}

#[test]
fn a_webgpu_adapter_measured_slower_than_the_cpu_hands_training_to_the_cpu_unless_asked_for() {
    let probe = |warm_ms| Probe::Done {
        first_ms: warm_ms,
        warm_ms,
        checksum: 0.0,
    };
    let started = |state: &State, gpu_ms| {
        let (state, _) = state.reduce(Action::CpuProbed(probe(10.0)));
        state
            .reduce(Action::WebGpuStarted(Ok(WebGpuReady {
                adapter: "a slow one".into(),
                start_ms: 1.0,
                probe: probe(gpu_ms),
            })))
            .0
    };
    let (auto, _) = State::new("", "");
    let slow = started(&auto, 950.0);
    let backend = slow.backends.backend.expect("a backend");
    assert!(matches!(&backend.kind, BackendKind::Cpu { reason } if reason.contains("95× faster")));
    assert_eq!(backend.webgpu_slower.as_deref(), Some("a slow one"));
    assert!(
        started(&auto, 15.0).backends.backend.is_none(),
        "a fast adapter keeps WebGPU"
    );
    let (forced, _) = State::new("?backend=webgpu", "");
    assert!(
        started(&forced, 950.0).backends.backend.is_none(),
        "the user's choice stands"
    );
}
