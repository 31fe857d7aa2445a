//! Training throughput (and the time of a step at batch 1) and decode latency of VAE-MLP-2 and
//! of the convolutional VAE on the CPU backend, with 1 and 2 threads, beside the same models in
//! PyTorch on the same machine in the same run when it is installed.
//!
//! `cargo bench --bench train` (set TORCH_PYTHON to a python with torch; STEPS to change the
//! measured steps). Prints numbers; asserts nothing about them.
//!
//! With `--features wgpu` it adds the WebGPU trainer's stack (burn's wgpu backend, the same
//! WGSL kernels) run natively on Chromium's SwiftShader, the software adapter the browser tests
//! use: a loop of seconds for work on those kernels instead of a browser build. Natively it is
//! ~1.4× the page's figure (no browser sandbox, no robustness checks); it also counts kernel
//! launches per step and compares 200 steps' losses with the CPU backend's. For a time per kernel,
//! add `CUBECL_DEBUG_OPTION=profile CUBECL_DEBUG_LOG=stderr`; `SOAK=1` adds a memory soak of a
//! thousand WebGPU steps.

use std::process::Command;
use std::time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use pollster::block_on;
use vae_playground::data::ImageShape;
use vae_playground::data::{Batches, bundled_mnist};
use vae_playground::vae::{Hyper, Trainer, VaeConfig};

#[cfg(feature = "wgpu")]
#[path = "train/webgpu.rs"]
mod webgpu;

const BATCH: usize = 128;
/// Steps queued before their numbers are read back (one host synchronisation).
const READ_EVERY: usize = 20;
const WARMUP_STEPS: usize = 20;

struct Figures {
    samples_per_s: f64,
    /// The work of a step that does not scale with the batch (the optimizer, weight-sized
    /// kernels, launches): on SwiftShader it bounds what any batch-128 kernel could gain.
    batch_1_step_ms: Option<f64>,
    /// Reads from the device per step (PyTorch on the CPU has none to make).
    syncs_per_step: Option<f64>,
    decode_1_ms: f64,
    decode_400_ms: f64,
}

fn median_ms(repeats: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The models measured, each beside the same model in PyTorch.
#[derive(Clone, Copy)]
enum Model {
    Mlp2,
    /// `VaeConfig::conv` for MNIST: two stride-2 4×4 convolutions (32, 64 channels) and their
    /// transposes.
    Conv,
}

impl Model {
    /// As the child process and the PyTorch script name it.
    fn arg(self) -> &'static str {
        match self {
            Model::Mlp2 => "mlp2",
            Model::Conv => "conv",
        }
    }

    fn config(self) -> VaeConfig {
        match self {
            Model::Mlp2 => VaeConfig::mlp2(),
            Model::Conv => VaeConfig::conv(ImageShape::MNIST),
        }
    }

    fn from_arg(arg: Option<&String>) -> Self {
        match arg.map(String::as_str) {
            Some("conv") => Model::Conv,
            _ => Model::Mlp2,
        }
    }
}

/// Runs in a child process with RAYON_NUM_THREADS set, so that each thread count gets its own
/// thread pool.
fn measure(device: Device, model: Model, warmup_steps: usize, steps: usize) -> Figures {
    let set = bundled_mnist().expect("assets/mnist should be readable");
    let mut trainer = Trainer::new(model.config(), Hyper::default(), 0, &device)
        .expect("the benchmark's models should build");
    // Batches are built before the clock starts, as the PyTorch baseline builds its own: one
    // shuffled pass of the data, cycled through.
    let mut batches = Batches::new(set.len(), 0);
    let mut pool = |size: usize| -> Vec<Tensor<2>> {
        (0..(set.len() / size).max(1))
            .map(|_| set.batch(&batches.next_batch(size), &device))
            .collect()
    };
    let (pool_128, pool_1) = (pool(BATCH), pool(1));
    // Steps are queued back to back and their numbers read every READ_EVERY steps (the reads
    // overlapped with the next steps), as the page's session reads them.
    let mut run = |n: usize, size: usize| {
        let pool = if size == 1 { &pool_1 } else { &pool_128 };
        let (start, reads) = (Instant::now(), trainer.host_reads());
        for i in 0..n {
            block_on(trainer.queue_step(pool[i % pool.len()].clone()))
                .expect("training should run");
            if i + 1 == n {
                block_on(trainer.read_reports()).expect("the numbers should read back");
            } else if (i + 1) % READ_EVERY == 0 {
                block_on(trainer.read_earlier_reports()).expect("the numbers should read back");
            }
        }
        let syncs_per_step = (trainer.host_reads() - reads) as f64 / n as f64;
        (start.elapsed().as_secs_f64(), syncs_per_step)
    };
    run(warmup_steps, BATCH);
    let (seconds, syncs_per_step) = run(steps, BATCH);
    let samples_per_s = (steps * BATCH) as f64 / seconds;
    run(warmup_steps, 1);
    let batch_1_step_ms = run(steps, 1).0 * 1000.0 / steps as f64;

    let vae = trainer.inference_model();
    let decode = |points: usize| {
        let z: Vec<f32> = (0..points * 2)
            .map(|i| (i % 7) as f32 / 3.0 - 1.0)
            .collect();
        let z = Tensor::from_data(TensorData::new(z, [points, 2]), &device);
        let images = block_on(vae.decode(z).into_data_async()).expect("decoding should run");
        // Read the pixels: on wgpu the data is only fetched from the device when read.
        std::hint::black_box(images.iter::<f32>().sum::<f32>());
    };
    Figures {
        samples_per_s,
        batch_1_step_ms: Some(batch_1_step_ms),
        syncs_per_step: Some(syncs_per_step),
        decode_1_ms: median_ms(200, || decode(1)),
        decode_400_ms: median_ms(50, || decode(400)),
    }
}

fn child(threads: usize, model: Model, steps: usize) -> Option<Figures> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args(["--child", &steps.to_string(), model.arg()])
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .ok()?;
    parse(&String::from_utf8_lossy(&out.stdout))
}

fn torch(python: &str, threads: usize, model: Model, steps: usize) -> Option<Figures> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/pytorch_vae.py");
    let out = Command::new(python)
        .args([
            script,
            &threads.to_string(),
            &steps.to_string(),
            model.arg(),
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "PyTorch baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    parse(&String::from_utf8_lossy(&out.stdout))
}

fn parse(json: &str) -> Option<Figures> {
    let v: serde_json::Value = serde_json::from_str(json.lines().last()?).ok()?;
    Some(Figures {
        samples_per_s: v["samples_per_s"].as_f64()?,
        batch_1_step_ms: v["batch_1_step_ms"].as_f64(),
        syncs_per_step: v["syncs_per_step"].as_f64(),
        decode_1_ms: v["decode_1_ms"].as_f64()?,
        decode_400_ms: v["decode_400_ms"].as_f64()?,
    })
}

fn print_json(f: Figures) {
    println!(
        "{}",
        serde_json::json!({
            "samples_per_s": f.samples_per_s,
            "batch_1_step_ms": f.batch_1_step_ms,
            "syncs_per_step": f.syncs_per_step,
            "decode_1_ms": f.decode_1_ms,
            "decode_400_ms": f.decode_400_ms,
        })
    );
}

fn row(name: &str, figures: &Option<Figures>) {
    match figures {
        Some(f) => println!(
            "{name:<22} {:>10.0} {:>15} {:>14.3} {:>14.3} {:>11}",
            f.samples_per_s,
            f.batch_1_step_ms
                .map_or("n/a".into(), |ms| format!("{ms:.2}")),
            f.decode_1_ms,
            f.decode_400_ms,
            f.syncs_per_step
                .map_or("n/a".into(), |syncs| format!("{syncs:.2}")),
        ),
        None => println!("{name:<22} {:>10}", "n/a"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = std::env::var("STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let steps = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(steps);
        let model = Model::from_arg(args.get(i + 2));
        print_json(measure(Device::flex(), model, WARMUP_STEPS, steps));
        return;
    }
    #[cfg(feature = "wgpu")]
    if let Some(mode) = args.iter().find(|a| a.starts_with("--child-webgpu")) {
        match mode.as_str() {
            "--child-webgpu-launches" => webgpu::launches_child(),
            "--child-webgpu-agreement" => webgpu::agreement_child(),
            "--child-webgpu-soak" => webgpu::soak_child(),
            _ => print_json(measure(
                webgpu::device(),
                Model::Mlp2,
                webgpu::STEPS.0,
                webgpu::STEPS.1,
            )),
        }
        // wgpu's Vulkan teardown crashes on SwiftShader at exit; the figures are out already.
        std::process::exit(0);
    }
    let python = std::env::var("TORCH_PYTHON").unwrap_or_else(|_| "python3".into());
    // The conv model's steps are ~8× the MLP's: a third as many keep its run short.
    for (model, title, steps) in [
        (Model::Mlp2, "VAE-MLP-2", steps),
        (Model::Conv, "VAE-conv [32, 64]", steps.div_ceil(3)),
    ] {
        println!("\n{title}, batch {BATCH}, {steps} steps after {WARMUP_STEPS} warm-up steps");
        println!(
            "{:<22} {:>10} {:>15} {:>14} {:>14} {:>11}",
            "", "samples/s", "batch-1 step ms", "decode 1 (ms)", "decode 400 (ms)", "syncs/step"
        );
        for threads in [1, 2] {
            let ours = child(threads, model, steps);
            let theirs = torch(&python, threads, model, steps);
            row(&format!("burn flex, {threads} thread(s)"), &ours);
            row(&format!("PyTorch, {threads} thread(s)"), &theirs);
            if let (Some(a), Some(b)) = (&ours, &theirs) {
                println!(
                    "{:<22} {:>10.2} {:>15} {:>14.2} {:>14.2}",
                    "speed burn÷PyTorch",
                    a.samples_per_s / b.samples_per_s,
                    "",
                    b.decode_1_ms / a.decode_1_ms,
                    b.decode_400_ms / a.decode_400_ms
                );
            }
        }
    }
    #[cfg(feature = "wgpu")]
    {
        let (warmup, steps) = webgpu::STEPS;
        println!(
            "\nThe WebGPU trainer's kernels, natively on SwiftShader (Vulkan), {steps} steps after {warmup}"
        );
        let stock = webgpu::child("--child-webgpu", &[]).and_then(|out| parse(&out));
        row("burn's matmul", &stock);
        let tiled = webgpu::child("--child-webgpu", &[("TILED", "1")]).and_then(|out| parse(&out));
        row("our tiled matmul", &tiled);
        if let (Some(a), Some(b)) = (&tiled, &stock) {
            println!(
                "{:<22} {:>10.2}",
                "speed tiled÷burn's",
                a.samples_per_s / b.samples_per_s
            );
        }
        // What the page runs on a software adapter: the tiled kernel.
        for mode in ["--child-webgpu-launches", "--child-webgpu-agreement"] {
            let out = if mode.ends_with("launches") {
                webgpu::launches()
            } else {
                webgpu::child(mode, &[("TILED", "1")])
            };
            print!("{}", out.unwrap_or_default());
        }
        // A thousand steps: minutes on SwiftShader, so only when asked for.
        if std::env::var_os("SOAK").is_some() {
            print!(
                "{}",
                webgpu::child("--child-webgpu-soak", &[("TILED", "1")]).unwrap_or_default()
            );
        }
    }
}
