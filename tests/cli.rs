//! The native trainer, run as a user runs it, on tiny datasets of each kind.

use std::path::{Path, PathBuf};
use std::process::Command;

use vae_playground::data::{ImageSet, ImageShape, encode_png, write_idx, write_npy};
use vae_playground::vae::Checkpoint;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vae-train-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temp dir should be writable");
    dir
}

fn train(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_vae-train"))
        .args(args)
        .output()
        .expect("vae-train should start");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

fn open(path: &Path) -> Checkpoint {
    let bytes = std::fs::read(path).expect("vae-train should have written its model");
    Checkpoint::from_bytes(&bytes).expect("the model file should open as the page opens it")
}

#[test]
fn trains_on_a_folder_of_images_with_classes_from_sub_folders() {
    let dir = scratch("folder");
    for (class, value) in [("dark", 30u8), ("light", 220u8)] {
        std::fs::create_dir_all(dir.join("data").join(class)).expect("writable");
        for i in 0..20 {
            let png = encode_png(32, 32, 1, vec![value.wrapping_add(i); 32 * 32]);
            std::fs::write(dir.join("data").join(class).join(format!("{i}.png")), png)
                .expect("writable");
        }
    }
    std::fs::write(dir.join("data/dark/broken.png"), b"not a png").expect("writable");
    let out = dir.join("model.vae");
    let (ok, text) = train(&[
        "--data",
        dir.join("data").to_str().expect("utf-8 path"),
        "--size",
        "16",
        "--epochs",
        "2",
        "--batch",
        "8",
        "--held-out",
        "8",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("read 40 images (40 resized), 2 classes"),
        "{text}"
    );
    assert!(
        text.contains("skipped data/dark/broken.png: not a PNG"),
        "{text}"
    );
    assert!(text.contains("held-out −ELBO"), "{text}");
    assert!(
        text.contains("samples/s (training only)"),
        "the speed leaves the evaluation out: {text}"
    );
    let checkpoint = open(&out);
    assert_eq!(
        checkpoint.config.image,
        ImageShape {
            width: 16,
            height: 16,
            channels: 1
        }
    );
    assert_eq!(checkpoint.step, 2 * (32 / 8));
    assert_eq!(checkpoint.meta["history"].as_array().map(Vec::len), Some(2));
}

#[test]
fn trains_on_idx_and_npy_files_and_writes_a_resumable_model() {
    let dir = scratch("arrays");
    let set = ImageSet {
        shape: ImageShape::MNIST,
        pixels: (0..30 * 784).map(|i| (i % 7) as f32 / 6.0).collect(),
        labels: Some((0..30).map(|i| (i % 3) as u8).collect()),
    };
    let (images, labels) = write_idx(&set);
    std::fs::write(dir.join("train-images-idx3-ubyte"), images).expect("writable");
    std::fs::write(
        dir.join("train-labels-idx1-ubyte"),
        labels.expect("labelled"),
    )
    .expect("writable");
    std::fs::write(
        dir.join("more.npy"),
        write_npy("|u1", &[10, 28, 28], &[128; 10 * 784]),
    )
    .expect("writable");
    let out = dir.join("model.vae");
    let (ok, text) = train(&[
        "--data",
        dir.join("train-images-idx3-ubyte").to_str().expect("utf-8"),
        "--data",
        dir.join("train-labels-idx1-ubyte").to_str().expect("utf-8"),
        "--data",
        dir.join("more.npy").to_str().expect("utf-8"),
        "--epochs",
        "1",
        "--batch",
        "16",
        "--held-out",
        "8",
        "--resumable",
        "--model",
        "conv",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("VAE-conv"), "the page's conv model: {text}");
    // The .npy images have no labels, so the set is unlabelled as a whole.
    assert!(
        text.contains("read 40 images (0 resized), unlabelled"),
        "{text}"
    );
    assert!(open(&out).resumable());
}

#[test]
fn bundled_shapes_and_clear_errors() {
    let dir = scratch("shapes");
    let out = dir.join("shapes.vae");
    let (ok, text) = train(&[
        "--dataset",
        "shapes",
        "--epochs",
        "1",
        "--held-out",
        "1000",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("on shapes: 9000 training images"), "{text}");

    let (ok, text) = train(&["--dataset", "cifar"]);
    assert!(!ok);
    assert!(text.contains("unknown dataset cifar"), "{text}");
    let (ok, text) = train(&["--backend", "cuda", "--epochs", "1"]);
    if cfg!(feature = "cuda") {
        assert!(ok, "{text}");
    } else {
        assert!(!ok);
        assert!(text.contains("this build has no cuda backend"), "{text}");
    }
    let (ok, text) = train(&["--data", dir.join("missing").to_str().expect("utf-8")]);
    assert!(!ok);
    assert!(text.contains("missing"), "{text}");
}

#[test]
fn values_no_step_can_use_are_refused_with_a_reason() {
    for (args, expected) in [
        (
            &["--batch", "0"][..],
            "the batch size must be from 1 to 65536, not 0",
        ),
        (
            &["--batch", "-3"][..],
            "--batch: not a whole number of at least 0: -3",
        ),
        (&["--lr", "NaN"][..], "--lr: not a number: NaN"),
        (
            &["--lr", "0"][..],
            "the learning rate must be a positive number, not 0",
        ),
        (
            &["--beta", "-1"][..],
            "β must be a number of at least 0, not -1",
        ),
        (&["--gamma", "inf"][..], "--gamma: not a number: inf"),
        (&["--epochs", "0"][..], "--epochs must be at least 1"),
        (&["--size", "0"][..], "--size must be from 1 to 64, not 0"),
        (
            &["--model", "resnet"][..],
            "--model: mlp2 or conv, not resnet",
        ),
    ] {
        let (ok, text) = train(args);
        assert!(!ok, "{args:?} should be refused");
        assert!(text.contains(expected), "{args:?}: {text}");
    }
}
