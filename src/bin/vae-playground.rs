//! The web page's entry point (built for wasm32 by Trunk).

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Runs the module's static constructors (burn's kernel registries use them). Synthesised
    /// by the linker.
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // A wasm binary whose exports never run the constructors themselves is linked as a
    // "command": the linker then runs all of them again at the start of *every* export, i.e.
    // every call from JavaScript into Rust — measured at more than a third of the page's
    // main-thread time. Running them here, once, makes it a "reactor": exports stay plain.
    // SAFETY: called once, before anything else in the module runs.
    unsafe { __wasm_call_ctors() };
    vae_playground::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This binary is the web page: build and serve it with `./scripts/serve.sh` (Trunk).");
    std::process::exit(2);
}
