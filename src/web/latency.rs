//! How long a pointer or key event takes to reach the screen: the clock starts when the browser
//! created the event (`event.timeStamp`), so time spent waiting behind other work counts too,
//! and stops when the decoded image for it is drawn. Read by the browser tests.

use std::cell::{Cell, RefCell};

use super::tasks::now_ms;

thread_local! {
    static INPUT_AT_MS: Cell<Option<f64>> = const { Cell::new(None) };
    static LATENCIES_MS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// An event moved the cursor.
pub fn input_started(event_ms: f64) {
    INPUT_AT_MS.with(|t| {
        if t.get().is_none() {
            t.set(Some(event_ms));
        }
    });
}

/// The decoded image for the latest input is drawn.
pub fn input_drawn() {
    if let Some(start) = INPUT_AT_MS.with(|t| t.take()) {
        LATENCIES_MS.with_borrow_mut(|l| l.push(now_ms() - start));
    }
}

/// The latencies measured so far (ms), emptied with `clear`.
pub fn latencies(clear: bool) -> Vec<f64> {
    LATENCIES_MS.with_borrow_mut(|l| if clear { std::mem::take(l) } else { l.clone() })
}

thread_local! {
    static STROKES_MS: RefCell<Vec<[f64; 2]>> = const { RefCell::new(Vec::new()) };
}

/// A stroke's move on the drawing pad was drawn, encoded and marked on the plane: the time from its
/// event's creation (`event.timeStamp`) to now, and the page's own part of it (from `started_ms`,
/// when its handler began).
pub fn stroke_done(event_ms: f64, started_ms: f64) {
    let now = now_ms();
    STROKES_MS.with_borrow_mut(|s| s.push([now - event_ms, now - started_ms]));
}

/// The strokes' times so far (ms, each: in all, the page's part), emptied with `clear`.
pub fn strokes(clear: bool) -> Vec<[f64; 2]> {
    STROKES_MS.with_borrow_mut(|s| if clear { std::mem::take(s) } else { s.clone() })
}
