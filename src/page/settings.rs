//! The values the page's controls offer, and the one place where a value from outside (a typed
//! number, a share link, a model file) is checked against them.

use crate::vae::{Architecture, Hyper, Likelihood, VaeConfig};

pub const LEARNING_RATES: [f64; 5] = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2];
pub const BATCH_SIZES: [usize; 4] = [32, 64, 128, 256];
pub const LATENTS: [usize; 6] = [1, 2, 3, 4, 8, 16];
/// β and γ: typed numbers, from 0 up to these.
pub const MAX_BETA: f64 = 100.0;
pub const MAX_GAMMA: f64 = 1000.0;
/// The sides the page's own data and Shapes can have.
pub const SIDES: [usize; 4] = [28, 32, 48, 64];
pub const SHAPE_COUNTS: [usize; 5] = [1_000, 5_000, 10_000, 30_000, 60_000];

/// The offered value nearest to `value` (by ratio, for learning rates), or `None` when `value`
/// is not a finite positive number.
pub fn nearest_learning_rate(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then(|| {
        LEARNING_RATES
            .into_iter()
            .min_by(|a, b| {
                let distance = |x: f64| (x / value).ln().abs();
                distance(*a).total_cmp(&distance(*b))
            })
            .expect("there are learning rates to choose from")
    })
}

/// The offered batch size nearest to `value`.
pub fn nearest_batch_size(value: usize) -> usize {
    BATCH_SIZES
        .into_iter()
        .min_by_key(|b| b.abs_diff(value))
        .expect("there are batch sizes to choose from")
}

/// A number typed for β (`max` [`MAX_BETA`]) or γ (`max` [`MAX_GAMMA`]): `Err` says why it
/// cannot be used, in a sentence's end ("must be …").
pub fn parse_weight(text: &str, max: f64) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("must be a number from 0 to {max}"))?;
    if !value.is_finite() || !(0.0..=max).contains(&value) {
        return Err(format!("must be a number from 0 to {max}"));
    }
    Ok(value)
}

/// `hyper` within what the controls offer, and the names of the fields that had to change.
pub fn checked_hyper(hyper: &Hyper) -> (Hyper, Vec<&'static str>) {
    let mut out = hyper.clone();
    let mut changed = Vec::new();
    let lr = nearest_learning_rate(hyper.learning_rate).unwrap_or(Hyper::default().learning_rate);
    if lr != hyper.learning_rate {
        out.learning_rate = lr;
        changed.push("learning rate");
    }
    let batch = nearest_batch_size(hyper.batch_size);
    if batch != hyper.batch_size {
        out.batch_size = batch;
        changed.push("batch size");
    }
    let mut weight = |value: f64, max: f64, default: f64, name| {
        if value.is_finite() && (0.0..=max).contains(&value) {
            value
        } else {
            changed.push(name);
            if value.is_finite() {
                value.clamp(0.0, max)
            } else {
                default
            }
        }
    };
    out.beta = weight(hyper.beta, MAX_BETA, Hyper::default().beta, "β");
    out.gamma = weight(hyper.gamma, MAX_GAMMA, Hyper::default().gamma, "γ");
    let defaults = Hyper::default();
    let d_lr = hyper.discriminator_learning_rate;
    if !(d_lr.is_finite() && d_lr > 0.0 && d_lr <= 1.0) {
        out.discriminator_learning_rate = defaults.discriminator_learning_rate;
        changed.push("discriminator learning rate");
    }
    (out, changed)
}

/// The model settings the page offers: MLP with 512 hidden or conv 32-64, a latent size of
/// [`LATENTS`], Bernoulli or Gaussian with learned σ. Whether `config` is one of them (its image
/// size aside).
pub fn offered_model(config: &VaeConfig) -> bool {
    let architecture = match &config.architecture {
        Architecture::Mlp { hidden } => hidden == &[512],
        Architecture::Conv { channels } => channels == &[32, 64],
    };
    let likelihood = match config.likelihood {
        Likelihood::Bernoulli => true,
        Likelihood::Gaussian { learned, .. } => learned,
    };
    architecture && likelihood && LATENTS.contains(&config.latent)
}

/// The Gaussian likelihood the page offers.
pub fn gaussian() -> Likelihood {
    Likelihood::Gaussian {
        sigma: 0.1,
        learned: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_outside_snap_to_what_the_controls_offer() {
        assert_eq!(nearest_learning_rate(1e-3), Some(1e-3));
        assert_eq!(nearest_learning_rate(0.002), Some(3e-3));
        assert_eq!(nearest_learning_rate(5.0), Some(1e-2));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(nearest_learning_rate(bad), None, "{bad}");
        }
        assert_eq!(nearest_batch_size(0), 32);
        assert_eq!(nearest_batch_size(100), 128);
        assert_eq!(nearest_batch_size(usize::MAX), 256);
    }

    #[test]
    fn typed_weights_are_numbers_in_range_or_a_reason() {
        assert_eq!(parse_weight(" 2.5 ", MAX_BETA), Ok(2.5));
        for bad in ["", "-2", "inf", "NaN", "1e9", "two"] {
            let error = parse_weight(bad, MAX_BETA).expect_err(bad);
            assert_eq!(error, "must be a number from 0 to 100");
        }
    }

    #[test]
    fn a_hyper_from_a_file_is_brought_in_range_and_says_what_changed() {
        let fine = Hyper::default();
        assert_eq!(checked_hyper(&fine), (fine.clone(), vec![]));
        let bad = Hyper {
            learning_rate: f64::INFINITY,
            beta: -2.0,
            gamma: f64::NAN,
            batch_size: 0,
            ..fine.clone()
        };
        let (checked, changed) = checked_hyper(&bad);
        assert_eq!(changed, ["learning rate", "batch size", "β", "γ"]);
        assert_eq!(checked.learning_rate, fine.learning_rate);
        assert_eq!(checked.beta, 0.0);
        assert_eq!(checked.gamma, fine.gamma);
        assert_eq!(checked.batch_size, 32);
    }
}
