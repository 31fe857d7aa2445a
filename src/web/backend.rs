//! Picks the compute backend: WebGPU when the browser gives an adapter, else burn's CPU backend.

use std::cell::RefCell;

use burn::tensor::{Device, wgpu as backend};
use wasm_bindgen::{JsCast, JsValue};

use super::now_ms;

#[derive(Debug, Clone, PartialEq)]
pub enum BackendKind {
    WebGpu {
        adapter: String,
    },
    /// The CPU fallback, and why WebGPU is not in use.
    Cpu {
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Backend {
    pub device: Device,
    pub kind: BackendKind,
    pub init_ms: f64,
}

impl PartialEq for Backend {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

thread_local! {
    /// burn's wgpu runtime can be initialised once per page: keep the device it gave.
    static WEBGPU: RefCell<Option<(Device, String)>> = const { RefCell::new(None) };
}

fn browser_has_webgpu() -> bool {
    web_sys::window()
        .map(|w| js_sys::Reflect::has(&w.navigator(), &JsValue::from_str("gpu")).unwrap_or(false))
        .unwrap_or(false)
}

/// The browser's own words for its adapter (`GPUAdapter.info`): wgpu's `AdapterInfo` is empty
/// on the web.
async fn browser_adapter_info() -> Option<String> {
    let get =
        |object: &JsValue, key: &str| js_sys::Reflect::get(object, &JsValue::from_str(key)).ok();
    let navigator = web_sys::window()?.navigator();
    let gpu = get(&navigator, "gpu")?;
    let request: js_sys::Function = get(&gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: js_sys::Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let info = get(&adapter, "info")?;
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|key| get(&info, key)?.as_string())
        .filter(|s| !s.is_empty())
        .collect();
    let fallback = get(&info, "isFallbackAdapter").and_then(|v| v.as_bool()) == Some(true);
    (!parts.is_empty()).then(|| {
        let name = parts.join(" · ");
        if fallback {
            format!("{name} (software fallback adapter)")
        } else {
            name
        }
    })
}

/// WebGPU unless `prefer_gpu` is false or it is unavailable; never fails.
pub async fn init(prefer_gpu: bool) -> Backend {
    let start = now_ms();
    let cpu = |reason: String| Backend {
        device: Device::flex(),
        kind: BackendKind::Cpu { reason },
        init_ms: now_ms() - start,
    };
    if !prefer_gpu {
        return cpu("CPU chosen".into());
    }
    if let Some((device, adapter)) = WEBGPU.with_borrow(|w| w.clone()) {
        return Backend {
            device,
            kind: BackendKind::WebGpu { adapter },
            init_ms: 0.0,
        };
    }
    if !browser_has_webgpu() {
        return cpu("this browser has no WebGPU".into());
    }
    match Device::wgpu_options().init_with_setup_async().await {
        Ok((device, setup)) => {
            let info = setup.adapter.get_info();
            let adapter = match browser_adapter_info().await {
                Some(described) => described,
                None => format!("{:?} adapter", info.device_type),
            };
            WEBGPU.with_borrow_mut(|w| *w = Some((device.clone(), adapter.clone())));
            Backend {
                device,
                kind: BackendKind::WebGpu { adapter },
                init_ms: now_ms() - start,
            }
        }
        Err(backend::WgpuInitError::AdapterUnavailable { .. }) => {
            cpu("the browser offers no WebGPU adapter".into())
        }
        Err(error) => cpu(format!("WebGPU could not start: {error}")),
    }
}
