//! The app's hooks: what runs beside the layout — loading, the session, the autosave, the model
//! file's actions — and the small hooks components share.

mod autosave;
mod drop_zone;
mod file_actions;
mod lesson;
mod loading;
mod offline;
mod scene_switches;
mod session;
mod shortcuts;
mod slow_motion;

pub use autosave::{Autosaver, use_autosave};
pub use drop_zone::use_drop_zone;
pub use file_actions::use_file_actions;
pub use lesson::use_lesson_steps;
pub use loading::{BACKEND_KEY, use_loading};
pub use offline::{OfflineControls, use_offline};
pub use scene_switches::use_scene_switches;
pub use session::{SessionControls, use_session};
pub use shortcuts::{RunControls, use_shortcuts};
pub use slow_motion::use_slow_motion;
