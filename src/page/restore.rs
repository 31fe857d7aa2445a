//! What the browser kept from earlier visits, as the page finds it at start: the last session,
//! the kept models, and any record that could not be read (kept for the user, never overwritten).

use super::kept::Kept;
use super::meta::PageMeta;
use super::shared::Shared;
use super::state::{Autosave, Effect, Source, State};
use crate::data::NamedFile;
use crate::vae::{Checkpoint, VaeConfig};

/// What the storage held.
#[derive(Debug, Clone, Default)]
pub struct Restore {
    /// The autosaved session and the user's own files.
    pub session: Option<(Checkpoint, Vec<NamedFile>)>,
    pub kept: Vec<Kept>,
    pub damaged: Vec<Damaged>,
}

/// A record that could not be read: moved aside in the storage, offered as a download.
#[derive(Debug, Clone, PartialEq)]
pub struct Damaged {
    /// What it held, for people ("the saved session").
    pub what: String,
    /// Where it now lies in the storage.
    pub key: String,
    pub reason: String,
    pub bytes: Shared<Vec<u8>>,
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
        if let super::state::Origin::Opened { from, .. } = &mut self.origin {
            *from = Source::Autosave;
        }
    }
}

/// Whether the saved session is the one a share link describes (the user shared their page and
/// reloaded it): the same data, model and seed.
fn link_matches(kept: &Kept, link: &super::share::ShareLink) -> bool {
    let config = VaeConfig {
        image: link.model.image,
        ..kept.checkpoint.config.clone()
    };
    let seed = PageMeta::from_json(&kept.checkpoint.meta).map(|m| m.seed);
    kept.dataset == link.dataset && config == link.model && seed == Some(link.seed)
}
