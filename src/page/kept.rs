//! What is kept of the user's work: a model kept from a replaced session (one per dataset), a
//! copy being made of one, and what the browser held from earlier visits. The reducer's part
//! (keeping, reopening, restoring) is in `shelf`.

use serde::{Deserialize, Serialize};

use super::dataset::Dataset;
use super::meta::PageMeta;
use super::shared::Shared;
use crate::data::{LIMITS, NamedFile, Preprocess, ShapesConfig, read_zip, write_zip};
use crate::vae::Checkpoint;

/// A model kept from an earlier session, with the data it was trained on.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub dataset: Dataset,
    pub checkpoint: Shared<Checkpoint>,
    /// The user's own files, for their dataset.
    pub own_files: Shared<Vec<NamedFile>>,
    pub preprocess: Preprocess,
    pub shapes: ShapesConfig,
}

impl Kept {
    /// A model file's own record of its data: the dataset, preprocessing and Shapes it was
    /// trained on (MNIST's defaults for files made elsewhere).
    pub fn from_checkpoint(checkpoint: Checkpoint, own_files: Vec<NamedFile>) -> Self {
        let meta = PageMeta::from_json(&checkpoint.meta);
        Self {
            dataset: meta
                .as_ref()
                .and_then(|m| Dataset::from_key(&m.dataset))
                .unwrap_or(Dataset::Mnist),
            preprocess: meta.as_ref().map(|m| m.preprocess).unwrap_or_default(),
            shapes: meta.map(|m| m.shapes).unwrap_or_default(),
            checkpoint: Shared::new(checkpoint),
            own_files: Shared::new(own_files),
        }
    }

    /// The kept model as one record for the browser's storage: a zip of the model file, its
    /// data settings and the user's own files.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let data = KeptData {
            dataset: self.dataset.key().into(),
            preprocess: self.preprocess,
            shapes: self.shapes,
        };
        let mut files = vec![
            NamedFile {
                name: "model.vae".into(),
                bytes: self.checkpoint.to_bytes(),
            },
            NamedFile {
                name: "data.json".into(),
                bytes: serde_json::to_vec(&data).map_err(|e| e.to_string())?,
            },
        ];
        files.extend(self.own_files.iter().map(|f| NamedFile {
            name: format!("own/{}", f.name),
            bytes: f.bytes.clone(),
        }));
        write_zip(&files).map_err(|e| e.to_string())
    }

    /// A record made by [`Kept::to_bytes`]; `Err` says why it cannot be read.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let mut budget = LIMITS.total_bytes;
        let files = read_zip("", bytes, &LIMITS, &mut budget).map_err(|e| e.to_string())?;
        let file = |name: &str| files.iter().find(|f| f.name == format!("/{name}"));
        let model = file("model.vae").ok_or("it holds no model")?;
        let checkpoint = Checkpoint::from_bytes(&model.bytes).map_err(|e| e.to_string())?;
        let data: KeptData = file("data.json")
            .and_then(|f| serde_json::from_slice(&f.bytes).ok())
            .ok_or("its data settings are damaged")?;
        let own_files = files
            .iter()
            .filter_map(|f| {
                Some(NamedFile {
                    name: f.name.strip_prefix("/own/")?.to_string(),
                    bytes: f.bytes.clone(),
                })
            })
            .collect();
        Ok(Self {
            dataset: Dataset::from_key(&data.dataset).ok_or("it names an unknown dataset")?,
            checkpoint: Shared::new(checkpoint),
            own_files: Shared::new(own_files),
            preprocess: data.preprocess,
            shapes: data.shapes,
        })
    }

    /// "MNIST, VAE-MLP-2 [512], step 2806".
    pub fn describe(&self) -> String {
        format!(
            "{}, {}, step {}",
            self.dataset.name(),
            self.checkpoint.config.name(),
            self.checkpoint.step
        )
    }
}

/// What a kept record says of its data.
#[derive(Serialize, Deserialize)]
struct KeptData {
    dataset: String,
    preprocess: Preprocess,
    shapes: ShapesConfig,
}

/// A session asked for a copy of its model, to keep; what it was trained on, and the page's
/// part of its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Keeping {
    pub session_id: u64,
    pub dataset: Dataset,
    pub own_files: Shared<Vec<NamedFile>>,
    pub preprocess: Preprocess,
    pub shapes: ShapesConfig,
    /// The page's metadata for the file (the cursor is set when the copy is made).
    pub meta: PageMeta,
    /// The model goes on at once as the session (another backend), rather than to the shelf.
    pub reopen: bool,
}

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
