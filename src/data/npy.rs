//! NumPy `.npy` arrays: images as N×H×W or N×H×W×C (uint8 or float), labels as N integers.

use super::{ImageSet, ImageShape};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NpyError {
    #[error("the file is empty")]
    Empty,
    #[error("not a .npy file (no \\x93NUMPY magic)")]
    WrongMagic,
    #[error("the header is cut short or damaged")]
    Header,
    #[error("unsupported dtype '{0}': use uint8, float32 or float64 (integers for labels)")]
    Dtype(String),
    #[error("Fortran-ordered arrays are not supported: save with np.ascontiguousarray")]
    FortranOrder,
    #[error("unsupported shape {0:?}: images must be N×H×W or N×H×W×C with C = 1, 3 or 4")]
    Shape(Vec<usize>),
    #[error("the header promises {expected} bytes of data, the file holds {found}")]
    SizeMismatch { expected: usize, found: usize },
    #[error("labels must be a one-dimensional array, not shape {0:?}")]
    LabelShape(Vec<usize>),
    #[error("label {0} is out of range: labels must be whole numbers from 0 to 255")]
    LabelValue(f64),
    #[error(
        "the array is larger than {}",
        super::size_text(super::MAX_DECOMPRESSED_BYTES)
    )]
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Unsigned,
    Signed,
    Float,
}

/// A parsed array: its shape and its values as f64 (every supported dtype fits).
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
    /// Whether the dtype was an integer type.
    pub integer: bool,
}

/// Reads the value of `key` in the header's Python dict literal, e.g. `'descr': '<f4'`.
fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[start..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

pub fn read_npy(bytes: &[u8]) -> Result<NpyArray, NpyError> {
    if bytes.is_empty() {
        return Err(NpyError::Empty);
    }
    if !bytes.starts_with(b"\x93NUMPY") {
        return Err(NpyError::WrongMagic);
    }
    let major = *bytes.get(6).ok_or(NpyError::Header)?;
    let (header_len, header_start): (usize, usize) = match major {
        1 => {
            let b = bytes.get(8..10).ok_or(NpyError::Header)?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 10)
        }
        2 | 3 => {
            let b = bytes.get(8..12).ok_or(NpyError::Header)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        _ => return Err(NpyError::Header),
    };
    let data_start = header_start
        .checked_add(header_len)
        .ok_or(NpyError::Header)?;
    let header = bytes
        .get(header_start..data_start)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or(NpyError::Header)?;

    let descr = header_value(header, "descr").ok_or(NpyError::Header)?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    if header_value(header, "fortran_order").ok_or(NpyError::Header)? == "True" {
        return Err(NpyError::FortranOrder);
    }
    let shape: Vec<usize> = header_value(header, "shape")
        .and_then(|s| s.strip_prefix('(')?.strip_suffix(')'))
        .ok_or(NpyError::Header)?
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.trim_end_matches('L')
                .parse()
                .map_err(|_| NpyError::Header)
        })
        .collect::<Result<_, _>>()?;

    let dtype = || NpyError::Dtype(descr.to_string());
    let (order, code) = descr.split_at(descr.len().min(1));
    let big_endian = match order {
        "<" | "|" | "=" => false,
        ">" => true,
        _ => return Err(dtype()),
    };
    let kind = match code.get(..1) {
        Some("u") => Kind::Unsigned,
        Some("i") => Kind::Signed,
        Some("f") => Kind::Float,
        _ => return Err(dtype()),
    };
    let width: usize = code[1..].parse().map_err(|_| dtype())?;
    if !matches!(
        (kind, width),
        (Kind::Unsigned | Kind::Signed, 1 | 2 | 4 | 8) | (Kind::Float, 4 | 8)
    ) {
        return Err(dtype());
    }

    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or(NpyError::TooLarge)?;
    let expected = count.checked_mul(width).ok_or(NpyError::TooLarge)?;
    if expected > super::MAX_DECOMPRESSED_BYTES {
        return Err(NpyError::TooLarge);
    }
    let found = bytes.len() - data_start.min(bytes.len());
    if expected != found {
        return Err(NpyError::SizeMismatch { expected, found });
    }
    let values = bytes[data_start..]
        .chunks_exact(width)
        .map(|chunk| {
            let mut b = [0u8; 8];
            b[..width].copy_from_slice(chunk);
            if big_endian {
                b[..width].reverse();
            }
            let raw = u64::from_le_bytes(b);
            match (kind, width) {
                (Kind::Unsigned, _) => raw as f64,
                (Kind::Signed, 8) => raw as i64 as f64,
                (Kind::Signed, _) => {
                    let shift = 64 - 8 * width;
                    ((raw << shift) as i64 >> shift) as f64
                }
                (Kind::Float, 4) => f32::from_bits(raw as u32) as f64,
                (Kind::Float, _) => f64::from_bits(raw),
            }
        })
        .collect();
    Ok(NpyArray {
        shape,
        values,
        integer: kind != Kind::Float,
    })
}

impl NpyArray {
    /// The array as images: uint8 values are scaled from 0–255, floats are taken as 0–1 unless
    /// some exceed 1 (then 0–255). An alpha channel (C = 4) is dropped. Values that are not
    /// numbers (NaN, ±∞) stay NaN, for the caller to leave their images out.
    pub fn into_images(self) -> Result<ImageSet, NpyError> {
        let (n, height, width, channels) = match self.shape[..] {
            [n, h, w] => (n, h, w, 1),
            [n, h, w, c @ (1 | 3 | 4)] => (n, h, w, c),
            _ => return Err(NpyError::Shape(self.shape)),
        };
        if n == 0 || height == 0 || width == 0 {
            return Err(NpyError::Shape(self.shape));
        }
        let max = self
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let scale = if self.integer || max > 1.0 {
            1.0 / 255.0
        } else {
            1.0
        };
        let kept = channels.min(3);
        let shape = ImageShape {
            width,
            height,
            channels: kept,
        };
        let mut pixels = Vec::with_capacity(n * shape.pixels());
        // HWC (NumPy's layout) to CHW (ours).
        for image in self.values.chunks_exact(height * width * channels) {
            for c in 0..kept {
                pixels.extend(image.iter().skip(c).step_by(channels).map(
                    |&v| match v.is_finite() {
                        true => (v * scale).clamp(0.0, 1.0) as f32,
                        false => f32::NAN,
                    },
                ));
            }
        }
        Ok(ImageSet {
            shape,
            pixels,
            labels: None,
        })
    }

    /// The array as class labels 0–255.
    pub fn into_labels(self) -> Result<Vec<u8>, NpyError> {
        if self.shape.len() != 1 {
            return Err(NpyError::LabelShape(self.shape));
        }
        self.values
            .iter()
            .map(|&v| {
                if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                    Ok(v as u8)
                } else {
                    Err(NpyError::LabelValue(v))
                }
            })
            .collect()
    }
}

/// Writes a version-1 `.npy` header and data (tests and fixtures).
pub fn write_npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Pad so that the data starts on a multiple of 64 bytes, ending in a newline.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}
