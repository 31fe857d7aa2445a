//! Share links: the dataset, the settings, the cursor and the view in the URL's fragment.
//!
//! A link is untrusted input (anyone can type or edit one): every value is checked against what
//! the page's controls offer, and what cannot be used is named, so the page can say so.

use super::classroom::Rules;
use super::dataset::Dataset;
use super::geometry::{LATENT_BOUND, View};
use super::settings::{
    LATENTS, MAX_BETA, MAX_GAMMA, gaussian, nearest_batch_size, nearest_learning_rate,
};
use crate::vae::{Architecture, Hyper, Likelihood, VaeConfig};

/// What a share link carries: the data, the settings, where the cursor is and the view. Not the
/// trained model: that travels as a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareLink {
    pub dataset: Dataset,
    pub hyper: Hyper,
    /// The model settings (the image size comes from the data).
    pub model: VaeConfig,
    pub seed: u64,
    pub cursor: [f32; 2],
    /// The plane's view, when not fitted to the points.
    pub view: Option<View>,
    /// What students may see and change (a lesson link).
    pub rules: Rules,
    /// A guided lesson under way (its id: `State::new` keeps only the page's own), and its step
    /// from 0.
    pub lesson: Option<String>,
    pub lesson_step: usize,
}

impl Default for ShareLink {
    fn default() -> Self {
        Self {
            dataset: Dataset::Mnist,
            hyper: Hyper::default(),
            model: VaeConfig::mlp2(),
            seed: 1,
            cursor: [0.0, 0.0],
            view: None,
            rules: Rules::default(),
            lesson: None,
            lesson_step: 0,
        }
    }
}

/// How the page lays itself out: in full, for a projector (`#present`), or compact inside
/// another page (`#embed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    Full,
    /// For a projector: the plane and the decoded image large, the losses below, the rest in a
    /// drawer; large type, high contrast.
    Present,
    /// For an `<iframe>` in slides or a course page: the plane, the decoded image, Train and a
    /// link to the full page.
    Embed,
}

impl Layout {
    /// Its flag in a fragment.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Layout::Full => None,
            Layout::Present => Some("present"),
            Layout::Embed => Some("embed"),
        }
    }
}

/// The layout a fragment asks for (`embed` or `present` among its parts; `embed` wins), and the
/// fragment without it.
pub fn layout_of(fragment: &str) -> (Layout, String) {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let (flags, rest): (Vec<&str>, Vec<&str>) = fragment
        .split('&')
        .partition(|part| matches!(*part, "embed" | "present"));
    let layout = if flags.contains(&"embed") {
        Layout::Embed
    } else if flags.contains(&"present") {
        Layout::Present
    } else {
        Layout::Full
    };
    (layout, rest.join("&"))
}

/// A link read from a fragment, with a sentence for each part the page could not use.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedLink {
    pub link: ShareLink,
    pub ignored: Vec<String>,
}

impl ShareLink {
    /// `#data=mnist&lr=0.001&batch=128&beta=1&gan=0&gamma=10&seed=1&z=0.5,-1.2` and, when they
    /// differ from the defaults, `&arch=conv&latent=3&lik=gaussian&view=0,1,2.5`. Numbers are
    /// written in the shortest form that reads back exactly.
    pub fn to_fragment(&self) -> String {
        let h = &self.hyper;
        let mut out = format!(
            "#data={}&lr={}&batch={}&beta={}&gan={}&gamma={}&seed={}&z={},{}",
            self.dataset.key(),
            h.learning_rate,
            h.batch_size,
            h.beta,
            u8::from(h.discriminator),
            h.gamma,
            self.seed,
            self.cursor[0],
            self.cursor[1]
        );
        if matches!(self.model.architecture, Architecture::Conv { .. }) {
            out += "&arch=conv";
        }
        if self.model.latent != 2 {
            out += &format!("&latent={}", self.model.latent);
        }
        if matches!(self.model.likelihood, Likelihood::Gaussian { .. }) {
            out += "&lik=gaussian";
        }
        if let Some(View {
            centre: [x, y],
            half_width,
        }) = self.view
        {
            out += &format!("&view={x},{y},{half_width}");
        }
        if let Some(lesson) = &self.lesson {
            out += &format!("&lesson={lesson}&step={}", self.lesson_step);
        }
        out + &self.rules.to_fragment()
    }

    /// Reads a fragment; values that cannot be used keep their defaults and are named in
    /// `ignored`. `None` when the fragment has no part of a share link at all.
    pub fn from_fragment(fragment: &str) -> Option<ParsedLink> {
        let mut link = Self::default();
        let (any, ignored) = link.read(fragment);
        any.then_some(ParsedLink { link, ignored })
    }

    /// This link with the settings `fragment` names changed (the rest as they are), and a
    /// sentence for each part that could not be used: a lesson step's `set:`.
    pub fn with_fragment(&self, fragment: &str) -> ParsedLink {
        let mut link = self.clone();
        let (_, ignored) = link.read(fragment);
        ParsedLink { link, ignored }
    }

    /// Applies each `key=value` of `fragment`: whether any was a setting, and what was not used.
    fn read(&mut self, fragment: &str) -> (bool, Vec<String>) {
        let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
        let mut ignored = Vec::new();
        let mut any = false;
        for pair in fragment.split('&').filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                ignored.push(format!("“{}” (not a setting)", shorten(pair)));
                continue;
            };
            match self.apply(key, value) {
                Applied::Known(None) => any = true,
                Applied::Known(Some(why)) => {
                    any = true;
                    ignored.push(format!("{key}={} ({why})", shorten(value)));
                }
                Applied::Unknown => ignored.push(format!("“{}” (not a setting)", shorten(key))),
            }
        }
        (any, ignored)
    }

    /// Sets one field from the link; says why the value was not used as it is, if it was not.
    fn apply(&mut self, key: &str, value: &str) -> Applied {
        let h = &mut self.hyper;
        let why = match key {
            "data" => match Dataset::from_key(value) {
                Some(dataset) => {
                    self.dataset = dataset;
                    None
                }
                None => Some("not a dataset the page offers".to_string()),
            },
            "lr" => match value.parse().ok().and_then(nearest_learning_rate) {
                Some(lr) => {
                    h.learning_rate = lr;
                    (value.parse::<f64>() != Ok(lr))
                        .then(|| format!("the nearest offered, {lr}, is used"))
                }
                None => Some("not a positive number".into()),
            },
            "batch" => match value.parse::<usize>() {
                Ok(batch) => {
                    h.batch_size = nearest_batch_size(batch);
                    (batch != h.batch_size)
                        .then(|| format!("the nearest offered, {}, is used", h.batch_size))
                }
                Err(_) => Some("not a whole number".into()),
            },
            "beta" => weight(value, MAX_BETA, &mut h.beta),
            "gamma" => weight(value, MAX_GAMMA, &mut h.gamma),
            "gan" => match value {
                "0" | "1" => {
                    h.discriminator = value == "1";
                    None
                }
                _ => Some("should be 0 or 1".into()),
            },
            "seed" => match value.parse() {
                Ok(seed) => {
                    self.seed = seed;
                    None
                }
                Err(_) => Some("not a whole number".into()),
            },
            "arch" => match value {
                "mlp" => {
                    self.model.architecture = VaeConfig::mlp2().architecture;
                    None
                }
                "conv" => {
                    self.model.architecture = VaeConfig::conv(self.model.image).architecture;
                    None
                }
                _ => Some("should be mlp or conv".into()),
            },
            "latent" => match value.parse().ok().filter(|l| LATENTS.contains(l)) {
                Some(latent) => {
                    self.model.latent = latent;
                    None
                }
                None => Some(format!(
                    "the latent size is one of {}",
                    LATENTS.map(|l| l.to_string()).join(", ")
                )),
            },
            "lik" => match value {
                "bernoulli" => {
                    self.model.likelihood = Likelihood::Bernoulli;
                    None
                }
                "gaussian" => {
                    self.model.likelihood = gaussian();
                    None
                }
                _ => Some("should be bernoulli or gaussian".into()),
            },
            "view" => match numbers::<3>(value).and_then(|[x, y, h]| View::checked([x, y], h)) {
                Some(view) => {
                    self.view = Some(view);
                    None
                }
                None => Some("should be three numbers: x, y and a positive half-width".into()),
            },
            "z" => match numbers::<2>(value).filter(|z| z.iter().all(|v| v.is_finite())) {
                Some(z) => {
                    self.cursor = z.map(|v| v.clamp(-LATENT_BOUND, LATENT_BOUND));
                    (self.cursor != z).then(|| format!("the cursor stays within ±{LATENT_BOUND}"))
                }
                None => Some("should be two numbers".into()),
            },
            // Whether the page has the lesson is for the page to say (`State::new`): lessons
            // are written with share links, so this module does not know them.
            "lesson" => match is_lesson_name(value) {
                true => {
                    self.lesson = Some(value.to_string());
                    None
                }
                false => Some("not a lesson's name".into()),
            },
            "step" => match value.parse::<usize>() {
                Ok(step) if step < 100 => {
                    self.lesson_step = step;
                    None
                }
                _ => Some("not a lesson's step".into()),
            },
            "hide" | "lock" => {
                let unknown = self.rules.apply(key, value);
                (!unknown.is_empty())
                    .then(|| format!("not a part of the page: {}", shorten(&unknown.join(", "))))
            }
            _ => return Applied::Unknown,
        };
        Applied::Known(why)
    }
}

enum Applied {
    /// A setting; `Some` says why its value was not used as it is.
    Known(Option<String>),
    Unknown,
}

/// β or γ: a finite number, brought into 0..=`max`.
fn weight(value: &str, max: f64, into: &mut f64) -> Option<String> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() => {
            *into = v.clamp(0.0, max);
            (*into != v).then(|| format!("it must be from 0 to {max}"))
        }
        _ => Some(format!("not a number from 0 to {max}")),
    }
}

/// `N` comma-separated finite numbers.
fn numbers<const N: usize>(value: &str) -> Option<[f32; N]> {
    let parsed: Vec<f32> = value
        .split(',')
        .map(|v| v.trim().parse().ok())
        .collect::<Option<_>>()?;
    let array: [f32; N] = parsed.try_into().ok()?;
    array.iter().all(|v| v.is_finite()).then_some(array)
}

/// A lesson's name as its file gives it: lower-case letters, digits and dashes.
fn is_lesson_name(text: &str) -> bool {
    (1..=40).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A value as the page shows it back: at most 24 characters.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(24).collect();
    if chars.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::page::Part;
    use crate::page::settings::{BATCH_SIZES, LEARNING_RATES};

    fn parse(fragment: &str) -> ParsedLink {
        ShareLink::from_fragment(fragment).expect("a share link")
    }

    #[test]
    fn a_link_carries_the_data_the_settings_the_cursor_and_the_view() {
        let link = ShareLink {
            dataset: Dataset::Fashion,
            hyper: Hyper {
                learning_rate: 3e-3,
                batch_size: 64,
                beta: 2.0,
                ..Hyper::default()
            },
            seed: 5,
            cursor: [1.5, -0.5],
            view: View::checked([0.5, 0.5], 2.0),
            ..ShareLink::default()
        };
        let fragment = link.to_fragment();
        assert_eq!(
            fragment,
            "#data=fashion&lr=0.003&batch=64&beta=2&gan=0&gamma=10&seed=5&z=1.5,-0.5&view=0.5,0.5,2"
        );
        assert_eq!(
            parse(&fragment),
            ParsedLink {
                link,
                ignored: vec![]
            }
        );
        // Older links wrote the cursor and the view to three decimals.
        let old = parse("#data=mnist&z=0.500,-1.200&view=0.000,1.000,2.500");
        assert_eq!(old.link.cursor, [0.5, -1.2]);
        assert!(old.ignored.is_empty());
    }

    #[test]
    fn embed_is_a_layout_not_a_setting() {
        assert_eq!(layout_of("#embed"), (Layout::Embed, String::new()));
        assert_eq!(
            layout_of("#data=fashion&embed&seed=2"),
            (Layout::Embed, "data=fashion&seed=2".into())
        );
        assert_eq!(layout_of("data=mnist"), (Layout::Full, "data=mnist".into()));
        assert_eq!(ShareLink::from_fragment(&layout_of("#embed").1), None);
    }

    #[test]
    fn hostile_values_are_refused_or_brought_in_range_and_named() {
        let parsed =
            parse("#lr=NaN&batch=0&beta=inf&gamma=-3&z=1e9,0&view=0,0,0&latent=5&junk&x=1");
        let link = parsed.link;
        assert_eq!(link.hyper.learning_rate, Hyper::default().learning_rate);
        assert_eq!(link.hyper.batch_size, 32);
        assert_eq!(link.hyper.beta, Hyper::default().beta);
        assert_eq!(link.hyper.gamma, 0.0);
        assert_eq!(link.cursor, [LATENT_BOUND, 0.0]);
        assert_eq!(link.view, None);
        assert_eq!(link.model.latent, 2);
        assert_eq!(
            parsed.ignored,
            [
                "lr=NaN (not a positive number)",
                "batch=0 (the nearest offered, 32, is used)",
                "beta=inf (not a number from 0 to 100)",
                "gamma=-3 (it must be from 0 to 1000)",
                "z=1e9,0 (the cursor stays within ±100)",
                "view=0,0,0 (should be three numbers: x, y and a positive half-width)",
                "latent=5 (the latent size is one of 1, 2, 3, 4, 8, 16)",
                "“junk” (not a setting)",
                "“x” (not a setting)",
            ]
        );
        for lr in ["inf", "-1", "0"] {
            let parsed = parse(&format!("#lr={lr}"));
            assert_eq!(parsed.link.hyper.learning_rate, 1e-3, "lr={lr}");
            assert_eq!(parsed.ignored.len(), 1);
        }
        assert_eq!(parse("#lr=0.002").link.hyper.learning_rate, 3e-3);
        assert_eq!(ShareLink::from_fragment("#junk&more"), None);
        assert_eq!(ShareLink::from_fragment(""), None);
    }

    fn valid_link() -> impl Strategy<Value = ShareLink> {
        (
            (
                prop::sample::select(Dataset::ALL.to_vec()),
                prop::sample::select(LEARNING_RATES.to_vec()),
                prop::sample::select(BATCH_SIZES.to_vec()),
                0.0..=MAX_BETA,
                any::<bool>(),
                0.0..=MAX_GAMMA,
            ),
            (
                any::<u64>(),
                any::<bool>(),
                prop::sample::select(LATENTS.to_vec()),
                any::<bool>(),
                [-LATENT_BOUND..=LATENT_BOUND, -LATENT_BOUND..=LATENT_BOUND],
                prop::option::of((
                    [-LATENT_BOUND..=LATENT_BOUND, -LATENT_BOUND..=LATENT_BOUND],
                    0.05f32..=100.0,
                )),
            ),
            (
                prop::sample::subsequence(Part::ALL.to_vec(), 0..=Part::ALL.len()),
                prop::sample::subsequence(Part::ALL.to_vec(), 0..=Part::ALL.len()),
            ),
        )
            .prop_map(
                |(
                    (dataset, lr, batch, beta, gan, gamma),
                    (seed, conv, latent, lik, cursor, view),
                    (hidden, locked),
                )| {
                    let mut model = VaeConfig::mlp2();
                    if conv {
                        model.architecture = VaeConfig::conv(model.image).architecture;
                    }
                    model.latent = latent;
                    if lik {
                        model.likelihood = gaussian();
                    }
                    ShareLink {
                        dataset,
                        hyper: Hyper {
                            learning_rate: lr,
                            batch_size: batch,
                            beta,
                            discriminator: gan,
                            gamma,
                            ..Hyper::default()
                        },
                        model,
                        seed,
                        cursor,
                        view: view.map(|(centre, half_width)| View { centre, half_width }),
                        rules: Rules::new(hidden, locked),
                        lesson: None,
                        lesson_step: 0,
                    }
                },
            )
    }

    #[test]
    fn a_link_carries_a_lesson_and_its_step_and_a_step_sets_only_what_it_names() {
        let link = parse("#data=fashion&beta=2&lesson=beta-and-kl&step=2").link;
        assert_eq!(
            (link.lesson.as_deref(), link.lesson_step),
            (Some("beta-and-kl"), 2)
        );
        assert!(link.to_fragment().ends_with("&lesson=beta-and-kl&step=2"));
        assert_eq!(parse(&link.to_fragment()).link, link);
        let bad = parse("#lesson=No<pe>&step=x");
        assert_eq!(bad.link.lesson, None);
        assert_eq!(bad.ignored.len(), 2);
        let stepped = link.with_fragment("beta=0&z=1,1");
        assert!(stepped.ignored.is_empty());
        assert_eq!(
            stepped.link.dataset,
            Dataset::Fashion,
            "what the step does not name stays"
        );
        assert_eq!(
            (stepped.link.hyper.beta, stepped.link.cursor),
            (0.0, [1.0, 1.0])
        );
    }

    proptest! {
        #[test]
        fn any_string_parses_without_panicking_into_values_the_controls_offer(text in ".*") {
            for fragment in [text.clone(), format!("#lr={text}&z={text}&view={text}&batch={text}")] {
                if let Some(ParsedLink { link, .. }) = ShareLink::from_fragment(&fragment) {
                    let h = &link.hyper;
                    prop_assert!(LEARNING_RATES.contains(&h.learning_rate));
                    prop_assert!(BATCH_SIZES.contains(&h.batch_size));
                    prop_assert!((0.0..=MAX_BETA).contains(&h.beta));
                    prop_assert!((0.0..=MAX_GAMMA).contains(&h.gamma));
                    prop_assert!(LATENTS.contains(&link.model.latent));
                    prop_assert!(crate::page::settings::offered_model(&link.model));
                    prop_assert!(link.cursor.iter().all(|v| v.abs() <= LATENT_BOUND));
                    if let Some(view) = link.view {
                        prop_assert!(View::checked(view.centre, view.half_width) == Some(view));
                    }
                }
            }
        }

        #[test]
        fn parse_and_serialise_are_inverse_on_valid_links(link in valid_link()) {
            let fragment = link.to_fragment();
            let parsed = parse(&fragment);
            prop_assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
            prop_assert_eq!(&parsed.link, &link);
            prop_assert_eq!(parsed.link.to_fragment(), fragment);
        }
    }
}
