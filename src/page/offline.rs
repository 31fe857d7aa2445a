//! The page offline: its service worker, what it keeps for offline use, and a new build that
//! waits for the user to reload into it.

/// What the service worker tells the page, and what the page does with it.
#[derive(Debug, Clone, PartialEq)]
pub enum OfflineEvent {
    /// The service worker of this build controls the page.
    Active {
        build: String,
    },
    /// This browser (or this embedding page) gives the page no service worker; why.
    Unavailable(String),
    /// `done` of the `total` files kept for offline use beyond the page itself (the datasets and
    /// the WebGPU trainer) are in the browser's cache.
    Kept {
        done: usize,
        total: usize,
    },
    /// Fetching them all, `done` so far.
    Keeping {
        done: usize,
        total: usize,
    },
    KeepFailed(String),
    /// A new build's service worker has installed and waits.
    UpdateReady,
    /// The user asked for the new build: saving, then reloading.
    Updating,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Worker {
    #[default]
    NotYet,
    Active {
        build: String,
    },
    Unavailable(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Files {
    #[default]
    Unknown,
    Kept {
        done: usize,
        total: usize,
    },
    Keeping {
        done: usize,
        total: usize,
    },
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Offline {
    pub worker: Worker,
    pub files: Files,
    pub update_ready: bool,
    pub updating: bool,
}

impl Offline {
    pub fn apply(&mut self, event: OfflineEvent) {
        match event {
            OfflineEvent::Active { build } => self.worker = Worker::Active { build },
            OfflineEvent::Unavailable(reason) => self.worker = Worker::Unavailable(reason),
            OfflineEvent::Kept { done, total } => self.files = Files::Kept { done, total },
            OfflineEvent::Keeping { done, total } => self.files = Files::Keeping { done, total },
            OfflineEvent::KeepFailed(reason) => self.files = Files::Failed(reason),
            OfflineEvent::UpdateReady => self.update_ready = true,
            OfflineEvent::Updating => self.updating = true,
        }
    }

    /// Whether everything the page can use offline is kept.
    pub fn all_kept(&self) -> bool {
        matches!(self.files, Files::Kept { done, total } if done == total)
    }

    /// What the page says about working offline.
    pub fn line(&self) -> String {
        match (&self.worker, &self.files) {
            (Worker::NotYet, _) => "Getting ready to work offline…".into(),
            (Worker::Unavailable(reason), _) => {
                format!("This page cannot keep itself for offline use here: {reason}.")
            }
            (Worker::Active { .. }, Files::Keeping { done, total }) => {
                format!("Keeping everything for offline use: {done} of {total} files…")
            }
            (Worker::Active { .. }, Files::Failed(reason)) => format!(
                "Works offline with what you have used so far; keeping the rest failed: {reason}."
            ),
            (Worker::Active { .. }, Files::Kept { done, total }) if done == total => {
                "Works offline: the page, its models, every dataset and the WebGPU trainer are kept in this browser.".into()
            }
            (Worker::Active { .. }, _) => {
                "Works offline with what you have used so far (the page and its models, and the datasets you opened).".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offline_line_says_what_is_kept() {
        let mut offline = Offline::default();
        assert_eq!(offline.line(), "Getting ready to work offline…");
        offline.apply(OfflineEvent::Active {
            build: "abc".into(),
        });
        offline.apply(OfflineEvent::Kept { done: 1, total: 6 });
        assert!(
            offline
                .line()
                .starts_with("Works offline with what you have used so far")
        );
        offline.apply(OfflineEvent::Keeping { done: 3, total: 6 });
        assert_eq!(
            offline.line(),
            "Keeping everything for offline use: 3 of 6 files…"
        );
        offline.apply(OfflineEvent::Kept { done: 6, total: 6 });
        assert!(offline.all_kept());
        offline.apply(OfflineEvent::Unavailable("storage is blocked".into()));
        assert_eq!(
            offline.line(),
            "This page cannot keep itself for offline use here: storage is blocked."
        );
        assert!(!offline.update_ready);
        offline.apply(OfflineEvent::UpdateReady);
        assert!(offline.update_ready);
    }
}
