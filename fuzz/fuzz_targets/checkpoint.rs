//! Model files: refused with an error, or a model that loads and writes back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vae_playground::vae::fuzz;

fuzz_target!(|bytes: &[u8]| fuzz::checkpoint(bytes));
