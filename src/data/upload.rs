//! A user's own dataset from whatever they hand over: image files (labelled by their folder),
//! `.zip` archives, IDX and `.npy` arrays with optional label files, drawings. Every file that
//! cannot be used is reported with its name and the reason; the rest is kept.
//!
//! Files go in one at a time ([`Upload::add`]) so that the page can yield between them.

use super::archive::{LIMITS, Limits, is_zip, read_zip, size_text};
use super::{ImageSet, Preprocess, RawImage, decode_picture, read_idx, read_idx_pair, read_npy};

/// A file as the user handed it over: its name (with folders, for a folder upload or inside an
/// archive) and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file that could not be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    pub reason: String,
}

/// The dataset made from an upload.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadResult {
    /// `None` when no file held a usable image.
    pub set: Option<ImageSet>,
    /// The class names, in label order (folder names, or the numbers of label files).
    pub classes: Vec<String>,
    pub problems: Vec<Problem>,
    /// Images that were not already the model's size.
    pub resized: usize,
}

/// Labels that came in a file of their own, to be matched with an array of images.
struct LabelFile {
    name: String,
    labels: Vec<u8>,
}

/// A run of images from one array file, waiting for its labels.
struct ArrayRun {
    start: usize,
    /// Images in the file.
    total: usize,
    /// Which of them were left out (positions in the file).
    left_out: Vec<usize>,
}

pub struct Upload {
    preprocess: Preprocess,
    limits: Limits,
    /// Bytes the upload may still use (archives count what they expand to).
    budget: usize,
    pixels: Vec<f32>,
    /// Each image's class name, if it has one.
    classes: Vec<Option<String>>,
    arrays: Vec<ArrayRun>,
    label_files: Vec<LabelFile>,
    problems: Vec<Problem>,
    resized: usize,
    full: bool,
}

/// The folder a file sits in, if any: `digits/3/a.png` → `3`; archives count as folders only
/// through their inner paths.
fn folder_of(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = name.split('/').collect();
    parts.pop();
    let folder = parts.pop()?;
    (!folder.to_ascii_lowercase().ends_with(".zip")).then(|| folder.to_string())
}

fn is_idx(file: &NamedFile) -> bool {
    let lower = file.name.to_ascii_lowercase();
    file.bytes.starts_with(&[0, 0, 8])
        || lower.contains("ubyte")
        || lower.ends_with(".idx")
        || lower.ends_with(".idx.gz")
}

impl Upload {
    pub fn new(preprocess: Preprocess) -> Self {
        Self::with_limits(preprocess, LIMITS)
    }

    pub fn with_limits(preprocess: Preprocess, limits: Limits) -> Self {
        Self {
            preprocess,
            limits,
            budget: limits.total_bytes,
            pixels: Vec::new(),
            classes: Vec::new(),
            arrays: Vec::new(),
            label_files: Vec::new(),
            problems: Vec::new(),
            resized: 0,
            full: false,
        }
    }

    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    fn problem(&mut self, file: &str, reason: impl ToString) {
        self.problems.push(Problem {
            file: file.to_string(),
            reason: reason.to_string(),
        });
    }

    /// Images the dataset may still take: at most `limits.images`, and at most 256 MB of
    /// model-sized pixels.
    fn room(&self) -> usize {
        let by_memory = (64 << 20) / self.preprocess.shape.pixels().max(1);
        self.limits.images.min(by_memory).saturating_sub(self.len())
    }

    /// Expands an archive into its files (checked against the limits); any other file is
    /// returned as it is. Add what comes back with [`Upload::add`].
    pub fn expand(&mut self, file: NamedFile) -> Vec<NamedFile> {
        if file.bytes.len() > self.limits.file_bytes {
            let reason = format!(
                "{} is larger than the {} allowed per file",
                size_text(file.bytes.len()),
                size_text(self.limits.file_bytes)
            );
            self.problem(&file.name, reason);
            return Vec::new();
        }
        if file.bytes.len() > self.budget {
            let reason = format!(
                "the upload is over its {} in all",
                size_text(self.limits.total_bytes)
            );
            self.problem(&file.name, reason);
            return Vec::new();
        }
        if !is_zip(&file.bytes) {
            self.budget -= file.bytes.len();
            return vec![file];
        }
        match read_zip(&file.name, &file.bytes, &self.limits, &mut self.budget) {
            Ok(files) => files,
            Err(error) => {
                self.problem(&file.name, error);
                Vec::new()
            }
        }
    }

    /// Decodes one file (not an archive: see [`Upload::expand`]) into the dataset.
    pub fn add(&mut self, file: NamedFile) {
        if self.full {
            return;
        }
        if file.bytes.is_empty() {
            return self.problem(&file.name, "the file is empty");
        }
        if file.bytes.starts_with(b"\x93NUMPY") || file.name.to_ascii_lowercase().ends_with(".npy")
        {
            let array = match read_npy(&file.bytes) {
                Ok(array) => array,
                Err(error) => return self.problem(&file.name, error),
            };
            if array.shape.len() == 1 {
                return match array.into_labels() {
                    Ok(labels) => self.label_files.push(LabelFile {
                        name: file.name,
                        labels,
                    }),
                    Err(error) => self.problem(&file.name, error),
                };
            }
            return match array.into_images() {
                Ok(set) => self.add_array(&file.name, set),
                Err(error) => self.problem(&file.name, error),
            };
        }
        if is_idx(&file) {
            return match read_idx(&file.bytes) {
                Ok((dims, data)) if dims.len() == 1 => self.label_files.push(LabelFile {
                    name: file.name,
                    labels: data,
                }),
                Ok(_) => match read_idx_pair(&file.bytes, None) {
                    Ok(set) => self.add_array(&file.name, set),
                    Err(error) => self.problem(&file.name, error),
                },
                Err(error) => self.problem(&file.name, error),
            };
        }
        match decode_picture(&file.bytes) {
            Ok(image) => {
                let class = folder_of(&file.name);
                self.add_image(&file.name, &image, class);
            }
            Err(error) => self.problem(&file.name, error),
        }
    }

    /// Adds one decoded image (a file, or a drawing with its label).
    pub fn add_image(&mut self, name: &str, image: &RawImage, class: Option<String>) {
        if self.room() == 0 {
            return self.stop_adding(name);
        }
        let shape = self.preprocess.shape;
        if (image.width, image.height) != (shape.width, shape.height) {
            self.resized += 1;
        }
        self.pixels.extend(self.preprocess.apply(image));
        self.classes.push(class);
    }

    fn add_array(&mut self, name: &str, set: ImageSet) {
        let start = self.len();
        let image_pixels = set.shape.pixels();
        let mut left_out = Vec::new();
        for (i, pixels) in set.pixels.chunks_exact(image_pixels).enumerate() {
            if self.room() == 0 {
                self.stop_adding(name);
                left_out.extend(i..set.len());
                break;
            }
            // A NaN would make every batch holding the image fail: it is left out.
            if pixels.iter().any(|v| v.is_nan()) {
                left_out.push(i);
                continue;
            }
            let image = RawImage {
                width: set.shape.width,
                height: set.shape.height,
                channels: set.shape.channels,
                pixels: pixels.to_vec(),
            };
            self.add_image(name, &image, None);
        }
        let not_numbers = set
            .pixels
            .chunks_exact(image_pixels)
            .filter(|p| p.iter().any(|v| v.is_nan()))
            .count();
        if not_numbers > 0 {
            let reason = format!(
                "{not_numbers} of its {} images hold values that are not numbers (NaN or ∞) and were left out",
                set.len()
            );
            self.problem(name, reason);
        }
        self.arrays.push(ArrayRun {
            start,
            total: set.len(),
            left_out,
        });
    }

    fn stop_adding(&mut self, name: &str) {
        self.full = true;
        let reason = format!(
            "the dataset is full at {} images: this file and the ones after it are left out",
            self.len()
        );
        self.problem(name, reason);
    }

    /// The dataset: arrays get the label file of the same count; images from folders get their
    /// folder's class. Labels are kept only when every image has one.
    pub fn finish(mut self) -> UploadResult {
        let mut label_files = std::mem::take(&mut self.label_files);
        for run in std::mem::take(&mut self.arrays) {
            let Some(position) = label_files.iter().position(|l| l.labels.len() == run.total)
            else {
                continue;
            };
            let file = label_files.remove(position);
            let mut kept = vec![true; run.total];
            for &i in &run.left_out {
                kept[i] = false;
            }
            let kept = file
                .labels
                .iter()
                .zip(kept)
                .filter_map(|(label, kept)| kept.then_some(label));
            for (class, label) in self.classes[run.start..].iter_mut().zip(kept) {
                *class = Some(label.to_string());
            }
        }
        for file in label_files {
            let reason = format!(
                "{} labels do not match the number of images in any images file: not used",
                file.labels.len()
            );
            self.problem(&file.name, reason);
        }
        let n = self.len();
        let (labels, classes) = if n > 0 && self.classes.iter().all(Option::is_some) {
            let mut names: Vec<String> = self.classes.iter().flatten().cloned().collect();
            // Numbers in numeric order, names alphabetically.
            names.sort_by(|a, b| match (a.parse::<u32>(), b.parse::<u32>()) {
                (Ok(a), Ok(b)) => a.cmp(&b),
                _ => a.cmp(b),
            });
            names.dedup();
            if names.len() > 256 {
                let reason = format!("{} classes are more than 256: labels not used", names.len());
                self.problem("(labels)", reason);
                (None, Vec::new())
            } else {
                let labels = self
                    .classes
                    .iter()
                    .flatten()
                    .map(|c| names.iter().position(|n| n == c).unwrap_or(0) as u8)
                    .collect();
                (Some(labels), names)
            }
        } else {
            (None, Vec::new())
        };
        UploadResult {
            set: (n > 0).then_some(ImageSet {
                shape: self.preprocess.shape,
                pixels: self.pixels,
                labels,
            }),
            classes,
            problems: self.problems,
            resized: self.resized,
        }
    }
}
