//! The page's WebGPU trainer: a second wasm module, built with the `wgpu` feature, that the
//! training worker loads the first time the user trains on WebGPU. The page itself is built
//! without WebGPU, so a visitor who only explores downloads a third of the code.

#[cfg(target_arch = "wasm32")]
fn main() {
    vae_playground::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "This binary is the web page's WebGPU trainer (Trunk builds it); natively, train with \
         `vae-train --backend wgpu`."
    );
    std::process::exit(2);
}
