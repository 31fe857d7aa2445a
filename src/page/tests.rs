//! The reducer, driven as the page drives it.

use proptest::prelude::*;

use super::*;
use crate::data::{ImageSet, ImageShape, NamedFile, Problem};
use crate::vae::{Checkpoint, Hyper, StepReport, Trainer, VaeConfig};

fn checkpoint(config: VaeConfig, step: u64, meta: serde_json::Value) -> Checkpoint {
    let device = burn::tensor::Device::flex();
    let trainer =
        Trainer::new(config, Hyper::default(), 3, &device).expect("the model should build");
    let mut checkpoint =
        Checkpoint::from_trainer(&trainer, meta, false).expect("a fresh trainer should capture");
    checkpoint.step = step;
    checkpoint
}

fn pretrained() -> Shared<Checkpoint> {
    thread_local! {
        static PRETRAINED: Shared<Checkpoint> =
            Shared::new(checkpoint(VaeConfig::mlp2(), 2100, serde_json::Value::Null));
    }
    PRETRAINED.with(Clone::clone)
}

fn mnist_like(count: usize) -> Shared<ImageSet> {
    Shared::new(ImageSet {
        shape: ImageShape::MNIST,
        pixels: vec![0.25; count * 784],
        labels: Some((0..count).map(|i| (i % 10) as u8).collect()),
    })
}

fn cpu() -> Backend {
    Backend {
        kind: BackendKind::Cpu {
            reason: "CPU chosen".into(),
        },
        init_ms: 1.0,
    }
}

fn report(step: u64) -> StepReport {
    StepReport {
        step,
        reconstruction: 150.0,
        kl: 5.0,
        total: 155.0,
        beta: 1.0,
        grad_norm: 10.0,
        applied: true,
        rolled_back: false,
        discriminator: None,
        step_ms: 20.0,
        samples_per_s: 6400.0,
    }
}

/// `count` blank grey images `side` pixels wide.
fn blank(side: usize, count: usize) -> Shared<ImageSet> {
    let shape = ImageShape {
        width: side,
        height: side,
        channels: 1,
    };
    Shared::new(ImageSet {
        shape,
        pixels: vec![0.0; count * shape.pixels()],
        labels: None,
    })
}

/// The data `state` asked for has loaded: `set`, without problems.
fn loaded(set: Shared<ImageSet>, state: &State) -> Action {
    let status = DataStatus::Ready {
        name: state.data.dataset.name().into(),
        set,
        classes: vec![],
        resized: 0,
        factors: None,
    };
    Action::Data(state.data.key(), status, Shared::default())
}

/// Applies `actions` in turn, keeping the effects.
fn run(state: State, actions: impl IntoIterator<Item = Action>) -> (State, Vec<Effect>) {
    actions
        .into_iter()
        .fold((state, Vec::new()), |(state, mut effects), action| {
            let (next, more) = state.reduce(action);
            effects.extend(more);
            (next, effects)
        })
}

/// A page on the CPU with MNIST and its pretrained model loaded, no autosave.
fn ready_page() -> State {
    let (state, _) = State::new("?backend=cpu", "");
    let data = DataStatus::Ready {
        name: "MNIST".into(),
        set: mnist_like(50),
        classes: Dataset::Mnist.classes(),
        resized: 0,
        factors: None,
    };
    let key = state.data.key();
    run(
        state,
        [
            Action::BackendReady(false, cpu()),
            Action::Restored(Box::default()),
            Action::Data(key, data, Shared::default()),
            Action::Pretrained(
                Dataset::Mnist,
                PretrainedKind::Plain,
                Pretrained::Ready(pretrained()),
            ),
        ],
    )
    .0
}

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

fn trained(state: State, steps: u64) -> State {
    let id = state.training.session_id;
    let reports = (1..=steps)
        .map(|s| report(state.training.step + s))
        .collect();
    state
        .reduce(Action::Session(id, SessionEvent::Stepped(reports, 1)))
        .0
}

fn own(name: &str, bytes: &[u8]) -> NamedFile {
    NamedFile {
        name: name.into(),
        bytes: bytes.to_vec(),
    }
}

#[test]
fn the_same_file_picked_twice_is_one_file_and_another_of_the_same_name_is_numbered() {
    let state = ready_page();
    let (state, _) = state.reduce(Action::AddOwnFiles(vec![own("a.npy", b"1")], vec![]));
    let (state, _) = state.reduce(Action::AddOwnFiles(vec![own("a.npy", b"1")], vec![]));
    assert_eq!(state.data.own_files.len(), 1);
    // A drawing after the pad remounted restarts its numbering.
    let drawing = "drawings/3/drawing-1.png";
    let (state, _) = state.reduce(Action::AddOwnFiles(vec![own(drawing, b"x")], vec![]));
    let (state, _) = state.reduce(Action::AddOwnFiles(vec![own(drawing, b"y")], vec![]));
    let names: Vec<&str> = state
        .data
        .own_files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["a.npy", drawing, "drawings/3/drawing-1 (2).png"]);
}

#[test]
fn files_that_could_not_be_used_are_dropped_without_loading_again() {
    let state = ready_page();
    let (state, _) = state.reduce(Action::AddOwnFiles(
        vec![own("good.png", b"g"), own("notes.txt", b"n")],
        vec![],
    ));
    let key = state.data.key();
    assert!(state.data.needs_loading(&key));
    let problems = vec![Problem {
        file: "notes.txt".into(),
        reason: "not an image".into(),
    }];
    let data = DataStatus::Ready {
        name: "Your own data".into(),
        set: mnist_like(1),
        classes: vec![],
        resized: 0,
        factors: None,
    };
    let (state, _) = state.reduce(Action::Data(key, data, Shared::new(problems)));
    let names: Vec<&str> = state
        .data
        .own_files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["good.png"]);
    assert_eq!(state.data.problems.len(), 1, "the page still says why");
    assert!(!state.data.needs_loading(&state.data.key()));
}

#[test]
fn switching_datasets_keeps_trained_work_and_switching_back_opens_it() {
    let state = trained(ready_page(), 706);
    let mnist_session = state.training.session_id;
    let (state, _) = state.reduce(Action::ChooseDataset(Dataset::Shapes));
    assert_eq!(
        state.keeping.len(),
        1,
        "the MNIST session is asked for a copy"
    );
    assert_eq!(state.keeping[0].session_id, mnist_session);
    assert_eq!(state.keeping[0].meta.chart.len(), 706);
    // The copy arrives from the old session.
    let copy = checkpoint(VaeConfig::mlp2(), 2806, state.keeping[0].meta.to_json());
    let (state, _) = state.reduce(Action::Kept(mnist_session, Ok(Box::new(copy))));
    assert!(state.keeping.is_empty());
    assert_eq!(state.kept.len(), 1);
    assert_eq!(
        state.kept[0].describe(),
        "MNIST, VAE-MLP-2 [512], step 2806"
    );
    // Back to MNIST: the kept model, not the pretrained one.
    let (state, effects) = state.reduce(Action::ChooseDataset(Dataset::Mnist));
    assert!(matches!(
        state.origin,
        Origin::Opened {
            from: Source::Kept,
            ..
        }
    ));
    assert_eq!(state.training.step, 2806);
    assert_eq!(state.training.history.len(), 706);
    assert!(state.kept.is_empty(), "it is the session's now");
    assert!(effects.iter().any(|e| matches!(e, Effect::ShowModel(_))));
    let line = state.origin_line().expect("a line");
    assert_eq!(
        line.text,
        "Training your earlier model, kept when you switched (step 2806)."
    );
}

#[test]
fn a_kept_model_is_one_record_in_the_storage_with_its_data() {
    let kept = Kept {
        dataset: Dataset::Own,
        checkpoint: Shared::new(saved("own", 3, 40)),
        own_files: Shared::new(vec![own("cats/a.png", b"1"), own("dogs/b.png", b"22")]),
        preprocess: crate::data::Preprocess {
            auto_contrast: true,
            ..Default::default()
        },
        shapes: Default::default(),
    };
    let bytes = kept.to_bytes().expect("should write");
    let read = Kept::from_bytes(&bytes).expect("should read back");
    assert_eq!(read.dataset, Dataset::Own);
    assert_eq!(*read.own_files, *kept.own_files);
    assert_eq!(read.preprocess, kept.preprocess);
    assert_eq!(read.checkpoint.to_bytes(), kept.checkpoint.to_bytes());
    assert!(Kept::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    assert!(Kept::from_bytes(b"junk").is_err());
}

#[test]
fn a_setting_that_starts_over_keeps_the_work_on_the_shelf_to_open_again() {
    let state = trained(ready_page(), 10);
    let id = state.training.session_id;
    let four = VaeConfig {
        latent: 4,
        ..VaeConfig::mlp2()
    };
    let (state, _) = state.reduce(Action::SetModel(four));
    let copy = checkpoint(VaeConfig::mlp2(), 2110, serde_json::Value::Null);
    let (state, _) = state.reduce(Action::Kept(id, Ok(Box::new(copy))));
    assert_eq!(state.kept.len(), 1);
    assert_eq!(state.origin, Origin::Scratch);
    // Opening it needs the settings it was trained with: the page says so.
    let (state, _) = state.reduce(Action::OpenKept(Dataset::Mnist));
    assert_eq!(
        state.settings.model,
        VaeConfig::mlp2(),
        "its settings come back"
    );
    assert_eq!(state.training.step, 2110);
    // A failed copy says so.
    let state = trained(state, 3);
    let id = state.training.session_id;
    let (state, _) = state.reduce(Action::Restart(Origin::Scratch));
    let (state, _) = state.reduce(Action::Kept(id, Err("the worker stopped".into())));
    assert_eq!(
        state.card.error.as_deref(),
        Some("Could not keep the model trained on MNIST: the worker stopped.")
    );
}

#[test]
fn own_data_at_another_size_keeps_the_opened_model_and_trains_a_new_one() {
    let state = ready_page();
    let (state, _) = state.reduce(Action::AddOwnFiles(vec![own("a.png", b"1")], vec![]));
    let (state, _) = state.reduce(loaded(mnist_like(20), &state));
    let file = checkpoint(VaeConfig::mlp2(), 50, serde_json::Value::Null);
    let (state, _) = state.reduce(Action::Open(Ok(Box::new(file))));
    assert!(matches!(state.origin, Origin::Opened { .. }));
    let mut bigger = state.data.preprocess;
    bigger.shape.width = 32;
    bigger.shape.height = 32;
    let (state, _) = state.reduce(Action::SetPreprocess(bigger));
    assert_eq!(state.origin, Origin::Scratch);
    assert_eq!(state.kept.len(), 1, "the opened model is kept");
    assert_eq!(
        state.kept[0].preprocess.shape,
        crate::data::ImageShape::MNIST
    );
}

#[test]
fn an_opened_model_that_does_not_fit_the_data_waits_and_the_page_says_why() {
    let state = ready_page();
    let file = checkpoint(VaeConfig::mlp2(), 50, serde_json::Value::Null);
    let (state, _) = state.reduce(Action::Open(Ok(Box::new(file))));
    let (state, _) = state.reduce(loaded(blank(32, 10), &state));
    assert_eq!(
        state.session(),
        None,
        "no session starts with a model that cannot read the data"
    );
    let line = state.origin_line().expect("a line");
    assert!(
        line.text.starts_with(
            "The model you opened is VAE-MLP-2 [512] for 28×28 grey images, but the data is now 32×32 grey"
        ),
        "{}",
        line.text
    );
}

fn saved(dataset: &str, seed: u64, step: u64) -> Checkpoint {
    let meta = PageMeta {
        dataset: dataset.into(),
        preprocess: Default::default(),
        shapes: Default::default(),
        seed,
        chart: vec![],
        held_out: vec![],
        epoch: 2,
        cursor: [0.5, 0.5],
    };
    checkpoint(VaeConfig::mlp2(), step, meta.to_json())
}

#[test]
fn the_autosave_resumes_and_a_share_link_never_throws_it_away() {
    let restore = |session: Checkpoint| {
        Action::Restored(Box::new(Restore {
            session: Some((session, vec![])),
            ..Restore::default()
        }))
    };
    // A plain visit resumes.
    let (state, _) = State::new("", "");
    let (state, _) = state.reduce(restore(saved("fashion", 1, 900)));
    assert_eq!(state.data.dataset, Dataset::Fashion);
    assert_eq!(state.training.step, 900);
    assert_eq!(
        state.origin_line().map(|l| l.text).as_deref(),
        Some("Training the model this browser saved.")
    );
    // Another page's link: the saved work is kept, and said to be.
    let (state, _) = State::new("", "#data=mnist&seed=4");
    let (state, _) = state.reduce(restore(saved("fashion", 1, 900)));
    assert_eq!(state.data.dataset, Dataset::Mnist);
    assert_eq!(state.origin, Origin::Pretrained);
    assert_eq!(state.kept.len(), 1);
    assert_eq!(state.kept[0].dataset, Dataset::Fashion);
    let message = state.card.message.expect("the page says what it did");
    assert!(
        message.ends_with(
            "Your saved work (Fashion-MNIST, VAE-MLP-2 [512], step 900) is kept: open it from the Model card."
        ),
        "{message}"
    );
    // The user's own link, reloaded: their work goes on, at the link's cursor.
    let (state, _) = State::new("", "#data=fashion&seed=1&lr=0.003&z=1,2");
    let (state, effects) = state.reduce(restore(saved("fashion", 1, 900)));
    assert_eq!(state.training.step, 900);
    assert_eq!(state.settings.hyper.learning_rate, 3e-3);
    assert!(!effects.iter().any(|e| matches!(e, Effect::MoveCursor(_))));
    assert!(state.kept.is_empty());
}

#[test]
fn damaged_records_are_kept_and_said_to_be() {
    let (state, _) = State::new("", "");
    let damaged = Damaged {
        what: "the saved session".into(),
        key: "damaged-session".into(),
        reason: "the file is damaged: its checksum does not match its contents".into(),
        bytes: Shared::new(vec![1, 2, 3]),
    };
    let (state, _) = state.reduce(Action::Restored(Box::new(Restore {
        damaged: vec![damaged],
        ..Restore::default()
    })));
    assert!(state.restored);
    assert_eq!(state.damaged.len(), 1);
    assert_eq!(
        state.card.error.as_deref(),
        Some(
            "Some of what this browser saved could not be read (the saved session: the file is damaged: its checksum does not match its contents). It is kept: download it below."
        )
    );
}

#[test]
fn a_stopped_worker_goes_on_from_the_last_weights_with_the_chart_as_it_was() {
    let state = trained(ready_page(), 30);
    let id = state.training.session_id;
    let (state, _) = state.reduce(Action::Session(id, SessionEvent::Running(true)));
    let weights = checkpoint(VaeConfig::mlp2(), 0, serde_json::Value::Null);
    let (next, _) = state.reduce(Action::WorkerLost {
        session_id: id,
        reason: "out of memory".into(),
        weights: Some(Box::new(weights)),
    });
    assert_ne!(next.training.session_id, id, "a new session");
    assert_eq!(next.training.step, 2130);
    assert_eq!(next.training.history.len(), 30);
    assert!(next.backends.queued.run, "it trains on, as it was");
    let Origin::Opened { checkpoint, from } = &next.origin else {
        panic!("the last weights are the new session's start");
    };
    assert_eq!((checkpoint.step, *from), (2130, Source::Recovered));
    assert_eq!(next.worker_losses, 1);
    assert!(
        next.card
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("The training worker stopped (out of memory)"))
    );
}

#[test]
fn a_link_to_a_vae_gan_opens_the_pretrained_vae_gan_and_the_button_does_too() {
    let (state, _) = State::new("", "#data=mnist&gan=1");
    assert_eq!(state.data.pretrained_kind, PretrainedKind::Gan);
    assert!(state.settings.hyper.discriminator);
    let state = ready_page();
    let (state, _) = state.reduce(Action::UsePretrained(PretrainedKind::Gan));
    assert_eq!(state.pretrained, Pretrained::Loading);
    assert!(state.settings.hyper.discriminator);
    let mut gan = checkpoint(VaeConfig::mlp2(), 979, serde_json::Value::Null);
    gan.hyper.discriminator = true;
    gan.hyper.gamma = 5.0;
    let (state, _) = state.reduce(Action::Pretrained(
        Dataset::Mnist,
        PretrainedKind::Gan,
        Pretrained::Ready(Shared::new(gan)),
    ));
    assert_eq!(state.settings.hyper.gamma, 5.0);
    assert_eq!(state.training.step, 979);
    assert!(
        state
            .origin_line()
            .is_some_and(|l| l.in_use && l.text.contains("VAE-GAN, with its discriminator"))
    );
}

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
