//! The page's WebGPU trainer: a second wasm module, built with the `wgpu` feature, that the
//! training worker loads the first time the user trains on WebGPU. The page itself is built
//! without WebGPU, so a visitor who only explores downloads a third of the code.

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Runs the module's static constructors (see `vae-playground.rs` for why here).
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // SAFETY: called once, before anything else in the module runs.
    unsafe { __wasm_call_ctors() };
    vae_playground::web::start_worker();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "This binary is the web page's WebGPU trainer (Trunk builds it); natively, train with \
         `vae-train --backend wgpu`."
    );
    std::process::exit(2);
}
