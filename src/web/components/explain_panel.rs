use futures::FutureExt;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::data::ImageSet;
use crate::page::explain::{ImagePath, Objective, image_path, kl_per_dimension};
use crate::page::{Shared, held_out_split};
use crate::vae::StepReport;
use crate::web::draw::draw_images;
use crate::web::scene::Scene;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub last: Option<StepReport>,
    /// The adversarial weight the steps use.
    pub gamma: f64,
    /// The data: the held-out images the plane shows.
    pub set: Option<Shared<ImageSet>>,
    /// Steps trained: the numbers follow the model as it trains.
    pub step: u64,
}

/// "Explain": the negative ELBO written out with the last step's numbers, the KL per latent
/// dimension, and one image's way through the model with its own numbers.
#[component]
pub fn ExplainPanel(props: &Props) -> Html {
    let scene = use_context::<Scene>().expect("the app should provide the scene");
    // The held-out image chosen (its index among the plane's points).
    let chosen = use_state(|| None::<usize>);
    let path = use_state(|| None::<(ImagePath, Vec<f32>)>);
    let kl_dims = use_state(Vec::<f32>::new);
    let (original, decoded) = (use_node_ref(), use_node_ref());
    // The plane's points are these images: split once per data set, not at every step.
    let held_out = use_memo(props.set.clone(), |set| {
        set.as_ref().map(|s| held_out_split(s).held_out)
    });
    {
        let (scene, kl_dims) = (scene.clone(), kl_dims.clone());
        use_effect_with(props.step, move |_| {
            kl_dims.set(scene.plane(|p| kl_per_dimension(&p.points)));
        });
    }
    {
        let (scene, path, held_out) = (scene.clone(), path.clone(), held_out.clone());
        let set = props.set.clone();
        use_effect_with((*chosen, props.step, set), move |(chosen, _, set)| {
            let (Some(i), Some(set), Some(model)) = (*chosen, set, scene.model()) else {
                return;
            };
            let Some(&index) = held_out.as_ref().as_ref().and_then(|h| h.get(i)) else {
                return;
            };
            let image = set.image(index).to_vec();
            // One ε per image, so that its numbers change only as the model does.
            let seed = i as u64 + 1;
            if let Some(Ok(found)) = image_path(&model, &image, set.shape, seed).now_or_never() {
                path.set(Some((found, image)));
            }
        });
    }
    {
        let (path, original, decoded) = (path.clone(), original.clone(), decoded.clone());
        let shape = props.set.as_ref().map(|s| s.shape);
        use_effect(move || {
            if let (Some((path, image)), Some(shape)) = (&*path, shape) {
                for (canvas, pixels) in [(&original, image), (&decoded, &path.decoded)] {
                    if let Some(canvas) = canvas.cast::<HtmlCanvasElement>() {
                        draw_images(&canvas, pixels, shape, 1);
                    }
                }
            }
        });
    }
    let take_nearest = {
        let (scene, chosen) = (scene.clone(), chosen.clone());
        Callback::from(move |_| {
            let nearest = scene.plane(|p| {
                let [cx, cy] = p.cursor;
                p.points
                    .iter()
                    .enumerate()
                    .map(|(i, point)| {
                        let [x, y] = p.slice.project(&point.mean);
                        (i, (x - cx).hypot(y - cy))
                    })
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(i, _)| i)
            });
            chosen.set(nearest);
        })
    };
    let objective = props
        .last
        .as_ref()
        .map(|r| Objective::from_report(r, props.gamma));
    let n = |v: f32| format!("{v:.2}");
    let list = |v: &[f32]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let csv = |v: &[f32]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let max_kl = kl_dims.iter().copied().fold(0.0f32, f32::max).max(1e-3);
    html! {
        <section id="explain" class="card" aria-labelledby="explain-title">
            <h2 id="explain-title">{ "The objective, with this model's numbers" }</h2>
            if let Some(o) = objective {
                <p id="objective" class="formula" data-reconstruction={o.reconstruction.to_string()} data-beta={o.beta.to_string()}
                    data-kl={o.kl.to_string()} data-total={o.total.to_string()}
                    data-adversarial={o.adversarial.map(|(g, a)| format!("{g},{a}")).unwrap_or_default()}>
                    { "−ELBO = reconstruction + β·KL" }
                    if o.adversarial.is_some() { { " + γ·adversarial" } }
                    <br />
                    <strong>{ format!("{} = {} + {} × {}", n(o.total), n(o.reconstruction), o.beta, n(o.kl)) }</strong>
                    if let Some((gamma, adversarial)) = o.adversarial {
                        <strong>{ format!(" + {gamma} × {}", n(adversarial)) }</strong>
                    }
                    <span class="detail">{ " nats per image, the last step's batch" }</span>
                </p>
            } else {
                <p id="objective" class="detail">{ "Train a step to see the objective's terms." }</p>
            }
            <h3>{ "KL per latent dimension (held-out images)" }</h3>
            <svg id="kl-bars" class="kl-bars" viewBox={format!("0 0 240 {}", 18 * kl_dims.len().max(1))} role="img"
                aria-label={format!("KL per dimension: {}", list(&kl_dims))} data-kl={csv(&kl_dims)}>
                { for kl_dims.iter().enumerate().map(|(d, &kl)| html! {
                    <g>
                        <text x="0" y={(18 * d + 13).to_string()}>{ format!("z{}", d + 1) }</text>
                        <rect x="28" y={(18 * d + 3).to_string()} height="12" width={format!("{:.1}", 150.0 * kl / max_kl)} />
                        <text x={format!("{:.1}", 34.0 + 150.0 * kl / max_kl)} y={(18 * d + 13).to_string()}>{ format!("{kl:.2}") }</text>
                    </g>
                }) }
            </svg>
            <p class="detail">{ "A bar near 0 is a dimension the encoder does not use: it has collapsed onto the prior." }</p>
            <h3>{ "One image through the model" }</h3>
            <button id="explain-image" onclick={take_nearest}>{ "Take the image nearest the cursor" }</button>
            if let Some((p, _)) = &*path {
                <div id="image-path" class="image-path" data-mean={csv(&p.mean)} data-sigma={csv(&p.sigma)} data-epsilon={csv(&p.epsilon)}
                    data-z={csv(&p.z)} data-reconstruction={p.reconstruction.to_string()} data-kl={p.kl.to_string()}>
                    <figure><canvas id="explain-original" ref={original} class="pixelated small" /><figcaption>{ "x" }</figcaption></figure>
                    <dl class="stats">
                        <dt>{ "encoder → μ" }</dt><dd>{ list(&p.mean) }</dd>
                        <dt>{ "σ" }</dt><dd>{ list(&p.sigma) }</dd>
                        <dt>{ "ε ~ N(0, 1)" }</dt><dd>{ list(&p.epsilon) }</dd>
                        <dt>{ "z = μ + σ·ε" }</dt><dd>{ list(&p.z) }</dd>
                        <dt>{ "reconstruction" }</dt><dd>{ format!("{} nats", n(p.reconstruction)) }</dd>
                        <dt>{ "KL" }</dt><dd>{ format!("{} nats", n(p.kl)) }</dd>
                    </dl>
                    <figure><canvas id="explain-decoded" ref={decoded} class="pixelated small" /><figcaption>{ "decoder(z)" }</figcaption></figure>
                </div>
            }
        </section>
    }
}
