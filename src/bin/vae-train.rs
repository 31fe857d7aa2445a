//! The native trainer: the same model code as the page, on the CPU with all its cores, for runs
//! too long for a browser tab. Writes a model file the page opens.
//!
//! cargo run --release --bin vae-train -- --epochs 10 --out assets/models/mnist-mlp2.vae

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(error) = cli::run(std::env::args().skip(1).collect()) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::Write;
    use std::path::PathBuf;
    use std::time::Instant;

    use burn::tensor::Device;
    use pollster::block_on;
    use vae_playground::data::{
        Batches, ImageSet, ImageShape, Invert, MAX_INPUT_SIDE, Preprocess, SPLIT_SEED,
        ShapesConfig, Upload, bundled_fashion_mnist, bundled_mnist, generate_shapes, read_tree,
    };
    use vae_playground::vae::{Checkpoint, EpochLog, Hyper, Trainer, VaeConfig};

    const USAGE: &str = "\
usage: vae-train [options]
  --dataset NAME      a bundled dataset: mnist (default), fashion, shapes
  --data PATH         your own data instead (repeatable): image files, folders of them
                      (sub-folders name the classes), .zip, IDX (raw or .gz) with a labels
                      file, .npy images with a .npy of labels
  --size N            side of the model's input for --data (default 28, at most 64)
  --rgb               keep colour for --data (default grey)
  --invert WHEN       auto (default: when the background is light), always, never
  --backend NAME      flex (CPU, default){GPU_BACKENDS}
  --model NAME        mlp2 (default) or conv (the page's convolutional model)
  --epochs N          passes over the data (default 10)
  --batch N           batch size (default 128)
  --lr X              Adam learning rate (default 0.001)
  --beta X            KL weight (default 1)
  --discriminator     train with the VAE-GAN discriminator (weight --gamma, default 10)
  --gamma X
  --seed N            (default 1)
  --held-out N        images kept aside to report the negative ELBO (default 1000)
  --resumable         also save the optimizer state (3× larger file)
  --half              store the weights as 16-bit floats (half the size; for the page)
  --out FILE          where to write the model (default model.vae)";

    struct Options {
        dataset: String,
        data: Vec<PathBuf>,
        preprocess: Preprocess,
        backend: String,
        /// The page's convolutional model instead of VAE-MLP-2.
        conv: bool,
        epochs: usize,
        hyper: Hyper,
        seed: u64,
        held_out: usize,
        resumable: bool,
        half: bool,
        out: PathBuf,
    }

    fn parse(args: Vec<String>) -> Result<Options, String> {
        let mut o = Options {
            dataset: "mnist".into(),
            data: Vec::new(),
            preprocess: Preprocess::default(),
            backend: "flex".into(),
            conv: false,
            epochs: 10,
            hyper: Hyper::default(),
            seed: 1,
            held_out: 1000,
            resumable: false,
            half: false,
            out: PathBuf::from("model.vae"),
        };
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .ok_or(format!("{flag} needs a value\n{}", usage()))
            };
            let number = |v: String| match v.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(n),
                _ => Err(format!("{flag}: not a number: {v}")),
            };
            let whole = |v: String| match v.parse::<u64>() {
                Ok(n) => Ok(n),
                Err(_) => Err(format!("{flag}: not a whole number of at least 0: {v}")),
            };
            match flag.as_str() {
                "--dataset" => o.dataset = value()?,
                "--data" => o.data.push(value()?.into()),
                "--size" => {
                    let side = whole(value()?)? as usize;
                    o.preprocess.shape.width = side;
                    o.preprocess.shape.height = side;
                }
                "--rgb" => o.preprocess.shape.channels = 3,
                "--invert" => {
                    o.preprocess.invert = match value()?.as_str() {
                        "auto" => Invert::Auto,
                        "always" => Invert::Always,
                        "never" => Invert::Never,
                        other => {
                            return Err(format!("--invert: auto, always or never, not {other}"));
                        }
                    }
                }
                "--backend" => o.backend = value()?,
                "--model" => {
                    o.conv = match value()?.as_str() {
                        "mlp2" => false,
                        "conv" => true,
                        other => return Err(format!("--model: mlp2 or conv, not {other}")),
                    }
                }
                "--epochs" => o.epochs = whole(value()?)? as usize,
                "--batch" => o.hyper.batch_size = whole(value()?)? as usize,
                "--lr" => o.hyper.learning_rate = number(value()?)?,
                "--beta" => o.hyper.beta = number(value()?)?,
                "--gamma" => o.hyper.gamma = number(value()?)?,
                "--discriminator" => o.hyper.discriminator = true,
                "--seed" => o.seed = whole(value()?)?,
                "--held-out" => o.held_out = whole(value()?)? as usize,
                "--resumable" => o.resumable = true,
                "--half" => o.half = true,
                "--out" => o.out = value()?.into(),
                "-h" | "--help" => return Err(usage()),
                other => return Err(format!("unknown option {other}\n{}", usage())),
            }
        }
        // Every value a step divides by or multiplies with: refused here, with a reason, rather
        // than dividing by zero or training on NaN later.
        o.hyper
            .validate()
            .map_err(|e| format!("{e}\n{}", usage()))?;
        if o.epochs == 0 {
            return Err("--epochs must be at least 1".into());
        }
        let side = o.preprocess.shape.width;
        if !(1..=MAX_INPUT_SIDE.min(64)).contains(&side) {
            return Err(format!("--size must be from 1 to 64, not {side}"));
        }
        Ok(o)
    }

    /// The backends this build can train on: flex always, GPU ones with their cargo feature.
    const GPU: &[(&str, &str)] = &[
        (
            "wgpu",
            "any GPU through wgpu: Vulkan, Metal, DX12 (feature wgpu)",
        ),
        ("vulkan", "wgpu pinned to Vulkan/SPIR-V (feature vulkan)"),
        ("metal", "wgpu pinned to Metal (feature metal)"),
        ("cuda", "NVIDIA CUDA (feature cuda)"),
        ("rocm", "AMD ROCm/HIP (feature rocm)"),
        ("cpu", "CubeCL's compiled CPU backend (feature cpu)"),
    ];

    fn usage() -> String {
        let backends: String = GPU
            .iter()
            .map(|(name, what)| format!("\n                      {name}: {what}"))
            .collect();
        USAGE.replace("{GPU_BACKENDS}", &backends)
    }

    fn device(name: &str) -> Result<Device, String> {
        #[allow(unused_imports)]
        use burn::tensor::DeviceKind;
        match name {
            "flex" => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            "wgpu" => Ok(Device::wgpu(DeviceKind::DefaultDevice)),
            #[cfg(feature = "vulkan")]
            "vulkan" => Ok(Device::vulkan(DeviceKind::DefaultDevice)),
            #[cfg(feature = "metal")]
            "metal" => Ok(Device::metal(DeviceKind::DefaultDevice)),
            #[cfg(feature = "cuda")]
            "cuda" => Ok(Device::cuda(0)),
            #[cfg(feature = "rocm")]
            "rocm" => Ok(Device::rocm(0)),
            #[cfg(feature = "cpu")]
            "cpu" => Ok(Device::cpu()),
            other if GPU.iter().any(|(n, _)| *n == other) => Err(format!(
                "this build has no {other} backend: build with `cargo run --release --features {other} --bin vae-train -- …`"
            )),
            other => Err(format!("unknown backend {other}\n{}", usage())),
        }
    }

    /// The training data: a bundled dataset, or the user's own files through the page's
    /// own reader (same formats, same limits, same messages).
    fn load(o: &Options) -> Result<(String, ImageSet), String> {
        if o.data.is_empty() {
            let set = match o.dataset.as_str() {
                "mnist" => bundled_mnist().map_err(|e| e.to_string())?,
                "fashion" => bundled_fashion_mnist().map_err(|e| e.to_string())?,
                "shapes" => generate_shapes(&ShapesConfig::default()).0,
                other => return Err(format!("unknown dataset {other}: mnist, fashion or shapes")),
            };
            return Ok((o.dataset.clone(), set));
        }
        let ImageShape { width, height, .. } = o.preprocess.shape;
        if width == 0 || width > 64 || height != width {
            return Err("--size must be between 1 and 64".into());
        }
        let mut upload = Upload::new(o.preprocess);
        for path in &o.data {
            for file in read_tree(path).map_err(|e| e.to_string())? {
                for inner in upload.expand(file) {
                    upload.add(inner);
                }
            }
        }
        let result = upload.finish();
        for problem in &result.problems {
            eprintln!("skipped {}: {}", problem.file, problem.reason);
        }
        let set = result.set.ok_or("none of the files held a usable image")?;
        println!(
            "read {} images ({} resized), {}",
            set.len(),
            result.resized,
            match result.classes.len() {
                0 => "unlabelled".to_string(),
                n => format!("{n} classes"),
            }
        );
        let name = o
            .data
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Ok((name, set))
    }

    /// Training speed, to the nearest sample per second.
    pub fn samples_per_s(samples: usize, seconds: f64) -> String {
        format!("{:.0}", samples as f64 / seconds.max(1e-9))
    }

    pub fn run(args: Vec<String>) -> Result<(), String> {
        let o = parse(args)?;
        if o.half && o.resumable {
            return Err("--half files hold weights only: drop --resumable".into());
        }
        let (name, set) = load(&o)?;
        // The same held-out images as the page keeps aside for the same data.
        let split = set.split(o.held_out.min(set.len() / 5), SPLIT_SEED);
        let (train, held_out) = (set.select(&split.train), set.select(&split.held_out));
        let config = if o.conv {
            VaeConfig::conv(train.shape)
        } else {
            VaeConfig {
                image: train.shape,
                ..VaeConfig::mlp2()
            }
        };
        let device = device(&o.backend)?;
        let mut trainer =
            Trainer::new(config, o.hyper.clone(), o.seed, &device).map_err(|e| e.to_string())?;
        println!(
            "{} on {name}: {} training images, {} held out, {} epochs, {} backend",
            trainer.config().name(),
            train.len(),
            held_out.len(),
            o.epochs,
            o.backend
        );
        let steps_per_epoch = (train.len() / o.hyper.batch_size).max(1);
        let mut batches = Batches::new(train.len(), o.seed);
        let all: Vec<usize> = (0..held_out.len()).collect();
        let mut history = Vec::new();
        for epoch in 1..=o.epochs {
            let start = Instant::now();
            let (mut reconstruction, mut kl) = (0.0, 0.0);
            for step in 1..=steps_per_epoch {
                let batch = train.batch(&batches.next_batch(o.hyper.batch_size), trainer.device());
                // Queued back to back; the numbers are read every 10 steps (one sync each).
                block_on(trainer.queue_step(batch)).map_err(|e| e.to_string())?;
                if step % 10 == 0 || step == steps_per_epoch {
                    for report in block_on(trainer.read_reports()).map_err(|e| e.to_string())? {
                        reconstruction += report.reconstruction as f64 / steps_per_epoch as f64;
                        kl += report.kl as f64 / steps_per_epoch as f64;
                    }
                    let done = step * 30 / steps_per_epoch;
                    print!(
                        "\repoch {epoch:>3} [{}{}] {step}/{steps_per_epoch}",
                        "#".repeat(done),
                        " ".repeat(30 - done)
                    );
                    let _ = std::io::stdout().flush();
                }
            }
            // The speed of training alone: the held-out evaluation below is not part of it.
            let training_s = start.elapsed().as_secs_f64();
            let evaluation = block_on(trainer.evaluate(held_out.batch(&all, trainer.device())))
                .map_err(|e| e.to_string())?;
            println!(
                "  train: reconstruction {reconstruction:.1}, KL {kl:.1} nats; held-out −ELBO {:.1} nats; {} samples/s (training only)",
                evaluation.negative_elbo(),
                samples_per_s(steps_per_epoch * o.hyper.batch_size, training_s)
            );
            history.push(EpochLog {
                epoch,
                reconstruction,
                kl,
                held_out_negative_elbo: evaluation.negative_elbo() as f64,
            });
        }
        let meta =
            serde_json::json!({ "dataset": name, "trainer": "vae-train", "history": history });
        let mut checkpoint =
            Checkpoint::from_trainer(&trainer, meta, o.resumable).map_err(|e| e.to_string())?;
        if o.half {
            checkpoint = checkpoint.to_half().map_err(|e| e.to_string())?;
        }
        let bytes = checkpoint.to_bytes();
        std::fs::write(&o.out, &bytes).map_err(|e| format!("{}: {e}", o.out.display()))?;
        println!("wrote {} ({} bytes)", o.out.display(), bytes.len());
        Ok(())
    }
}
