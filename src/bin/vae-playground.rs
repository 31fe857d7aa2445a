//! The web page's entry point (built for wasm32 by Trunk).

#[cfg(target_arch = "wasm32")]
fn main() {
    vae_playground::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This binary is the web page: build and serve it with `./scripts/serve.sh` (Trunk).");
    std::process::exit(2);
}
