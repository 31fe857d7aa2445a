//! `.zip` archives through the whole upload path (expand, decode, label): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vae_playground::data::fuzz;

fuzz_target!(|bytes: &[u8]| fuzz::archive(bytes));
