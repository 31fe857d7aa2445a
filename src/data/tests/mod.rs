//! Every upload format and every bad input the page must survive, on small fixtures made here:
//! the bundled sets, Shapes, each file format and the exports here; uploads as a whole (folders,
//! archives, label files) in `uploads`.

use super::*;

mod uploads;

fn grey(width: usize, height: usize, f: impl Fn(usize, usize) -> f32) -> RawImage {
    let pixels = (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .map(|(x, y)| f(x, y))
        .collect();
    RawImage {
        width,
        height,
        channels: 1,
        pixels,
    }
}

fn png(width: u32, height: u32, value: u8) -> Vec<u8> {
    encode_png(width, height, 1, vec![value; (width * height) as usize])
}

fn file(name: &str, bytes: Vec<u8>) -> NamedFile {
    NamedFile {
        name: name.into(),
        bytes,
    }
}

fn zip_of(files: &[NamedFile]) -> Vec<u8> {
    write_zip(files).expect("a zip should write to memory")
}

fn upload(files: Vec<NamedFile>) -> UploadResult {
    upload_with(files, LIMITS)
}

fn upload_with(files: Vec<NamedFile>, limits: Limits) -> UploadResult {
    let preprocess = Preprocess {
        invert: Invert::Never,
        ..Preprocess::default()
    };
    let mut upload = Upload::with_limits(preprocess, limits);
    for f in files {
        for inner in upload.expand(f) {
            upload.add(inner);
        }
    }
    upload.finish()
}

fn reasons(result: &UploadResult) -> Vec<(String, String)> {
    result
        .problems
        .iter()
        .map(|p| (p.file.clone(), p.reason.clone()))
        .collect()
}

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    dims.iter().for_each(|d| out.extend(d.to_be_bytes()));
    out.extend(data);
    out
}

// ---- bundled and generated ----

#[test]
fn bundled_fashion_mnist_has_the_known_labels() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fashion-mnist");
    let set = read_idx_files(
        &dir.join("t10k-images-idx3-ubyte.gz"),
        Some(&dir.join("t10k-labels-idx1-ubyte.gz")),
    )
    .expect("assets/fashion-mnist should be readable");
    let labels = set.labels.expect("Fashion-MNIST comes with labels");
    assert_eq!(labels[..10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    for class in 0..10 {
        assert_eq!(labels.iter().filter(|&&l| l == class).count(), 1000);
    }
}

#[test]
fn shapes_are_reproducible_and_match_their_factors() {
    let config = ShapesConfig {
        count: 300,
        size: 32,
        seed: 7,
    };
    let (set, factors) = generate_shapes(&config);
    assert_eq!(set.len(), 300);
    assert_eq!(set.shape.width, 32);
    assert_eq!(
        generate_shapes(&config).0,
        set,
        "the same seed should draw the same images"
    );
    let other = generate_shapes(&ShapesConfig { seed: 8, ..config }).0;
    assert_ne!(other, set);
    let labels = set.labels.as_ref().expect("shapes are labelled by kind");
    for kind in 0..3u8 {
        assert!(labels.iter().filter(|&&l| l == kind).count() > 60);
    }
    for (i, f) in factors.iter().enumerate() {
        assert_eq!(labels[i], f.kind);
        assert!(f.values().iter().all(|v| (0.0..=1.0).contains(v)), "{f:?}");
        // The ink covers the shape's area: r² × (2 square, π circle, 1.3 triangle).
        let area = f.scale * f.scale * [2.0, std::f32::consts::PI, 1.299][f.kind as usize];
        let ink: f32 = set.image(i).iter().sum::<f32>() / (32.0 * 32.0);
        assert!(
            (ink - area).abs() < 0.02 + area * 0.1,
            "{f:?}: ink {ink}, area {area}"
        );
        // The centre of mass is the shape's position.
        let (mut mx, mut my) = (0.0, 0.0);
        for (p, v) in set.image(i).iter().enumerate() {
            mx += v * ((p % 32) as f32 + 0.5) / 32.0;
            my += v * ((p / 32) as f32 + 0.5) / 32.0;
        }
        let total: f32 = set.image(i).iter().sum();
        if f.kind != 2 {
            assert!((mx / total - f.x).abs() < 0.02, "{f:?}");
            assert!((my / total - f.y).abs() < 0.02, "{f:?}");
        }
    }
}

// ---- preprocessing ----

#[test]
fn preprocessing_resizes_converts_and_inverts() {
    // A 56×56 checkerboard of single pixels averages to grey at 28×28.
    let board = grey(56, 56, |x, y| ((x + y) % 2) as f32);
    let out = Preprocess {
        invert: Invert::Never,
        ..Preprocess::default()
    }
    .apply(&board);
    assert_eq!(out.len(), 784);
    assert!(
        out.iter().all(|v| (v - 0.5).abs() < 0.05),
        "{:?}",
        &out[..5]
    );

    // Dark strokes on paper become light on dark with Auto.
    let paper = grey(28, 28, |x, _| if x == 14 { 0.0 } else { 1.0 });
    let out = Preprocess::default().apply(&paper);
    assert!(out[14] > 0.9 && out[0] < 0.1);
    let kept = Preprocess {
        invert: Invert::Never,
        ..Preprocess::default()
    }
    .apply(&paper);
    assert!(kept[14] < 0.1 && kept[0] > 0.9);

    // Auto-contrast stretches a dim image to the full range.
    let dim = grey(28, 28, |x, _| 0.2 + 0.1 * (x as f32 / 27.0));
    let out = Preprocess {
        invert: Invert::Never,
        auto_contrast: true,
        ..Preprocess::default()
    }
    .apply(&dim);
    assert!(out[0] < 1e-4 && out[27] > 0.999);

    // RGB to grey with the luma weights; grey to RGB copies the channel.
    let red = RawImage {
        width: 2,
        height: 2,
        channels: 3,
        pixels: [[1.0; 4], [0.0; 4], [0.0; 4]].concat(),
    };
    let tiny = |channels| Preprocess {
        shape: ImageShape {
            width: 2,
            height: 2,
            channels,
        },
        invert: Invert::Never,
        auto_contrast: false,
    };
    assert!(
        tiny(1)
            .apply(&red)
            .iter()
            .all(|&v| (v - 0.299).abs() < 1e-5)
    );
    assert_eq!(tiny(3).apply(&grey(2, 2, |_, _| 0.5)), vec![0.5; 12]);

    // A wide image is centre-cropped, not squashed: ink at its far left is cut off, ink in its
    // middle stays in the middle.
    let left = grey(84, 28, |x, _| if x < 10 { 1.0 } else { 0.0 });
    assert_eq!(tiny(1).apply(&left), vec![0.0; 4]);
    let middle = grey(84, 28, |x, _| if (40..44).contains(&x) { 1.0 } else { 0.0 });
    let out = tiny(1).apply(&middle);
    assert!(out[0] > 0.05 && (out[0] - out[1]).abs() < 1e-4, "{out:?}");
}

// ---- image files ----

#[test]
fn pictures_decode_in_every_format_with_transparency_on_white() {
    let decoded = decode_picture(&png(3, 2, 200)).expect("a PNG should decode");
    assert_eq!((decoded.width, decoded.height, decoded.channels), (3, 2, 1));
    assert!(
        decoded
            .pixels
            .iter()
            .all(|&v| (v - 200.0 / 255.0).abs() < 1e-3)
    );

    for format in [
        image::ImageFormat::Jpeg,
        image::ImageFormat::Gif,
        image::ImageFormat::Bmp,
        image::ImageFormat::WebP,
    ] {
        let image = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            8,
            8,
            image::Rgb([255, 0, 0]),
        ));
        let mut bytes = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, format)
            .expect("the fixture should encode");
        let decoded = decode_picture(bytes.get_ref()).expect("each supported format should decode");
        assert_eq!(decoded.channels, 3, "{format:?}");
        assert!(
            decoded.pixels[0] > 0.9 && decoded.pixels[64] < 0.1,
            "{format:?}"
        );
    }

    // Transparent pixels are white paper.
    let rgba = image::DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
        2,
        2,
        image::Rgba([0, 0, 0, 0]),
    ));
    let mut bytes = std::io::Cursor::new(Vec::new());
    rgba.write_to(&mut bytes, image::ImageFormat::Png)
        .expect("the fixture should encode");
    let decoded = decode_picture(bytes.get_ref()).expect("an RGBA PNG should decode");
    assert!(decoded.pixels.iter().all(|&v| v > 0.99));
}

#[test]
fn bad_pictures_give_their_reason() {
    assert_eq!(decode_picture(&[]), Err(PictureError::Empty));
    assert_eq!(
        decode_picture(b"this is a text file renamed to .png"),
        Err(PictureError::NotAnImage)
    );
    let full = png(64, 64, 100);
    let truncated = &full[..full.len() / 2];
    assert!(matches!(
        decode_picture(truncated),
        Err(PictureError::Damaged { format, .. }) if format == "PNG"
    ));

    // A 20,000 × 20,000 PNG header: refused from the header alone.
    let mut huge = png(1, 1, 0);
    huge[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    assert_eq!(
        decode_picture(&huge),
        Err(PictureError::TooLarge {
            width: 20_000,
            height: 20_000
        })
    );
}

// ---- .npy ----

#[test]
fn npy_images_and_labels_in_every_supported_dtype() {
    let data: Vec<u8> = (0..2 * 3 * 4).map(|v| v as u8 * 10).collect();
    let set = read_npy(&write_npy("|u1", &[2, 3, 4], &data))
        .and_then(NpyArray::into_images)
        .expect("uint8 N×H×W should read");
    assert_eq!(
        set.shape,
        ImageShape {
            width: 4,
            height: 3,
            channels: 1
        }
    );
    assert!((set.pixels[5] - 50.0 / 255.0).abs() < 1e-6);

    // float32 N×H×W×C in [0, 1], interleaved channels to channel-major.
    let values: Vec<f32> = vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let set = read_npy(&write_npy("<f4", &[1, 1, 2, 3], &bytes))
        .and_then(NpyArray::into_images)
        .expect("float32 N×H×W×C should read");
    assert_eq!(set.shape.channels, 3);
    assert_eq!(set.pixels, vec![0.1, 0.4, 0.2, 0.5, 0.3, 0.6]);

    // float64 in 0–255 is scaled; big-endian too.
    let bytes: Vec<u8> = [255.0f64, 0.0]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let set = read_npy(&write_npy(">f8", &[1, 1, 2], &bytes))
        .and_then(NpyArray::into_images)
        .expect("big-endian float64 should read");
    assert_eq!(set.pixels, vec![1.0, 0.0]);

    // NumPy's default integer (int64) labels.
    let bytes: Vec<u8> = [3i64, 0, 9].iter().flat_map(|v| v.to_le_bytes()).collect();
    let labels = read_npy(&write_npy("<i8", &[3], &bytes))
        .and_then(NpyArray::into_labels)
        .expect("int64 labels should read");
    assert_eq!(labels, vec![3, 0, 9]);
}

#[test]
fn bad_npy_files_give_their_reason() {
    assert_eq!(read_npy(&[]), Err(NpyError::Empty));
    assert_eq!(read_npy(b"PK\x03\x04 not numpy"), Err(NpyError::WrongMagic));
    assert_eq!(
        read_npy(&write_npy("<c8", &[1, 2, 2], &[0; 32])),
        Err(NpyError::Dtype("<c8".into()))
    );
    assert_eq!(
        read_npy(&write_npy("<U5", &[1], &[0; 20])),
        Err(NpyError::Dtype("<U5".into()))
    );
    let two_d = read_npy(&write_npy("|u1", &[4, 4], &[0; 16])).expect("the file itself is fine");
    assert_eq!(two_d.into_images(), Err(NpyError::Shape(vec![4, 4])));
    let five_channels =
        read_npy(&write_npy("|u1", &[1, 2, 2, 5], &[0; 20])).expect("the file itself is fine");
    assert_eq!(
        five_channels.into_images(),
        Err(NpyError::Shape(vec![1, 2, 2, 5]))
    );
    assert_eq!(
        read_npy(&write_npy("|u1", &[2, 4, 4], &[0; 20])),
        Err(NpyError::SizeMismatch {
            expected: 32,
            found: 20
        })
    );
    let mut fortran = write_npy("|u1", &[1, 2, 2], &[0; 4]);
    let at = fortran
        .windows(5)
        .position(|w| w == b"False")
        .expect("the header says fortran_order: False");
    fortran[at..at + 5].copy_from_slice(b"True ");
    assert_eq!(read_npy(&fortran), Err(NpyError::FortranOrder));
    let bytes: Vec<u8> = [300i64].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(
        read_npy(&write_npy("<i8", &[1], &bytes)).and_then(NpyArray::into_labels),
        Err(NpyError::LabelValue(300.0))
    );
    assert_eq!(read_npy(b"\x93NUMPY\x01\x00\xff"), Err(NpyError::Header));
}

// ---- IDX ----

#[test]
fn idx_images_of_impossible_shapes_are_refused() {
    // Found by `cargo fuzz`: a side of 0 (once a division by zero) and sides whose product
    // overflows (with 0 images, so that the data size still matched).
    let zero_side = [
        0, 0, 8, 4, 0x50, 0x4b, 5, 6, 0x3a, 0xff, 0x14, 0, 0, 0, 0, 0, 0, 0, 0x8a, 0,
    ];
    let overflow = [
        0, 0, 8, 4, 0, 0, 0, 0, 0x7a, 0, 0, 0, 0, 0, 0, 8, 0xff, 0x12, 0x2c, 0xad,
    ];
    for crash in [&zero_side[..], &overflow[..]] {
        assert!(matches!(
            read_idx_pair(crash, None),
            Err(IdxError::ImageShape(_))
        ));
        fuzz::idx(crash);
        fuzz::archive(crash);
    }
    let result = upload(vec![file("zero-idx3-ubyte", zero_side.to_vec())]);
    assert_eq!(
        reasons(&result)[0].1,
        "its images are [1347093766, 989795328, 0, 35328]: each side must be 1 to 8192 pixels, with 1 to 4 channels"
    );
}

#[test]
fn idx_export_reads_back() {
    let set = ImageSet {
        shape: ImageShape {
            width: 2,
            height: 1,
            channels: 3,
        },
        pixels: vec![0.0, 1.0, 0.2, 0.4, 0.6, 0.8],
        labels: Some(vec![4]),
    };
    let (images, labels) = write_idx(&set);
    let back = read_idx_pair(&images, labels.as_deref()).expect("our own IDX should read back");
    assert_eq!(back.labels, set.labels);
    assert_eq!(back.shape, set.shape);
    for (a, b) in back.pixels.iter().zip(&set.pixels) {
        assert!((a - b).abs() < 0.5 / 255.0 + 1e-6);
    }
}

// ---- uploads: everything together ----

#[test]
fn shapes_drawn_in_slices_are_the_shapes_drawn_at_once() {
    let config = ShapesConfig {
        count: 50,
        size: 12,
        seed: 4,
    };
    let mut maker = ShapeMaker::new(&config);
    assert!(!maker.make(7));
    assert_eq!(maker.done(), 7);
    while !maker.make(7) {}
    assert_eq!(maker.finish(), generate_shapes(&config));
}

#[test]
fn sizes_read_as_people_count_them() {
    assert_eq!(size_text(64 * 1024 * 1024), "64 MB");
    assert_eq!(size_text(1536 * 1024), "1.5 MB");
    assert_eq!(size_text(10_000), "10 KB");
    assert_eq!(size_text(1), "1 KB");
}

#[test]
fn an_animated_gif_holds_each_frame_at_its_scale_and_loops() {
    use image::AnimationDecoder;
    let shape = ImageShape::MNIST;
    let frames: Vec<Vec<f32>> = (0..3)
        .map(|f| {
            (0..784)
                .map(|i| ((i + f * 100) % 784) as f32 / 783.0)
                .collect()
        })
        .collect();
    let gif = animated_gif(&frames, shape, 4, 80).expect("frames of the model's shape encode");
    assert!(gif.starts_with(b"GIF89a"));
    assert!(gif.windows(11).any(|w| w == b"NETSCAPE2.0"), "it loops");
    let decoded = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&gif))
        .expect("a GIF")
        .into_frames()
        .collect_frames()
        .expect("its frames");
    assert_eq!(decoded.len(), 3);
    for (frame, pixels) in decoded.iter().zip(&frames) {
        let image = frame.buffer();
        assert_eq!(image.dimensions(), (112, 112));
        // Pixel (x, y) of the model's image fills a 4 × 4 block; GIF's palette rounds a little.
        for (x, y) in [(0, 0), (13, 7), (27, 27)] {
            let want = (pixels[y * 28 + x] * 255.0).round() as i32;
            for (dx, dy) in [(0, 0), (3, 3)] {
                let got = image.get_pixel(x as u32 * 4 + dx, y as u32 * 4 + dy)[0] as i32;
                assert!((got - want).abs() <= 8, "({x}, {y}): {got} against {want}");
            }
        }
    }
}
