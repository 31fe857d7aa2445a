//! Model files: round trips, byte planes, checksums, old formats.

use std::io::Write;

use super::*;

fn gzipped_len(bytes: &[u8]) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("gzip should write to memory");
    gz.finish().expect("gzip should finish").len()
}

#[test]
fn the_native_trainers_epoch_log_reads_back_and_other_files_have_none() {
    let device = Device::flex();
    let trainer = Trainer::new(VaeConfig::mlp2(), Hyper::default(), 3, &device)
        .expect("VAE-MLP-2 should build");
    let log = vec![EpochLog {
        epoch: 1,
        reconstruction: 180.5,
        kl: 4.25,
        held_out_negative_elbo: 183.0,
    }];
    let meta = serde_json::json!({ "trainer": "vae-train", "history": log });
    let native = Checkpoint::from_trainer(&trainer, meta, false).expect("should capture");
    let read = Checkpoint::from_bytes(&native.to_bytes()).expect("should read back");
    assert_eq!(read.epoch_log(), log);

    let page = serde_json::json!({ "page": { "chart": [] } });
    let other = Checkpoint::from_trainer(&trainer, page, false).expect("should capture");
    assert_eq!(other.epoch_log(), []);
}

#[test]
fn a_models_weights_alone_make_a_file_that_trains_on() {
    let device = Device::flex();
    let trainer = Trainer::new(VaeConfig::mlp2(), Hyper::default(), 3, &device)
        .expect("VAE-MLP-2 should build");
    let copy = pollster::block_on(to_cpu(trainer.vae())).expect("a CPU copy");
    let file = Checkpoint::from_model(&copy, VaeConfig::mlp2(), Hyper::default(), 77)
        .expect("weights should encode");
    let read = Checkpoint::from_bytes(&file.to_bytes()).expect("should read back");
    assert_eq!(read.step, 77);
    assert!(!read.resumable());
    let trainer = read
        .into_trainer(1, &device)
        .expect("a trainer from the weights");
    assert_eq!(trainer.steps(), 77);
}

#[test]
fn byte_planes_round_trip_any_length() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1001).collect();
    for planes in 1..=4 {
        let planed = to_planes(&bytes, planes);
        assert_eq!(planed.len(), bytes.len());
        assert_eq!(from_planes(&planed, planes), bytes, "{planes} planes");
    }
    assert_eq!(to_planes(&[1, 2, 3, 4, 5], 2), [1, 3, 2, 4, 5]);
}

#[test]
fn half_files_are_byte_planed_smaller_gzipped_and_read_back_exactly() {
    let device = Device::flex();
    let trainer = Trainer::new(VaeConfig::mlp2(), Hyper::default(), 3, &device)
        .expect("VAE-MLP-2 should build");
    let half = Checkpoint::from_trainer(&trainer, serde_json::Value::Null, false)
        .and_then(|c| c.to_half())
        .expect("halving should work");
    let bytes = half.to_bytes();
    let read = Checkpoint::from_bytes(&bytes).expect("a planed file should load");
    assert_eq!(
        read.model, half.model,
        "the weights should come back byte for byte"
    );
    assert_eq!(read.to_bytes(), bytes);

    let mut flat = half.clone();
    flat.planes = 1;
    let flat_bytes = flat.to_bytes();
    assert!(
        gzipped_len(&bytes) < gzipped_len(&flat_bytes) * 97 / 100,
        "planed {} vs flat {} bytes gzipped",
        gzipped_len(&bytes),
        gzipped_len(&flat_bytes)
    );
    // Files of formats 1 (no planes) and 2 (no checksum) still open.
    let mut version_1 = flat_bytes.clone();
    version_1.truncate(version_1.len() - 4);
    version_1[7..11].copy_from_slice(&1u32.to_le_bytes());
    let old = Checkpoint::from_bytes(&version_1).expect("a format 1 file should load");
    assert_eq!(old.model, half.model);
    let mut version_2 = bytes.clone();
    version_2.truncate(version_2.len() - 4);
    version_2[7..11].copy_from_slice(&2u32.to_le_bytes());
    let old = Checkpoint::from_bytes(&version_2).expect("a format 2 file should load");
    assert_eq!(old.model, half.model);
}

#[test]
fn any_changed_byte_is_refused_by_the_checksum() {
    let device = Device::flex();
    let trainer = Trainer::new(VaeConfig::mlp2(), Hyper::default(), 3, &device)
        .expect("VAE-MLP-2 should build");
    let meta = serde_json::json!({ "step of the page": 2100 });
    let bytes = Checkpoint::from_trainer(&trainer, meta, false)
        .expect("should capture")
        .to_bytes();
    let header_end = 15 + u32::from_le_bytes([bytes[11], bytes[12], bytes[13], bytes[14]]) as usize;
    // A digit in the header (still valid JSON), a weight, the checksum itself.
    let digit = bytes
        .windows(4)
        .position(|w| w == b"2100")
        .expect("the header holds the meta's 2100");
    for at in [digit, header_end + 1000, bytes.len() - 1] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x01;
        assert_eq!(
            Checkpoint::from_bytes(&damaged).map(|_| ()),
            Err(CheckpointError::Checksum),
            "byte {at}"
        );
    }
    assert!(matches!(
        Checkpoint::from_bytes(&bytes[..bytes.len() - 2]),
        Err(CheckpointError::Truncated { .. })
    ));
}
