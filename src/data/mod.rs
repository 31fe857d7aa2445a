//! The ground: image sets, the file formats they come from, and batches.

mod archive;
pub mod fuzz;
mod idx;
mod image_set;
mod npy;
mod picture;
mod preprocess;
mod rng;
mod shapes;
mod upload;

pub use archive::{
    ArchiveError, LIMITS, Limits, is_zip, read_zip, size_text, unique_name, write_zip,
};
pub use idx::{
    IdxError, MAX_DECOMPRESSED_BYTES, gunzip_limited, read_idx, read_idx_pair, write_idx,
};
pub use image_set::{Batches, ImageSet, ImageShape, SPLIT_SEED, Split};
pub use npy::{NpyArray, NpyError, read_npy, write_npy};
pub use picture::{
    MAX_IMAGE_SIDE, PictureError, animated_gif, decode_picture, encode_png, image_png,
};
pub use preprocess::{Invert, MAX_INPUT_SIDE, Preprocess, RawImage};
pub use rng::Rng;
pub use shapes::{FACTOR_NAMES, Factors, KINDS, ShapeMaker, ShapesConfig, generate_shapes};
pub use upload::{NamedFile, Problem, Upload, UploadResult};

/// Reading a dataset from disk (the native trainer, tests and benchmarks).
#[cfg(not(target_arch = "wasm32"))]
mod files {
    use std::path::{Path, PathBuf};

    use super::{IdxError, ImageSet, read_idx_pair};

    #[derive(Debug, thiserror::Error)]
    pub enum FileError {
        #[error("{path}: {source}")]
        Io {
            path: PathBuf,
            source: std::io::Error,
        },
        #[error("{path}: {source}")]
        Idx { path: PathBuf, source: IdxError },
    }

    fn read(path: &Path) -> Result<Vec<u8>, FileError> {
        std::fs::read(path).map_err(|source| FileError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// An IDX images file (raw or gzipped) and its optional labels file.
    pub fn read_idx_files(images: &Path, labels: Option<&Path>) -> Result<ImageSet, FileError> {
        let image_bytes = read(images)?;
        let label_bytes = labels.map(read).transpose()?;
        read_idx_pair(&image_bytes, label_bytes.as_deref()).map_err(|source| FileError::Idx {
            path: images.to_owned(),
            source,
        })
    }

    fn bundled(folder: &str) -> Result<ImageSet, FileError> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(folder);
        read_idx_files(
            &dir.join("t10k-images-idx3-ubyte.gz"),
            Some(&dir.join("t10k-labels-idx1-ubyte.gz")),
        )
    }

    /// The bundled MNIST test set (10,000 digits) from the project's `assets/`.
    pub fn bundled_mnist() -> Result<ImageSet, FileError> {
        bundled("mnist")
    }

    /// The bundled Fashion-MNIST test set (10,000 items) from the project's `assets/`.
    pub fn bundled_fashion_mnist() -> Result<ImageSet, FileError> {
        bundled("fashion-mnist")
    }

    /// Every file under `path` (itself, if it is a file), named relative to `path`'s parent so
    /// that sub-folders name classes as they do in the page.
    pub fn read_tree(path: &Path) -> Result<Vec<super::NamedFile>, FileError> {
        let base = path.parent().unwrap_or(Path::new(""));
        let mut files = Vec::new();
        let mut stack = vec![path.to_owned()];
        while let Some(next) = stack.pop() {
            if next.is_dir() {
                let entries = std::fs::read_dir(&next).map_err(|source| FileError::Io {
                    path: next.clone(),
                    source,
                })?;
                let mut children: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                children.sort();
                stack.extend(children.into_iter().rev());
            } else {
                let name = next.strip_prefix(base).unwrap_or(&next);
                files.push(super::NamedFile {
                    name: name.to_string_lossy().replace('\\', "/"),
                    bytes: read(&next)?,
                });
            }
        }
        Ok(files)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use files::{FileError, bundled_fashion_mnist, bundled_mnist, read_idx_files, read_tree};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod bundled_tests {
    #[test]
    fn bundled_mnist_has_the_known_labels() {
        let set = super::bundled_mnist().expect("assets/mnist should be readable");
        assert_eq!(set.len(), 10_000);
        assert_eq!(set.shape, super::ImageShape::MNIST);
        let labels = set.labels.expect("MNIST comes with labels");
        assert_eq!(labels[..10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    }
}
