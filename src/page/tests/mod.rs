//! The reducer, driven as the page drives it: the page's steps (`reducer`), the slips of a class
//! and the keeping of work (`slips`), and its invariants under random moves (`invariants`).

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
        webgpu_slower: None,
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
        host_reads: 0,
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

mod invariants;
mod reducer;
mod slips;
