//! `.zip` archives of images: read with limits (zip bombs), and written for exports.

use std::io::{Cursor, Read, Write};

use super::NamedFile;

/// What one upload (all its files and archives together) may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of any single file, inside an archive or not.
    pub file_bytes: usize,
    /// Bytes of all files together, after expanding archives.
    pub total_bytes: usize,
    /// Files inside one archive.
    pub archive_entries: usize,
    /// Images in the resulting dataset.
    pub images: usize,
}

pub const LIMITS: Limits = Limits {
    file_bytes: 64 * 1024 * 1024,
    total_bytes: 256 * 1024 * 1024,
    archive_entries: 60_000,
    images: 60_000,
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    #[error("not a readable .zip archive: {0}")]
    Damaged(String),
    #[error("the archive holds {found} files, more than the {limit} allowed")]
    TooManyEntries { found: usize, limit: usize },
    #[error("{entry} expands to more than {}", size_text(*.limit))]
    EntryTooLarge { entry: String, limit: usize },
    #[error("the archive expands to more than {} in all", size_text(*.limit))]
    TooLarge { limit: usize },
    #[error("could not write the archive: {0}")]
    Write(String),
}

/// A size for people: "64 MB" (of 2²⁰ bytes), "1.5 MB", "512 KB".
pub fn size_text(bytes: usize) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let mb = bytes as f64 / MB;
    if mb >= 1.0 {
        if mb.fract() == 0.0 {
            format!("{mb} MB")
        } else {
            format!("{mb:.1} MB")
        }
    } else {
        format!("{} KB", (bytes as f64 / 1024.0).ceil())
    }
}

/// `name`, or `name (2)`, `name (3)`… before its extension: the first that `taken` does not hold.
pub fn unique_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (stem, extension) = match name[slash..].rfind('.') {
        Some(dot) if dot > 0 => name.split_at(slash + dot),
        _ => (name, ""),
    };
    (2..)
        .map(|n| format!("{stem} ({n}){extension}"))
        .find(|candidate| !taken(candidate))
        .expect("some numbered name should be free")
}

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The files in a zip archive, named `archive/inner/path`, without folders and the hidden files
/// some systems add (`__MACOSX/`, `.DS_Store`). Every size is checked while expanding, not
/// trusted from the archive's own directory. `budget` is the bytes the upload may still use; it
/// is reduced by what was expanded.
pub fn read_zip(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    budget: &mut usize,
) -> Result<Vec<NamedFile>, ArchiveError> {
    let damaged = |e: zip::result::ZipError| ArchiveError::Damaged(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    if archive.len() > limits.archive_entries {
        return Err(ArchiveError::TooManyEntries {
            found: archive.len(),
            limit: limits.archive_entries,
        });
    }
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(damaged)?;
        let path = entry.name().to_string();
        let hidden = path
            .split('/')
            .any(|part| part.starts_with('.') || part == "__MACOSX");
        if entry.is_dir() || hidden {
            continue;
        }
        let limit = limits.file_bytes.min(*budget);
        let mut out = Vec::new();
        (&mut entry)
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| ArchiveError::Damaged(format!("{path}: {e}")))?;
        if out.len() > limit {
            return Err(if limit < limits.file_bytes {
                ArchiveError::TooLarge {
                    limit: limits.total_bytes,
                }
            } else {
                ArchiveError::EntryTooLarge { entry: path, limit }
            });
        }
        *budget -= out.len();
        files.push(NamedFile {
            name: format!("{name}/{path}"),
            bytes: out,
        });
    }
    Ok(files)
}

/// A zip archive of `files` (deflated). A name that comes twice is numbered (`a (2).png`): an
/// archive holds each name once.
pub fn write_zip(files: &[NamedFile]) -> Result<Vec<u8>, ArchiveError> {
    let failed = |e: zip::result::ZipError| ArchiveError::Write(e.to_string());
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names = std::collections::HashSet::new();
    for file in files {
        let name = unique_name(&file.name, |n| names.contains(n));
        writer.start_file(name.as_str(), options).map_err(failed)?;
        writer
            .write_all(&file.bytes)
            .map_err(|e| ArchiveError::Write(e.to_string()))?;
        names.insert(name);
    }
    Ok(writer.finish().map_err(failed)?.into_inner())
}
