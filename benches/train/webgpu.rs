//! The WebGPU trainer's stack (burn's wgpu backend, the same WGSL kernels) natively on
//! Chromium's SwiftShader: its speed, its kernel launches per step (from cubecl's profile log),
//! and whether its losses agree with the CPU backend's over 200 steps.

use std::path::Path;
use std::process::Command;

use burn::tensor::{Device, DeviceKind};
use pollster::block_on;
use vae_playground::data::{Batches, bundled_mnist};
use vae_playground::vae::{Checkpoint, Hyper, Trainer, VaeConfig, use_tiled_products};

/// Where Debian's Chromium keeps SwiftShader's Vulkan driver and the Vulkan loader it uses.
const SWIFTSHADER_DIR: &str = "/usr/lib/chromium";
/// SwiftShader takes about a second a step: fewer steps, and kernel compilation is warm after 3.
pub const STEPS: (usize, usize) = (3, 8);
/// Steps whose launches are counted (after the warm-up).
const COUNTED_STEPS: usize = 5;
/// Steps over which the losses are compared with the CPU backend's, and their batch size.
const AGREEMENT: (usize, usize) = (200, 16);

/// SwiftShader's device; with `TILED` in the environment its linear layers multiply through our
/// tiled kernel, as the page's WebGPU trainer does on a software fallback adapter.
pub fn device() -> Device {
    let device = Device::wgpu(DeviceKind::DefaultDevice);
    if std::env::var_os("TILED").is_some() {
        use_tiled_products(&device);
    }
    device
}

/// This benchmark's executable again, in `mode`, on SwiftShader's Vulkan driver only
/// (`VK_ICD_FILENAMES`); its standard output.
pub fn child(mode: &str, envs: &[(&str, &str)]) -> Option<String> {
    let dir = Path::new(SWIFTSHADER_DIR);
    let icd = dir.join("vk_swiftshader_icd.json");
    if !icd.exists() {
        eprintln!("no SwiftShader at {}: WebGPU rows left out", icd.display());
        return None;
    }
    let out = Command::new(std::env::current_exe().ok()?)
        .arg(mode)
        .env("VK_ICD_FILENAMES", icd)
        .env("LD_LIBRARY_PATH", dir)
        .envs(envs.iter().copied())
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Kernel launches of one training step and where a step's time goes, from cubecl's profile
/// log (each kernel timed on its own: the times add up to more than a step in normal running,
/// but their shares hold).
pub fn launches() -> Option<String> {
    let log = std::env::temp_dir().join(format!("vae-bench-cubecl-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let log_path = log.to_str()?;
    let out = child(
        "--child-webgpu-launches",
        &[
            ("CUBECL_DEBUG_OPTION", "profile"),
            ("CUBECL_DEBUG_LOG", log_path),
            ("VAE_BENCH_LOG", log_path),
            ("TILED", "1"),
        ],
    );
    let _ = std::fs::remove_file(&log);
    out
}

/// In the child: warm up, then count the log's kernel lines over `COUNTED_STEPS` steps.
pub fn launches_child() {
    let log = std::env::var("VAE_BENCH_LOG").expect("the parent should name the log");
    let set = bundled_mnist().expect("assets/mnist should be readable");
    let device = device();
    let mut trainer = Trainer::new(VaeConfig::mlp2(), Hyper::default(), 0, &device)
        .expect("VAE-MLP-2 should build");
    let mut batches = Batches::new(set.len(), 0);
    let pool: Vec<_> = (0..STEPS.0 + COUNTED_STEPS)
        .map(|_| set.batch(&batches.next_batch(128), &device))
        .collect();
    for batch in &pool[..STEPS.0] {
        block_on(trainer.queue_step(batch.clone())).expect("a step");
    }
    block_on(trainer.read_reports()).expect("the numbers should read back");
    let before = kernel_lines(&log).len();
    for batch in &pool[STEPS.0..] {
        block_on(trainer.queue_step(batch.clone())).expect("a step");
    }
    block_on(trainer.read_reports()).expect("the numbers should read back");
    let lines = kernel_lines(&log);
    let counted = &lines[before..];
    let mut by_kind: Vec<(String, usize, f64)> = Vec::new();
    for (kind, ms) in counted {
        match by_kind.iter_mut().find(|(k, ..)| k == kind) {
            Some((_, n, total)) => {
                *n += 1;
                *total += ms;
            }
            None => by_kind.push((kind.clone(), 1, *ms)),
        }
    }
    by_kind.sort_by(|a, b| b.2.total_cmp(&a.2));
    let total_ms: f64 = counted.iter().map(|(_, ms)| ms).sum();
    let steps = COUNTED_STEPS as f64;
    println!(
        "kernel launches per step: {:.0}; their times, each kernel timed alone, {:.0} ms a step",
        counted.len() as f64 / steps,
        total_ms / steps
    );
    for (kind, n, ms) in by_kind.iter().take(8) {
        println!(
            "  {kind:<28} {:>5.0} launches {:>8.1} ms  {:>4.0} %",
            *n as f64 / steps,
            ms / steps,
            100.0 * ms / total_ms
        );
    }
}

/// cubecl's timing lines in `log` ("| 1.2ms | KernelBinop | …"): kind and milliseconds.
fn kernel_lines(log: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix('|')?.split('|').map(str::trim);
            let time = cells.next()?;
            let (number, unit) = time.split_at(time.find(|c: char| c.is_alphabetic())?);
            let scale = match unit {
                "ns" => 1e-6,
                "µs" => 1e-3,
                "ms" => 1.0,
                "s" => 1e3,
                _ => return None,
            };
            let kind = cells.next()?;
            // Kernels without generics carry a hash: MaskFillKernel_8e523cac.
            let kind = kind.split('_').next().unwrap_or(kind);
            Some((kind.to_string(), number.parse::<f64>().ok()? * scale))
        })
        .collect()
}

/// In the child: the same 200 steps (the same starting weights, ε and batches) on WebGPU and on
/// the CPU; the largest relative difference of their total losses, and the steps applied.
pub fn agreement_child() {
    let set = bundled_mnist().expect("assets/mnist should be readable");
    let (steps, batch) = AGREEMENT;
    let hyper = Hyper {
        batch_size: batch,
        ..Hyper::default()
    };
    // burn's backends draw different weights from the same seed: both start from the CPU's.
    let cpu_trainer =
        Trainer::new(VaeConfig::mlp2(), hyper, 7, &Device::flex()).expect("VAE-MLP-2 should build");
    let start = Checkpoint::from_trainer(&cpu_trainer, serde_json::Value::Null, false)
        .expect("its weights should be captured");
    let losses = |device: Device| -> (Vec<f32>, u64) {
        let mut trainer = start
            .clone()
            .into_trainer(7, &device)
            .expect("the weights should load");
        let mut batches = Batches::new(set.len(), 7);
        let mut totals = Vec::new();
        for i in 0..steps {
            let images = set.batch(&batches.next_batch(batch), trainer.device());
            block_on(trainer.queue_step(images)).expect("a step");
            if (i + 1) % 20 == 0 {
                let reports = block_on(trainer.read_reports()).expect("the numbers");
                totals.extend(reports.iter().map(|r| r.total));
            }
        }
        (totals, trainer.steps())
    };
    let ((webgpu, applied), (cpu, _)) = (losses(device()), losses(Device::flex()));
    let worst = webgpu
        .iter()
        .zip(&cpu)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0f32, f32::max);
    println!(
        "losses over {steps} steps of batch {batch} ({applied} applied on WebGPU), WebGPU against the CPU from the same weights: largest relative difference {worst:.2e} (first {:.3} / {:.3}, last {:.3} / {:.3})",
        webgpu[0],
        cpu[0],
        webgpu[steps - 1],
        cpu[steps - 1]
    );
}

/// Steps of the memory soak (after `STEPS.0` warm-up steps) and their batch size: small
/// batches, so that a thousand steps take minutes on SwiftShader; what could leak per step
/// (buffers, the autodiff graph, queued reads) does not depend on the batch.
const SOAK: (usize, usize) = (1000, 16);

/// In the child: the process's resident memory after the warm-up and every 250 steps of the
/// soak, read as the page's session reads (20 steps at a time).
pub fn soak_child() {
    let set = bundled_mnist().expect("assets/mnist should be readable");
    let (steps, batch) = SOAK;
    let hyper = Hyper {
        batch_size: batch,
        ..Hyper::default()
    };
    let device = device();
    let mut trainer =
        Trainer::new(VaeConfig::mlp2(), hyper, 0, &device).expect("VAE-MLP-2 should build");
    let mut batches = Batches::new(set.len(), 0);
    let mut resident = Vec::new();
    for i in 0..STEPS.0 + steps {
        let images = set.batch(&batches.next_batch(batch), trainer.device());
        block_on(trainer.queue_step(images)).expect("a step");
        if (i + 1) % 20 == 0 || i + 1 == STEPS.0 {
            block_on(trainer.read_reports()).expect("the numbers should read back");
        }
        let done = (i + 1).checked_sub(STEPS.0);
        if done.is_some_and(|n| n % 250 == 0) {
            resident.push(format!("{} MB", resident_mb()));
        }
    }
    println!(
        "memory soak, {steps} steps of batch {batch} on WebGPU: resident {} (after the warm-up, then every 250 steps)",
        resident.join(" → ")
    );
}

/// This process's resident memory, MB (Linux).
fn resident_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
