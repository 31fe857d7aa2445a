//! The entry point of the model-file fuzz target (`fuzz/`, run with `cargo fuzz`), here so that a
//! bounded native test can drive it too. It must return, whatever the bytes.

use burn::tensor::Device;

use super::Checkpoint;

/// Any bytes as a model file: refused with an error, or a model that builds, loads and writes
/// back to a file that opens the same.
pub fn checkpoint(bytes: &[u8]) {
    let Ok(checkpoint) = Checkpoint::from_bytes(bytes) else {
        return;
    };
    let again = Checkpoint::from_bytes(&checkpoint.to_bytes())
        .expect("a file that opens should write a file that opens");
    assert_eq!(again.to_bytes(), checkpoint.to_bytes());
    let _ = checkpoint.vae(&Device::flex());
    let _ = checkpoint.into_trainer(0, &Device::flex());
}
