//! Model files: bytes (the browser has no file system) that say what they hold.
//!
//! Layout: `VAEPLAY` magic, format version (u32 LE), header length (u32 LE), a JSON header
//! (config, hyperparameters, step, section lengths, free-form metadata), then the sections:
//! burnpack records of the model, the discriminator (absent when it was never trained: see
//! `Checkpoint::to_half`) and, for resuming, both optimizers. Since format 2, the weight sections
//! of 16-bit files are stored byte-planed (all first bytes, then all second bytes): the sign and
//! exponent bytes of weights of similar size repeat, which gzip finds only when they are adjacent.
//! Since format 3, a CRC-32 of everything before it ends the file, so a damaged file is refused
//! rather than loaded with wrong weights.

use burn::module::{Module, ModuleMapper, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, FloatDType, Tensor};
use serde::{Deserialize, Serialize};

use super::adam::adam;
use super::training::Trainer;
use super::{ConfigError, Discriminator, Hyper, HyperError, Vae, VaeConfig, to_cpu};

const MAGIC: &[u8; 7] = b"VAEPLAY";
pub const FORMAT_VERSION: u32 = 3;
/// The first format that ends with a checksum.
const CHECKSUMMED: u32 = 3;
/// A header is a few hundred bytes; anything near this is not one of ours.
const MAX_HEADER_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CheckpointError {
    #[error("not a VAE Playground model file")]
    NotACheckpoint,
    #[error("model file format {found} is newer than this version reads ({FORMAT_VERSION})")]
    Version { found: u32 },
    #[error("the file is cut short: {expected} bytes expected, {found} present")]
    Truncated { expected: usize, found: usize },
    #[error("the file's header is damaged: {0}")]
    Header(String),
    #[error("the file is damaged: its checksum does not match its contents")]
    Checksum,
    #[error("the file holds {file}, but the current model is {current}")]
    Architecture { file: String, current: String },
    #[error("the file's {section} do not fit its model: {reason}")]
    Weights {
        section: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the file's settings cannot be used: {0}")]
    Hyper(#[from] HyperError),
    #[error("could not encode the {0}")]
    Encode(&'static str),
    #[error("could not build a trainer for the file's model: {0}")]
    Trainer(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    config: VaeConfig,
    hyper: Hyper,
    step: u64,
    /// The noise generator's state, so that a resumed run draws what the original would have.
    rng_state: u64,
    meta: serde_json::Value,
    sections: Vec<(String, usize)>,
    /// Byte planes of the weight sections: 2 for 16-bit files; absent (1) before format 2.
    #[serde(default = "one_plane", skip_serializing_if = "is_one_plane")]
    planes: usize,
}

fn one_plane() -> usize {
    1
}

fn is_one_plane(planes: &usize) -> bool {
    *planes == 1
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Byte `k` of every `planes`-byte word, for k = 0, 1, …; a tail shorter than a word stays last.
fn to_planes(bytes: &[u8], planes: usize) -> Vec<u8> {
    let words = bytes.len() / planes;
    let mut out = Vec::with_capacity(bytes.len());
    for plane in 0..planes {
        out.extend((0..words).map(|w| bytes[w * planes + plane]));
    }
    out.extend_from_slice(&bytes[words * planes..]);
    out
}

/// The inverse of `to_planes`.
fn from_planes(planed: &[u8], planes: usize) -> Vec<u8> {
    let words = planed.len() / planes;
    let mut out = vec![0; planed.len()];
    for plane in 0..planes {
        for w in 0..words {
            out[w * planes + plane] = planed[plane * words + w];
        }
    }
    out[words * planes..].copy_from_slice(&planed[words * planes..]);
    out
}

/// One epoch of `vae-train`'s log, kept in a checkpoint's `meta.history`: the page draws it as
/// the loss curve of the models it opens with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    pub epoch: usize,
    /// Mean over the epoch's steps, nats per image.
    pub reconstruction: f64,
    pub kl: f64,
    pub held_out_negative_elbo: f64,
}

/// A saved model: weights, config and (optionally) what is needed to resume training.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub config: VaeConfig,
    pub hyper: Hyper,
    pub step: u64,
    rng_state: u64,
    /// What the caller keeps beside the model (dataset name, loss history, …).
    pub meta: serde_json::Value,
    model: Vec<u8>,
    /// `None`: a fresh discriminator will do (the model was trained without one).
    discriminator: Option<Vec<u8>>,
    /// Both optimizers' states, when saved for resuming.
    optimizers: Option<(Vec<u8>, Vec<u8>)>,
    /// How the weight sections are stored: 2 byte planes for 16-bit weights, else 1.
    planes: usize,
}

const MODEL: &str = "model";
const DISCRIMINATOR: &str = "discriminator";
const OPTIMIZER: &str = "optimizer";
const DISCRIMINATOR_OPTIMIZER: &str = "discriminator_optimizer";

fn record_bytes<M: Module>(module: &M, what: &'static str) -> Result<Vec<u8>, CheckpointError> {
    module
        .clone()
        .into_record()
        .into_bytes()
        .map(|b| b.to_vec())
        .map_err(|_| CheckpointError::Encode(what))
}

fn optimizer_bytes(
    optimizer: &burn::optim::ModuleOptimizer,
    what: &'static str,
) -> Result<Vec<u8>, CheckpointError> {
    optimizer
        .into_bytes()
        .map(|b| b.to_vec())
        .map_err(|_| CheckpointError::Encode(what))
}

fn load_module<M: Module>(
    module: M,
    bytes: &[u8],
    section: &'static str,
) -> Result<M, CheckpointError> {
    let weights = |reason: String| CheckpointError::Weights { section, reason };
    // Files may store 16-bit weights (see `Checkpoint::to_half`): the model stays f32.
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| weights(format!("{e}")))?
        .cast_to_module_dtype();
    module
        .try_load_record(record)
        .map_err(|e| weights(format!("{e}")))
}

impl Checkpoint {
    /// The native trainer's per-epoch log (empty for files made elsewhere).
    pub fn epoch_log(&self) -> Vec<EpochLog> {
        self.meta
            .get("history")
            .and_then(|history| serde_json::from_value(history.clone()).ok())
            .unwrap_or_default()
    }

    /// Captures `trainer`; with `resumable`, its optimizers too (about 3× the size).
    pub fn from_trainer(
        trainer: &Trainer,
        meta: serde_json::Value,
        resumable: bool,
    ) -> Result<Self, CheckpointError> {
        let (vae, discriminator, _, _) = trainer.parts();
        Self::assemble(trainer, meta, vae, discriminator, resumable)
    }

    /// Captures `trainer` without reading its device synchronously (which WebGPU in the browser
    /// forbids): the weights are copied to the CPU first. The optimizers' state can only be read
    /// where it lies, so ask for it (`with_optimizers`) only from a CPU trainer.
    pub async fn capture(
        trainer: &Trainer,
        meta: serde_json::Value,
        with_optimizers: bool,
    ) -> Result<Self, CheckpointError> {
        let (vae, discriminator, _, _) = trainer.parts();
        let vae = to_cpu(vae)
            .await
            .map_err(|_| CheckpointError::Encode(MODEL))?;
        let discriminator = to_cpu(discriminator)
            .await
            .map_err(|_| CheckpointError::Encode(DISCRIMINATOR))?;
        Self::assemble(trainer, meta, &vae, &discriminator, with_optimizers)
    }

    /// A file of `vae`'s weights alone, for a model whose trainer is gone (a fresh discriminator
    /// and fresh optimizers when it is opened). `vae` must be readable without blocking: a CPU
    /// copy on the web.
    pub fn from_model(
        vae: &Vae,
        config: VaeConfig,
        hyper: Hyper,
        step: u64,
    ) -> Result<Self, CheckpointError> {
        Ok(Self {
            config,
            hyper,
            step,
            rng_state: step,
            meta: serde_json::Value::Null,
            model: record_bytes(vae, MODEL)?,
            discriminator: None,
            optimizers: None,
            planes: 1,
        })
    }

    /// `trainer`'s state with these copies of its modules (readable without blocking).
    fn assemble(
        trainer: &Trainer,
        meta: serde_json::Value,
        vae: &Vae,
        discriminator: &Discriminator,
        with_optimizers: bool,
    ) -> Result<Self, CheckpointError> {
        let (_, _, optim, discriminator_optim) = trainer.parts();
        let optimizers = if with_optimizers {
            Some((
                optimizer_bytes(optim, OPTIMIZER)?,
                optimizer_bytes(discriminator_optim, DISCRIMINATOR_OPTIMIZER)?,
            ))
        } else {
            None
        };
        Ok(Self {
            config: trainer.config().clone(),
            hyper: trainer.hyper.clone(),
            step: trainer.steps(),
            rng_state: trainer.rng_state(),
            meta,
            model: record_bytes(vae, MODEL)?,
            discriminator: Some(record_bytes(discriminator, DISCRIMINATOR)?),
            optimizers,
            planes: 1,
        })
    }

    /// A copy with the weights stored as 16-bit floats: half the bytes, about three significant
    /// digits, which decoding cannot tell apart on screen. Loading casts them back to f32. For
    /// files the page fetches (the pretrained models); training state is left out, and so is
    /// the discriminator when the model was trained without one (its weights are only its
    /// random start: a fifth of the file).
    pub fn to_half(&self) -> Result<Self, CheckpointError> {
        struct Half;
        impl ModuleMapper for Half {
            fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
                param.map(|t| t.cast(FloatDType::F16))
            }
        }
        let mut light = self.clone();
        light.optimizers = None;
        let trainer = light.clone().into_trainer(0, &Device::flex())?;
        let (vae, discriminator, _, _) = trainer.parts();
        light.model = record_bytes(&vae.valid().map(&mut Half), MODEL)?;
        light.discriminator = if self.hyper.discriminator {
            Some(record_bytes(
                &discriminator.valid().map(&mut Half),
                DISCRIMINATOR,
            )?)
        } else {
            None
        };
        light.planes = 2;
        Ok(light)
    }

    /// Drops the optimizers' state: training goes on from these weights with fresh optimizers.
    pub fn forget_optimizers(&mut self) {
        self.optimizers = None;
    }

    pub fn resumable(&self) -> bool {
        self.optimizers.is_some()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let planed = |bytes: &[u8]| to_planes(bytes, self.planes);
        let mut sections = vec![(MODEL, planed(&self.model))];
        if let Some(discriminator) = &self.discriminator {
            sections.push((DISCRIMINATOR, planed(discriminator)));
        }
        if let Some((optim, discriminator_optim)) = &self.optimizers {
            sections.push((OPTIMIZER, optim.clone()));
            sections.push((DISCRIMINATOR_OPTIMIZER, discriminator_optim.clone()));
        }
        let header = Header {
            config: self.config.clone(),
            hyper: self.hyper.clone(),
            step: self.step,
            rng_state: self.rng_state,
            meta: self.meta.clone(),
            sections: sections
                .iter()
                .map(|(name, bytes)| (name.to_string(), bytes.len()))
                .collect(),
            planes: self.planes,
        };
        let header = serde_json::to_vec(&header).expect("a header of plain data should serialise");
        let mut out = Vec::with_capacity(
            15 + header.len() + sections.iter().map(|(_, b)| b.len()).sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for (_, bytes) in sections {
            out.extend_from_slice(&bytes);
        }
        let checksum = crc32(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        out
    }

    /// Parses a file; never panics, whatever the bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(CheckpointError::NotACheckpoint);
        }
        let u32_at = |at: usize| -> Result<u32, CheckpointError> {
            bytes
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or(CheckpointError::Truncated {
                    expected: at + 4,
                    found: bytes.len(),
                })
        };
        let version = u32_at(7)?;
        if version > FORMAT_VERSION || version == 0 {
            return Err(CheckpointError::Version { found: version });
        }
        let header_len = u32_at(11)? as usize;
        if header_len > MAX_HEADER_BYTES {
            return Err(CheckpointError::Header(format!("{header_len} bytes long")));
        }
        let body = 15 + header_len;
        let header = bytes.get(15..body).ok_or(CheckpointError::Truncated {
            expected: body,
            found: bytes.len(),
        })?;
        let header: Header =
            serde_json::from_slice(header).map_err(|e| CheckpointError::Header(e.to_string()))?;
        header.config.validate()?;
        header.hyper.validate()?;
        if !(1..=8).contains(&header.planes) {
            return Err(CheckpointError::Header(format!(
                "{} byte planes",
                header.planes
            )));
        }

        let expected = header
            .sections
            .iter()
            .try_fold(body, |acc, (_, len)| acc.checked_add(*len))
            .ok_or_else(|| CheckpointError::Header("section lengths overflow".into()))?;
        let expected = expected + if version >= CHECKSUMMED { 4 } else { 0 };
        if bytes.len() < expected {
            return Err(CheckpointError::Truncated {
                expected,
                found: bytes.len(),
            });
        }
        if version >= CHECKSUMMED {
            let (contents, checksum) = bytes[..expected].split_at(expected - 4);
            if crc32(contents).to_le_bytes() != checksum {
                return Err(CheckpointError::Checksum);
            }
        }
        let mut at = body;
        let mut section = |name: &str| {
            let len = header
                .sections
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, len)| *len)?;
            let found = bytes[at..at + len].to_vec();
            at += len;
            Some(found)
        };
        let planes = header.planes;
        let model = section(MODEL)
            .map(|planed| from_planes(&planed, planes))
            .ok_or_else(|| CheckpointError::Header("no model".into()))?;
        let discriminator = section(DISCRIMINATOR).map(|planed| from_planes(&planed, planes));
        let optimizers = section(OPTIMIZER).zip(section(DISCRIMINATOR_OPTIMIZER));
        Ok(Self {
            config: header.config,
            hyper: header.hyper,
            step: header.step,
            rng_state: header.rng_state,
            meta: header.meta,
            model,
            discriminator,
            optimizers,
            planes,
        })
    }

    /// The model alone, for decoding and encoding (no autodiff).
    pub fn vae(&self, device: &Device) -> Result<Vae, CheckpointError> {
        let device = device.clone().without_autodiff();
        load_module(self.config.init(&device)?, &self.model, "model weights")
    }

    /// A trainer that carries on from this file (or starts new optimizers, when it holds none).
    pub fn into_trainer(self, seed: u64, device: &Device) -> Result<Trainer, CheckpointError> {
        let mut trainer = Trainer::new(self.config.clone(), self.hyper.clone(), seed, device)
            .map_err(|e| CheckpointError::Trainer(e.to_string()))?;
        self.load_into(&mut trainer)?;
        Ok(trainer)
    }

    /// Replaces `trainer`'s weights (and optimizer state, when saved) with this file's; a file
    /// without a discriminator keeps the trainer's. On any error the trainer is left exactly as
    /// it was.
    pub fn load_into(self, trainer: &mut Trainer) -> Result<(), CheckpointError> {
        if &self.config != trainer.config() {
            return Err(CheckpointError::Architecture {
                file: self.config.name(),
                current: trainer.config().name(),
            });
        }
        let (vae, discriminator, _, _) = trainer.parts();
        let vae = load_module(vae.clone(), &self.model, "model weights")?;
        // A file without one: the trainer's own (fresh, in `into_trainer`).
        let discriminator = match &self.discriminator {
            Some(bytes) => load_module(discriminator.clone(), bytes, "discriminator weights")?,
            None => discriminator.clone(),
        };
        let (optim, discriminator_optim) = match &self.optimizers {
            Some((optim, discriminator_optim)) => {
                let load = |bytes: &[u8], section| {
                    adam()
                        .from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
                        .map_err(|e| CheckpointError::Weights {
                            section,
                            reason: format!("{e}"),
                        })
                };
                (
                    load(optim, "optimizer state")?,
                    load(discriminator_optim, "discriminator optimizer state")?,
                )
            }
            None => (adam(), adam()),
        };
        trainer.restore(
            vae,
            discriminator,
            optim,
            discriminator_optim,
            self.step,
            self.rng_state,
        );
        trainer.hyper = self.hyper;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
