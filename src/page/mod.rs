//! The page's logic, plain Rust: what the page holds and how actions change it (the reducer),
//! what goes into share links and model files, the latent plane's geometry, and the messages
//! between the page and its training workers. `web` renders it and carries out its effects;
//! everything here compiles and is tested natively.

mod backend;
mod chart;
mod classroom;
mod dataset;
pub mod explain;
pub mod fuzz;
pub mod geometry;
pub mod glossary;
pub mod inference;
mod kept;
pub mod lessons;
mod meta;
mod offline;
mod pace;
mod plane;
pub mod protocol;
mod reduce;
pub mod settings;
mod share;
mod shared;
mod shelf;
mod state;

pub use backend::{
    Backend, BackendKind, Backends, Engine, Probe, Queued, WebGpuReady, WebGpuTrainer, cpu_speedup,
};
pub use chart::{ChartPoint, History, y_range};
pub use classroom::{Focus, Part, Rules, Shortcut, qr_svg};
pub use dataset::{Data, DataKey, DataStatus, Dataset, PretrainedKind};
pub use kept::{Damaged, Keeping, Kept, Restore};
pub use meta::PageMeta;
pub use offline::{Files, Offline, OfflineEvent, Worker};
pub use pace::conv_pace;
pub use plane::{
    Colour, MARKER, Marker, PALETTE, Plane, PlaneKey, PlanePoint, SEARCH, ZOOM_IN, ZOOM_OUT, lerp,
    there_and_back,
};
pub use reduce::{Action, SessionEvent};
pub use share::{Layout, ParsedLink, ShareLink, layout_of};
pub use shared::Shared;
pub use state::{
    Autosave, EXPORT_SIDES, Effect, Export, MAX_SAMPLES, ModelCard, Origin, OriginLine, Pretrained,
    SessionKey, Settings, Source, State, Training, export_scale,
};

/// 60000 → "60,000": counts as the page writes them.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Images encoded for the plane and scored for the held-out ELBO, at most.
pub const HELD_OUT: usize = 1000;

/// How many of `len` images are kept aside.
pub fn held_out_count(len: usize) -> usize {
    HELD_OUT.min(len / 5)
}

/// The images a session keeps aside (the plane's points, the held-out ELBO) and the ones it
/// trains on: the same split in the page, its workers and `vae-train`.
pub fn held_out_split(set: &crate::data::ImageSet) -> crate::data::Split {
    set.split(held_out_count(set.len()), crate::data::SPLIT_SEED)
}

#[cfg(test)]
mod tests;
