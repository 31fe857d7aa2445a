//! Picks the compute backend: WebGPU when the browser gives an adapter, else burn's CPU backend.
//!
//! The page only asks the browser whether there is an adapter: its own module is built without
//! WebGPU. Training on WebGPU runs in the WebGPU trainer (`vae-trainer-webgpu`, loaded by the
//! training worker on first use), which starts burn's wgpu runtime with `init_webgpu`.

use wasm_bindgen::{JsCast, JsValue};

use super::tasks::now_ms;
use crate::page::{Backend, BackendKind};

fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// The browser's WebGPU adapter (`GPUAdapter.info`; wgpu's `AdapterInfo` is empty on the web), as
/// far as the page needs it, on the page or in a worker.
pub struct Adapter {
    /// The browser's own words for it.
    pub name: String,
    /// A software fallback (`GPUAdapterInfo.isFallbackAdapter`; Chromium's SwiftShader is one):
    /// WebGPU computed on the CPU, far slower than our CPU backend.
    pub fallback: bool,
}

async fn adapter() -> Result<Adapter, String> {
    let gpu = get(&js_sys::global(), "navigator")
        .and_then(|navigator| get(&navigator, "gpu"))
        .ok_or("this browser has no WebGPU")?;
    let request: js_sys::Function = get(&gpu, "requestAdapter")
        .and_then(|f| f.dyn_into().ok())
        .ok_or("this browser has no WebGPU")?;
    let promise: js_sys::Promise = request
        .call0(&gpu)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or("the browser could not look for a WebGPU adapter")?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .filter(|a| !a.is_null() && !a.is_undefined())
        .ok_or("the browser offers no WebGPU adapter")?;
    let info = get(&adapter, "info").unwrap_or(JsValue::UNDEFINED);
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|key| get(&info, key)?.as_string())
        .filter(|s| !s.is_empty())
        .collect();
    let name = if parts.is_empty() {
        "an unnamed adapter".to_string()
    } else {
        parts.join(" · ")
    };
    let fallback = get(&info, "isFallbackAdapter").and_then(|v| v.as_bool()) == Some(true);
    Ok(Adapter { name, fallback })
}

/// WebGPU when `prefer_gpu` and the browser has a hardware adapter (any adapter when `forced`);
/// else the CPU, with the reason. Never fails.
pub async fn init(prefer_gpu: bool, forced: bool) -> Backend {
    let start = now_ms();
    let mut webgpu_slower = None;
    let kind = if prefer_gpu {
        match adapter().await {
            Ok(adapter) if adapter.fallback && !forced => {
                let reason = format!(
                    "this browser's WebGPU adapter ({}) is a software fallback, slower than the CPU here",
                    adapter.name
                );
                webgpu_slower = Some(adapter.name);
                BackendKind::Cpu { reason }
            }
            Ok(adapter) if adapter.fallback => BackendKind::WebGpu {
                adapter: format!("{} (software fallback adapter)", adapter.name),
            },
            Ok(adapter) => BackendKind::WebGpu {
                adapter: adapter.name,
            },
            Err(reason) => BackendKind::Cpu { reason },
        }
    } else {
        BackendKind::Cpu {
            reason: "CPU chosen".into(),
        }
    };
    Backend {
        kind,
        init_ms: now_ms() - start,
        webgpu_slower,
    }
}

/// In the WebGPU trainer: starts burn's wgpu runtime (once per worker) and names the adapter.
#[cfg(feature = "wgpu")]
pub async fn init_webgpu() -> Result<(burn::tensor::Device, String), String> {
    use std::cell::RefCell;

    use burn::tensor::{Device, wgpu::WgpuInitError};

    thread_local! {
        // burn's wgpu runtime can be initialised once per worker: keep the device it gave.
        static WEBGPU: RefCell<Option<(Device, String)>> = const { RefCell::new(None) };
    }
    if let Some(started) = WEBGPU.with_borrow(Clone::clone) {
        return Ok(started);
    }
    let adapter = adapter().await?;
    let device = match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, _)) => device,
        Err(WgpuInitError::AdapterUnavailable { .. }) => {
            return Err("the browser offers no WebGPU adapter to workers".into());
        }
        Err(error) => return Err(format!("WebGPU could not start: {error}")),
    };
    let name = if adapter.fallback {
        // Such an adapter computes on the CPU, where burn's matmul kernel is ~14× slower than ours.
        crate::vae::use_tiled_products(&device);
        format!("{} (software fallback adapter)", adapter.name)
    } else {
        adapter.name
    };
    WEBGPU.with_borrow_mut(|w| *w = Some((device.clone(), name.clone())));
    Ok((device, name))
}
