//! Guided lessons: short tours of steps, each written as a file under `assets/lessons/` and read
//! here. A step sets the page, points at one element, says a few sentences and may wait until the
//! learner has done something.
//!
//! The format, one directive per line (blank lines and `#` comments are skipped):
//!
//! ```text
//! title: What a latent space is          the lesson's title (once, first)
//! about: One sentence for the list.      (once, optional)
//! step: Every point is an image          a new step and its title
//! set: data=mnist&beta=1&z=0,0           share-link settings to apply (only those named)
//! pretrained: plain                      open the pretrained model (plain or gan)
//! highlight: decoded                     the id of the element to point at
//! say: One to three sentences.           what the step says (required)
//! wait: near 7                           until: near N, trained N, grid on, ellipses on,
//!                                        clicked ID, far R
//! ```

use std::collections::BTreeSet;
use std::sync::LazyLock;

use super::dataset::PretrainedKind;
use super::share::ShareLink;

/// A lesson as read from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Its name in links: the file's name without the number and extension.
    pub id: String,
    pub title: String,
    pub about: String,
    pub steps: Vec<LessonStep>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LessonStep {
    pub title: String,
    /// Share-link settings (a fragment) applied over what is on show.
    pub set: Option<String>,
    pub pretrained: Option<PretrainedKind>,
    /// The element pointed at.
    pub highlight: Option<String>,
    pub say: String,
    pub wait: Option<Wait>,
}

/// What a step waits for the learner to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    /// The cursor among the points of this class.
    Near(u8),
    /// This many training steps since the step began.
    Trained(u64),
    Grid,
    Ellipses,
    /// A click on the element with this id.
    Clicked(String),
    /// The cursor at least this far from the origin on either axis.
    Far(f32),
}

/// What the learner has done, as far as waits care.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seen {
    /// The class the cursor is among.
    pub near: Option<u8>,
    pub cursor: [f32; 2],
    /// Training steps since the step began.
    pub trained: u64,
    pub grid: bool,
    pub ellipses: bool,
    /// Ids of the elements clicked since the step began.
    pub clicked: BTreeSet<String>,
}

impl Wait {
    pub fn done(&self, seen: &Seen) -> bool {
        match self {
            Wait::Near(label) => seen.near == Some(*label),
            Wait::Trained(steps) => seen.trained >= *steps,
            Wait::Grid => seen.grid,
            Wait::Ellipses => seen.ellipses,
            Wait::Clicked(id) => seen.clicked.contains(id),
            Wait::Far(r) => seen.cursor.iter().any(|v| v.abs() >= *r),
        }
    }

    /// What is left to do, for the learner; `names` are the classes in label order.
    pub fn hint(&self, seen: &Seen, names: &[String]) -> String {
        match self {
            Wait::Near(label) => {
                let name = names
                    .get(*label as usize)
                    .cloned()
                    .unwrap_or(label.to_string());
                format!("Waiting for the cursor to reach the {name}s.")
            }
            Wait::Trained(steps) => {
                format!("Training: {} of {steps} steps.", seen.trained.min(*steps))
            }
            Wait::Grid => "Waiting for the grid to be switched on.".into(),
            Wait::Ellipses => "Waiting for the σ ellipses to be switched on.".into(),
            Wait::Clicked(id) => format!("Waiting for a click on the highlighted “{id}”."),
            Wait::Far(r) => format!("Waiting for the cursor to go beyond {r} from the origin."),
        }
    }
}

/// A lesson file that cannot be used: which line, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct LessonError {
    pub line: usize,
    pub why: String,
}

/// Reads a lesson file named `id`.
pub fn parse(id: &str, text: &str) -> Result<Lesson, LessonError> {
    let mut lesson = Lesson {
        id: id.to_string(),
        title: String::new(),
        about: String::new(),
        steps: Vec::new(),
    };
    let fail = |line: usize, why: String| Err(LessonError { line, why });
    let mut last_line = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        last_line = line;
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let Some((key, value)) = raw.split_once(':') else {
            return fail(line, format!("“{raw}” should be “directive: value”"));
        };
        let value = value.trim();
        if value.is_empty() {
            return fail(line, format!("“{key}:” needs a value"));
        }
        if key == "title" && lesson.title.is_empty() && lesson.steps.is_empty() {
            lesson.title = value.to_string();
            continue;
        }
        if key == "about" && lesson.steps.is_empty() {
            lesson.about = value.to_string();
            continue;
        }
        if key == "step" {
            if lesson.title.is_empty() {
                return fail(
                    line,
                    "the lesson needs a “title:” before its first step".into(),
                );
            }
            if let Some(previous) = lesson.steps.last()
                && previous.say.is_empty()
            {
                return fail(line, format!("the step “{}” has no “say:”", previous.title));
            }
            lesson.steps.push(LessonStep {
                title: value.to_string(),
                ..LessonStep::default()
            });
            continue;
        }
        let Some(step) = lesson.steps.last_mut() else {
            return fail(line, format!("“{key}:” belongs in a step (after “step:”)"));
        };
        let slot_taken = |taken: bool| -> Result<(), LessonError> {
            match taken {
                true => Err(LessonError {
                    line,
                    why: format!("the step already has a “{key}:”"),
                }),
                false => Ok(()),
            }
        };
        match key {
            "set" => {
                slot_taken(step.set.is_some())?;
                let parsed = ShareLink::default().with_fragment(value);
                if let Some(why) = parsed.ignored.first() {
                    return fail(line, format!("“set:” cannot use {why}"));
                }
                // A step sets the page, not the lesson under way.
                let names = |key: &str| {
                    value
                        .split('&')
                        .any(|pair| pair.split('=').next() == Some(key))
                };
                if names("lesson") || names("step") {
                    return fail(line, "“set:” cannot name a lesson or a step".into());
                }
                step.set = Some(value.to_string());
            }
            "pretrained" => {
                slot_taken(step.pretrained.is_some())?;
                step.pretrained = Some(match value {
                    "plain" => PretrainedKind::Plain,
                    "gan" => PretrainedKind::Gan,
                    _ => return fail(line, "“pretrained:” is plain or gan".into()),
                });
            }
            "highlight" => {
                slot_taken(step.highlight.is_some())?;
                if !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return fail(line, format!("“{value}” is not an element's id"));
                }
                step.highlight = Some(value.to_string());
            }
            "say" => {
                slot_taken(!step.say.is_empty())?;
                step.say = value.to_string();
            }
            "wait" => {
                slot_taken(step.wait.is_some())?;
                step.wait = Some(wait(value).map_err(|why| LessonError { line, why })?);
            }
            _ => return fail(line, format!("“{key}” is not a directive of lessons")),
        }
    }
    // An empty file's error is on its first line.
    let last_line = last_line.max(1);
    match lesson.steps.last() {
        None => fail(last_line, "the lesson has no steps".into()),
        Some(step) if step.say.is_empty() => fail(
            last_line,
            format!("the step “{}” has no “say:”", step.title),
        ),
        Some(_) => Ok(lesson),
    }
}

fn wait(value: &str) -> Result<Wait, String> {
    let (kind, arg) = value.split_once(' ').unwrap_or((value, ""));
    let arg = arg.trim();
    Ok(match (kind, arg) {
        ("near", _) => Wait::Near(
            arg.parse()
                .map_err(|_| format!("“near” takes a class number, not “{arg}”"))?,
        ),
        ("trained", _) => Wait::Trained(
            arg.parse()
                .ok()
                .filter(|&n| n > 0 && n <= 100_000)
                .ok_or(format!("“trained” takes a number of steps, not “{arg}”"))?,
        ),
        ("grid", "on") => Wait::Grid,
        ("ellipses", "on") => Wait::Ellipses,
        ("clicked", id) if !id.is_empty() => Wait::Clicked(id.to_string()),
        ("far", _) => Wait::Far(
            arg.parse()
                .ok()
                .filter(|r: &f32| r.is_finite() && *r > 0.0)
                .ok_or(format!("“far” takes a distance, not “{arg}”"))?,
        ),
        _ => {
            return Err(format!(
                "“{value}” is not a wait: near N, trained N, grid on, ellipses on, clicked ID or far R"
            ));
        }
    })
}

/// The files of the built-in lessons, in order.
const BUILT_IN: [(&str, &str); 5] = [
    (
        "latent-space",
        include_str!("../../assets/lessons/1-latent-space.lesson"),
    ),
    (
        "watch-it-learn",
        include_str!("../../assets/lessons/2-watch-it-learn.lesson"),
    ),
    (
        "beta-and-kl",
        include_str!("../../assets/lessons/3-beta-and-kl.lesson"),
    ),
    (
        "generating",
        include_str!("../../assets/lessons/4-generating.lesson"),
    ),
    (
        "vae-gan",
        include_str!("../../assets/lessons/5-vae-gan.lesson"),
    ),
];

/// The built-in lessons, in order: read once, for the page, its links and its reducer.
pub fn built_in() -> &'static [Lesson] {
    static LESSONS: LazyLock<Vec<Lesson>> = LazyLock::new(|| {
        BUILT_IN
            .iter()
            .map(|(id, text)| {
                parse(id, text).expect("the built-in lessons should be valid (tested)")
            })
            .collect()
    });
    &LESSONS
}

/// The built-in lesson named `id`.
pub fn find(id: &str) -> Option<&'static Lesson> {
    built_in().iter().find(|l| l.id == id)
}

/// Whether `id` names a built-in lesson, and how many steps it has.
pub fn steps_of(id: &str) -> Option<usize> {
    find(id).map(|l| l.steps.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_lessons_are_valid_and_cover_the_five_topics() {
        let lessons = built_in();
        let ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "latent-space",
                "watch-it-learn",
                "beta-and-kl",
                "generating",
                "vae-gan"
            ]
        );
        for lesson in lessons {
            assert!(lesson.steps.len() >= 3, "{}", lesson.id);
            for step in &lesson.steps {
                let sentences = step.say.matches(". ").count() + step.say.matches("? ").count() + 1;
                assert!(
                    sentences <= 3,
                    "{}: “{}” says too much",
                    lesson.id,
                    step.title
                );
            }
        }
        assert_eq!(lessons[0].steps[1].wait, Some(Wait::Near(7)));
        assert_eq!(steps_of("generating"), Some(4));
        assert_eq!(steps_of("nope"), None);
    }

    #[test]
    fn a_bad_lesson_names_its_line() {
        let cases = [
            (
                "step: x\nsay: y",
                "line 1: the lesson needs a “title:” before its first step",
            ),
            (
                "title: t\nsay: y",
                "line 2: “say:” belongs in a step (after “step:”)",
            ),
            (
                "title: t\nstep: a\nsay: y\nwait: near seven",
                "line 4: “near” takes a class number, not “seven”",
            ),
            (
                "title: t\nstep: a\nsay: y\nwait: dance",
                "line 4: “dance” is not a wait: near N, trained N, grid on, ellipses on, clicked ID or far R",
            ),
            (
                "title: t\nstep: a\nset: lr=banana\nsay: y",
                "line 3: “set:” cannot use lr=banana (not a positive number)",
            ),
            (
                "title: t\nstep: a\nset: beta=2&lesson=generating&step=1\nsay: y",
                "line 3: “set:” cannot name a lesson or a step",
            ),
            (
                "title: t\nstep: a\nsay: y\nsay: z",
                "line 4: the step already has a “say:”",
            ),
            (
                "title: t\nstep: a\n\nstep: b\nsay: z",
                "line 4: the step “a” has no “say:”",
            ),
            (
                "title: t\n# just a comment",
                "line 2: the lesson has no steps",
            ),
            (
                "title: t\nstep: a\nsay: y\nhighlight: <img>",
                "line 4: “<img>” is not an element's id",
            ),
            (
                "title: t\nstep: a\nsay: y\njump: 3",
                "line 4: “jump” is not a directive of lessons",
            ),
            (
                "title: t\nstep: a\nsay y",
                "line 3: “say y” should be “directive: value”",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                parse("x", text).map(|_| ()).unwrap_err().to_string(),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn waits_are_done_when_the_learner_has_done_it() {
        let mut seen = Seen::default();
        let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        assert!(!Wait::Near(7).done(&seen));
        assert_eq!(
            Wait::Near(7).hint(&seen, &names),
            "Waiting for the cursor to reach the 7s."
        );
        seen.near = Some(7);
        assert!(Wait::Near(7).done(&seen));
        seen.trained = 40;
        assert!(!Wait::Trained(50).done(&seen));
        assert_eq!(
            Wait::Trained(50).hint(&seen, &names),
            "Training: 40 of 50 steps."
        );
        seen.trained = 50;
        assert!(Wait::Trained(50).done(&seen));
        seen.clicked.insert("reset".into());
        assert!(Wait::Clicked("reset".into()).done(&seen));
        assert!(!Wait::Clicked("train".into()).done(&seen));
        seen.cursor = [0.5, -3.2];
        assert!(Wait::Far(3.0).done(&seen) && !Wait::Far(4.0).done(&seen));
        assert!(!Wait::Grid.done(&seen));
        seen.grid = true;
        assert!(Wait::Grid.done(&seen));
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_names_a_line_within_it(text in "(\\PC{0,30}\n){0,8}") {
            if let Err(e) = parse("x", &text) {
                proptest::prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1));
            }
        }
    }
}
