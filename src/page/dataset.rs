//! The datasets the page offers and the state of the one in use.

use super::shared::Shared;
use crate::data::{ImageSet, NamedFile, Preprocess, Problem, ShapesConfig};

/// The datasets the page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataset {
    Mnist,
    Fashion,
    Shapes,
    /// The user's uploads and drawings.
    Own,
}

impl Dataset {
    pub const ALL: [Self; 4] = [Self::Mnist, Self::Fashion, Self::Shapes, Self::Own];

    /// The name in share links and model files.
    pub fn key(self) -> &'static str {
        match self {
            Self::Mnist => "mnist",
            Self::Fashion => "fashion",
            Self::Shapes => "shapes",
            Self::Own => "own",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Mnist => "MNIST",
            Self::Fashion => "Fashion-MNIST",
            Self::Shapes => "Shapes",
            Self::Own => "Your own data",
        }
    }

    /// The model each bundled dataset opens with, trained natively by `vae-train` (see the
    /// README): MNIST's also trained as a VAE-GAN; none for the user's own.
    pub fn pretrained_url(self, kind: PretrainedKind) -> Option<&'static str> {
        match (self, kind) {
            (Self::Mnist, PretrainedKind::Gan) => Some("models/mnist-mlp2-gan.vae"),
            (Self::Mnist, PretrainedKind::Plain) => Some("models/mnist-mlp2.vae"),
            (Self::Fashion, PretrainedKind::Plain) => Some("models/fashion-mlp2.vae"),
            (Self::Shapes, PretrainedKind::Plain) => Some("models/shapes-mlp2.vae"),
            _ => None,
        }
    }

    /// The bundled IDX files (images, labels) of MNIST and Fashion-MNIST.
    pub fn idx_urls(self) -> Option<[String; 2]> {
        let folder = match self {
            Self::Mnist => "mnist",
            Self::Fashion => "fashion-mnist",
            Self::Shapes | Self::Own => return None,
        };
        Some([
            format!("{folder}/t10k-images-idx3-ubyte.gz"),
            format!("{folder}/t10k-labels-idx1-ubyte.gz"),
        ])
    }

    /// The bundled datasets' class names, in label order.
    pub fn classes(self) -> Vec<String> {
        match self {
            Self::Mnist => (0..10).map(|d| d.to_string()).collect(),
            Self::Fashion => FASHION_CLASSES.iter().map(|c| c.to_string()).collect(),
            Self::Shapes => crate::data::KINDS.iter().map(|k| k.to_string()).collect(),
            Self::Own => Vec::new(),
        }
    }
}

/// Which pretrained model: the VAE, or the VAE-GAN (trained with its discriminator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PretrainedKind {
    #[default]
    Plain,
    Gan,
}

const FASHION_CLASSES: [&str; 10] = [
    "T-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
];

#[derive(Debug, Clone, PartialEq)]
pub enum DataStatus {
    /// Nothing chosen yet (own data before any upload).
    Empty,
    Loading {
        name: String,
        fraction: f64,
    },
    Ready {
        name: String,
        set: Shared<ImageSet>,
        /// Class names in label order; empty when unlabelled.
        classes: Vec<String>,
        /// Images that were resized to the model's size.
        resized: usize,
        /// Each image's true factors scaled to [0, 1] (Shapes), to colour the plane by.
        factors: Option<Shared<Vec<[f32; 5]>>>,
    },
    Failed {
        name: String,
        error: String,
    },
}

impl DataStatus {
    pub fn set(&self) -> Option<&Shared<ImageSet>> {
        match self {
            DataStatus::Ready { set, .. } => Some(set),
            _ => None,
        }
    }
}

/// What the data shown was loaded for: a late answer for an older choice is dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct DataKey {
    pub dataset: Dataset,
    pub shapes: ShapesConfig,
    pub own_files: Shared<Vec<NamedFile>>,
    pub preprocess: Preprocess,
}

/// The data in use: the choice, the user's own files and how they are prepared, and what
/// loading made of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub dataset: Dataset,
    pub status: DataStatus,
    /// The user's uploads and drawings, kept so that the data can be rebuilt (e.g. at another
    /// size) and saved.
    pub own_files: Shared<Vec<NamedFile>>,
    pub preprocess: Preprocess,
    pub shapes: ShapesConfig,
    /// Files that could not be read.
    pub read_problems: Shared<Vec<Problem>>,
    /// Those, and files that were read but could not be used.
    pub problems: Shared<Vec<Problem>>,
    /// What `status` was loaded for: loading is not repeated when only unusable files were
    /// dropped from the user's own.
    pub loaded_for: Option<DataKey>,
    pub pretrained_kind: PretrainedKind,
}

impl Data {
    pub fn new(dataset: Dataset) -> Self {
        Self {
            dataset,
            status: DataStatus::Loading {
                name: dataset.name().into(),
                fraction: 0.0,
            },
            own_files: Shared::default(),
            preprocess: Preprocess::default(),
            shapes: ShapesConfig::default(),
            read_problems: Shared::default(),
            problems: Shared::default(),
            loaded_for: None,
            pretrained_kind: PretrainedKind::Plain,
        }
    }

    /// Whether `key` still has to be loaded.
    pub fn needs_loading(&self, key: &DataKey) -> bool {
        self.loaded_for.as_ref() != Some(key)
    }

    pub fn key(&self) -> DataKey {
        DataKey {
            dataset: self.dataset,
            shapes: self.shapes,
            own_files: self.own_files.clone(),
            preprocess: self.preprocess,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_each_dataset_once() {
        for dataset in Dataset::ALL {
            assert_eq!(Dataset::from_key(dataset.key()), Some(dataset));
        }
        assert_eq!(Dataset::from_key("MNIST"), None);
        assert_eq!(Dataset::Fashion.classes()[9], "ankle boot");
        assert_eq!(Dataset::Own.pretrained_url(PretrainedKind::Plain), None);
        assert_eq!(Dataset::Fashion.pretrained_url(PretrainedKind::Gan), None);
        assert!(Dataset::Shapes.idx_urls().is_none());
    }
}
