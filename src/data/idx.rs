//! IDX, MNIST's own format (also Fashion-MNIST's, EMNIST's, KMNIST's), raw or gzipped.

use std::io::Read;

use super::{ImageSet, ImageShape};

/// The most a gzipped file may expand to: guards against zip bombs (the 60,000 MNIST training
/// images are 47 MB).
pub const MAX_DECOMPRESSED_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdxError {
    #[error("the file is empty")]
    Empty,
    #[error("not an IDX file: it starts with {0:02x?}, not 00 00 08 (unsigned bytes)")]
    WrongMagic([u8; 3]),
    #[error("the header is cut short")]
    TruncatedHeader,
    #[error("expected {expected} dimensions, the file has {found}")]
    WrongRank {
        expected: &'static str,
        found: usize,
    },
    #[error("the header promises {expected} bytes of data, the file holds {found}")]
    SizeMismatch { expected: usize, found: usize },
    #[error("its images are {0:?}: each side must be 1 to 8192 pixels, with 1 to 4 channels")]
    ImageShape(Vec<usize>),
    #[error("{images} images but {labels} labels")]
    LabelCount { images: usize, labels: usize },
    #[error("not valid gzip: {0}")]
    Gzip(String),
    #[error("expands to more than {}", super::size_text(MAX_DECOMPRESSED_BYTES))]
    TooLarge,
}

/// Gunzips `bytes` when they are gzipped (magic 1f 8b), refusing to expand past `limit` bytes.
pub fn gunzip_limited(bytes: &[u8], limit: usize) -> Result<Vec<u8>, IdxError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| IdxError::Gzip(e.to_string()))?;
    if out.len() > limit {
        return Err(IdxError::TooLarge);
    }
    Ok(out)
}

fn maybe_gunzip(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, IdxError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Ok(gunzip_limited(bytes, MAX_DECOMPRESSED_BYTES)?.into())
    } else {
        Ok(bytes.into())
    }
}

/// Parses an IDX file of unsigned bytes: its dimensions and its data.
pub fn read_idx(bytes: &[u8]) -> Result<(Vec<usize>, Vec<u8>), IdxError> {
    if bytes.is_empty() {
        return Err(IdxError::Empty);
    }
    let bytes = maybe_gunzip(bytes)?;
    let header = bytes.get(..4).ok_or(IdxError::TruncatedHeader)?;
    if header[..3] != [0, 0, 8] {
        return Err(IdxError::WrongMagic([header[0], header[1], header[2]]));
    }
    let rank = header[3] as usize;
    let dims_end = 4 + 4 * rank;
    let dims: Vec<usize> = bytes
        .get(4..dims_end)
        .ok_or(IdxError::TruncatedHeader)?
        .chunks_exact(4)
        .map(|d| u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or(IdxError::TooLarge)?;
    let found = bytes.len() - dims_end;
    if expected != found {
        return Err(IdxError::SizeMismatch { expected, found });
    }
    Ok((dims, bytes[dims_end..].to_vec()))
}

/// Reads an images file (N × H × W, or N × H × W × C) and an optional labels file (N).
pub fn read_idx_pair(images: &[u8], labels: Option<&[u8]>) -> Result<ImageSet, IdxError> {
    let (dims, data) = read_idx(images)?;
    let shape = match dims[..] {
        [_, height, width] => ImageShape {
            width,
            height,
            channels: 1,
        },
        [_, height, width, channels] => ImageShape {
            width,
            height,
            channels,
        },
        _ => {
            return Err(IdxError::WrongRank {
                expected: "3 (N×H×W) or 4 (N×H×W×C)",
                found: dims.len(),
            });
        }
    };
    // Checked before any arithmetic on the shape: these numbers come from the file.
    let sides_ok = (1..=8192).contains(&shape.width) && (1..=8192).contains(&shape.height);
    if !sides_ok || !(1..=4).contains(&shape.channels) {
        return Err(IdxError::ImageShape(dims));
    }
    let count = dims[0];
    let labels = match labels {
        None => None,
        Some(bytes) => {
            let (label_dims, labels) = read_idx(bytes)?;
            if label_dims.len() != 1 {
                return Err(IdxError::WrongRank {
                    expected: "1 (N labels)",
                    found: label_dims.len(),
                });
            }
            if labels.len() != count {
                return Err(IdxError::LabelCount {
                    images: count,
                    labels: labels.len(),
                });
            }
            Some(labels)
        }
    };
    Ok(ImageSet {
        shape,
        pixels: to_channel_major(&data, shape),
        labels,
    })
}

/// Writes images (8-bit, N × H × W, or N × H × W × C for colour) and, separately, labels as IDX
/// files: exports that other tools read.
pub fn write_idx(set: &ImageSet) -> (Vec<u8>, Option<Vec<u8>>) {
    let ImageShape {
        width,
        height,
        channels,
    } = set.shape;
    let mut dims = vec![set.len(), height, width];
    if channels > 1 {
        dims.push(channels);
    }
    let header = |dims: &[usize]| {
        let mut out = vec![0, 0, 8, dims.len() as u8];
        dims.iter()
            .for_each(|&d| out.extend((d as u32).to_be_bytes()));
        out
    };
    let mut images = header(&dims);
    let plane = width * height;
    for image in set.pixels.chunks_exact(set.shape.pixels()) {
        for i in 0..plane {
            for c in 0..channels {
                images.push((image[c * plane + i].clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        }
    }
    let labels = set.labels.as_ref().map(|labels| {
        let mut out = header(&[labels.len()]);
        out.extend(labels);
        out
    });
    (images, labels)
}

/// IDX stores pixels interleaved (H × W × C); the models want C × H × W, scaled to [0, 1].
fn to_channel_major(data: &[u8], shape: ImageShape) -> Vec<f32> {
    let (c, plane) = (shape.channels, shape.width * shape.height);
    let mut out = vec![0.0; data.len()];
    for (image_in, image_out) in data
        .chunks_exact(shape.pixels())
        .zip(out.chunks_exact_mut(shape.pixels()))
    {
        for (i, &v) in image_in.iter().enumerate() {
            image_out[(i % c) * plane + i / c] = v as f32 / 255.0;
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder
            .write_all(bytes)
            .expect("writing to memory should work");
        encoder.finish().expect("finishing in memory should work")
    }

    #[test]
    fn reads_images_and_labels_raw_and_gzipped() {
        let images = idx(&[2, 2, 2], &[0, 255, 0, 0, 255, 255, 255, 255]);
        let labels = idx(&[2], &[3, 7]);
        for (i, l) in [
            (images.clone(), labels.clone()),
            (gzip(&images), gzip(&labels)),
        ] {
            let set = read_idx_pair(&i, Some(&l)).expect("a valid pair should parse");
            assert_eq!(set.len(), 2);
            assert_eq!(
                set.shape,
                ImageShape {
                    width: 2,
                    height: 2,
                    channels: 1
                }
            );
            assert_eq!(set.image(0), &[0.0, 1.0, 0.0, 0.0]);
            assert_eq!(set.labels, Some(vec![3, 7]));
        }
    }

    #[test]
    fn colour_images_become_channel_major() {
        // One 1×2 RGB image: (r0 g0 b0) (r1 g1 b1).
        let set = read_idx_pair(&idx(&[1, 1, 2, 3], &[0, 51, 102, 153, 204, 255]), None)
            .expect("an RGB IDX should parse");
        assert_eq!(set.image(0), &[0.0, 0.6, 0.2, 0.8, 0.4, 1.0]);
    }

    #[test]
    fn bad_files_give_errors() {
        assert_eq!(read_idx(&[]), Err(IdxError::Empty));
        assert_eq!(read_idx(&[0, 0, 8]), Err(IdxError::TruncatedHeader));
        assert_eq!(
            read_idx(&[0x89, b'P', b'N', b'G']),
            Err(IdxError::WrongMagic([0x89, b'P', b'N']))
        );
        assert_eq!(
            read_idx(&idx(&[2, 2, 2], &[0; 7])),
            Err(IdxError::SizeMismatch {
                expected: 8,
                found: 7
            })
        );
        assert!(matches!(
            read_idx(&[0x1f, 0x8b, 1, 2, 3]),
            Err(IdxError::Gzip(_))
        ));
        assert_eq!(
            read_idx_pair(&idx(&[2, 1, 1], &[0, 0]), Some(&idx(&[3], &[1, 2, 3]))),
            Err(IdxError::LabelCount {
                images: 2,
                labels: 3
            })
        );
        assert!(matches!(
            read_idx_pair(&idx(&[2], &[0, 0]), None),
            Err(IdxError::WrongRank { .. })
        ));
    }

    #[test]
    fn gzip_bombs_stop_at_the_limit() {
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert_eq!(gunzip_limited(&bomb, 1000), Err(IdxError::TooLarge));
        assert_eq!(gunzip_limited(&bomb, 1 << 20).map(|v| v.len()), Ok(1 << 20));
    }
}
