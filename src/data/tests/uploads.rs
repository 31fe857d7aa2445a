//! Uploads as a whole: folders, archives and their limits, arrays with label files, bad files
//! among good ones; and the fuzz targets' entry points on mutated files.

use super::*;

#[test]
fn folders_and_archives_give_labels_and_mixed_sizes_are_resized() {
    let archive = zip_of(&[
        file("digits/cat/a.png", png(28, 28, 255)),
        file("digits/cat/b.png", png(40, 30, 255)),
        file("digits/dog/c.png", png(28, 28, 0)),
        file("__MACOSX/digits/._c.png", vec![1, 2, 3]),
    ]);
    let result = upload(vec![
        file("pets.zip", archive),
        file("more/dog/d.bmp", {
            let mut out = std::io::Cursor::new(Vec::new());
            image::DynamicImage::ImageLuma8(image::GrayImage::new(28, 28))
                .write_to(&mut out, image::ImageFormat::Bmp)
                .expect("the fixture should encode");
            out.into_inner()
        }),
    ]);
    assert_eq!(reasons(&result), vec![]);
    let set = result.set.expect("four images");
    assert_eq!(set.len(), 4);
    assert_eq!(result.classes, vec!["cat", "dog"]);
    assert_eq!(set.labels, Some(vec![0, 0, 1, 1]));
    assert_eq!(result.resized, 1);
    assert!(
        set.image(1).iter().all(|&v| v > 0.99),
        "the resized image keeps its value"
    );
}

#[test]
fn arrays_pair_with_their_label_files() {
    let images = idx(&[3, 28, 28], &[7; 3 * 784]);
    let labels = idx(&[3], &[5, 1, 5]);
    let result = upload(vec![
        file("train-images-idx3-ubyte", images),
        file("train-labels-idx1-ubyte", labels),
    ]);
    assert_eq!(reasons(&result), vec![]);
    assert_eq!(result.classes, vec!["1", "5"]);
    assert_eq!(
        result.set.expect("three images").labels,
        Some(vec![1, 0, 1])
    );

    let npy_images = write_npy("|u1", &[2, 28, 28], &[0; 2 * 784]);
    let npy_labels = write_npy("|u1", &[2], &[3, 4]);
    let result = upload(vec![file("x.npy", npy_images), file("y.npy", npy_labels)]);
    assert_eq!(result.set.expect("two images").labels, Some(vec![0, 1]));
}

#[test]
fn every_bad_file_is_named_and_the_good_ones_kept() {
    let full = png(28, 28, 9);
    let mut huge = png(1, 1, 0);
    huge[16..24].copy_from_slice(&[0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20]);
    let mut crc = flate2::Crc::new();
    crc.update(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    let result = upload(vec![
        file("good.png", full.clone()),
        file("empty.png", vec![]),
        file("truncated.png", full[..full.len() / 2].to_vec()),
        file("notes.png", b"not an image at all".to_vec()),
        file("huge.png", huge),
        file("bad-magic-idx3-ubyte", vec![1, 2, 3, 4, 0, 0, 0, 1]),
        file("short-images-idx3-ubyte", idx(&[5, 28, 28], &[0; 100])),
        file("complex.npy", write_npy("<c8", &[1, 2, 2], &[0; 32])),
        file("flat.npy", write_npy("|u1", &[4, 4], &[0; 16])),
        file("images-idx3-ubyte", idx(&[2, 28, 28], &[0; 2 * 784])),
        file("labels-idx1-ubyte", idx(&[3], &[0, 1, 2])),
        file("also-good.png", full),
    ]);
    let set = result.set.as_ref().expect("the good files are kept");
    assert_eq!(set.len(), 4, "two PNGs and the two IDX images");
    assert_eq!(
        set.labels, None,
        "the labels did not match, so none are used"
    );
    let problems = reasons(&result);
    let named: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        named,
        [
            "empty.png",
            "truncated.png",
            "notes.png",
            "huge.png",
            "bad-magic-idx3-ubyte",
            "short-images-idx3-ubyte",
            "complex.npy",
            "flat.npy",
            "labels-idx1-ubyte"
        ]
    );
    let reason = |name: &str| &problems.iter().find(|(f, _)| f == name).expect("named").1;
    assert_eq!(reason("empty.png"), "the file is empty");
    assert!(reason("truncated.png").contains("damaged or cut short"));
    assert_eq!(
        reason("notes.png"),
        "not a PNG, JPEG, GIF, WebP or BMP image"
    );
    assert!(reason("huge.png").contains("20000×20000"));
    assert!(reason("bad-magic-idx3-ubyte").contains("not an IDX file"));
    assert!(reason("short-images-idx3-ubyte").contains("promises 3920 bytes"));
    assert!(reason("complex.npy").contains("unsupported dtype"));
    assert!(reason("flat.npy").contains("unsupported shape"));
    assert!(reason("labels-idx1-ubyte").contains("3 labels do not match"));
}

#[test]
fn archives_over_the_limits_are_refused() {
    let limits = Limits {
        file_bytes: 10_000,
        total_bytes: 25_000,
        archive_entries: 3,
        images: 5,
    };
    // A zip bomb in miniature: 1 MB of zeros deflates to about a kilobyte.
    let bomb = zip_of(&[file("zeros.png", vec![0; 1_000_000])]);
    assert!(bomb.len() < 10_000);
    let result = upload_with(vec![file("bomb.zip", bomb)], limits);
    assert_eq!(
        reasons(&result),
        [(
            "bomb.zip".into(),
            "zeros.png expands to more than 10 KB".into()
        )]
    );

    let many = zip_of(
        &(0..4)
            .map(|i| file(&format!("{i}.png"), png(2, 2, 0)))
            .collect::<Vec<_>>(),
    );
    let result = upload_with(vec![file("many.zip", many)], limits);
    assert!(
        reasons(&result)[0]
            .1
            .contains("holds 4 files, more than the 3 allowed")
    );

    let big = file("big.png", vec![1; 20_000]);
    let result = upload_with(vec![big], limits);
    assert_eq!(
        reasons(&result)[0].1,
        "20 KB is larger than the 10 KB allowed per file"
    );

    let parts: Vec<NamedFile> = (0..3)
        .map(|i| {
            file(
                &format!("{i}.zip"),
                zip_of(&[file("x.bin", vec![i; 9_000])]),
            )
        })
        .collect();
    let result = upload_with(parts, limits);
    // The first two expand (and are not images); the third would pass the total.
    let problems = reasons(&result);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[2].0, "2.zip");
    assert_eq!(
        problems[2].1,
        "the archive expands to more than 25 KB in all"
    );

    let damaged = zip_of(&[file("a.png", png(2, 2, 0))]);
    let result = upload_with(
        vec![file("damaged.zip", damaged[..damaged.len() - 10].to_vec())],
        limits,
    );
    assert!(reasons(&result)[0].1.contains("not a readable .zip"));

    // Past the image limit, the rest is left out with a message, not an error.
    let result = upload_with(
        vec![file("many-idx3-ubyte", idx(&[8, 2, 2], &[0; 32]))],
        limits,
    );
    assert!(reasons(&result)[0].1.contains("full at 5 images"));
    assert_eq!(result.set.expect("the first five").len(), 5);
}

// ---- the fuzz targets' entry points, bounded ----

/// `cargo fuzz` explores far more (see `scripts/fuzz.sh`); this runs the same entry points on a
/// few thousand seeded mutations of valid files in every test run.
#[test]
fn a_zip_holds_each_name_once_and_same_names_are_numbered() {
    let files = [
        file("a/x.png", vec![1]),
        file("a/x.png", vec![2]),
        file("a/x.png", vec![3]),
        file("noext", vec![4]),
        file("noext", vec![5]),
    ];
    let zip = zip_of(&files);
    let mut budget = LIMITS.total_bytes;
    let read = read_zip("z", &zip, &LIMITS, &mut budget).expect("the zip should read back");
    let names: Vec<&str> = read.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "z/a/x.png",
            "z/a/x (2).png",
            "z/a/x (3).png",
            "z/noext",
            "z/noext (2)"
        ]
    );
    assert_eq!(read[2].bytes, [3]);
    assert_eq!(unique_name(".hidden", |n| n == ".hidden"), ".hidden (2)");
}

#[test]
fn npy_images_holding_nan_are_left_out_with_their_labels_and_named() {
    // Image 1 of 3 holds a NaN.
    let values: Vec<u8> = (0..48)
        .map(|i| if i == 20 { f32::NAN } else { 0.5 })
        .flat_map(f32::to_le_bytes)
        .collect();
    let images = write_npy("<f4", &[3, 4, 4], &values);
    let labels = write_npy("|u1", &[3], &[7, 8, 9]);
    let result = upload(vec![file("x.npy", images), file("y.npy", labels)]);
    let set = result.set.as_ref().expect("two images are usable");
    assert_eq!(set.len(), 2);
    assert!(set.pixels.iter().all(|v| v.is_finite()));
    assert_eq!(
        result.classes,
        ["7", "9"],
        "the left-out image's label goes with it"
    );
    assert_eq!(
        reasons(&result),
        [(
            "x.npy".into(),
            "1 of its 3 images hold values that are not numbers (NaN or ∞) and were left out"
                .into()
        )]
    );
}

#[test]
fn fuzz_entry_points_survive_mutated_files() {
    let idx_file = idx(&[3, 4, 4], &[9; 48]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &idx_file).expect("gzip in memory");
    let gz = gz.finish().expect("gzip in memory");
    let npy_file = write_npy("<f4", &[2, 2, 2], &[0; 32]);
    let zip_file = zip_of(&[
        file("a/1.png", png(5, 5, 200)),
        file("b/2.png", png(3, 9, 20)),
        file("c.npy", write_npy("|u1", &[1, 2, 2], &[1, 2, 3, 4])),
    ]);
    let mut rng = Rng::new(99);
    let mut mutate = |seed: &[u8]| fuzz::mutate(seed, &mut rng);
    for _ in 0..5000 {
        fuzz::idx(&mutate(&idx_file));
        fuzz::idx(&mutate(&gz));
        fuzz::npy(&mutate(&npy_file));
        fuzz::archive(&mutate(&zip_file));
    }
}
