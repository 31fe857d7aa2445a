//! Nothing the user made is lost: when a session is replaced (another dataset, a setting that
//! starts over, Reset, another model opened) its work is kept, one model per dataset, and
//! switching back to a dataset opens its kept model again. At start the page takes back what
//! the browser kept from earlier visits: the last session, the kept models, and any record that
//! could not be read (kept for the user, never overwritten).

use super::dataset::Dataset;
use super::kept::{Keeping, Kept, Restore};
use super::meta::PageMeta;
use super::share::ShareLink;
use super::shared::Shared;
use super::state::{Autosave, Effect, Origin, Source, State};
use crate::vae::{Checkpoint, VaeConfig};

impl State {
    /// Keeps the session's work before it is replaced: a copy of a trained model is asked of
    /// the session (`keeping`), an opened one that has not trained is kept as it is.
    pub(super) fn keep_current(&mut self) {
        let data = &self.data;
        if self.training.trained {
            self.keeping.push(Keeping {
                session_id: self.training.session_id,
                dataset: data.dataset,
                own_files: data.own_files.clone(),
                preprocess: data.preprocess,
                shapes: data.shapes,
                meta: self.page_meta([0.0, 0.0]),
                reopen: false,
            });
        } else if let Origin::Opened { checkpoint, .. } = &self.origin {
            let kept = Kept {
                dataset: data.dataset,
                checkpoint: checkpoint.clone(),
                own_files: data.own_files.clone(),
                preprocess: data.preprocess,
                shapes: data.shapes,
            };
            self.shelve(kept);
        }
    }

    /// Puts `kept` on the shelf, in place of its dataset's earlier one.
    pub(super) fn shelve(&mut self, kept: Kept) {
        let mut shelf: Vec<Kept> = self
            .kept
            .iter()
            .filter(|k| k.dataset != kept.dataset)
            .cloned()
            .collect();
        shelf.push(kept);
        self.kept = Shared::new(shelf);
    }

    /// Takes the kept model of `dataset` off the shelf.
    pub(super) fn take_kept(&mut self, dataset: Dataset) -> Option<Kept> {
        let found = self.kept.iter().find(|k| k.dataset == dataset).cloned()?;
        self.kept = Shared::new(
            self.kept
                .iter()
                .filter(|k| k.dataset != dataset)
                .cloned()
                .collect(),
        );
        Some(found)
    }

    /// Makes a kept model the session's start, with its data.
    pub(super) fn reopen(&mut self, kept: Kept, effects: &mut Vec<Effect>) {
        self.data.dataset = kept.dataset;
        self.data.own_files = kept.own_files;
        self.data.preprocess = kept.preprocess;
        self.data.shapes = kept.shapes;
        let checkpoint = (*kept.checkpoint).clone();
        self.open(checkpoint, Source::Kept, effects);
    }

    /// The copy a session made of its model arrived: it goes on the shelf, or on as the session.
    pub(super) fn kept_arrived(
        &mut self,
        session_id: u64,
        copy: Result<Checkpoint, String>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(at) = self.keeping.iter().position(|k| k.session_id == session_id) else {
            return;
        };
        let keeping = self.keeping.remove(at);
        let checkpoint = match copy {
            Ok(checkpoint) => checkpoint,
            Err(error) => {
                self.card.error = Some(format!(
                    "Could not keep the model trained on {}: {error}.",
                    keeping.dataset.name()
                ));
                return;
            }
        };
        let kept = Kept {
            dataset: keeping.dataset,
            checkpoint: Shared::new(checkpoint),
            own_files: keeping.own_files,
            preprocess: keeping.preprocess,
            shapes: keeping.shapes,
        };
        if keeping.reopen && kept.dataset == self.data.dataset {
            self.reopen(kept, effects);
        } else {
            self.shelve(kept);
        }
    }
}

impl State {
    pub(super) fn restore(&mut self, restore: Restore, effects: &mut Vec<Effect>) {
        self.restored = true;
        self.kept = Shared::new(restore.kept);
        if !restore.damaged.is_empty() {
            self.card.error = Some(format!(
                "Some of what this browser saved could not be read ({}). It is kept: download it below.",
                restore
                    .damaged
                    .iter()
                    .map(|d| format!("{}: {}", d.what, d.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            self.damaged = Shared::new(restore.damaged);
        }
        let Some((checkpoint, own_files)) = restore.session else {
            return;
        };
        let kept = Kept::from_checkpoint(checkpoint, own_files);
        match &self.link {
            None => {
                let step = kept.checkpoint.step;
                let message =
                    format!("Resumed where you left off, at step {step}. Start over to clear it.");
                self.reopen_saved(kept, effects);
                self.card.message = Some(message);
                self.card.autosave = Autosave::Saved { step };
            }
            // The user's own page, shared and reloaded: their work goes on, at the link's view.
            Some(link) if link_matches(&kept, link) => {
                let link = link.clone();
                let step = kept.checkpoint.step;
                self.reopen_saved(kept, effects);
                effects.retain(|e| !matches!(e, Effect::MoveCursor(_)));
                self.settings.hyper = link.hyper;
                self.card.message = Some(format!(
                    "Opened from a share link, with your saved work at step {step}."
                ));
                self.card.autosave = Autosave::Saved { step };
            }
            // Another page's link: the saved work is kept, to open later.
            Some(_) => {
                let described = kept.describe();
                self.shelve(kept);
                let opened = self.card.message.take().unwrap_or_default();
                self.card.message = Some(format!(
                    "{opened} Your saved work ({described}) is kept: open it from the Model card."
                ));
            }
        }
    }

    fn reopen_saved(&mut self, kept: Kept, effects: &mut Vec<Effect>) {
        self.reopen(kept, effects);
        if let Origin::Opened { from, .. } = &mut self.origin {
            *from = Source::Autosave;
        }
    }
}

/// Whether the saved session is the one a share link describes (the user shared their page and
/// reloaded it): the same data, model and seed.
fn link_matches(kept: &Kept, link: &ShareLink) -> bool {
    let config = VaeConfig {
        image: link.model.image,
        ..kept.checkpoint.config.clone()
    };
    let seed = PageMeta::from_json(&kept.checkpoint.meta).map(|m| m.seed);
    kept.dataset == link.dataset && config == link.model && seed == Some(link.seed)
}
