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
    use vae_playground::data::{Batches, ImageSet, bundled_mnist, read_idx_files};
    use vae_playground::vae::{Checkpoint, Hyper, Trainer, VaeConfig};

    const USAGE: &str = "\
usage: vae-train [options]
  --images FILE       IDX images (raw or .gz); default: the bundled MNIST test set
  --labels FILE       IDX labels for --images (optional)
  --epochs N          passes over the data (default 10)
  --batch N           batch size (default 128)
  --lr X              Adam learning rate (default 0.001)
  --beta X            KL weight (default 1)
  --discriminator     train with the VAE-GAN discriminator (weight --gamma, default 10)
  --gamma X
  --seed N            (default 1)
  --held-out N        images kept aside to report the negative ELBO (default 1000)
  --resumable         also save the optimizer state (3× larger file)
  --out FILE          where to write the model (default model.vae)";

    struct Options {
        images: Option<PathBuf>,
        labels: Option<PathBuf>,
        epochs: usize,
        hyper: Hyper,
        seed: u64,
        held_out: usize,
        resumable: bool,
        out: PathBuf,
    }

    fn parse(args: Vec<String>) -> Result<Options, String> {
        let mut o = Options {
            images: None,
            labels: None,
            epochs: 10,
            hyper: Hyper::default(),
            seed: 1,
            held_out: 1000,
            resumable: false,
            out: PathBuf::from("model.vae"),
        };
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
            let number = |v: String| {
                v.parse::<f64>()
                    .map_err(|_| format!("{flag}: not a number: {v}"))
            };
            match flag.as_str() {
                "--images" => o.images = Some(value()?.into()),
                "--labels" => o.labels = Some(value()?.into()),
                "--epochs" => o.epochs = number(value()?)? as usize,
                "--batch" => o.hyper.batch_size = number(value()?)? as usize,
                "--lr" => o.hyper.learning_rate = number(value()?)?,
                "--beta" => o.hyper.beta = number(value()?)?,
                "--gamma" => o.hyper.gamma = number(value()?)?,
                "--discriminator" => o.hyper.discriminator = true,
                "--seed" => o.seed = number(value()?)? as u64,
                "--held-out" => o.held_out = number(value()?)? as usize,
                "--resumable" => o.resumable = true,
                "--out" => o.out = value()?.into(),
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown option {other}\n{USAGE}")),
            }
        }
        Ok(o)
    }

    pub fn run(args: Vec<String>) -> Result<(), String> {
        let o = parse(args)?;
        let (name, mut train): (String, ImageSet) = match &o.images {
            Some(path) => (
                path.display().to_string(),
                read_idx_files(path, o.labels.as_deref()).map_err(|e| e.to_string())?,
            ),
            None => ("mnist".into(), bundled_mnist().map_err(|e| e.to_string())?),
        };
        let held_out = train.split_off(o.held_out.min(train.len() / 5));
        let mut config = VaeConfig::mlp2();
        config.image = train.shape;
        let device = Device::flex();
        let mut trainer =
            Trainer::new(config, o.hyper.clone(), o.seed, &device).map_err(|e| e.to_string())?;
        println!(
            "{} on {name}: {} training images, {} held out, {} epochs, CPU backend",
            trainer.config().name(),
            train.len(),
            held_out.len(),
            o.epochs
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
                let report = block_on(trainer.step(batch)).map_err(|e| e.to_string())?;
                reconstruction += report.reconstruction as f64 / steps_per_epoch as f64;
                kl += report.kl as f64 / steps_per_epoch as f64;
                if step % 10 == 0 || step == steps_per_epoch {
                    let done = step * 30 / steps_per_epoch;
                    print!(
                        "\repoch {epoch:>3} [{}{}] {step}/{steps_per_epoch}",
                        "#".repeat(done),
                        " ".repeat(30 - done)
                    );
                    let _ = std::io::stdout().flush();
                }
            }
            let evaluation = block_on(trainer.evaluate(held_out.batch(&all, trainer.device())))
                .map_err(|e| e.to_string())?;
            println!(
                "  train: reconstruction {reconstruction:.1}, KL {kl:.1} nats; held-out −ELBO {:.1} nats; {:.0} samples/s",
                evaluation.negative_elbo(),
                (steps_per_epoch * o.hyper.batch_size) as f64 / start.elapsed().as_secs_f64()
            );
            history.push(serde_json::json!({
                "epoch": epoch,
                "reconstruction": reconstruction,
                "kl": kl,
                "held_out_negative_elbo": evaluation.negative_elbo(),
            }));
        }
        let meta =
            serde_json::json!({ "dataset": name, "trainer": "vae-train", "history": history });
        let bytes = Checkpoint::from_trainer(&trainer, meta, o.resumable)
            .map_err(|e| e.to_string())?
            .to_bytes();
        std::fs::write(&o.out, &bytes).map_err(|e| format!("{}: {e}", o.out.display()))?;
        println!("wrote {} ({} bytes)", o.out.display(), bytes.len());
        Ok(())
    }
}
