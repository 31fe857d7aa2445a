//! Copying a module's weights to the CPU without synchronous reads.
//!
//! burn's `into_record` and cross-device copies read tensors synchronously, which panics on
//! WebGPU in the browser. Here every parameter is flattened into one tensor, read back in one
//! async round trip, and rebuilt on the CPU backend with its parameter id, so the copy can be
//! recorded, saved and used for decoding on the page's main thread.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::TensorData;

use super::TrainError;

/// A copy of `module` on `Device::flex()`, without autodiff.
pub async fn to_cpu<M: Module>(module: &M) -> Result<M, TrainError> {
    struct Collect {
        tensors: Vec<Tensor<1>>,
        shapes: Vec<Vec<usize>>,
    }
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let value = param.val().without_autodiff();
            self.shapes.push(value.dims().to_vec());
            self.tensors.push(value.reshape([-1]));
        }
    }
    struct Replace {
        values: Vec<f32>,
        at: usize,
        shapes: std::vec::IntoIter<Vec<usize>>,
        device: Device,
    }
    impl ModuleMapper for Replace {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let shape = self
                .shapes
                .next()
                .expect("the mapper should meet the parameters the visitor met, in order");
            let len: usize = shape.iter().product();
            let values = self.values[self.at..self.at + len].to_vec();
            self.at += len;
            let device = self.device.clone();
            param.map(move |_| Tensor::from_data(TensorData::new(values, shape), &device))
        }
    }

    let mut collect = Collect {
        tensors: Vec::new(),
        shapes: Vec::new(),
    };
    module.visit(&mut collect);
    let values: Vec<f32> = Tensor::cat(collect.tensors, 0)
        .into_data_async()
        .await
        .map_err(|e| TrainError::Read(format!("{e:?}")))?
        .convert::<f32>()
        .try_into_vec()
        .map_err(|e| TrainError::Read(format!("{e:?}")))?;
    let total: usize = collect
        .shapes
        .iter()
        .map(|s| s.iter().product::<usize>())
        .sum();
    if values.len() != total {
        return Err(TrainError::Read(format!(
            "read {} weights, expected {total}",
            values.len()
        )));
    }
    let mut replace = Replace {
        values,
        at: 0,
        shapes: collect.shapes.into_iter(),
        device: Device::flex(),
    };
    Ok(module.valid().map(&mut replace))
}
