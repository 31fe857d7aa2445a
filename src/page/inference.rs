//! The page's computations with a model on the CPU: decoding points of the plane, encoding the
//! held-out images onto it, reconstructing, and the backend's first computation (the probe).
//! Async like every read in the browser; on the CPU each completes at once, so the page can also
//! drive them with `now_or_never` inside an event.

use burn::tensor::{Device, Tensor, TensorData};
use web_time::Instant;

use super::backend::Probe;
use super::geometry::Slice;
use super::plane::PlanePoint;
use crate::data::ImageSet;
use crate::vae::{Vae, VaeConfig};

async fn read(tensor: Tensor<2>) -> Result<Vec<f32>, String> {
    tensor
        .into_data_async()
        .await
        .map_err(|e| format!("the backend could not read the result back ({e})"))?
        .try_to_vec::<f32>()
        .map_err(|e| format!("the backend returned another type of number ({e})"))
}

/// Decodes full latent vectors (rows of `vae.latent()` values) with a CPU model: n rows → n
/// images, values in [0, 1].
pub async fn decode_latents(vae: &Vae, z: Vec<f32>) -> Result<Vec<f32>, String> {
    let latent = vae.latent();
    let rows = z.len() / latent.max(1);
    if rows * latent != z.len() {
        return Err(format!("{} values are not rows of {latent}", z.len()));
    }
    let z = Tensor::from_data(TensorData::new(z, [rows, latent]), &Device::flex());
    read(vae.decode(z)).await
}

/// Decodes points of the plane (placed in the latent space by `slice`) with a CPU model.
pub async fn decode_points(
    vae: &Vae,
    points: &[[f32; 2]],
    slice: &Slice,
) -> Result<Vec<f32>, String> {
    decode_latents(vae, points.iter().flat_map(|&p| slice.embed(p)).collect()).await
}

/// The posteriors of `set` under `vae` (on the CPU), as points of the plane.
pub async fn encode_points(vae: &Vae, set: &ImageSet) -> Result<Vec<PlanePoint>, String> {
    let all: Vec<usize> = (0..set.len()).collect();
    let posterior = vae.encode(set.batch(&all, &Device::flex()));
    let latent = vae.latent();
    let means = read(posterior.mean).await?;
    let sigmas = read((posterior.log_var * 0.5).exp()).await?;
    Ok(means
        .chunks_exact(latent)
        .zip(sigmas.chunks_exact(latent))
        .enumerate()
        .map(|(i, (z, sigma))| PlanePoint {
            mean: z.to_vec(),
            sigma: sigma.to_vec(),
            label: set.labels.as_ref().map(|l| l[i]),
        })
        .collect())
}

/// The decodings of `images`' posterior means.
pub async fn reconstruct(vae: &Vae, images: &ImageSet) -> Result<Vec<f32>, String> {
    let all: Vec<usize> = (0..images.len()).collect();
    let means = vae.encode(images.batch(&all, &Device::flex())).mean;
    read(vae.decode(means)).await
}

/// Decodes a 20×20 grid of latent points twice with a fresh VAE-MLP-2 on `device`: once cold
/// (shader compilation on WebGPU), once warm.
pub async fn probe(device: &Device) -> Probe {
    let vae = match VaeConfig::mlp2().init(device) {
        Ok(vae) => vae,
        Err(error) => return Probe::Failed(error.to_string()),
    };
    let grid: Vec<f32> = (0..400)
        .flat_map(|i| [(i % 20) as f32 / 5.0 - 2.0, (i / 20) as f32 / 5.0 - 2.0])
        .collect();
    let mut times = [0.0; 2];
    let mut checksum = 0.0;
    for time in &mut times {
        let start = Instant::now();
        let z = Tensor::from_data(TensorData::new(grid.clone(), [400, 2]), device);
        let images = match read(vae.decode(z)).await {
            Ok(images) => images,
            Err(error) => return Probe::Failed(error),
        };
        *time = start.elapsed().as_secs_f64() * 1000.0;
        checksum = images.iter().sum::<f32>() / 400.0;
    }
    Probe::Done {
        first_ms: times[0],
        warm_ms: times[1],
        checksum,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ImageShape;

    fn model(latent: usize) -> Vae {
        let config = VaeConfig {
            latent,
            ..VaeConfig::mlp2()
        };
        config.init(&Device::flex()).expect("VAE-MLP should build")
    }

    #[test]
    fn points_decode_through_the_slice_and_encode_back_onto_the_plane() {
        let vae = model(3);
        let slice = Slice {
            dims: [2, 0],
            base: vec![0.0, 0.5, 0.0],
        };
        let points = [[1.0, -1.0], [0.0, 0.0]];
        let through_slice =
            pollster::block_on(decode_points(&vae, &points, &slice)).expect("decoding should work");
        let direct = pollster::block_on(decode_latents(&vae, vec![-1.0, 0.5, 1.0, 0.0, 0.5, 0.0]))
            .expect("decoding should work");
        assert_eq!(through_slice, direct);
        assert_eq!(direct.len(), 2 * 784);
        assert!(direct.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(pollster::block_on(decode_latents(&vae, vec![0.0; 4])).is_err());

        let set = ImageSet {
            shape: ImageShape::MNIST,
            pixels: vec![0.5; 3 * 784],
            labels: Some(vec![4, 5, 6]),
        };
        let encoded = pollster::block_on(encode_points(&vae, &set)).expect("encoding should work");
        assert_eq!(encoded.len(), 3);
        assert_eq!(encoded[2].label, Some(6));
        assert_eq!(encoded[0].mean.len(), 3);
        assert!(encoded[0].sigma.iter().all(|s| *s > 0.0));
        let pixels = pollster::block_on(reconstruct(&vae, &set)).expect("should reconstruct");
        assert_eq!(pixels.len(), 3 * 784);
    }

    #[test]
    fn the_probe_times_a_cold_and_a_warm_decode() {
        let Probe::Done {
            first_ms,
            warm_ms,
            checksum,
        } = pollster::block_on(probe(&Device::flex()))
        else {
            panic!("the CPU probe should run");
        };
        assert!(first_ms >= 0.0 && warm_ms >= 0.0);
        assert!(checksum > 0.0 && checksum < 784.0);
    }
}
