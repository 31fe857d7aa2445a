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

impl std::fmt::Display for ImageShape {
    /// `28×28 grey`, `32×32 RGB`.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let colour = match self.channels {
            1 => "grey".to_string(),
            3 => "RGB".to_string(),
            n => format!("{n}-channel"),
        };
        write!(f, "{}×{} {colour}", self.width, self.height)
    }
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

    /// The images at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Self {
        let mut pixels = Vec::with_capacity(indices.len() * self.shape.pixels());
        for &i in indices {
            pixels.extend_from_slice(self.image(i));
        }
        Self {
            shape: self.shape,
            pixels,
            labels: self
                .labels
                .as_ref()
                .map(|l| indices.iter().map(|&i| l[i]).collect()),
        }
    }

    /// Which images are kept aside from training (`held_out` of them, give or take one for a
    /// small class), and which train: a seeded shuffle, stratified by label when there are
    /// labels, so that every class with at least two images is in both parts whatever order the
    /// images came in (a folder per class arrives sorted by class).
    pub fn split(&self, held_out: usize, seed: u64) -> Split {
        let len = self.len();
        let held_out = held_out.min(len);
        let mut rng = Rng::new(seed);
        let mut classes: Vec<Vec<usize>> = match &self.labels {
            Some(labels) => {
                let mut classes = vec![Vec::new(); 256];
                for (i, &label) in labels.iter().enumerate() {
                    classes[label as usize].push(i);
                }
                classes.retain(|c| !c.is_empty());
                classes
            }
            None => vec![(0..len).collect()],
        };
        // Each class's share of the held-out images, rounded down; the remainder goes to the
        // classes with the largest fractions, then each class keeps at least one of each part.
        let share = |n: usize| (held_out * n) as f64 / len.max(1) as f64;
        let mut counts: Vec<usize> = classes.iter().map(|c| share(c.len()) as usize).collect();
        let mut by_fraction: Vec<usize> = (0..classes.len()).collect();
        by_fraction.sort_by(|&a, &b| {
            let fraction = |i: usize| share(classes[i].len()).fract();
            fraction(b).total_cmp(&fraction(a)).then(a.cmp(&b))
        });
        for &i in by_fraction
            .iter()
            .take(held_out - counts.iter().sum::<usize>())
        {
            counts[i] += 1;
        }
        if held_out > 0 {
            for (count, class) in counts.iter_mut().zip(&classes) {
                if class.len() >= 2 {
                    *count = (*count).clamp(1, class.len() - 1);
                }
            }
        }
        let mut split = Split {
            train: Vec::with_capacity(len - held_out),
            held_out: Vec::with_capacity(held_out),
        };
        for (class, count) in classes.iter_mut().zip(counts) {
            rng.shuffle(class);
            split.held_out.extend_from_slice(&class[..count]);
            split.train.extend_from_slice(&class[count..]);
        }
        // Classes interleaved, so that the first held-out images (the page's strip) vary.
        rng.shuffle(&mut split.held_out);
        split
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

/// The seed of every held-out split, the page's and the native trainer's: the same data keeps
/// the same held-out images whatever the training seed.
pub const SPLIT_SEED: u64 = 0x5EED;

/// Which images of a set train and which are kept aside to measure the model on.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub held_out: Vec<usize>,
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

    fn dots(labels: Option<Vec<u8>>, len: usize) -> ImageSet {
        ImageSet {
            shape: ImageShape {
                width: 1,
                height: 1,
                channels: 1,
            },
            pixels: (0..len).map(|i| i as f32 / len as f32).collect(),
            labels,
        }
    }

    #[test]
    fn take_last_and_select_agree() {
        let set = dots(Some(vec![0, 1, 2, 3]), 4);
        assert_eq!(set.take(1).pixels, [0.0]);
        let last = set.last(3);
        assert_eq!(set.select(&[1, 2, 3]), last);
        assert_eq!(last.labels, Some(vec![1, 2, 3]));
        assert_eq!(set.select(&[3, 0]).labels, Some(vec![3, 0]));
    }

    #[test]
    fn the_held_out_split_takes_every_class_from_class_sorted_data() {
        // 500 images in ten class folders arrive sorted by class.
        let labels: Vec<u8> = (0..500).map(|i| (i / 50) as u8).collect();
        let set = dots(Some(labels.clone()), 500);
        let split = set.split(100, 0);
        assert_eq!(split.held_out.len(), 100);
        assert_eq!(split.train.len(), 400);
        let mut all: Vec<usize> = split.train.iter().chain(&split.held_out).copied().collect();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..500).collect::<Vec<_>>(),
            "each image is in one part"
        );
        for class in 0..10u8 {
            let count = |part: &[usize]| part.iter().filter(|&&i| labels[i] == class).count();
            assert_eq!(count(&split.held_out), 10, "class {class} held out");
            assert_eq!(count(&split.train), 40, "class {class} trained on");
        }
        assert_eq!(set.split(100, 0), split, "a seed gives the same split");
        assert_ne!(set.split(100, 1).held_out, split.held_out);
        // Uneven classes, a class of one image, no labels.
        let uneven: Vec<u8> = (0..103)
            .map(|i| if i == 102 { 9 } else { (i % 3) as u8 })
            .collect();
        let split = dots(Some(uneven.clone()), 103).split(20, 5);
        assert_eq!(split.held_out.len() + split.train.len(), 103);
        for class in 0..3u8 {
            assert!(split.held_out.iter().any(|&i| uneven[i] == class));
            assert!(split.train.iter().any(|&i| uneven[i] == class));
        }
        let plain = dots(None, 10).split(2, 3);
        assert_eq!((plain.held_out.len(), plain.train.len()), (2, 8));
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
