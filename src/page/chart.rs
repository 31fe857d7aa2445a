//! The loss chart's data: one point per step, and the held-out negative ELBO now and then.

use serde::{Deserialize, Serialize};

use crate::vae::{Checkpoint, StepReport};

/// One step's losses, in nats per image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    pub step: u64,
    pub reconstruction: f32,
    pub kl: f32,
    pub total: f32,
    pub discriminator: Option<f32>,
}

impl From<&StepReport> for ChartPoint {
    fn from(report: &StepReport) -> Self {
        Self {
            step: report.step,
            reconstruction: report.reconstruction,
            kl: report.kl,
            total: report.total,
            discriminator: report.discriminator.as_ref().map(|d| d.loss),
        }
    }
}

/// What the chart shows of a model trained elsewhere.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub chart: Vec<ChartPoint>,
    pub held_out: Vec<(u64, f32)>,
    pub epochs: usize,
}

/// A file from the native trainer: its per-epoch losses, one point per epoch.
pub fn from_epoch_log(checkpoint: &Checkpoint) -> History {
    let log = checkpoint.epoch_log();
    let steps_per_epoch = checkpoint.step / (log.len() as u64).max(1);
    let beta = checkpoint.hyper.beta;
    let (chart, held_out) = log
        .iter()
        .map(|e| {
            let step = e.epoch as u64 * steps_per_epoch;
            let point = ChartPoint {
                step,
                reconstruction: e.reconstruction as f32,
                kl: e.kl as f32,
                total: (e.reconstruction + beta * e.kl) as f32,
                discriminator: None,
            };
            (point, (step, e.held_out_negative_elbo as f32))
        })
        .unzip();
    History {
        chart,
        held_out,
        epochs: log.len(),
    }
}

/// The range of the chart's y axis, in nats: from the lowest to the highest finite value of the
/// recent points (the last 90 %: early spikes do not flatten the curves) and the held-out
/// scores, with 0 in it when all are positive, padded by a tenth.
pub fn y_range(chart: &[ChartPoint], held_out: &[(u64, f32)]) -> (f32, f32) {
    let recent = &chart[chart.len() / 10..];
    let values = recent
        .iter()
        .flat_map(|p| [p.total, p.reconstruction, p.kl])
        .chain(held_out.iter().map(|&(_, v)| v))
        .filter(|v| v.is_finite());
    let (low, high) = values.fold((0.0f32, 1.0f32), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = (high - low) * 0.1;
    (if low < 0.0 { low - pad } else { 0.0 }, high + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(step: u64, total: f32) -> ChartPoint {
        ChartPoint {
            step,
            reconstruction: total - 5.0,
            kl: 5.0,
            total,
            discriminator: None,
        }
    }

    #[test]
    fn the_y_axis_fits_recent_values_and_goes_below_zero_when_they_do() {
        let mut chart: Vec<_> = (0..20).map(|s| point(s, 100.0)).collect();
        chart[0].total = 10_000.0;
        let (low, high) = y_range(&chart, &[]);
        assert_eq!(low, 0.0);
        assert!(
            (high - 110.0).abs() < 1e-3,
            "the early spike is left out: {high}"
        );
        // The Gaussian likelihood's totals go negative.
        let negative: Vec<_> = (0..20).map(|s| point(s, -200.0)).collect();
        let (low, high) = y_range(&negative, &[(10, f32::NAN)]);
        assert!(low < -205.0 && high > 5.0, "{low}..{high}");
    }
}
