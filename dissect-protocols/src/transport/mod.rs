//! The transport layer: TCP (with its options, analysis and tcpdump text)
//! and UDP, and the helpers both use: the frame's time and a conversation's
//! timestamps.

pub mod tcp;
pub mod udp;

use dissect_core::{Context, FieldDef, Value};

/// The frame's capture time in nanoseconds since the epoch.
pub(crate) fn frame_time_ns(cx: &Context<'_>) -> i64 {
    let frame = cx.frame();
    frame
        .ts_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(i64::from(frame.ts_nsec))
}

/// Wireshark's "Timestamps" of a conversation: seconds since its first
/// frame and since its previous one.
pub(crate) fn add_timestamps(
    cx: &mut Context<'_>,
    relative: &'static FieldDef,
    delta: &'static FieldDef,
    since_first_ns: i64,
    since_previous_ns: i64,
) {
    let seconds = |ns: i64| Value::F64(ns as f64 / 1e9);
    cx.generated(relative, 0..0, seconds(since_first_ns));
    cx.generated(delta, 0..0, seconds(since_previous_ns));
}
