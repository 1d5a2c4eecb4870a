//! The read → dissect → print loop, on two threads: one reads and dissects
//! (dissectors keep per-capture state, so this part is sequential), the
//! other prints and writes. Packets travel in batches that are sent back for
//! reuse, so the steady state allocates nothing and memory stays bounded.
//!
//! Printing uses its own copy of the registry: rendering reads only the
//! decoded packet, and both registries are built the same way, so dissector
//! ids agree.

use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread;

use dissect_core::capture::{CaptureError, CaptureReader};
use dissect_core::{Packet, Registry};

use crate::output::Printer;

/// Packets per batch: enough to make the channel cost negligible.
const BATCH: usize = 64;
/// Batches in flight: bounds memory whatever the file size.
const BATCHES: usize = 4;

/// Which packets to print.
pub struct Selection<'a> {
    /// Only packets with a layer of this name.
    pub layer: Option<&'a str>,
    /// Stop after printing this many.
    pub count: Option<u64>,
}

/// Why the loop stopped early.
pub enum Stop {
    /// Writing the output failed (a closed pipe among others).
    Output(io::Error),
    /// The capture is corrupt or cut: every packet before it was printed.
    Capture(CaptureError),
}

struct Batch {
    packets: Vec<Packet>,
    /// Packets in use (the rest are kept for their buffers).
    len: usize,
    /// The input may pause after this batch (a live stream): flush.
    flush: bool,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            packets: Vec::with_capacity(BATCH),
            len: 0,
            flush: false,
        }
    }

    /// The next free packet slot.
    fn slot(&mut self) -> &mut Packet {
        if self.len == self.packets.len() {
            self.packets.push(Packet::new());
        }
        let len = self.len;
        &mut self.packets[len]
    }
}

enum Message {
    Packets(Batch),
    End(Option<CaptureError>),
}

/// Reads every frame of `reader`, dissects it with `dissect`, prints the
/// selected ones with `printer` (rendering with `render`) to `out`.
/// `flush_each`: flush after every packet (terminal or -l).
#[allow(clippy::too_many_arguments)]
pub fn run(
    reader: CaptureReader,
    dissect: Registry,
    render: &Registry,
    printer: &mut Printer,
    selection: Selection<'_>,
    flush_each: bool,
    out: &mut impl Write,
) -> Result<(), Stop> {
    let (to_printer, from_reader) = mpsc::sync_channel::<Message>(BATCHES);
    let (recycle, recycled) = mpsc::channel::<Batch>();
    for _ in 0..BATCHES {
        let _ = recycle.send(Batch::new());
    }
    thread::scope(|scope| {
        scope.spawn(move || read_and_dissect(reader, dissect, selection, recycled, to_printer));
        // On return the channels drop, which stops the other thread.
        print_batches(render, printer, flush_each, out, from_reader, recycle)
    })
}

/// The reading thread: fills batches with dissected packets.
fn read_and_dissect(
    mut reader: CaptureReader,
    mut registry: Registry,
    selection: Selection<'_>,
    recycled: Receiver<Batch>,
    to_printer: SyncSender<Message>,
) {
    let Ok(mut batch) = recycled.recv() else {
        return;
    };
    let mut selected = 0u64;
    let end = loop {
        if selection.count.is_some_and(|limit| selected >= limit) {
            break None;
        }
        let (frame, data) = match reader.next_frame() {
            None => break None,
            Some(Err(e)) => break Some(e),
            Some(Ok(frame)) => frame,
        };
        let packet = batch.slot();
        registry.dissect(&frame, data, packet);
        if selection
            .layer
            .is_none_or(|name| packet.layer(name).is_some())
        {
            batch.len += 1;
            selected += 1;
        }
        // Hand over what we have before the input may block (live stream).
        let waiting = !reader.next_is_buffered();
        if batch.len == BATCH || (waiting && batch.len > 0) {
            batch.flush = waiting;
            if to_printer.send(Message::Packets(batch)).is_err() {
                return;
            }
            batch = match recycled.recv() {
                Ok(batch) => batch,
                Err(_) => return,
            };
            batch.len = 0;
        }
    };
    if batch.len > 0 && to_printer.send(Message::Packets(batch)).is_err() {
        return;
    }
    let _ = to_printer.send(Message::End(end));
}

/// The printing thread: formats each batch into one string and writes it.
fn print_batches(
    registry: &Registry,
    printer: &mut Printer,
    flush_each: bool,
    out: &mut impl Write,
    from_reader: Receiver<Message>,
    recycle: Sender<Batch>,
) -> Result<(), Stop> {
    let mut text = String::with_capacity(256 * 1024);
    for message in from_reader {
        let batch = match message {
            Message::Packets(batch) => batch,
            Message::End(end) => {
                out.flush().map_err(Stop::Output)?;
                return match end {
                    None => Ok(()),
                    Some(e) => Err(Stop::Capture(e)),
                };
            }
        };
        text.clear();
        for packet in batch.packets.iter().take(batch.len) {
            printer.print(registry, packet, &mut text);
            if flush_each {
                out.write_all(text.as_bytes()).map_err(Stop::Output)?;
                out.flush().map_err(Stop::Output)?;
                text.clear();
            }
        }
        out.write_all(text.as_bytes()).map_err(Stop::Output)?;
        if batch.flush {
            out.flush().map_err(Stop::Output)?;
        }
        let _ = recycle.send(batch);
    }
    // The reading thread ended without saying why (it cannot panic, but
    // keep the output it produced).
    out.flush().map_err(Stop::Output)
}
