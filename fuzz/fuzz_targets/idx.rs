//! IDX files (raw or gzipped), alone and as an images + labels pair: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vae_playground::data::fuzz;

fuzz_target!(|bytes: &[u8]| fuzz::idx(bytes));
