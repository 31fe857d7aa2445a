//! What the page holds: one `State`, changed only by `State::reduce` (see `reduce.rs`).

use super::backend::{Backends, Engine};
use super::chart::{self, ChartPoint};
use super::classroom::Rules;
use super::dataset::{Data, Dataset, PretrainedKind};
use super::geometry::View;
use super::kept::{Damaged, Keeping, Kept};
use super::lessons;
use super::meta::PageMeta;
use super::offline::Offline;
use super::share::{Layout, ShareLink, layout_of};
use super::shared::Shared;
use crate::data::{ImageSet, ImageShape};
use crate::vae::{Checkpoint, Hyper, StepReport, VaeConfig};

/// Where the session's weights come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Pretrained,
    Scratch,
    Opened {
        checkpoint: Shared<Checkpoint>,
        from: Source,
    },
}

/// Where an opened model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A file the user picked or dropped.
    File,
    /// The work this browser saved.
    Autosave,
    /// Work the page kept when the user switched to something else.
    Kept,
    /// The last weights the page had when its training worker stopped.
    Recovered,
}

/// The pretrained model the page opens with.
#[derive(Debug, Clone, PartialEq)]
pub enum Pretrained {
    Loading,
    Ready(Shared<Checkpoint>),
    /// Missing or unreadable: the page starts from fresh weights and says why.
    Unavailable(String),
    /// None is made for this data (the user's own).
    None,
}

/// The autosave's state, as the Model card shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Autosave {
    /// Nothing of this session saved yet.
    Idle,
    Saved {
        step: u64,
    },
    Failed(String),
}

/// What the user can export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Export {
    /// The decoded image, at least `side` pixels on its longer side (0: as it is).
    DecodedPng {
        side: u32,
    },
    ManifoldPng {
        side: u32,
    },
    /// `count` decodings of z drawn from the prior, or around the cursor; as a zip of PNGs or
    /// an IDX file.
    Samples {
        count: usize,
        around_cursor: bool,
        idx: bool,
    },
}

/// The sizes offered for PNG exports (the longer side, pixels; 0 keeps the image's own size).
pub const EXPORT_SIDES: [u32; 4] = [0, 512, 1024, 2048];

/// The whole number each pixel is repeated by (nearest neighbour, so pixels stay sharp) for an
/// image of `width`×`height` to be at least `side` pixels on its longer side.
pub fn export_scale(width: u32, height: u32, side: u32) -> u32 {
    let longer = width.max(height).max(1);
    side.div_ceil(longer).clamp(1, 64)
}

/// The most samples one export makes.
pub const MAX_SAMPLES: usize = 10_000;

/// The settings of the next step (`hyper`) and of the next session (`model`, `seed`).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub hyper: Hyper,
    /// The model's settings; its image size is the data's.
    pub model: VaeConfig,
    pub seed: u64,
}

/// The session on screen and what it has done.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Training {
    /// Bumped by every new session: events of older sessions are dropped.
    pub session_id: u64,
    pub running: bool,
    pub last: Option<StepReport>,
    /// Steps trained, including those before the model was saved.
    pub step: u64,
    pub epoch: usize,
    /// Epochs done before this session (the file's), which its own epoch count adds to.
    pub epochs_before: usize,
    pub history: Shared<Vec<ChartPoint>>,
    pub held_out: Shared<Vec<(u64, f32)>>,
    /// The session has shown its model (the canvases draw it).
    pub has_model: bool,
    /// Trained since it started (so there is something to autosave, or to keep).
    pub trained: bool,
    pub error: Option<String>,
}

/// The Model card's lines: work under way, the last outcome, the autosave, the share link.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCard {
    pub busy: Option<String>,
    pub message: Option<String>,
    pub error: Option<String>,
    pub autosave: Autosave,
    pub share_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub backends: Backends,
    pub data: Data,
    pub pretrained: Pretrained,
    pub origin: Origin,
    /// The browser's storage has been read: sessions wait for it, so as not to start twice.
    pub restored: bool,
    /// The share link the page was opened with.
    pub link: Option<ShareLink>,
    pub settings: Settings,
    pub training: Training,
    pub card: ModelCard,
    /// Earlier work, one per dataset, kept when the user switched to something else.
    pub kept: Shared<Vec<Kept>>,
    /// Sessions asked for a copy of their model, to keep.
    pub keeping: Vec<Keeping>,
    /// Records in the browser's storage that could not be read, kept for the user.
    pub damaged: Shared<Vec<Damaged>>,
    /// How often a training worker has stopped.
    pub worker_losses: u32,
    pub layout: Layout,
    /// What a lesson link lets students see and change.
    pub rules: Rules,
    /// The guided lesson under way (a built-in lesson's id) and its step.
    pub lesson: Option<(String, usize)>,
    pub offline: Offline,
}

/// Where the model on show comes from, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginLine {
    pub text: String,
    /// The pretrained model is the session's start.
    pub in_use: bool,
    /// There is no pretrained model to go back to.
    pub unavailable: bool,
}

/// What the web layer must do beside showing the new state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Decode this model on the CPU and show it now, before its session starts: the first image
    /// waits neither for the data nor for a backend.
    ShowModel(Shared<Checkpoint>),
    /// Put the plane's cursor here (a file's or a link's).
    MoveCursor([f32; 2]),
    /// Show exactly this part of the plane (a link's).
    ShowView(View),
}

/// What a new session starts from; a change of any part starts one.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionKey {
    pub id: u64,
    pub engine: Engine,
    pub data: Shared<ImageSet>,
    /// A model file to start from; fresh weights when `None`.
    pub start_from: Option<Shared<Checkpoint>>,
}

impl State {
    /// The page as an address opens it: the faster backend, unless `search` says `backend=cpu`
    /// or `backend=webgpu` (WebGPU even on a software adapter); a share link
    /// in `fragment` sets the data, the settings, the cursor and the view, and `embed` there
    /// the compact layout.
    pub fn new(search: &str, fragment: &str) -> (Self, Vec<Effect>) {
        let (layout, fragment) = layout_of(fragment);
        let parsed = ShareLink::from_fragment(&fragment);
        let mut state = Self {
            backends: Backends::new(
                !search.contains("backend=cpu"),
                search.contains("backend=webgpu"),
            ),
            data: Data::new(Dataset::Mnist),
            pretrained: Pretrained::Loading,
            origin: Origin::Pretrained,
            restored: false,
            link: None,
            settings: Settings {
                hyper: Hyper::default(),
                model: VaeConfig::mlp2(),
                seed: 1,
            },
            training: Training::default(),
            card: ModelCard {
                busy: None,
                message: None,
                error: None,
                autosave: Autosave::Idle,
                share_url: None,
            },
            kept: Shared::default(),
            keeping: Vec::new(),
            damaged: Shared::default(),
            worker_losses: 0,
            layout,
            rules: Rules::default(),
            lesson: None,
            offline: Offline::default(),
        };
        let mut effects = Vec::new();
        if let Some(parsed) = parsed {
            let (mut link, mut ignored) = (parsed.link, parsed.ignored);
            if let Some(id) = link.lesson.take_if(|id| lessons::find(id).is_none()) {
                ignored.push(format!("lesson={id} (not a lesson of the page)"));
            }
            state.data = Data::new(link.dataset);
            // A VAE-GAN on MNIST opens the pretrained VAE-GAN: the link's settings, consistent.
            if link.hyper.discriminator && link.model == VaeConfig::mlp2() {
                state.data.pretrained_kind = PretrainedKind::Gan;
            }
            state.settings = Settings {
                hyper: link.hyper.clone(),
                model: link.model.clone(),
                seed: link.seed,
            };
            state.card.message = Some(if ignored.is_empty() {
                "Opened from a share link.".into()
            } else {
                format!(
                    "Opened from a share link; ignored what could not be used: {}.",
                    ignored.join("; ")
                )
            });
            effects.push(Effect::MoveCursor(link.cursor));
            effects.extend(link.view.map(Effect::ShowView));
            state.rules = link.rules.clone();
            state.lesson = link.lesson.clone().map(|id| (id, link.lesson_step));
            state.link = Some(link);
        }
        (state, effects)
    }

    /// The page's part of a model file saved now, with the cursor where it is.
    pub fn page_meta(&self, cursor: [f32; 2]) -> PageMeta {
        PageMeta {
            dataset: self.data.dataset.key().into(),
            preprocess: self.data.preprocess,
            shapes: self.data.shapes,
            seed: self.settings.seed,
            chart: (*self.training.history).clone(),
            held_out: (*self.training.held_out).clone(),
            epoch: self.training.epoch,
            cursor,
        }
    }

    /// A share link to what is on show.
    pub fn share_link(&self, cursor: [f32; 2], view: Option<View>) -> ShareLink {
        ShareLink {
            dataset: self.data.dataset,
            hyper: self.settings.hyper.clone(),
            model: self.settings.model.clone(),
            seed: self.settings.seed,
            cursor,
            view,
            rules: self.rules.clone(),
            lesson: self.lesson.as_ref().map(|(id, _)| id.clone()),
            lesson_step: self.lesson.as_ref().map_or(0, |(_, step)| *step),
        }
    }

    /// The chosen model for images of `shape`.
    pub fn model_for(&self, shape: ImageShape) -> VaeConfig {
        VaeConfig {
            image: shape,
            ..self.settings.model.clone()
        }
    }

    /// The images the session trains on, once loaded.
    fn data_shape(&self) -> Option<ImageShape> {
        self.data.status.set().map(|set| set.shape)
    }

    /// The pretrained model the session starts from, when it does: the pretrained model is
    /// chosen, has loaded, and fits the model settings and the data (once it has loaded).
    pub fn pretrained_start(&self) -> Option<&Shared<Checkpoint>> {
        let (Origin::Pretrained, Pretrained::Ready(checkpoint)) = (&self.origin, &self.pretrained)
        else {
            return None;
        };
        let shape = self.data_shape().unwrap_or(checkpoint.config.image);
        (checkpoint.config == self.model_for(shape)).then_some(checkpoint)
    }

    /// An opened model that does not fit the data (its images are of another size): the
    /// session waits, and the page says why.
    fn opened_misfit(&self) -> Option<(&Checkpoint, ImageShape)> {
        let Origin::Opened { checkpoint, .. } = &self.origin else {
            return None;
        };
        let shape = self.data_shape()?;
        (checkpoint.config != self.model_for(shape)).then_some((checkpoint, shape))
    }

    /// The session that should be running, once everything it needs is known.
    pub fn session(&self) -> Option<SessionKey> {
        // Waiting for the storage, or for the copy of a model that goes on after a change.
        if !self.restored || self.keeping.iter().any(|k| k.reopen) {
            return None;
        }
        let (engine, _) = self.backends.engine()?;
        let data = self.data.status.set()?.clone();
        let start_from = match (&self.origin, &self.pretrained) {
            (Origin::Opened { checkpoint, .. }, _) => {
                if self.opened_misfit().is_some() {
                    return None;
                }
                Some(checkpoint.clone())
            }
            (Origin::Pretrained, Pretrained::Loading) => return None,
            _ => self.pretrained_start().cloned(),
        };
        Some(SessionKey {
            id: self.training.session_id,
            engine,
            data,
            start_from,
        })
    }

    /// The line that says where the model on show comes from.
    pub fn origin_line(&self) -> Option<OriginLine> {
        let line = |text: String| OriginLine {
            text,
            in_use: self.pretrained_start().is_some(),
            unavailable: false,
        };
        if let Some((checkpoint, shape)) = self.opened_misfit() {
            return Some(line(format!(
                "The model you opened is {} for {} images, but the data is now {}: set the data back to train it, or Reset to train a new model on these images.",
                checkpoint.config.name(),
                checkpoint.config.image,
                shape
            )));
        }
        if let Origin::Opened { from, checkpoint } = &self.origin {
            return Some(line(match from {
                Source::File => "Training a model you opened.".into(),
                Source::Autosave => "Training the model this browser saved.".into(),
                Source::Kept => format!(
                    "Training your earlier model, kept when you switched (step {}).",
                    checkpoint.step
                ),
                Source::Recovered => "Training goes on from the weights the page last had.".into(),
            }));
        }
        let text = match &self.pretrained {
            Pretrained::Loading | Pretrained::None => return None,
            Pretrained::Unavailable(reason) => {
                return Some(OriginLine {
                    text: format!("No pretrained model ({reason}): starting from fresh weights."),
                    in_use: false,
                    unavailable: true,
                });
            }
            Pretrained::Ready(checkpoint) => match (&self.origin, self.pretrained_start()) {
                (_, Some(_)) => format!(
                    "Opened with a pretrained {}{} (trained natively for {} steps). Train on from here, or Reset to start from scratch.",
                    checkpoint.config.name(),
                    if self.data.pretrained_kind == PretrainedKind::Gan {
                        " VAE-GAN, with its discriminator"
                    } else {
                        ""
                    },
                    checkpoint.step
                ),
                (Origin::Pretrained, None) => format!(
                    "Training from scratch: the pretrained model is {} for {} images, not these settings.",
                    checkpoint.config.name(),
                    checkpoint.config.image
                ),
                _ => "Training from scratch.".to_string(),
            },
        };
        Some(line(text))
    }

    /// Why `checkpoint` cannot replace the current model, if it cannot.
    pub(super) fn refuse(&self, checkpoint: &Checkpoint) -> Option<String> {
        let Some(shape) = self.data_shape() else {
            return Some("wait until the data has loaded, then open the file again".into());
        };
        let page = self.model_for(shape);
        (checkpoint.config != page).then(|| {
            format!(
                "the file holds {} for {} images, but the page is set to {} on {} images: choose the same model settings and data first",
                checkpoint.config.name(),
                checkpoint.config.image,
                page.name(),
                shape
            )
        })
    }

    /// Makes `checkpoint` the next session's start, with its settings and loss history (and,
    /// unless a link set the view, its cursor). The caller has kept or ended the session before.
    pub(super) fn open(&mut self, checkpoint: Checkpoint, from: Source, effects: &mut Vec<Effect>) {
        self.reset_training();
        let (hyper, _) = super::settings::checked_hyper(&checkpoint.hyper);
        self.settings.hyper = hyper;
        self.settings.model = VaeConfig {
            image: VaeConfig::mlp2().image,
            ..checkpoint.config.clone()
        };
        self.training.step = checkpoint.step;
        if let Some(page) = PageMeta::from_json(&checkpoint.meta) {
            self.training.history = Shared::new(page.chart);
            self.training.held_out = Shared::new(page.held_out);
            self.training.epoch = page.epoch;
            self.training.epochs_before = page.epoch;
            self.settings.seed = page.seed;
            effects.push(Effect::MoveCursor(page.cursor));
        } else {
            self.show_epoch_log(&checkpoint);
        }
        self.origin = Origin::Opened {
            checkpoint: Shared::new(checkpoint),
            from,
        };
    }

    /// A file from the native trainer: its per-epoch losses as the chart.
    fn show_epoch_log(&mut self, checkpoint: &Checkpoint) {
        let history = chart::from_epoch_log(checkpoint);
        self.training.history = Shared::new(history.chart);
        self.training.held_out = Shared::new(history.held_out);
        self.training.epoch = history.epochs;
        self.training.epochs_before = history.epochs;
    }

    /// Until it trains, a session shows where its start got to: the pretrained model's step and
    /// epochs, or nothing for fresh weights (a file's were set when it was opened).
    pub(super) fn settle(&mut self) {
        if self.training.trained || matches!(self.origin, Origin::Opened { .. }) {
            return;
        }
        match self.pretrained_start().cloned() {
            Some(checkpoint) if self.training.step != checkpoint.step => {
                self.training.step = checkpoint.step;
                self.show_epoch_log(&checkpoint);
            }
            Some(_) => {}
            None if self.training.step != 0 => {
                let training = &mut self.training;
                training.step = 0;
                training.epoch = 0;
                training.epochs_before = 0;
                training.history = Shared::default();
                training.held_out = Shared::default();
            }
            None => {}
        }
    }

    /// The model the next session starts from, to show before it runs.
    pub(super) fn early_model(&self) -> Option<Effect> {
        let checkpoint = match &self.origin {
            Origin::Opened { checkpoint, .. } => checkpoint,
            Origin::Pretrained if self.restored => self.pretrained_start()?,
            _ => return None,
        };
        let fits = self
            .data_shape()
            .is_none_or(|shape| shape == checkpoint.config.image);
        (fits && checkpoint.config == self.model_for(checkpoint.config.image))
            .then(|| Effect::ShowModel(checkpoint.clone()))
    }

    /// A new session, the current one's work kept first (see `shelf.rs`).
    pub(super) fn replace_session(&mut self) {
        self.keep_current();
        self.reset_training();
    }

    /// A new session: what the page said about the last one's model goes with it.
    pub(super) fn reset_training(&mut self) {
        self.backends.queued = Default::default();
        self.card.message = None;
        self.card.error = None;
        self.card.autosave = Autosave::Idle;
        self.training = Training {
            session_id: self.training.session_id + 1,
            ..Training::default()
        };
    }
}

#[cfg(test)]
mod export_tests {
    use super::export_scale;

    #[test]
    fn exports_scale_by_whole_pixels_to_at_least_the_size_asked() {
        assert_eq!(export_scale(28, 28, 0), 1, "as it is");
        assert_eq!(export_scale(28, 28, 1024), 37, "28 × 37 = 1036 ≥ 1024");
        assert_eq!(export_scale(336, 336, 1024), 4);
        assert_eq!(export_scale(336, 336, 512), 2);
        assert_eq!(export_scale(0, 0, 2048), 64, "never more than 64 × a pixel");
    }
}
