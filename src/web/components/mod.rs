mod backend_status;
mod controls;
mod data_panel;
mod decoded_view;
mod latent_plane;
mod loss_chart;
mod manifold;

pub use backend_status::BackendStatus;
pub use controls::Controls;
pub use data_panel::{DataPanel, DataStatus};
pub use decoded_view::DecodedView;
pub use latent_plane::LatentPlane;
pub use loss_chart::{ChartPoint, LossChart};
pub use manifold::{Manifold, SampleStrip};
