//! VAE Playground: train a variational autoencoder and explore its latent space.
//!
//! The layers point down only: [`data`] (file formats, batches) ← [`vae`] (model, loss,
//! training, checkpoints) ← [`page`] (the page's logic: state, reducer, links, geometry, worker
//! messages) ← `web` (the yew page, wasm32 only). Everything below `web` is plain Rust that
//! compiles and is tested natively on burn's CPU backend.

pub mod data;
pub mod page;
pub mod vae;

#[cfg(target_arch = "wasm32")]
pub mod web;
