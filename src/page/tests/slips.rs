//! A class's slips: files twice, work replaced, storage damaged, links, workers that stop.

use super::*;

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
