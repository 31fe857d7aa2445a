//! Copying a module's weights to the CPU without synchronous reads.
//!
//! burn's `into_record` and cross-device copies read tensors synchronously, which panics on
//! WebGPU in the browser. Here every parameter is flattened into one tensor, read back in one
//! async round trip, and rebuilt on the CPU backend with its parameter id, so the copy can be
//! recorded, saved and used for decoding on the page's main thread. The flat values are also
//! what the page's training worker sends to the main thread (`with_weights` there).

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::TensorData;

use super::TrainError;

/// A copy of `module` on `Device::flex()`, without autodiff.
pub async fn to_cpu<M: Module>(module: &M) -> Result<M, TrainError> {
    with_weights(module, &read_weights(module).await?)
}

/// Every float parameter of `module`, flattened in the order the module visits them.
pub async fn read_weights<M: Module>(module: &M) -> Result<Vec<f32>, TrainError> {
    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().without_autodiff().reshape([-1]));
        }
    }
    let mut collect = Collect(Vec::new());
    module.visit(&mut collect);
    Tensor::cat(collect.0, 0)
        .into_data_async()
        .await
        .map_err(|e| TrainError::Read(format!("{e}")))?
        .convert::<f32>()
        .try_into_vec()
        .map_err(|e| TrainError::Read(format!("{e}")))
}

/// A copy of `module` on `Device::flex()`, without autodiff, holding `values` (as
/// `read_weights` flattens them) instead of its own weights.
pub fn with_weights<M: Module>(module: &M, values: &[f32]) -> Result<M, TrainError> {
    struct Shapes(Vec<Vec<usize>>);
    impl ModuleVisitor for Shapes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.shape().to_vec());
        }
    }
    struct Replace<'a> {
        values: &'a [f32],
        shapes: std::vec::IntoIter<Vec<usize>>,
        device: Device,
    }
    impl ModuleMapper for Replace<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let shape = self
                .shapes
                .next()
                .expect("the mapper should meet the parameters the visitor met, in order");
            let (values, rest) = self.values.split_at(shape.iter().product());
            self.values = rest;
            let data = TensorData::new(values.to_vec(), shape);
            let device = self.device.clone();
            param.map(move |_| Tensor::from_data(data, &device))
        }
    }

    let mut shapes = Shapes(Vec::new());
    module.visit(&mut shapes);
    let total: usize = shapes.0.iter().map(|s| s.iter().product::<usize>()).sum();
    if values.len() != total {
        return Err(TrainError::Read(format!(
            "{} weights given, the model has {total}",
            values.len()
        )));
    }
    let mut replace = Replace {
        values,
        shapes: shapes.0.into_iter(),
        device: Device::flex(),
    };
    Ok(module.valid().map(&mut replace))
}
