//! Image files (PNG, JPEG, GIF, WebP, BMP) decoded in Rust, with limits checked before decoding.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

use super::RawImage;

/// The largest image side accepted: the header is read before any pixel is, so a
/// 20,000 × 20,000 PNG is refused without allocating for it.
pub const MAX_IMAGE_SIDE: u32 = 8192;
/// The most memory one decoding may use.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PictureError {
    #[error("the file is empty")]
    Empty,
    #[error("not a PNG, JPEG, GIF, WebP or BMP image")]
    NotAnImage,
    #[error("{width}×{height} pixels is too large (at most {MAX_IMAGE_SIDE} per side)")]
    TooLarge { width: u32, height: u32 },
    #[error("the {format} data is damaged or cut short: {reason}")]
    Damaged { format: String, reason: String },
}

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, PictureError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PictureError::NotAnImage)?;
    match reader.format() {
        Some(
            ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::Gif
            | ImageFormat::WebP
            | ImageFormat::Bmp,
        ) => Ok(reader),
        _ => Err(PictureError::NotAnImage),
    }
}

/// Decodes an image file; transparent pixels are composited onto white, as they would show on
/// a page.
pub fn decode_picture(bytes: &[u8]) -> Result<RawImage, PictureError> {
    if bytes.is_empty() {
        return Err(PictureError::Empty);
    }
    let format = reader(bytes)?
        .format()
        .map(|f| format!("{f:?}").to_uppercase())
        .unwrap_or_default();
    let damaged = |e: image::ImageError| PictureError::Damaged {
        format: format.clone(),
        reason: e.to_string(),
    };
    let (width, height) = reader(bytes)?.into_dimensions().map_err(damaged)?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width == 0 || height == 0 {
        return Err(PictureError::TooLarge { width, height });
    }
    let mut reader = reader(bytes)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(damaged)?;
    Ok(to_raw(image))
}

fn to_raw(image: DynamicImage) -> RawImage {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let grey = !image.color().has_color();
    let rgba = image.into_rgba32f();
    let channels = if grey { 1 } else { 3 };
    let mut pixels = vec![0.0; channels * width * height];
    for (i, p) in rgba.pixels().enumerate() {
        let [r, g, b, a] = p.0;
        let over_white = |v: f32| (v * a + (1.0 - a)).clamp(0.0, 1.0);
        if grey {
            pixels[i] = over_white(r);
        } else {
            pixels[i] = over_white(r);
            pixels[width * height + i] = over_white(g);
            pixels[2 * width * height + i] = over_white(b);
        }
    }
    RawImage {
        width,
        height,
        channels,
        pixels,
    }
}

/// Encodes 8-bit pixels as a PNG (exports): `channels` 1 (grey) or 3 (RGB), row-major,
/// interleaved.
pub fn encode_png(width: u32, height: u32, channels: usize, pixels: Vec<u8>) -> Vec<u8> {
    let image = if channels == 3 {
        image::RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)
    } else {
        image::GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8)
    }
    .expect("the pixel buffer should match the stated size");
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .expect("PNG encoding into memory should not fail");
    out.into_inner()
}

/// One image of the model's (channel-major, values in [0, 1]) as a PNG.
pub fn image_png(pixels: &[f32], shape: super::ImageShape) -> Vec<u8> {
    let plane = shape.width * shape.height;
    let bytes = (0..plane * shape.channels)
        .map(|i| {
            let (at, channel) = (i / shape.channels, i % shape.channels);
            (pixels[channel * plane + at].clamp(0.0, 1.0) * 255.0).round() as u8
        })
        .collect();
    encode_png(
        shape.width as u32,
        shape.height as u32,
        shape.channels,
        bytes,
    )
}

/// Images of the model's (channel-major, values in [0, 1]) as an animated GIF that loops: each
/// pixel repeated `scale` times each way (sharp on a slide), `delay_ms` per frame.
pub fn animated_gif(
    frames: &[Vec<f32>],
    shape: super::ImageShape,
    scale: u32,
    delay_ms: u32,
) -> Result<Vec<u8>, PictureError> {
    use image::codecs::gif::{GifEncoder, Repeat};
    use image::{Delay, Frame, RgbaImage};
    let (width, height) = (shape.width as u32 * scale, shape.height as u32 * scale);
    let plane = shape.width * shape.height;
    let failed = |e: image::ImageError| PictureError::Damaged {
        format: "GIF".into(),
        reason: e.to_string(),
    };
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
        encoder.set_repeat(Repeat::Infinite).map_err(failed)?;
        for pixels in frames {
            let image = RgbaImage::from_fn(width, height, |x, y| {
                let at = (y / scale) as usize * shape.width + (x / scale) as usize;
                let value = |c: usize| {
                    let channel = c.min(shape.channels - 1);
                    (pixels[channel * plane + at].clamp(0.0, 1.0) * 255.0).round() as u8
                };
                image::Rgba([value(0), value(1), value(2), 255])
            });
            let delay = Delay::from_numer_denom_ms(delay_ms, 1);
            encoder
                .encode_frame(Frame::from_parts(image, 0, 0, delay))
                .map_err(failed)?;
        }
    }
    Ok(out)
}
