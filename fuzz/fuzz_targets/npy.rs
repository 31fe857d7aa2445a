//! `.npy` arrays as images and as labels: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vae_playground::data::fuzz;

fuzz_target!(|bytes: &[u8]| fuzz::npy(bytes));
