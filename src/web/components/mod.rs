//! The page's components: mostly layout, props down and `on*` callbacks up.

use yew::TargetCast;

mod backend_status;
mod controls;
mod data_panel;
mod decoded_view;
mod drawing_pad;
mod embed_bar;
mod erase_complete;
mod explain_panel;
mod explained;
mod help;
mod interpolation;
mod latent_plane;
mod legend;
mod lesson_dialog;
mod lesson_tour;
mod loss_chart;
mod manifold;
mod model_panel;
mod offline_card;
mod record_button;
mod run_bar;
mod step_diagram;
mod train_progress;
mod where_it_lands;

pub use backend_status::BackendStatus;
pub use controls::Controls;
pub use data_panel::DataPanel;
pub use decoded_view::DecodedView;
pub use drawing_pad::DrawingPad;
pub use embed_bar::EmbedBar;
pub use erase_complete::EraseComplete;
pub use explain_panel::ExplainPanel;
pub use explained::Explained;
pub use help::ShortcutHelp;
pub use interpolation::Interpolation;
pub use latent_plane::LatentPlane;
pub use legend::Legend;
pub use lesson_dialog::LessonDialog;
pub use lesson_tour::{Highlight, LessonList, LessonTour};
pub use loss_chart::LossChart;
pub use manifold::{Manifold, SampleStrip};
pub use model_panel::ModelPanel;
pub use offline_card::OfflineCard;
pub use record_button::RecordButton;
pub use run_bar::RunBar;
pub use step_diagram::{StepDiagram, stages};
pub use train_progress::{TrainProgress, Wait as TrainWait};
pub use where_it_lands::WhereItLands;

/// The value of the `<select>` an event came from.
fn select_value(event: &yew::Event) -> Option<String> {
    Some(
        event
            .target_dyn_into::<web_sys::HtmlSelectElement>()?
            .value(),
    )
}

/// The value of the `<input>` an event came from.
fn input_value(event: &yew::Event) -> Option<String> {
    Some(
        event
            .target_dyn_into::<web_sys::HtmlInputElement>()?
            .value(),
    )
}
