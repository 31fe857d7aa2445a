//! Share links: never a panic, and what the page writes back reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vae_playground::page::fuzz;

fuzz_target!(|bytes: &[u8]| fuzz::share_link(bytes));
