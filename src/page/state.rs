//! What the page holds: one `State`, changed only by `State::reduce` (see `reduce.rs`).

use super::backend::{Backends, Engine};
use super::chart::{self, ChartPoint};
use super::dataset::{Data, DataStatus, Dataset};
use super::geometry::View;
use super::meta::PageMeta;
use super::share::ShareLink;
use super::shared::Shared;
use crate::data::{ImageSet, ImageShape};
use crate::vae::{Checkpoint, Hyper, StepReport, VaeConfig};

/// Where the session's weights come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Pretrained,
    Scratch,
    /// A model file the user opened, or the autosave.
    Opened(Shared<Checkpoint>),
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
    /// Nothing trained since the page opened.
    Idle,
    Saved {
        step: u64,
    },
    Failed(String),
}

/// What the user can export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Export {
    DecodedPng,
    ManifoldPng,
    /// `count` decodings of z drawn from the prior, or around the cursor; as a zip of PNGs or
    /// an IDX file.
    Samples {
        count: usize,
        around_cursor: bool,
        idx: bool,
    },
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
    /// Trained since the page opened (so there is something to autosave).
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
    /// The autosave has been looked for: sessions wait for it, so as not to start twice.
    pub restored: bool,
    pub settings: Settings,
    pub training: Training,
    pub card: ModelCard,
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
    /// The page as an address opens it: WebGPU unless `search` says `backend=cpu`; a share link
    /// in `fragment` sets the data, the settings, the cursor and the view (and then the
    /// autosave is not restored).
    pub fn new(search: &str, fragment: &str) -> (Self, Vec<Effect>) {
        let link = ShareLink::from_fragment(fragment);
        let mut state = Self {
            backends: Backends::new(!search.contains("backend=cpu")),
            data: Data::new(Dataset::Mnist),
            pretrained: Pretrained::Loading,
            origin: Origin::Pretrained,
            restored: link.is_some(),
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
        };
        let mut effects = Vec::new();
        if let Some(parsed) = link {
            let link = parsed.link;
            state.data = Data::new(link.dataset);
            state.settings = Settings {
                hyper: link.hyper,
                model: link.model,
                seed: link.seed,
            };
            state.card.message = Some(if parsed.ignored.is_empty() {
                "Opened from a share link.".into()
            } else {
                format!(
                    "Opened from a share link; ignored what could not be used: {}.",
                    parsed.ignored.join("; ")
                )
            });
            effects.push(Effect::MoveCursor(link.cursor));
            effects.extend(link.view.map(Effect::ShowView));
        }
        (state, effects)
    }

    /// The page's part of a model file saved now, with the cursor where it is.
    pub fn page_meta(&self, cursor: [f32; 2]) -> PageMeta {
        PageMeta {
            dataset: self.data.dataset.key().into(),
            preprocess: self.data.preprocess,
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
        }
    }

    /// The chosen model for images of `shape`.
    pub fn model_for(&self, shape: ImageShape) -> VaeConfig {
        VaeConfig {
            image: shape,
            ..self.settings.model.clone()
        }
    }

    /// The pretrained model the session starts from, when it does: the pretrained model is
    /// chosen, has loaded, and fits the model settings and the data (once it has loaded).
    pub fn pretrained_start(&self) -> Option<&Shared<Checkpoint>> {
        let (Origin::Pretrained, Pretrained::Ready(checkpoint)) = (&self.origin, &self.pretrained)
        else {
            return None;
        };
        let shape = self
            .data
            .status
            .set()
            .map_or(checkpoint.config.image, |s| s.shape);
        (checkpoint.config == self.model_for(shape)).then_some(checkpoint)
    }

    /// The session that should be running, once everything it needs is known.
    pub fn session(&self) -> Option<SessionKey> {
        if !self.restored {
            return None;
        }
        let (engine, _) = self.backends.engine()?;
        let data = self.data.status.set()?.clone();
        let start_from = match (&self.origin, &self.pretrained) {
            (Origin::Opened(checkpoint), _) => Some(checkpoint.clone()),
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
        let text = match (&self.pretrained, &self.origin) {
            (Pretrained::Loading | Pretrained::None, _) => return None,
            (Pretrained::Unavailable(reason), _) => {
                return Some(OriginLine {
                    text: format!("No pretrained model ({reason}): starting from fresh weights."),
                    in_use: false,
                    unavailable: true,
                });
            }
            (_, Origin::Opened(_)) => "Training a model you opened.".to_string(),
            (Pretrained::Ready(checkpoint), Origin::Pretrained) => match self.pretrained_start() {
                Some(_) => format!(
                    "Opened with a pretrained {} (trained natively for {} steps). Train on from here, or Reset to start from scratch.",
                    checkpoint.config.name(),
                    checkpoint.step
                ),
                None => format!(
                    "Training from scratch: the pretrained model is {} for {}×{} images, not these settings.",
                    checkpoint.config.name(),
                    checkpoint.config.image.width,
                    checkpoint.config.image.height
                ),
            },
            (Pretrained::Ready(_), Origin::Scratch) => "Training from scratch.".to_string(),
        };
        Some(OriginLine {
            text,
            in_use: self.pretrained_start().is_some(),
            unavailable: false,
        })
    }

    /// Why `checkpoint` cannot replace the current model, if it cannot.
    pub(super) fn refuse(&self, checkpoint: &Checkpoint) -> Option<String> {
        let DataStatus::Ready { set, .. } = &self.data.status else {
            return Some("wait until the data has loaded, then open the file again".into());
        };
        let page = self.model_for(set.shape);
        (checkpoint.config != page).then(|| {
            format!(
                "the file holds {}, but the page is set to {} on this data: choose the same model settings first",
                checkpoint.config.name(),
                page.name()
            )
        })
    }

    /// Makes `checkpoint` the session's start, with its loss history and view.
    pub(super) fn open(&mut self, checkpoint: Checkpoint, effects: &mut Vec<Effect>) {
        self.reset_training();
        self.settings.hyper = checkpoint.hyper.clone();
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
        self.origin = Origin::Opened(Shared::new(checkpoint));
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
        if self.training.trained || matches!(self.origin, Origin::Opened(_)) {
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
            Origin::Opened(checkpoint) => checkpoint,
            Origin::Pretrained if self.restored => self.pretrained_start()?,
            _ => return None,
        };
        let fits = match &self.data.status {
            DataStatus::Ready { set, .. } => set.shape == checkpoint.config.image,
            _ => true,
        };
        (fits && checkpoint.config == self.model_for(checkpoint.config.image))
            .then(|| Effect::ShowModel(checkpoint.clone()))
    }

    /// A new session: what the page said about the last one's model goes with it.
    pub(super) fn reset_training(&mut self) {
        self.backends.queued = Default::default();
        self.card.message = None;
        self.card.error = None;
        self.training = Training {
            session_id: self.training.session_id + 1,
            ..Training::default()
        };
    }
}
