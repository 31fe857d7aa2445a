//! The tiled matrix product as a burn backend extension: our kernels (`wgsl.rs`) on the cubecl
//! backend (burn's matmul for anything but f32 matrices), a lazy operation under fusion, and a
//! backward pass made of the same kernels.

use std::sync::Mutex;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, binary};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::ops::FloatTensorOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::{CubeBackend, CubeTensor, KernelSource, SourceKernel, SourceTemplate};
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::cubecl::{CubeCount, CubeDim};
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::DType;

use super::wgsl::{Kernel, Matrix};

/// Invocations per workgroup: along the product's columns, along its rows.
const WORKGROUP: (u32, u32) = (16, 4);

/// The devices whose linear layers multiply through our kernels (without autodiff).
static TILED_DEVICES: Mutex<Vec<Device>> = Mutex::new(Vec::new());

/// From now on, linear layers on `device` (a WebGPU device on a software adapter) multiply
/// through our kernels.
pub fn use_tiled_products(device: &Device) {
    let device = device.clone().inner();
    let mut devices = TILED_DEVICES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !devices.contains(&device) {
        devices.push(device);
    }
}

pub(super) fn wants(device: &Device) -> bool {
    TILED_DEVICES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .contains(&device.clone().inner())
}

/// `layer` applied to `x` as burn's `Linear` does, its product through our kernels.
pub(super) fn linear_forward(layer: &Linear, x: Tensor<2>) -> Tensor<2> {
    let product = matmul(x, layer.weight.val());
    match &layer.bias {
        Some(bias) => product + bias.val().unsqueeze(),
        None => product,
    }
}

/// lhs · rhs: [m, k] · [k, n] → [m, n].
fn matmul(lhs: Tensor<2>, rhs: Tensor<2>) -> Tensor<2> {
    Tensor::from_dispatch(<Dispatch as TiledProducts>::tiled_matmul(
        lhs.into_dispatch(),
        rhs.into_dispatch(),
    ))
}

#[backend_extension(Cube, Autodiff, Fusion)]
pub trait TiledProducts: Backend {
    /// [m, k] · [k, n] → [m, n]
    #[fusion(dtype = lhs, shape = product_shape(lhs, rhs))]
    fn tiled_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self>;
}

fn product_shape(lhs: &Shape, rhs: &Shape) -> Shape {
    [lhs[0], rhs[1]].into()
}

impl TiledProducts for CubeBackend {
    fn tiled_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        let f32_matrices = [&lhs, &rhs]
            .iter()
            .all(|t| t.dtype == DType::F32 && t.meta.shape().num_dims() == 2);
        if f32_matrices {
            launch(lhs, rhs)
        } else {
            Self::float_matmul(lhs, rhs)
        }
    }
}

impl<B: Backend + TiledProducts, C: CheckpointStrategy> TiledProducts for Autodiff<B, C> {
    fn tiled_matmul(lhs: FloatTensor<Self>, rhs: FloatTensor<Self>) -> FloatTensor<Self> {
        #[derive(Debug)]
        struct TiledMatmul;

        impl<B: Backend + TiledProducts> Backward<B, 2> for TiledMatmul {
            type State = (Option<NodeId>, Option<NodeId>);

            fn backward(
                self,
                ops: Ops<Self::State, 2>,
                grads: &mut Gradients,
                checkpointer: &mut Checkpointer,
            ) {
                let (lhs, rhs) = ops.state;
                let lhs: Option<FloatTensor<B>> =
                    lhs.map(|id| checkpointer.retrieve_node_output(id));
                let rhs: Option<FloatTensor<B>> =
                    rhs.map(|id| checkpointer.retrieve_node_output(id));
                // The transposes are views: the kernel reads them in place.
                binary::<B, _, _>(
                    ops.parents,
                    ops.node,
                    grads,
                    |grad| {
                        let rhs = rhs.expect("rhs should be kept when lhs is tracked");
                        B::tiled_matmul(grad, B::float_transpose(rhs))
                    },
                    |grad| {
                        let lhs = lhs.expect("lhs should be kept when rhs is tracked");
                        B::tiled_matmul(B::float_transpose(lhs), grad)
                    },
                );
            }
        }

        let lhs_tracked = lhs.is_tracked();
        let rhs_tracked = rhs.is_tracked();
        match TiledMatmul
            .prepare::<C>([lhs.node(), rhs.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let lhs_state = rhs_tracked.then(|| prep.checkpoint(&lhs));
                let rhs_state = lhs_tracked.then(|| prep.checkpoint(&rhs));
                let output = B::tiled_matmul(lhs.into_primitive(), rhs.into_primitive());
                prep.finish((lhs_state, rhs_state), output)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::tiled_matmul(lhs.into_primitive(), rhs.into_primitive()))
            }
        }
    }
}

/// Launches so far, for the tests to see which products took which kernel.
#[cfg(test)]
static LAUNCHES: std::sync::Mutex<Vec<Kernel>> = std::sync::Mutex::new(Vec::new());

/// A product of f32 matrices through one of the two kernels (`wgsl.rs`).
fn launch(lhs: CubeTensor, rhs: CubeTensor) -> CubeTensor {
    let ([m, k], [_, n]) = (lhs.shape(), rhs.shape());
    let kernel = Kernel::for_operands(&lhs, &rhs);
    #[cfg(test)]
    LAUNCHES
        .lock()
        .expect("no test should panic holding the log")
        .push(kernel);
    let client = lhs.client.clone();
    let output = CubeTensor::new_contiguous(
        client.clone(),
        lhs.device.clone(),
        [m, n].into(),
        client.empty(m * n * size_of::<f32>()),
        DType::F32,
    );
    let ([ls0, ls1], [rs0, rs1]) = (lhs.strides(), rhs.strides());
    let dims: Vec<u8> = [m, k, n, ls0, ls1, rs0, rs1]
        .iter()
        .flat_map(|&d| (d as u32).to_le_bytes())
        .collect();
    let dims = client.create_from_slice(&dims);
    let (tile_rows, tile_columns) = kernel.tile();
    let cube_dim = CubeDim::new_2d(WORKGROUP.0, WORKGROUP.1);
    let count = CubeCount::new_2d(
        n.div_ceil(tile_columns).div_ceil(WORKGROUP.0 as usize) as u32,
        m.div_ceil(tile_rows).div_ceil(WORKGROUP.1 as usize) as u32,
    );
    client.launch(
        Box::new(SourceKernel::new(kernel, cube_dim)),
        count,
        KernelArguments::new()
            .with_buffer(lhs.handle.binding())
            .with_buffer(rhs.handle.binding())
            .with_buffer(output.handle.clone().binding())
            .with_buffer(dims.binding()),
    );
    output
}

impl Matrix for CubeTensor {
    fn shape(&self) -> [usize; 2] {
        let shape = self.meta.shape();
        [shape[0], shape[1]]
    }

    fn strides(&self) -> [usize; 2] {
        let strides = self.meta.strides();
        [strides[0], strides[1]]
    }
}

impl KernelSource for Kernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(self.wgsl(WORKGROUP))
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(*self)
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// On Chromium's SwiftShader against burn's CPU backend: `cargo test --features wgpu products`.
/// wgpu's Vulkan teardown crashes on SwiftShader at exit, so the checks run in a child process (this
/// test binary again) that exits by itself once they pass.
#[cfg(test)]
mod tests {
    use burn::tensor::{DeviceKind, Distribution, TensorData};
    use pollster::block_on;

    use super::super::wgsl::Operand;
    use super::*;

    const SWIFTSHADER_DIR: &str = "/usr/lib/chromium";
    const CHILD: &str = "VAE_TILED_PRODUCTS_CHILD";

    #[test]
    fn tiled_products_agree_with_the_cpu_on_swiftshader() {
        if std::env::var_os(CHILD).is_some() {
            checks();
            println!("tiled products agree");
            std::process::exit(0);
        }
        let icd = std::path::Path::new(SWIFTSHADER_DIR).join("vk_swiftshader_icd.json");
        assert!(
            icd.exists(),
            "Chromium's SwiftShader should be at {} (the README's set-up installs Chromium)",
            icd.display()
        );
        let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "--exact",
                "vae::products::tiled::tests::tiled_products_agree_with_the_cpu_on_swiftshader",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .env("VK_ICD_FILENAMES", icd)
            .env("LD_LIBRARY_PATH", SWIFTSHADER_DIR)
            .output()
            .expect("the test binary should run again");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("tiled products agree"),
            "the checks on SwiftShader failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn read(tensor: Tensor<2>) -> Vec<f32> {
        block_on(tensor.into_data_async())
            .expect("the tensor should read back")
            .try_to_vec()
            .expect("f32")
    }

    /// [rows, columns] of random values on `device`, laid out transposed in memory when asked.
    fn matrix(
        values: &[f32],
        [rows, columns]: [usize; 2],
        transposed: bool,
        device: &Device,
    ) -> Tensor<2> {
        if transposed {
            let stored =
                Tensor::<2>::from_data(TensorData::new(values.to_vec(), [columns, rows]), device);
            stored.transpose()
        } else {
            Tensor::from_data(TensorData::new(values.to_vec(), [rows, columns]), device)
        }
    }

    fn assert_close(got: &[f32], want: &[f32], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: sizes");
        let scale = want.iter().fold(1f32, |m, w| m.max(w.abs()));
        let worst = got
            .iter()
            .zip(want)
            .map(|(g, w)| (g - w).abs())
            .fold(0f32, f32::max);
        assert!(
            worst <= 1e-4 * scale,
            "{what}: largest difference {worst} (values up to {scale})"
        );
    }

    fn launches() -> Vec<Kernel> {
        std::mem::take(&mut *LAUNCHES.lock().expect("the log"))
    }

    fn checks() {
        let gpu = Device::wgpu(DeviceKind::DefaultDevice);
        use_tiled_products(&gpu);
        let cpu = Device::flex();
        let random = |n: usize| -> Vec<f32> {
            read(Tensor::<2>::random(
                [1, n],
                Distribution::Uniform(-1.0, 1.0),
                &cpu,
            ))
        };
        use Operand::{RowMajor as R, Transposed as T};
        let vec4 = |lhs, rhs| Kernel::Vec4 { lhs, rhs };
        // Every layout, tiles past the edges (m not a multiple of 16, n of 8), and sizes the vec4 kernel
        // cannot read (a latent layer's 2, a transposed lhs of 6 rows, k = 10).
        let cases = [
            ([128, 784, 512], R, R, vec4(R, R)),
            ([21, 12, 20], R, R, vec4(R, R)),
            ([20, 12, 20], T, R, vec4(T, R)),
            ([21, 12, 20], R, T, vec4(R, T)),
            ([20, 16, 12], T, T, vec4(T, T)),
            ([128, 512, 2], R, R, Kernel::Strided),
            ([130, 2, 512], R, R, Kernel::Strided),
            ([6, 128, 8], T, R, Kernel::Strided),
            ([7, 10, 9], R, T, Kernel::Strided),
        ];
        for ([m, k, n], lhs_layout, rhs_layout, kernel) in cases {
            let (a, b) = (random(m * k), random(k * n));
            let want = read(matrix(&a, [m, k], lhs_layout == T, &cpu).matmul(matrix(
                &b,
                [k, n],
                rhs_layout == T,
                &cpu,
            )));
            launches();
            let got = read(matmul(
                matrix(&a, [m, k], lhs_layout == T, &gpu),
                matrix(&b, [k, n], rhs_layout == T, &gpu),
            ));
            let what = format!("{m}×{k}·{k}×{n} ({lhs_layout:?}, {rhs_layout:?})");
            assert_close(&got, &want, &what);
            assert_eq!(launches(), vec![kernel], "{what}: the kernel that ran");
        }

        // Gradients through the product: the backward pass reads transposes in place.
        let [m, k, n] = [24, 16, 12];
        let vec4 = |lhs, rhs| Kernel::Vec4 { lhs, rhs };
        let (a, b, g) = (random(m * k), random(k * n), random(m * n));
        let gradients = |device: &Device, tiled: bool| {
            let device = device.clone().autodiff();
            let x = matrix(&a, [m, k], false, &device).require_grad();
            let w = matrix(&b, [k, n], false, &device).require_grad();
            let y = if tiled {
                matmul(x.clone(), w.clone())
            } else {
                x.clone().matmul(w.clone())
            };
            let grads = (y * matrix(&g, [m, n], false, &device)).sum().backward();
            let gx = x.grad(&grads).expect("x should get a gradient");
            let gw = w.grad(&grads).expect("w should get a gradient");
            (read(gx), read(gw))
        };
        let (want_x, want_w) = gradients(&cpu, false);
        launches();
        let (got_x, got_w) = gradients(&gpu, true);
        assert_close(&got_x, &want_x, "dL/dx");
        assert_close(&got_w, &want_w, "dL/dw");
        let mut seen = launches();
        seen.sort_by_key(|l| format!("{l:?}"));
        assert_eq!(
            seen,
            vec![vec4(R, R), vec4(R, T), vec4(T, R)],
            "forward, dL/dx = g·wᵀ, dL/dw = xᵀ·g"
        );

        super::super::refusal::checks(&gpu);
    }
}
