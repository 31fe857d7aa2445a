//! Model files: round trips, resuming, half precision, and damaged or unusable files.

use super::*;

#[test]
fn checkpoints_round_trip_and_resume_exactly() {
    let set = mnist().take(512);
    let device = Device::flex();
    let mut original = mlp2(6);
    train(&mut original, &set, 3, 10);
    let meta = serde_json::json!({ "dataset": "mnist" });
    let bytes = Checkpoint::from_trainer(&original, meta.clone(), true)
        .expect("saving should work")
        .to_bytes();

    let loaded = Checkpoint::from_bytes(&bytes).expect("our own file should load");
    assert_eq!(loaded.step, 3);
    assert_eq!(loaded.meta, meta);
    assert!(loaded.resumable());
    let vae = loaded.vae(&device).expect("the weights should fit");
    assert_eq!(decode_grid(&vae), decode_grid(&original.inference_model()));

    let mut resumed = loaded
        .into_trainer(0, &device)
        .expect("resuming should work");
    assert_eq!(resumed.steps(), 3);
    let a = train(&mut original, &set, 2, 11);
    let b = train(&mut resumed, &set, 2, 11);
    let losses = |r: &[StepReport]| r.iter().map(|r| (r.step, r.total)).collect::<Vec<_>>();
    assert_eq!(losses(&a), losses(&b));

    let light = Checkpoint::from_trainer(&original, serde_json::Value::Null, false)
        .expect("saving should work")
        .to_bytes();
    assert!(
        light.len() < bytes.len() / 2,
        "weights alone are smaller than with Adam's state"
    );

    // The page's capture (weights copied to the CPU first, read asynchronously) writes the
    // same file as the synchronous one.
    let captured = pollster::block_on(Checkpoint::capture(&original, meta.clone(), true))
        .expect("capturing should work");
    let direct = Checkpoint::from_trainer(&original, meta, true).expect("saving should work");
    assert_eq!(captured.to_bytes(), direct.to_bytes());
}

#[test]
fn half_precision_files_are_half_the_size_and_decode_alike() {
    let set = mnist().take(256);
    let device = Device::flex();
    let mut trainer = mlp2(8);
    train(&mut trainer, &set, 3, 12);
    let full = Checkpoint::from_trainer(&trainer, serde_json::Value::Null, false)
        .expect("saving should work");
    let half = full.to_half().expect("halving should work");
    let (full_bytes, half_bytes) = (full.to_bytes(), half.to_bytes());
    assert!(
        half_bytes.len() < full_bytes.len() * 52 / 100,
        "{} vs {} bytes",
        half_bytes.len(),
        full_bytes.len()
    );
    let half = Checkpoint::from_bytes(&half_bytes).expect("a half file should load");
    let a = decode_grid(&full.vae(&device).expect("f32 weights"));
    let b = decode_grid(&half.vae(&device).expect("f16 weights, cast back"));
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 2e-2, "decodings differ by up to {worst}");
    // And training carries on from it, in f32.
    let mut resumed = half
        .into_trainer(1, &device)
        .expect("a half file should resume");
    let reports = train(&mut resumed, &set, 2, 13);
    assert!(reports.iter().all(|r| r.total.is_finite()));
    // Trained without a discriminator, the file leaves its random start out; switching the
    // discriminator on later trains a fresh one.
    resumed.hyper.discriminator = true;
    let reports = train(&mut resumed, &set, 2, 14);
    assert!(reports.iter().all(|r| r.discriminator.is_some()));
    let mut gan = trainer;
    gan.hyper.discriminator = true;
    train(&mut gan, &set, 2, 15);
    let gan_half = Checkpoint::from_trainer(&gan, serde_json::Value::Null, false)
        .and_then(|c| c.to_half())
        .expect("halving a VAE-GAN should work");
    let (kept, discriminator) = (gan_half.to_bytes().len(), gan.parts().1.num_params() * 2);
    assert!(
        kept > half_bytes.len() + discriminator * 9 / 10,
        "a VAE-GAN keeps its discriminator: {kept} vs {} bytes without",
        half_bytes.len()
    );
}

#[test]
fn bad_checkpoints_give_errors_and_leave_the_model_alone() {
    let device = Device::flex();
    let trainer = mlp2(7);
    let bytes = Checkpoint::from_trainer(&trainer, serde_json::Value::Null, false)
        .expect("saving should work")
        .to_bytes();

    assert_eq!(
        Checkpoint::from_bytes(&[]).err(),
        Some(CheckpointError::NotACheckpoint)
    );
    let garbage: Vec<u8> = crate::data::Rng::new(1)
        .normals(4096)
        .iter()
        .map(|x| x.to_bits() as u8)
        .collect();
    assert_eq!(
        Checkpoint::from_bytes(&garbage).err(),
        Some(CheckpointError::NotACheckpoint)
    );
    for cut in [10, 14, 40, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            matches!(
                Checkpoint::from_bytes(&bytes[..cut]),
                Err(CheckpointError::Truncated { .. } | CheckpointError::Header(_))
            ),
            "cut at {cut}"
        );
    }
    let mut newer = bytes.clone();
    newer[7] = 9;
    assert_eq!(
        Checkpoint::from_bytes(&newer).err(),
        Some(CheckpointError::Version { found: 9 })
    );
    // Magic and header intact, weights scrambled.
    let mut scrambled = bytes.clone();
    let n = scrambled.len();
    for b in &mut scrambled[n - 400_000..n - 300_000] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    assert_eq!(
        Checkpoint::from_bytes(&scrambled).err(),
        Some(CheckpointError::Checksum),
        "the checksum notices scrambled weights"
    );

    // A conv model's file offered to the MLP trainer.
    let conv = Trainer::new(
        VaeConfig::conv(crate::data::ImageShape::MNIST),
        Hyper::default(),
        7,
        &device,
    )
    .expect("the conv VAE should build");
    let conv_file = Checkpoint::from_trainer(&conv, serde_json::Value::Null, false)
        .expect("saving should work");
    let mut target = mlp2(8);
    let before = decode_grid(&target.inference_model());
    assert!(matches!(
        conv_file.load_into(&mut target),
        Err(CheckpointError::Architecture { .. })
    ));
    assert_eq!(decode_grid(&target.inference_model()), before);

    // A header that lies about the architecture: the weights do not fit.
    let lying = {
        let header_start = 15;
        let old_len = u32::from_le_bytes([bytes[11], bytes[12], bytes[13], bytes[14]]) as usize;
        let header = String::from_utf8(bytes[header_start..header_start + old_len].to_vec())
            .expect("the header is JSON")
            .replacen("\"hidden\":[512]", "\"hidden\":[256]", 1);
        let mut out = bytes[..11].to_vec();
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&bytes[header_start + old_len..bytes.len() - 4]);
        // Made to pass the checksum, as a crafted file would.
        let mut crc = flate2::Crc::new();
        crc.update(&out);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out
    };
    let file = Checkpoint::from_bytes(&lying).expect("the container itself is intact");
    assert!(matches!(
        file.vae(&device),
        Err(CheckpointError::Weights { .. })
    ));
}

/// A trainer of a model so small that building and loading it takes no time.
fn tiny_trainer() -> Trainer {
    let config = VaeConfig {
        image: crate::data::ImageShape {
            width: 4,
            height: 4,
            channels: 1,
        },
        architecture: Architecture::Mlp { hidden: vec![3] },
        latent: 2,
        likelihood: Likelihood::Bernoulli,
    };
    Trainer::new(config, Hyper::default(), 1, &Device::flex()).expect("a tiny model should build")
}

/// `cargo fuzz` explores far more (see `scripts/fuzz.sh`); this runs the model-file target on a
/// few thousand seeded mutations of real files (a tiny model, so that each load is quick).
#[test]
fn the_model_file_fuzz_target_survives_mutated_files() {
    let trainer = tiny_trainer();
    let meta = serde_json::json!({ "page": { "cursor": [0.5, 1.0] } });
    let plain = Checkpoint::from_trainer(&trainer, meta.clone(), false).expect("should capture");
    let resumable = Checkpoint::from_trainer(&trainer, meta, true).expect("should capture");
    let half = plain.to_half().expect("should halve");
    let seeds = [plain.to_bytes(), resumable.to_bytes(), half.to_bytes()];
    let mut rng = crate::data::Rng::new(7);
    for i in 0..3000 {
        fuzz::checkpoint(&crate::data::fuzz::mutate(&seeds[i % 3], &mut rng));
    }
}

#[test]
fn files_with_settings_no_step_can_use_are_refused() {
    let trainer = mlp2(1);
    let mut checkpoint =
        Checkpoint::from_trainer(&trainer, serde_json::Value::Null, false).expect("should capture");
    for (bad, expected) in [
        (
            Hyper {
                learning_rate: -1.0,
                ..Hyper::default()
            },
            "the file's settings cannot be used: the learning rate must be a positive number, not -1",
        ),
        (
            Hyper {
                beta: -2.0,
                ..Hyper::default()
            },
            "the file's settings cannot be used: β must be a number of at least 0, not -2",
        ),
        (
            Hyper {
                batch_size: 0,
                ..Hyper::default()
            },
            "the file's settings cannot be used: the batch size must be from 1 to 65536, not 0",
        ),
    ] {
        checkpoint.hyper = bad;
        let error = Checkpoint::from_bytes(&checkpoint.to_bytes())
            .expect_err("a file with unusable settings should be refused");
        assert_eq!(error.to_string(), expected);
    }
}

/// Writes the fuzz targets' seed model files when `FUZZ_SEEDS` names a folder (see
/// `scripts/fuzz.sh`): a fuzzer that starts from valid files gets past the magic and the header.
#[test]
fn fuzz_seed_files() {
    let Some(folder) = std::env::var_os("FUZZ_SEEDS") else {
        return;
    };
    let trainer = tiny_trainer();
    let plain =
        Checkpoint::from_trainer(&trainer, serde_json::Value::Null, false).expect("should capture");
    let files = [
        ("plain.vae", plain.to_bytes()),
        (
            "half.vae",
            plain.to_half().expect("should halve").to_bytes(),
        ),
        (
            "resumable.vae",
            Checkpoint::from_trainer(&trainer, serde_json::Value::Null, true)
                .expect("should capture")
                .to_bytes(),
        ),
    ];
    let folder = std::path::Path::new(&folder);
    std::fs::create_dir_all(folder).expect("the seed folder should be writable");
    for (name, bytes) in files {
        std::fs::write(folder.join(name), bytes).expect("the seed folder should be writable");
    }
}
