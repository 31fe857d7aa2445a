//! What a step did (`StepReport`), and reading queued steps' numbers back from the device, many
//! steps in one round trip.
//!
//! A read can be started and waited for later (`Reading`): its copies go on the device's queue
//! when it starts, ahead of the steps queued after it, so the device computes those while the host
//! waits for the numbers, and its queue never runs dry for a read.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::TrainError;
use super::guard::read_values;

/// What one step did. Losses are means over the batch, in nats per image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// Steps applied so far, this one included if it was applied.
    pub step: u64,
    pub reconstruction: f32,
    pub kl: f32,
    /// Reconstruction + β·KL (+ γ·adversarial when the discriminator is on).
    pub total: f32,
    pub beta: f32,
    pub grad_norm: f32,
    /// False when a loss or gradient was NaN or infinite: the weights were left as they were.
    pub applied: bool,
    /// The losses and gradients were finite but the update would have made the weights NaN or
    /// infinite: the weights stayed as they were (and this step was not applied).
    pub rolled_back: bool,
    pub discriminator: Option<DiscriminatorReport>,
    pub step_ms: f64,
    pub samples_per_s: f64,
    /// The trainer's reads from the device so far (host synchronisations), this report's
    /// included: steps are read back several at a time.
    #[serde(default)]
    pub host_reads: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscriminatorReport {
    /// D's binary cross-entropy on real and generated images (before its update).
    pub loss: f32,
    /// D's accuracy on the same images, in [0, 1] (before its update).
    pub accuracy: f32,
    /// The decoder's non-saturating loss against D (after D's update).
    pub adversarial: f32,
    pub applied: bool,
}

/// A queued step's numbers, still on the device, and what the host knows of it.
pub(super) struct Queued {
    /// [reconstruction, KL, total, ‖g‖², refused] and, with the discriminator, [its loss,
    /// accuracy, refused, adversarial], each [1]. Kept apart: joining them would cost a
    /// kernel launch each on every step, and one read fetches them all in one round trip.
    pub values: Vec<Tensor<1>>,
    pub beta: f32,
    pub batch: usize,
    pub discriminator: bool,
}

type Values = Result<Vec<Vec<f32>>, TrainError>;

/// The values of a read, once they have come or while they are awaited.
enum Arrival {
    Waiting(Pin<Box<dyn Future<Output = Values>>>),
    Arrived(Values),
}

/// The numbers of some queued steps on their way to the host.
pub(super) struct Reading {
    values: Arrival,
    steps: Vec<Queued>,
    /// When the first of the steps was queued.
    since: Option<Instant>,
    /// The trainer's reads from the device, this one included.
    host_reads: u64,
}

impl Reading {
    /// Starts reading `steps` (at least one, queued from `since` on), counted in `host_reads`:
    /// the device's copies are queued now.
    pub(super) fn start(
        steps: Vec<Queued>,
        since: Option<Instant>,
        host_reads: &Cell<u64>,
    ) -> Self {
        host_reads.set(host_reads.get() + 1);
        let mut read: Pin<Box<dyn Future<Output = Values>>> = Box::pin(read_values(
            steps.iter().flat_map(|q| q.values.clone()).collect(),
        ));
        // burn's reads are lazy futures: polled once, this one runs up to waiting for the device,
        // its copies queued (on the CPU it is done at once).
        let values = match read.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(values) => Arrival::Arrived(values),
            Poll::Pending => Arrival::Waiting(read),
        };
        Self {
            values,
            steps,
            since,
            host_reads: host_reads.get(),
        }
    }

    pub(super) fn steps(&self) -> usize {
        self.steps.len()
    }

    /// Waits for the numbers: the steps' reports, numbered on from `applied_before` (the steps
    /// applied before these). Their time, shared out evenly, runs from the first one's queueing
    /// or the read before's arrival (`previous`), whichever came later, to now: with reads
    /// overlapped, the pace the device and the host kept together.
    pub(super) async fn finish(
        self,
        applied_before: u64,
        previous: Option<Instant>,
    ) -> Result<Vec<StepReport>, TrainError> {
        let values = match self.values {
            Arrival::Waiting(read) => read.await?,
            Arrival::Arrived(values) => values?,
        };
        let from = [self.since, previous].into_iter().flatten().max();
        let elapsed_ms = from.map_or(0.0, |from| from.elapsed().as_secs_f64() * 1000.0);
        let step_ms = elapsed_ms / self.steps.len().max(1) as f64;
        let mut values = values.into_iter();
        let mut step = applied_before;
        let reports = self
            .steps
            .iter()
            .map(|q| {
                let v: Vec<f32> = values.by_ref().take(q.values.len()).flatten().collect();
                let at = |i: usize| v.get(i).copied().unwrap_or(f32::NAN);
                let applied = at(4) == 0.0;
                step += u64::from(applied);
                StepReport {
                    step,
                    reconstruction: at(0),
                    kl: at(1),
                    total: at(2),
                    beta: q.beta,
                    grad_norm: at(3).sqrt(),
                    applied,
                    rolled_back: !applied && (0..4).all(|i| at(i).is_finite()),
                    discriminator: q.discriminator.then(|| DiscriminatorReport {
                        loss: at(5),
                        accuracy: at(6),
                        applied: at(7) == 0.0,
                        adversarial: at(8),
                    }),
                    step_ms,
                    samples_per_s: q.batch as f64 / (step_ms / 1000.0),
                    host_reads: self.host_reads,
                }
            })
            .collect();
        Ok(reports)
    }
}
