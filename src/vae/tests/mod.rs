//! Training tests on the CPU backend, with real MNIST digits; model files in `files`.

use std::sync::OnceLock;

use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::TensorData;
use pollster::block_on;

use super::*;
use crate::data::{Batches, ImageSet, bundled_mnist};

mod files;

fn mnist() -> &'static ImageSet {
    static SET: OnceLock<ImageSet> = OnceLock::new();
    SET.get_or_init(|| bundled_mnist().expect("assets/mnist should be readable"))
}

/// A VAE-MLP-2 trainer on the CPU backend, its weights drawn from `seed`.
fn mlp2(seed: u64) -> Trainer {
    Trainer::new(VaeConfig::mlp2(), Hyper::default(), seed, &Device::flex())
        .expect("VAE-MLP-2 should build")
}

fn train(trainer: &mut Trainer, set: &ImageSet, steps: usize, seed: u64) -> Vec<StepReport> {
    let mut batches = Batches::new(set.len(), seed);
    (0..steps)
        .map(|_| {
            let batch = set.batch(
                &batches.next_batch(trainer.hyper.batch_size),
                trainer.device(),
            );
            block_on(trainer.step(batch)).expect("a step on the CPU backend should run")
        })
        .collect()
}

fn negative_elbo(trainer: &Trainer, set: &ImageSet) -> f32 {
    let all: Vec<usize> = (0..set.len()).collect();
    let evaluation = block_on(trainer.evaluate(set.batch(&all, trainer.device())))
        .expect("evaluation on the CPU backend should run");
    evaluation.negative_elbo()
}

fn decode_grid(vae: &Vae) -> Vec<f32> {
    let device = Device::flex();
    let z: Vec<f32> = (0..50).map(|i| (i as f32 - 25.0) / 8.0).collect();
    let z = Tensor::from_data(TensorData::new(z, [25, 2]), &device);
    block_on(vae.decode(z).into_data_async())
        .expect("decoding on the CPU backend should run")
        .try_to_vec()
        .expect("images should be f32")
}

#[test]
fn gradients_reach_mean_and_variance_through_the_sample() {
    let device = Device::flex().autodiff();
    let mean = Tensor::<2>::from_floats([[0.5, -1.0]], &device).require_grad();
    let log_var = Tensor::<2>::from_floats([[0.2, -0.4]], &device).require_grad();
    let epsilon = Tensor::<2>::from_floats([[1.5, -0.5]], &device);
    let posterior = Posterior {
        mean: mean.clone(),
        log_var: log_var.clone(),
    };
    // d/dμ Σz² = 2z and d/dlogσ² Σz² = 2z · ε · σ/2.
    let z = posterior.sample(epsilon);
    let grads = z.clone().square().sum().backward();
    let read = |t: Tensor<2>| -> Vec<f32> {
        block_on(t.into_data_async())
            .expect("reads should work")
            .try_to_vec()
            .expect("f32")
    };
    let z = read(z.detach());
    let grad_mean = read(mean.grad(&grads).expect("μ should get a gradient"));
    let grad_log_var = read(log_var.grad(&grads).expect("log σ² should get a gradient"));
    for d in 0..2 {
        let (eps, lv) = ([1.5f32, -0.5][d], [0.2f32, -0.4][d]);
        assert!((grad_mean[d] - 2.0 * z[d]).abs() < 1e-5);
        let expected = 2.0 * z[d] * eps * 0.5 * (0.5 * lv).exp();
        assert!((grad_log_var[d] - expected).abs() < 1e-5);
        assert!(
            grad_log_var[d].abs() > 0.1,
            "σ's gradient should not vanish here"
        );
    }
}

#[test]
fn mlp2_learns_mnist() {
    let all = mnist().take(4000);
    let (set, held_out) = (all.take(3000), all.last(1000));
    let mut trainer = mlp2(1);
    let before = negative_elbo(&trainer, &held_out);
    let reports = train(&mut trainer, &set, 240, 1);
    let after = negative_elbo(&trainer, &held_out);
    eprintln!("held-out −ELBO: {before:.1} → {after:.1} nats");
    assert!(
        before > 500.0,
        "an untrained model scores about 540 nats, not {before}"
    );
    assert!(
        after < 195.0,
        "8 epochs of 3,000 digits should reach under 195 nats (measured: 178), not {after}"
    );
    assert!(reports.iter().all(|r| r.applied));
    let last = reports.last().expect("steps were run");
    assert_eq!(last.step, 240);
    assert!((last.total - (last.reconstruction + last.kl)).abs() < 1e-2);
    assert!(last.kl > 1.0, "the posterior should carry information");
}

#[test]
fn the_discriminator_learns_to_tell_real_from_generated() {
    let set = mnist().take(2000);
    let hyper = Hyper {
        discriminator: true,
        gamma: 1.0,
        discriminator_learning_rate: 1e-3,
        batch_size: 64,
        ..Hyper::default()
    };
    let mut trainer =
        Trainer::new(VaeConfig::mlp2(), hyper, 2, &Device::flex()).expect("VAE-MLP-2 should build");
    let reports = train(&mut trainer, &set, 40, 2);
    let d: Vec<&DiscriminatorReport> = reports
        .iter()
        .map(|r| r.discriminator.as_ref().expect("D is on"))
        .collect();
    let late_accuracy = d[30..].iter().map(|r| r.accuracy).sum::<f32>() / 10.0;
    eprintln!(
        "D accuracy: first {:.2}, last ten {late_accuracy:.2}",
        d[0].accuracy
    );
    assert!(
        late_accuracy > 0.75,
        "D should beat chance clearly, got {late_accuracy}"
    );
    assert!(
        d.iter()
            .all(|r| r.loss.is_finite() && r.adversarial.is_finite())
    );

    // Off again between steps: no D report, training carries on.
    trainer.hyper.discriminator = false;
    let report = &train(&mut trainer, &set, 1, 3)[0];
    assert!(report.discriminator.is_none() && report.applied);
}

#[test]
fn a_non_finite_step_is_not_applied() {
    let set = mnist().take(256);
    let mut trainer = mlp2(3);
    let before = weights_of(trainer.vae());
    let mut values = set.pixels[..128 * 784].to_vec();
    values[5] = f32::NAN;
    let poisoned = Tensor::from_data(TensorData::new(values, [128, 784]), trainer.device());
    let report = block_on(trainer.step(poisoned.clone())).expect("the step should run");
    assert!(!report.applied);
    assert!(!report.total.is_finite());
    assert_eq!(report.step, 0);
    assert_eq!(
        weights_of(trainer.vae()),
        before,
        "bit for bit as they were"
    );
    // With the discriminator on, its own update is refused too.
    trainer.hyper.discriminator = true;
    let d_before = weights_of(trainer.parts().1);
    let report = block_on(trainer.step(poisoned.clone())).expect("the step should run");
    let d = report
        .discriminator
        .expect("a VAE-GAN step reports the discriminator");
    assert!(!report.applied && !d.applied);
    assert_eq!(weights_of(trainer.vae()), before);
    assert_eq!(weights_of(trainer.parts().1), d_before);
    trainer.hyper.discriminator = false;
    // A learning rate no step can use is refused with a reason.
    trainer.hyper.learning_rate = f64::INFINITY;
    let batch = set.batch(&(0..128).collect::<Vec<_>>(), trainer.device());
    assert!(matches!(
        block_on(trainer.step(batch)),
        Err(TrainError::Hyper(_))
    ));
}

#[test]
fn an_update_that_would_break_the_weights_is_refused() {
    let set = mnist().take(256);
    let mut trainer = mlp2(3);
    train(&mut trainer, &set, 2, 4);
    let good = weights_of(trainer.vae());
    // A huge learning rate: Adam moves each weight by about that much, their squares overflow.
    trainer.hyper.learning_rate = 1e30;
    let report = &train(&mut trainer, &set, 1, 5)[0];
    assert!(report.rolled_back && !report.applied);
    assert!(report.total.is_finite(), "the step itself looked fine");
    assert_eq!(report.step, 2);
    assert_eq!(weights_of(trainer.vae()), good, "bit for bit as they were");
    // And training goes on from there.
    trainer.hyper.learning_rate = 1e-3;
    let report = &train(&mut trainer, &set, 1, 6)[0];
    assert!(report.applied && !report.rolled_back);
    assert_eq!(report.step, 3);
    assert_ne!(weights_of(trainer.vae()), good);
}

/// The guard on the device (a GPU's path) and the guard read on the host (the CPU's) apply,
/// refuse and leave the weights alike, bit for bit.
#[test]
fn the_guard_on_the_device_and_on_the_host_agree_bit_for_bit() {
    let set = mnist().take(256);
    let run = |on_device: bool| {
        let mut trainer = mlp2(5);
        if on_device {
            trainer.guard_on_the_device();
        }
        let mut reports = train(&mut trainer, &set, 3, 8);
        let mut values = set.pixels[..128 * 784].to_vec();
        values[9] = f32::INFINITY;
        let poisoned = Tensor::from_data(TensorData::new(values, [128, 784]), trainer.device());
        reports.push(block_on(trainer.step(poisoned)).expect("the step should run"));
        trainer.hyper.learning_rate = 1e30;
        reports.extend(train(&mut trainer, &set, 1, 9));
        trainer.hyper.learning_rate = 1e-3;
        trainer.hyper.discriminator = true;
        reports.extend(train(&mut trainer, &set, 2, 10));
        let flags: Vec<_> = reports
            .iter()
            .map(|r| (r.step, r.applied, r.rolled_back, r.total.to_bits()))
            .collect();
        (
            flags,
            weights_of(trainer.vae()),
            weights_of(trainer.parts().1),
        )
    };
    let (host, device) = (run(false), run(true));
    assert!(host.1 == device.1 && host.2 == device.2, "the same weights");
    assert_eq!(
        host.0.iter().map(|f| (f.1, f.2)).collect::<Vec<_>>(),
        [
            (true, false),
            (true, false),
            (true, false),
            (false, false),
            (false, true),
            (true, false),
            (true, false)
        ]
    );
    assert_eq!(host, device);
}

/// Every weight of `module`, as bits.
fn weights_of<M: Module>(module: &M) -> Vec<u32> {
    struct Collect(Vec<u32>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let values = param
                .val()
                .into_data()
                .try_into_vec::<f32>()
                .expect("weights should be f32");
            self.0.extend(values.iter().map(|v| v.to_bits()));
        }
    }
    let mut collect = Collect(Vec::new());
    module.visit(&mut collect);
    collect.0
}

/// Steps queued back to back and read in one round trip give the reports (and the weights)
/// that stepping one at a time gives.
#[test]
fn queued_steps_read_together_equal_steps_read_one_by_one() {
    let set = mnist().take(512);
    let new = || mlp2(11);
    let (mut one_by_one, mut queued) = (new(), new());
    let mut batches = Batches::new(set.len(), 11);
    let batches: Vec<Vec<usize>> = (0..6).map(|_| batches.next_batch(64)).collect();
    let singles: Vec<StepReport> = batches
        .iter()
        .map(|b| block_on(one_by_one.step(set.batch(b, one_by_one.device()))).expect("a step"))
        .collect();
    for b in &batches {
        block_on(queued.queue_step(set.batch(b, queued.device()))).expect("a step should queue");
    }
    assert_eq!(queued.queued(), 6);
    let reads = queued.host_reads();
    let together = block_on(queued.read_reports()).expect("the reports should read");
    assert_eq!(
        queued.host_reads() - reads,
        1,
        "one round trip for six steps"
    );
    assert_eq!(queued.queued(), 0);
    let numbers = |r: &StepReport| (r.step, r.reconstruction, r.kl, r.total, r.grad_norm);
    assert_eq!(
        singles.iter().map(numbers).collect::<Vec<_>>(),
        together.iter().map(numbers).collect::<Vec<_>>()
    );
    assert_eq!(weights_of(one_by_one.vae()), weights_of(queued.vae()));
}

/// Reads started while later steps queue (`read_earlier_reports`) give, one call late, the
/// reports that stepping one at a time gives, a refused step's place in the count included (on
/// the CPU they are read at once).
#[test]
fn overlapped_reads_give_the_reports_of_steps_read_one_by_one() {
    let set = mnist().take(512);
    let mut batches = Batches::new(set.len(), 13);
    let batches: Vec<Vec<usize>> = (0..6).map(|_| batches.next_batch(64)).collect();
    let images = |trainer: &Trainer, k: usize| {
        let mut values: Vec<f32> = batches[k]
            .iter()
            .flat_map(|&i| set.pixels[i * 784..(i + 1) * 784].iter().copied())
            .collect();
        if k == 2 {
            values[7] = f32::NAN;
        }
        Tensor::from_data(TensorData::new(values, [64, 784]), trainer.device())
    };
    for on_the_device in [false, true] {
        let new = || {
            let mut trainer = mlp2(13);
            if on_the_device {
                trainer.guard_on_the_device();
            }
            trainer
        };
        let (mut one_by_one, mut overlapped) = (new(), new());
        let singles: Vec<StepReport> = (0..6)
            .map(|k| block_on(one_by_one.step(images(&one_by_one, k))).expect("a step"))
            .collect();
        assert!(!singles[2].applied, "the poisoned step should be refused");

        let mut late = Vec::new();
        for pair in 0..3 {
            for k in [2 * pair, 2 * pair + 1] {
                block_on(overlapped.queue_step(images(&overlapped, k))).expect("a step");
            }
            let earlier = block_on(overlapped.read_earlier_reports()).expect("reports");
            // One call late on a device; on the CPU, where reads are free, at once.
            let expected = if on_the_device && pair == 0 { 0 } else { 2 };
            assert_eq!(
                earlier.len(),
                expected,
                "guarded on the device: {on_the_device}"
            );
            late.extend(earlier);
        }
        late.extend(block_on(overlapped.read_reports()).expect("the last reports"));
        // As bits: the refused step's NaNs should match too.
        let numbers = |r: &StepReport| {
            let bits = [r.reconstruction, r.kl, r.grad_norm].map(f32::to_bits);
            (r.step, r.applied, bits)
        };
        assert_eq!(
            singles.iter().map(numbers).collect::<Vec<_>>(),
            late.iter().map(numbers).collect::<Vec<_>>(),
            "guarded on the device: {on_the_device}"
        );
        assert_eq!(overlapped.steps(), 5);
        assert_eq!(weights_of(one_by_one.vae()), weights_of(overlapped.vae()));
    }
}

#[test]
fn the_same_seed_gives_the_same_losses() {
    let set = mnist().take(512);
    let run = |seed| {
        let mut trainer = mlp2(seed);
        train(&mut trainer, &set, 5, 9)
            .into_iter()
            .map(|r| (r.reconstruction, r.kl))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(4), run(4));
    assert_ne!(run(4), run(5));
}

#[test]
fn cpu_snapshots_decode_like_the_model() {
    let set = mnist().take(256);
    let mut trainer = mlp2(12);
    train(&mut trainer, &set, 2, 12);
    let copy = block_on(to_cpu(trainer.vae())).expect("reading weights should work");
    assert_eq!(decode_grid(&copy), decode_grid(&trainer.inference_model()));
    // The copy is independent: training on does not change it.
    let frozen = decode_grid(&copy);
    train(&mut trainer, &set, 1, 13);
    assert_eq!(decode_grid(&copy), frozen);
    assert_ne!(decode_grid(&trainer.inference_model()), frozen);
}

#[test]
fn kl_warm_up_ramps_beta_and_hyperparameters_change_between_steps() {
    let set = mnist().take(512);
    let hyper = Hyper {
        kl_warmup_steps: 4,
        beta: 2.0,
        ..Hyper::default()
    };
    let mut trainer = Trainer::new(VaeConfig::mlp2(), hyper, 14, &Device::flex())
        .expect("VAE-MLP-2 should build");
    let betas: Vec<f32> = train(&mut trainer, &set, 6, 14)
        .iter()
        .map(|r| r.beta)
        .collect();
    assert_eq!(betas, [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]);
    trainer.hyper.beta = 0.25;
    trainer.hyper.batch_size = 16;
    let report = &train(&mut trainer, &set, 1, 15)[0];
    assert_eq!(report.beta, 0.25);
    assert!((report.total - (report.reconstruction + 0.25 * report.kl)).abs() < 1e-2);
}

#[test]
fn a_learned_gaussian_sigma_trains_and_the_conv_model_learns() {
    let set = mnist().take(1024);
    let mut config = VaeConfig::conv(crate::data::ImageShape::MNIST);
    config.likelihood = Likelihood::Gaussian {
        sigma: 0.5,
        learned: true,
    };
    let mut trainer = Trainer::new(config, Hyper::default(), 16, &Device::flex())
        .expect("the conv VAE should build");
    let reports = train(&mut trainer, &set, 30, 16);
    let (first, last) = (&reports[0], &reports[29]);
    assert!(
        last.reconstruction < first.reconstruction - 100.0,
        "the Gaussian NLL should fall as σ and the decoder learn: {} → {}",
        first.reconstruction,
        last.reconstruction
    );
}
