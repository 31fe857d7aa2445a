//! How long the convolutional model needs before its decodings take shape, said while it trains:
//! each of its images costs ~5× the MLP's arithmetic (convolutions over every pixel), so after
//! the seconds that make the MLP's digits it still shows grey blobs, and a learner would think
//! it broken.

use super::thousands;
use crate::vae::{Architecture, VaeConfig};

/// Images the convolutional model trains on before MNIST's held-out −ELBO falls under ~191 nats,
/// where VAE-MLP-2's digits are clear (it gets there in ~18,000): `vae-train --model conv`,
/// batch 128, on 9,000 images (218 nats after one pass, 206 after two, 197, 187, 179).
pub const CONV_IMAGES: u64 = 32_000;

/// The line shown while a convolutional model trains, until it has seen [`CONV_IMAGES`]; `None`
/// for other models and after. `samples_per_s` is the last step's speed, when there is one.
pub fn conv_pace(
    model: &VaeConfig,
    images_seen: u64,
    samples_per_s: Option<f64>,
) -> Option<String> {
    if !matches!(model.architecture, Architecture::Conv { .. }) || images_seen >= CONV_IMAGES {
        return None;
    }
    let left = CONV_IMAGES - images_seen;
    let when = match samples_per_s {
        Some(speed) if speed.is_finite() && speed > 0.0 => {
            format!("about {} more at this speed", duration(left as f64 / speed))
        }
        _ => "a few minutes on a laptop's CPU".into(),
    };
    Some(format!(
        "The convolutional model needs about {} images before its decodings take shape \
         (about twice the MLP's, each ~5× the work): {when}.",
        thousands(CONV_IMAGES)
    ))
}

/// Seconds as a person says them: "40 s", "2 min 10 s", "12 min".
fn duration(seconds: f64) -> String {
    let seconds = seconds.round().max(1.0) as u64;
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, s) if m >= 10 || s == 0 => format!("{} min", (seconds + 30) / 60),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ImageShape;

    #[test]
    fn only_a_conv_model_short_of_its_images_is_told_how_long() {
        let conv = VaeConfig::conv(ImageShape::MNIST);
        assert_eq!(conv_pace(&VaeConfig::mlp2(), 0, Some(1000.0)), None);
        assert_eq!(conv_pace(&conv, CONV_IMAGES, Some(1000.0)), None);

        let line = conv_pace(&conv, 2_000, Some(1000.0)).expect("a conv model at the start");
        assert!(line.contains("32,000 images"), "{line}");
        assert!(line.ends_with("about 30 s more at this speed."), "{line}");
        let slower = conv_pace(&conv, 2_000, Some(200.0)).expect("slower");
        assert!(
            slower.ends_with("about 2 min 30 s more at this speed."),
            "{slower}"
        );
        for unknown in [None, Some(0.0), Some(f64::NAN), Some(f64::INFINITY)] {
            let line = conv_pace(&conv, 0, unknown).expect("before the first step");
            assert!(line.ends_with("a few minutes on a laptop's CPU."), "{line}");
        }
    }

    #[test]
    fn durations_read_as_said() {
        assert_eq!(duration(0.2), "1 s");
        assert_eq!(duration(40.4), "40 s");
        assert_eq!(duration(120.0), "2 min");
        assert_eq!(duration(130.0), "2 min 10 s");
        assert_eq!(duration(12.0 * 60.0 + 40.0), "13 min");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
