//! The messages between the page and its training workers: typed, each carrying its arrays in
//! its variant, and one codec for all of them. Messages travel as one binary buffer (bincode,
//! as gloo-worker's default codec does), which is transferred, not copied, and carries every
//! float exactly: NaN and ±∞ included, where JSON would turn them into `null`.

use std::borrow::Cow;

use bincode::Options;
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::backend::WebGpuReady;
use super::plane::PlanePoint;
use crate::data::ImageShape;
use crate::vae::{Hyper, StepReport, VaeConfig};

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker<'a> {
    /// WebGPU trainer only: start WebGPU and run the probe, answered by `Ready`.
    Init,
    /// A new session (the previous one ends).
    Start(Box<StartSession<'a>>),
    Run {
        session: u64,
        run: bool,
    },
    Step {
        session: u64,
    },
    Hyper {
        session: u64,
        hyper: Hyper,
    },
    /// A copy of the model for saving, answered by `Captured` with the same `capture`.
    Capture {
        session: u64,
        capture: u64,
    },
    Stop {
        session: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartSession<'a> {
    pub session: u64,
    pub config: VaeConfig,
    pub hyper: Hyper,
    pub seed: u64,
    pub data: DataSet<'a>,
    /// A model file to start from; fresh weights when `None`.
    pub start_from: Option<Bytes<'a>>,
}

/// The images a session trains on: sent once, then named by their id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DataSet<'a> {
    /// The set the worker received with this id.
    Known(u64),
    New {
        id: u64,
        shape: ImageShape,
        pixels: Floats<'a>,
        labels: Option<Bytes<'a>>,
    },
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// A copy of the weights, flattened (`vae::read_weights`).
    Model {
        session: u64,
        weights: Floats<'static>,
    },
    Points {
        session: u64,
        points: Vec<PlanePoint>,
    },
    /// Steps since the last report, and the epoch.
    Stepped {
        session: u64,
        reports: Vec<StepReport>,
        epoch: usize,
    },
    HeldOut {
        session: u64,
        step: u64,
        negative_elbo: f32,
    },
    Running {
        session: u64,
        running: bool,
    },
    Failed {
        session: u64,
        error: String,
    },
    /// The model file, or why there is none.
    Captured {
        session: u64,
        capture: u64,
        file: Result<Bytes<'static>, String>,
    },
    /// The worker panicked: every session has ended.
    Panicked(String),
    Ready(Result<WebGpuReady, String>),
}

impl FromWorker {
    /// The session a message is about (`None`: about the worker itself).
    pub fn session(&self) -> Option<u64> {
        match self {
            FromWorker::Model { session, .. }
            | FromWorker::Points { session, .. }
            | FromWorker::Stepped { session, .. }
            | FromWorker::HeldOut { session, .. }
            | FromWorker::Running { session, .. }
            | FromWorker::Failed { session, .. }
            | FromWorker::Captured { session, .. } => Some(*session),
            FromWorker::Panicked(_) | FromWorker::Ready(_) => None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("an unreadable message ({0})")]
pub struct ProtocolError(String);

/// Fixed-width numbers; no declared length may exceed what is left of the buffer, so that a
/// damaged message fails before it allocates.
fn options(limit: usize) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_limit(limit as u64)
}

/// A message as bytes.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    options(usize::MAX)
        .serialize(message)
        .expect("messages are plain data and should encode")
}

/// A message from bytes made by [`encode`]; any other bytes give an error, never a panic.
pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, ProtocolError> {
    options(bytes.len())
        .deserialize(bytes)
        .map_err(|e| ProtocolError(e.to_string()))
}

/// Floats carried as one block of bytes (in the machine's order: both ends run on the same
/// machine), so that a data set or a model's weights cost a copy, not a loop over values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Floats<'a>(pub Cow<'a, [f32]>);

/// Bytes carried as one block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bytes<'a>(pub Cow<'a, [u8]>);

impl Floats<'_> {
    pub fn into_vec(self) -> Vec<f32> {
        self.0.into_owned()
    }
}

impl Bytes<'_> {
    pub fn into_vec(self) -> Vec<u8> {
        self.0.into_owned()
    }
}

impl From<Vec<f32>> for Floats<'static> {
    fn from(values: Vec<f32>) -> Self {
        Self(Cow::Owned(values))
    }
}

impl From<Vec<u8>> for Bytes<'static> {
    fn from(bytes: Vec<u8>) -> Self {
        Self(Cow::Owned(bytes))
    }
}

impl Serialize for Floats<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytemuck::cast_slice(&self.0))
    }
}

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

/// Reads a block of bytes into `T` (owned, whatever the lifetime asked for).
struct Block<T>(fn(&[u8]) -> Option<T>);

impl<T> Visitor<'_> for Block<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a block of bytes")
    }

    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<T, E> {
        (self.0)(bytes).ok_or_else(|| E::custom("a block of floats of a length not divisible by 4"))
    }
}

impl<'de> Deserialize<'de> for Floats<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let floats = |bytes: &[u8]| {
            bytes.len().is_multiple_of(4).then(|| {
                bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                    .collect::<Vec<f32>>()
            })
        };
        deserializer
            .deserialize_bytes(Block(floats))
            .map(|v| Floats(Cow::Owned(v)))
    }
}

impl<'de> Deserialize<'de> for Bytes<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_bytes(Block(|bytes| Some(bytes.to_vec())))
            .map(|v| Bytes(Cow::Owned(v)))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::page::backend::Probe;
    use crate::vae::DiscriminatorReport;

    fn float() -> prop::num::f32::Any {
        prop::num::f32::ANY
    }

    fn floats() -> impl Strategy<Value = Vec<f32>> {
        prop::collection::vec(float(), 0..64)
    }

    fn hyper() -> impl Strategy<Value = Hyper> {
        let f = prop::num::f64::ANY;
        (f, f, any::<u64>(), any::<usize>(), any::<bool>(), f, f).prop_map(
            |(learning_rate, beta, kl_warmup_steps, batch_size, discriminator, gamma, d_lr)| {
                Hyper {
                    learning_rate,
                    beta,
                    kl_warmup_steps,
                    batch_size,
                    discriminator,
                    gamma,
                    discriminator_learning_rate: d_lr,
                }
            },
        )
    }

    fn report() -> impl Strategy<Value = StepReport> {
        let f = float();
        (
            any::<u64>(),
            (f, f, f, f, f),
            (any::<bool>(), any::<bool>()),
            prop::option::of((f, f, f, any::<bool>())),
            (prop::num::f64::ANY, prop::num::f64::ANY),
        )
            .prop_map(
                |(
                    step,
                    (reconstruction, kl, total, beta, grad_norm),
                    (applied, rolled_back),
                    d,
                    (step_ms, samples_per_s),
                )| {
                    StepReport {
                        step,
                        reconstruction,
                        kl,
                        total,
                        beta,
                        grad_norm,
                        applied,
                        rolled_back,
                        host_reads: 0,
                        discriminator: d.map(|(loss, accuracy, adversarial, applied)| {
                            DiscriminatorReport {
                                loss,
                                accuracy,
                                adversarial,
                                applied,
                            }
                        }),
                        step_ms,
                        samples_per_s,
                    }
                },
            )
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(any::<u8>(), 0..64)
    }

    fn to_worker() -> impl Strategy<Value = ToWorker<'static>> {
        let start = (
            any::<u64>(),
            prop::sample::select(vec![VaeConfig::mlp2(), VaeConfig::conv(ImageShape::MNIST)]),
            hyper(),
            any::<u64>(),
            prop_oneof![
                any::<u64>().prop_map(DataSet::Known),
                (any::<u64>(), floats(), prop::option::of(bytes())).prop_map(
                    |(id, pixels, labels)| {
                        DataSet::New {
                            id,
                            shape: ImageShape::MNIST,
                            pixels: pixels.into(),
                            labels: labels.map(Into::into),
                        }
                    }
                ),
            ],
            prop::option::of(bytes()),
        )
            .prop_map(|(session, config, hyper, seed, data, start_from)| {
                ToWorker::Start(Box::new(StartSession {
                    session,
                    config,
                    hyper,
                    seed,
                    data,
                    start_from: start_from.map(Into::into),
                }))
            });
        let id = any::<u64>();
        prop_oneof![
            Just(ToWorker::Init),
            start,
            (id, any::<bool>()).prop_map(|(session, run)| ToWorker::Run { session, run }),
            id.prop_map(|session| ToWorker::Step { session }),
            (id, hyper()).prop_map(|(session, hyper)| ToWorker::Hyper { session, hyper }),
            (id, id).prop_map(|(session, capture)| ToWorker::Capture { session, capture }),
            id.prop_map(|session| ToWorker::Stop { session }),
        ]
    }

    fn from_worker() -> impl Strategy<Value = FromWorker> {
        let id = any::<u64>();
        let point = (floats(), floats(), prop::option::of(any::<u8>()))
            .prop_map(|(mean, sigma, label)| PlanePoint { mean, sigma, label });
        let probe = prop_oneof![
            (prop::num::f64::ANY, prop::num::f64::ANY, float()).prop_map(
                |(first_ms, warm_ms, checksum)| {
                    Probe::Done {
                        first_ms,
                        warm_ms,
                        checksum,
                    }
                }
            ),
            ".*".prop_map(Probe::Failed),
        ];
        let ready =
            (".*", prop::num::f64::ANY, probe).prop_map(|(adapter, start_ms, probe)| WebGpuReady {
                adapter,
                start_ms,
                probe,
            });
        prop_oneof![
            (id, floats()).prop_map(|(session, w)| FromWorker::Model {
                session,
                weights: w.into()
            }),
            (id, prop::collection::vec(point, 0..8))
                .prop_map(|(session, points)| FromWorker::Points { session, points }),
            (id, prop::collection::vec(report(), 0..8), any::<usize>()).prop_map(
                |(session, reports, epoch)| FromWorker::Stepped {
                    session,
                    reports,
                    epoch
                }
            ),
            (id, id, float()).prop_map(|(session, step, negative_elbo)| FromWorker::HeldOut {
                session,
                step,
                negative_elbo
            }),
            (id, any::<bool>())
                .prop_map(|(session, running)| FromWorker::Running { session, running }),
            (id, ".*").prop_map(|(session, error)| FromWorker::Failed { session, error }),
            (
                id,
                id,
                prop_oneof![bytes().prop_map(|b| Ok(b.into())), ".*".prop_map(Err)]
            )
                .prop_map(|(session, capture, file)| FromWorker::Captured {
                    session,
                    capture,
                    file
                }),
            ".*".prop_map(FromWorker::Panicked),
            prop_oneof![ready.prop_map(Ok), ".*".prop_map(Err)].prop_map(FromWorker::Ready),
        ]
    }

    #[test]
    fn non_finite_numbers_arrive_as_they_were_sent() {
        let report = StepReport {
            step: 7,
            reconstruction: f32::NAN,
            kl: f32::INFINITY,
            total: f32::NEG_INFINITY,
            beta: 1.0,
            grad_norm: f32::NAN,
            applied: false,
            rolled_back: false,
            host_reads: 0,
            discriminator: None,
            step_ms: f64::NAN,
            samples_per_s: f64::INFINITY,
        };
        let message = FromWorker::Stepped {
            session: 1,
            reports: vec![report],
            epoch: 0,
        };
        let FromWorker::Stepped { reports, .. } =
            decode::<FromWorker>(&encode(&message)).expect("should decode")
        else {
            panic!("a Stepped message should stay one");
        };
        let got = &reports[0];
        assert!(got.reconstruction.is_nan() && got.grad_norm.is_nan() && got.step_ms.is_nan());
        assert_eq!(
            (got.kl, got.total, got.samples_per_s),
            (f32::INFINITY, f32::NEG_INFINITY, f64::INFINITY)
        );
    }

    #[test]
    fn a_data_set_is_sent_as_one_block_and_damaged_messages_are_refused() {
        let pixels: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        let message = ToWorker::Start(Box::new(StartSession {
            session: 3,
            config: VaeConfig::mlp2(),
            hyper: Hyper::default(),
            seed: 1,
            data: DataSet::New {
                id: 3,
                shape: ImageShape::MNIST,
                pixels: Floats(Cow::Borrowed(&pixels)),
                labels: None,
            },
            start_from: None,
        }));
        let bytes = encode(&message);
        assert!(
            bytes.len() < 4000 + 512,
            "{} bytes for 4000 bytes of pixels",
            bytes.len()
        );
        assert_eq!(decode::<ToWorker>(&bytes), Ok(message));
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode::<ToWorker>(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    proptest! {
        #[test]
        fn every_message_to_a_worker_round_trips_bit_for_bit(message in to_worker()) {
            let bytes = encode(&message);
            let decoded: ToWorker = decode(&bytes).expect("should decode what was encoded");
            prop_assert_eq!(encode(&decoded), bytes);
        }

        #[test]
        fn every_message_from_a_worker_round_trips_bit_for_bit(message in from_worker()) {
            let bytes = encode(&message);
            let decoded: FromWorker = decode(&bytes).expect("should decode what was encoded");
            prop_assert_eq!(encode(&decoded), bytes);
            prop_assert_eq!(decoded.session(), message.session());
        }

        #[test]
        fn any_bytes_decode_to_a_message_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode::<ToWorker>(&bytes);
            let _ = decode::<FromWorker>(&bytes);
        }
    }
}
