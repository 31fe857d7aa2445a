//! What a lesson link lets students see and change, and the presenter's keyboard shortcuts.
//!
//! A lesson link is a share link with two lists: `hide=data,model` (those parts are not shown)
//! and `lock=beta,lr` (shown, but set for this lesson). Like the rest of a link it is untrusted:
//! names the page does not know are named back, never guessed.

use std::collections::BTreeSet;

/// A part of the page a lesson can hide or lock: a panel, or one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// The dataset, uploads and drawing of new examples.
    Data,
    /// Train/Pause, Step and Reset.
    Train,
    Architecture,
    Latent,
    Likelihood,
    LearningRate,
    BatchSize,
    Beta,
    /// The discriminator and its weight γ.
    Discriminator,
    Seed,
    Losses,
    /// The objective with its numbers, KL per dimension, one image's path.
    Explain,
    /// Saving, opening, exporting and sharing models.
    Model,
    Backend,
    Offline,
    /// Where a drawing lands; erase and complete.
    YourImage,
    Interpolation,
    Manifold,
    Samples,
}

impl Part {
    pub const ALL: [Part; 19] = [
        Part::Data,
        Part::Train,
        Part::Architecture,
        Part::Latent,
        Part::Likelihood,
        Part::LearningRate,
        Part::BatchSize,
        Part::Beta,
        Part::Discriminator,
        Part::Seed,
        Part::Losses,
        Part::Explain,
        Part::Model,
        Part::Backend,
        Part::Offline,
        Part::YourImage,
        Part::Interpolation,
        Part::Manifold,
        Part::Samples,
    ];

    /// The controls of the Settings card.
    pub const SETTINGS: [Part; 8] = [
        Part::Architecture,
        Part::Latent,
        Part::Likelihood,
        Part::LearningRate,
        Part::BatchSize,
        Part::Beta,
        Part::Discriminator,
        Part::Seed,
    ];

    /// Its name in a link.
    pub fn key(self) -> &'static str {
        match self {
            Part::Data => "data",
            Part::Train => "train",
            Part::Architecture => "arch",
            Part::Latent => "latent",
            Part::Likelihood => "lik",
            Part::LearningRate => "lr",
            Part::BatchSize => "batch",
            Part::Beta => "beta",
            Part::Discriminator => "gan",
            Part::Seed => "seed",
            Part::Losses => "losses",
            Part::Explain => "explain",
            Part::Model => "model",
            Part::Backend => "backend",
            Part::Offline => "offline",
            Part::YourImage => "image",
            Part::Interpolation => "interpolation",
            Part::Manifold => "manifold",
            Part::Samples => "samples",
        }
    }

    /// Its name for the teacher making a link.
    pub fn label(self) -> &'static str {
        match self {
            Part::Data => "The data (choose, upload, draw)",
            Part::Train => "Train, Step and Reset",
            Part::Architecture => "Architecture",
            Part::Latent => "Latent size",
            Part::Likelihood => "Likelihood",
            Part::LearningRate => "Learning rate",
            Part::BatchSize => "Batch size",
            Part::Beta => "β (KL weight)",
            Part::Discriminator => "Discriminator and γ",
            Part::Seed => "Seed",
            Part::Losses => "The loss chart",
            Part::Explain => "The objective, explained",
            Part::Model => "Save, open and share models",
            Part::Backend => "The training backend",
            Part::Offline => "Offline use",
            Part::YourImage => "Your image: draw, erase and complete",
            Part::Interpolation => "Interpolation",
            Part::Manifold => "The manifold panel",
            Part::Samples => "Reconstructions and samples",
        }
    }

    /// Whether it is one control (it can be locked), not a whole panel (it can only be hidden).
    pub fn lockable(self) -> bool {
        !matches!(
            self,
            Part::Losses
                | Part::Explain
                | Part::Backend
                | Part::Offline
                | Part::Interpolation
                | Part::Manifold
                | Part::Samples
                | Part::YourImage
        )
    }

    fn from_key(key: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// What students may see and change. The default shows and allows everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rules {
    hidden: BTreeSet<Part>,
    locked: BTreeSet<Part>,
}

impl Rules {
    pub fn new(
        hidden: impl IntoIterator<Item = Part>,
        locked: impl IntoIterator<Item = Part>,
    ) -> Self {
        let hidden: BTreeSet<Part> = hidden.into_iter().collect();
        // A hidden part cannot be changed either; naming it twice would only lengthen links.
        let locked = locked
            .into_iter()
            .filter(|p| p.lockable() && !hidden.contains(p))
            .collect();
        Self { hidden, locked }
    }

    pub fn shows(&self, part: Part) -> bool {
        !self.hidden.contains(&part)
    }

    /// Shown and not locked.
    pub fn allows(&self, part: Part) -> bool {
        self.shows(part) && !self.locked.contains(&part)
    }

    pub fn is_locked(&self, part: Part) -> bool {
        self.locked.contains(&part)
    }

    pub fn is_open(&self) -> bool {
        self.hidden.is_empty() && self.locked.is_empty()
    }

    /// `&hide=…&lock=…`, empty for open rules.
    pub fn to_fragment(&self) -> String {
        let list = |set: &BTreeSet<Part>| set.iter().map(|p| p.key()).collect::<Vec<_>>().join(",");
        let mut out = String::new();
        if !self.hidden.is_empty() {
            out += &format!("&hide={}", list(&self.hidden));
        }
        if !self.locked.is_empty() {
            out += &format!("&lock={}", list(&self.locked));
        }
        out
    }

    /// Reads `hide` or `lock` (`key`) from a link; the names it does not know, for the page to
    /// say so.
    pub fn apply(&mut self, key: &str, value: &str) -> Vec<String> {
        let mut unknown = Vec::new();
        let mut parts = Vec::new();
        for name in value.split(',').filter(|n| !n.is_empty()) {
            match Part::from_key(name) {
                Some(part) => parts.push(part),
                None => unknown.push(name.to_string()),
            }
        }
        let (hidden, locked) = match key {
            "hide" => (
                self.hidden.iter().copied().chain(parts).collect(),
                self.locked.clone(),
            ),
            _ => (
                self.hidden.clone(),
                self.locked.iter().copied().chain(parts).collect(),
            ),
        };
        *self = Rules::new(hidden, locked);
        unknown
    }
}

/// A QR code of `link` as SVG, drawn here (nothing is fetched); `None` when the link is too long
/// for a QR code.
pub fn qr_svg(link: &str) -> Option<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(240, 240)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// Where a key press happened, as far as shortcuts care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// A text field, a number field or a list: every key is the user's typing.
    Typing,
    /// A button, checkbox, link or the plane: Space, Enter and the arrows are theirs.
    Control,
    /// Nothing that takes keys.
    Page,
}

/// What a presenter does from the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    TrainOrPause,
    Step,
    Reset,
    Grid,
    Ellipses,
    Animate,
    Help,
}

impl Shortcut {
    /// Every shortcut, its key as the help shows it, and what it does.
    pub const HELP: [(Shortcut, &'static str, &'static str); 7] = [
        (Shortcut::TrainOrPause, "Space", "Train or pause"),
        (Shortcut::Step, "→", "One training step (while paused)"),
        (Shortcut::Reset, "R", "Reset the model to fresh weights"),
        (Shortcut::Grid, "G", "The manifold grid under the points"),
        (Shortcut::Ellipses, "E", "σ ellipses around the points"),
        (Shortcut::Animate, "I", "Animate the interpolation"),
        (Shortcut::Help, "?", "This list"),
    ];

    /// `KeyboardEvent.key` with a modifier (Ctrl, Alt, Meta) held or not, where focus is. Never a
    /// shortcut while the user types, and never one that takes a control's own keys.
    pub fn from_key(key: &str, modifier: bool, focus: Focus) -> Option<Shortcut> {
        if modifier || focus == Focus::Typing {
            return None;
        }
        let shortcut = match key {
            " " | "Spacebar" => Shortcut::TrainOrPause,
            "ArrowRight" => Shortcut::Step,
            "r" | "R" => Shortcut::Reset,
            "g" | "G" => Shortcut::Grid,
            "e" | "E" => Shortcut::Ellipses,
            "i" | "I" => Shortcut::Animate,
            "?" => Shortcut::Help,
            _ => return None,
        };
        let controls_own = matches!(shortcut, Shortcut::TrainOrPause | Shortcut::Step);
        (!(controls_own && focus == Focus::Control)).then_some(shortcut)
    }

    /// The part a lesson must allow for this shortcut to act.
    pub fn needs(self) -> Option<Part> {
        match self {
            Shortcut::TrainOrPause | Shortcut::Step | Shortcut::Reset => Some(Part::Train),
            Shortcut::Animate => Some(Part::Interpolation),
            Shortcut::Grid | Shortcut::Ellipses | Shortcut::Help => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn rules_read_back_what_they_write() {
        let rules = Rules::new([Part::Data, Part::Model], [Part::Beta, Part::LearningRate]);
        assert_eq!(rules.to_fragment(), "&hide=data,model&lock=lr,beta");
        let mut read = Rules::default();
        assert!(read.apply("hide", "data,model").is_empty());
        assert!(read.apply("lock", "lr,beta").is_empty());
        assert_eq!(read, rules);
        assert!(!rules.shows(Part::Data) && !rules.allows(Part::Data));
        assert!(rules.shows(Part::Beta) && !rules.allows(Part::Beta));
        assert!(rules.allows(Part::Seed));
        assert_eq!(Rules::default().to_fragment(), "");
    }

    #[test]
    fn unknown_names_are_named_and_panels_are_never_locked() {
        let mut rules = Rules::default();
        assert_eq!(rules.apply("lock", "beta,,nope,losses"), vec!["nope"]);
        assert!(rules.is_locked(Part::Beta));
        assert!(!rules.is_locked(Part::Losses), "a panel can only be hidden");
        // Hidden wins over locked.
        rules.apply("hide", "beta");
        assert_eq!(rules.to_fragment(), "&hide=beta");
    }

    #[test]
    fn every_part_has_its_own_key() {
        let keys: BTreeSet<&str> = Part::ALL.iter().map(|p| p.key()).collect();
        assert_eq!(keys.len(), Part::ALL.len());
        for part in Part::ALL {
            assert_eq!(Part::from_key(part.key()), Some(part));
        }
    }

    #[test]
    fn shortcuts_never_fire_while_typing_nor_take_a_controls_keys() {
        use Shortcut::*;
        assert_eq!(
            Shortcut::from_key(" ", false, Focus::Page),
            Some(TrainOrPause)
        );
        assert_eq!(
            Shortcut::from_key("ArrowRight", false, Focus::Page),
            Some(Step)
        );
        assert_eq!(Shortcut::from_key("G", false, Focus::Page), Some(Grid));
        assert_eq!(Shortcut::from_key("?", false, Focus::Page), Some(Help));
        for key in [" ", "r", "g", "e", "i", "?", "ArrowRight"] {
            assert_eq!(Shortcut::from_key(key, false, Focus::Typing), None, "{key}");
            assert_eq!(Shortcut::from_key(key, true, Focus::Page), None, "{key}");
        }
        // A focused button keeps Space; the plane keeps its arrows. Letters still work.
        assert_eq!(Shortcut::from_key(" ", false, Focus::Control), None);
        assert_eq!(
            Shortcut::from_key("ArrowRight", false, Focus::Control),
            None
        );
        assert_eq!(
            Shortcut::from_key("e", false, Focus::Control),
            Some(Ellipses)
        );
        assert_eq!(Shortcut::from_key("x", false, Focus::Page), None);
        assert_eq!(Shortcut::HELP.len(), 7);
    }

    #[test]
    fn the_qr_code_reads_back_as_the_link() {
        let link = "http://localhost:8080/#data=fashion&lr=0.001&batch=128&beta=4&gan=0&gamma=10&seed=1&z=0,0&hide=data,model&lock=beta";
        let svg = qr_svg(link).expect("a link of this length should fit a QR code");
        assert!(svg.contains("<svg") && svg.contains("<path"));
        // Read the modules back with an independent decoder, four pixels each, in a quiet zone.
        let code = qrcode::QrCode::new(link.as_bytes()).expect("the same code");
        let (width, colours) = (code.width(), code.to_colors());
        let (scale, quiet) = (4, 4);
        let size = (width + 2 * quiet) * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
            let (mx, my) = (
                (x / scale).wrapping_sub(quiet),
                (y / scale).wrapping_sub(quiet),
            );
            let dark = mx < width && my < width && colours[my * width + mx] == qrcode::Color::Dark;
            if dark { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, text) = grids[0].decode().expect("the code should decode");
        assert_eq!(text, link);
        assert_eq!(qr_svg(&"x".repeat(5000)), None, "too long for any QR code");
    }

    proptest! {
        #[test]
        fn any_list_parses_to_rules_that_read_back(names in proptest::collection::vec("[a-z]{0,12}", 0..8)) {
            let mut rules = Rules::default();
            let value = names.join(",");
            let unknown = rules.apply("hide", &value);
            prop_assert!(unknown.iter().all(|u| Part::from_key(u).is_none()));
            let mut again = Rules::default();
            let fragment = rules.to_fragment();
            if let Some(list) = fragment.strip_prefix("&hide=") {
                prop_assert!(again.apply("hide", list).is_empty());
            }
            prop_assert_eq!(again, rules);
        }
    }
}
