mod backend_status;

pub use backend_status::BackendStatus;
