use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::Rng;

/// The size of one image: width × height pixels with `channels` values each (1 grey, 3 RGB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageShape {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
}

impl ImageShape {
    pub const MNIST: Self = Self {
        width: 28,
        height: 28,
        channels: 1,
    };

    /// Values per image (channels × height × width).
    pub fn pixels(&self) -> usize {
        self.width * self.height * self.channels
    }
}

/// Images in memory, channel-major per image (C × H × W), values in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    pub shape: ImageShape,
    pub pixels: Vec<f32>,
    pub labels: Option<Vec<u8>>,
}

impl ImageSet {
    pub fn len(&self) -> usize {
        self.pixels.len() / self.shape.pixels().max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn image(&self, index: usize) -> &[f32] {
        let n = self.shape.pixels();
        &self.pixels[index * n..(index + 1) * n]
    }

    /// The first `count` images (or all, if fewer).
    pub fn take(&self, count: usize) -> Self {
        let count = count.min(self.len());
        Self {
            shape: self.shape,
            pixels: self.pixels[..count * self.shape.pixels()].to_vec(),
            labels: self.labels.as_ref().map(|l| l[..count].to_vec()),
        }
    }

    /// The last `count` images (or all, if fewer).
    pub fn last(&self, count: usize) -> Self {
        let skip = self.len().saturating_sub(count);
        Self {
            shape: self.shape,
            pixels: self.pixels[skip * self.shape.pixels()..].to_vec(),
            labels: self.labels.as_ref().map(|l| l[skip..].to_vec()),
        }
    }

    /// Splits off the last `count` images, e.g. as a held-out set.
    pub fn split_off(&mut self, count: usize) -> Self {
        let keep = self.len().saturating_sub(count);
        Self {
            shape: self.shape,
            pixels: self.pixels.split_off(keep * self.shape.pixels()),
            labels: self.labels.as_mut().map(|l| l.split_off(keep)),
        }
    }

    /// The images at `indices` as one flat batch.
    pub fn batch(&self, indices: &[usize], device: &Device) -> Tensor<2> {
        let n = self.shape.pixels();
        let mut values = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            values.extend_from_slice(self.image(i));
        }
        Tensor::from_data(TensorData::new(values, [indices.len(), n]), device)
    }
}

/// Shuffled mini-batches of indices, epoch after epoch; the last partial batch of an epoch is
/// dropped so that every step sees `batch_size` images.
#[derive(Debug, Clone)]
pub struct Batches {
    order: Vec<usize>,
    next: usize,
    rng: Rng,
    pub epoch: usize,
}

impl Batches {
    pub fn new(len: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut order: Vec<usize> = (0..len).collect();
        rng.shuffle(&mut order);
        Self {
            order,
            next: 0,
            rng,
            epoch: 0,
        }
    }

    pub fn next_batch(&mut self, batch_size: usize) -> Vec<usize> {
        let batch_size = batch_size.clamp(1, self.order.len().max(1));
        if self.next + batch_size > self.order.len() {
            self.rng.shuffle(&mut self.order);
            self.next = 0;
            self.epoch += 1;
        }
        let batch = self.order[self.next..self.next + batch_size].to_vec();
        self.next += batch_size;
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_last_and_split_off_agree() {
        let shape = ImageShape {
            width: 1,
            height: 1,
            channels: 1,
        };
        let mut set = ImageSet {
            shape,
            pixels: vec![0.0, 0.25, 0.5, 1.0],
            labels: Some(vec![0, 1, 2, 3]),
        };
        assert_eq!(set.take(1).pixels, [0.0]);
        let last = set.last(3);
        assert_eq!(set.split_off(3), last);
        assert_eq!(last.labels, Some(vec![1, 2, 3]));
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn batches_cover_an_epoch_without_repeats() {
        let mut batches = Batches::new(10, 3);
        let mut seen: Vec<usize> = (0..3).flat_map(|_| batches.next_batch(3)).collect();
        assert_eq!(batches.epoch, 0);
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 9);
        batches.next_batch(3);
        assert_eq!(batches.epoch, 1);
    }
}
