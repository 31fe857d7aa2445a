//! The entry points of the fuzz targets (`fuzz/`, run with `cargo fuzz`), here so that a
//! bounded native test can drive them too. Each must return, whatever the bytes.

use super::{
    ImageShape, Invert, Limits, NamedFile, Preprocess, Rng, Upload, read_idx, read_idx_pair,
    read_npy,
};

/// Small limits, so that a fuzzer explores refusals rather than allocations.
const LIMITS: Limits = Limits {
    file_bytes: 1 << 20,
    total_bytes: 4 << 20,
    archive_entries: 64,
    images: 256,
};

pub fn idx(bytes: &[u8]) {
    let _ = read_idx(bytes);
    // The same bytes as the images file and as the labels of a one-image file.
    let _ = read_idx_pair(bytes, None);
    let _ = read_idx_pair(
        &[0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7],
        Some(bytes),
    );
}

pub fn npy(bytes: &[u8]) {
    if let Ok(array) = read_npy(bytes) {
        let _ = array.clone().into_images();
        let _ = array.into_labels();
    }
}

pub fn archive(bytes: &[u8]) {
    let preprocess = Preprocess {
        shape: ImageShape {
            width: 8,
            height: 8,
            channels: 1,
        },
        invert: Invert::Auto,
        auto_contrast: true,
    };
    let mut upload = Upload::with_limits(preprocess, LIMITS);
    let file = NamedFile {
        name: "fuzz.zip".into(),
        bytes: bytes.to_vec(),
    };
    for inner in upload.expand(file) {
        upload.add(inner);
    }
    let _ = upload.finish();
}

/// A seeded mutation of `seed`, as a fuzzer makes them: bytes changed, cut, inserted, or a
/// length field blown up. For the bounded runs of the entry points inside `cargo test`.
pub fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(4) {
            0 if !bytes.is_empty() => {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next_u64() as u8;
            }
            1 if !bytes.is_empty() => bytes.truncate(rng.below(bytes.len())),
            2 => {
                let at = rng.below(bytes.len() + 1);
                bytes.insert(at, rng.next_u64() as u8);
            }
            _ => {
                // A length field blown up: the classic overflow.
                let at = rng.below(bytes.len().max(1));
                for b in bytes.iter_mut().skip(at).take(4) {
                    *b = 0xff;
                }
            }
        }
    }
    bytes
}
