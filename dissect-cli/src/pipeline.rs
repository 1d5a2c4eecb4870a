//! The read → dissect → print loop: [`frame_loop`], which both [`run`] and
//! [`run_sharded`] run on their working threads.
//!
//! [`run`] uses two threads: one reads, dissects and formats each packet
//! while its bytes and tree are still in that core's cache (dissectors keep
//! per-capture state, so this part is sequential); the other only writes
//! the text. Handing whole decoded packets to another core instead cost
//! nearly twice the CPU per packet in cache misses (measured: 0.9 s against
//! 1.5-1.8 s of CPU for 1M packets). [`run_sharded`] splits a file by
//! conversation across several threads of the first kind, since that state
//! is per conversation.
//!
//! Text travels in buffers that are sent back for reuse, so the steady state
//! allocates nothing and memory stays bounded whatever the file size.

use std::io::{self, Write};
use std::mem;
use std::ops::Range;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread;

use dissect_core::capture::{CaptureError, CaptureReader};
use dissect_core::{FrameInfo, Packet, Registry};

use crate::output::Printer;

/// Text handed to the writer at once: large enough to make the channel cost
/// negligible, small enough to stay in cache.
const CHUNK: usize = 64 * 1024;
/// Buffers in flight: bounds memory whatever the file size.
const CHUNKS: usize = 4;

/// A predicate on a raw frame, before it is dissected.
pub type CaptureFilter = dyn Fn(&FrameInfo, &[u8]) -> bool + Sync;
/// A predicate on a dissected packet.
pub type DisplayFilter = dyn Fn(&Packet) -> bool + Sync;

/// Which frames are dissected and which packets printed.
pub struct Selection<'a> {
    /// Frames it rejects are never dissected, so they change no dissector
    /// state and have no packet. A libpcap BPF expression will plug in here.
    pub capture_filter: Option<Box<CaptureFilter>>,
    /// Packets it rejects were dissected (their state kept) but are neither
    /// printed nor counted by `count`. A display filter (`-Y`) will plug in
    /// here.
    pub display_filter: Option<Box<DisplayFilter>>,
    /// Only packets with a layer of this name.
    pub layer: Option<&'a str>,
    /// Stop after printing this many.
    pub count: Option<u64>,
}

impl Selection<'_> {
    fn captures(&self, frame: &FrameInfo, data: &[u8]) -> bool {
        self.capture_filter
            .as_ref()
            .is_none_or(|keep| keep(frame, data))
    }

    fn displays(&self, packet: &Packet) -> bool {
        self.display_filter.as_ref().is_none_or(|keep| keep(packet))
            && self.layer.is_none_or(|name| packet.layer(name).is_some())
    }
}

/// Why the loop stopped early.
pub enum Stop {
    /// Writing the output failed (a closed pipe among others).
    Output(io::Error),
    /// The capture is corrupt or cut: every packet before it was printed.
    Capture(CaptureError),
}

/// What one working thread needs: its own reader of the capture, its own
/// dissector state and its own printer.
pub struct Worker {
    pub reader: CaptureReader,
    pub registry: Registry,
    pub printer: Printer,
}

/// The frames a worker dissects: those whose conversation key falls in its
/// part of `of` (all of them when `of` is 1).
#[derive(Clone, Copy)]
struct Part {
    index: usize,
    of: usize,
}

impl Part {
    const WHOLE: Part = Part { index: 0, of: 1 };

    fn owns(self, frame: &FrameInfo, data: &[u8]) -> bool {
        if self.of <= 1 {
            return true;
        }
        let key = dissect_protocols::conversation::key(frame.linktype, data);
        (key % self.of as u64) as usize == self.index
    }
}

/// The writer has gone (it failed or has all it wants): stop.
struct Gone;

/// Where [`frame_loop`] puts its text.
trait Sink {
    /// The text the next packet is appended to.
    fn text(&mut self) -> &mut String;
    /// A frame is done; `mine` is false when another part owns it.
    fn frame_done(&mut self, mine: bool, reader: &CaptureReader) -> Result<(), Gone>;
    /// No more frames, for this reason (none: the end of the file or of the
    /// count).
    fn finish(self, end: Option<CaptureError>);
}

/// The one frame loop, run by each working thread: read a frame, keep it if
/// it is in this `part` and passes the capture filter, dissect it, and
/// print it if it passes the display filter and the layer selection, until
/// `count` packets were printed. Frames of other parts are only read. In a
/// shard the count is of its own packets: when it is reached the merging
/// writer, which keeps the total, has printed as many and stops there too.
fn frame_loop(mut worker: Worker, part: Part, selection: &Selection<'_>, mut sink: impl Sink) {
    let mut packet = Packet::new();
    let mut printed = 0u64;
    let end = loop {
        if selection.count.is_some_and(|limit| printed >= limit) {
            break None;
        }
        let (frame, data) = match worker.reader.next_frame() {
            None => break None,
            Some(Err(e)) => break Some(e),
            Some(Ok(frame)) => frame,
        };
        let mine = part.owns(&frame, data);
        // The capture filter's one place.
        if mine && selection.captures(&frame, data) {
            worker.registry.dissect(&frame, data, &mut packet);
            // The display filter's one place.
            if selection.displays(&packet) {
                worker.printer.print(&worker.registry, &packet, sink.text());
                printed += 1;
            } else {
                worker.printer.skip(&packet);
            }
        }
        if sink.frame_done(mine, &worker.reader).is_err() {
            return;
        }
    };
    sink.finish(end);
}

/// Formatted packets on their way to the writer.
struct Chunk {
    text: String,
    /// The input may pause after this chunk (a live stream, or a terminal
    /// or -l): flush it.
    flush: bool,
}

enum Message {
    Text(Chunk),
    End(Option<CaptureError>),
}

/// [`run`]'s sink: chunks of text for the writing thread.
struct Chunks {
    text: String,
    /// Flush after every packet (terminal or -l).
    flush_each: bool,
    recycled: Receiver<String>,
    to_writer: SyncSender<Message>,
}

impl Sink for Chunks {
    fn text(&mut self) -> &mut String {
        &mut self.text
    }

    fn frame_done(&mut self, _mine: bool, reader: &CaptureReader) -> Result<(), Gone> {
        // Hand over what we have before the input may block (live stream).
        let flush = self.flush_each || !reader.next_is_buffered();
        if self.text.len() >= CHUNK || (flush && !self.text.is_empty()) {
            let text = mem::take(&mut self.text);
            let chunk = Chunk { text, flush };
            self.to_writer
                .send(Message::Text(chunk))
                .map_err(|_| Gone)?;
            self.text = self.recycled.recv().map_err(|_| Gone)?;
            self.text.clear();
        }
        Ok(())
    }

    fn finish(self, end: Option<CaptureError>) {
        if !self.text.is_empty() {
            let chunk = Chunk {
                text: self.text,
                flush: true,
            };
            if self.to_writer.send(Message::Text(chunk)).is_err() {
                return;
            }
        }
        let _ = self.to_writer.send(Message::End(end));
    }
}

/// Reads every frame of the worker's reader, dissects and formats the
/// selected ones on one thread and writes them to `out` on this one.
/// `flush_each`: flush after every packet (terminal or -l).
pub fn run(
    worker: Worker,
    selection: &Selection<'_>,
    flush_each: bool,
    out: &mut impl Write,
) -> Result<(), Stop> {
    let (to_writer, from_reader) = mpsc::sync_channel::<Message>(CHUNKS);
    let (recycle, recycled) = mpsc::channel::<String>();
    // One buffer for the sink, the others waiting to be filled.
    for _ in 1..CHUNKS {
        let _ = recycle.send(String::with_capacity(CHUNK + 4096));
    }
    let sink = Chunks {
        text: String::with_capacity(CHUNK + 4096),
        flush_each,
        recycled,
        to_writer,
    };
    thread::scope(|scope| {
        scope.spawn(move || frame_loop(worker, Part::WHOLE, selection, sink));
        // On return the channels drop, which stops the other thread.
        write_chunks(out, from_reader, recycle)
    })
}

/// The writing thread: writes each chunk and sends its buffer back.
fn write_chunks(
    out: &mut impl Write,
    from_reader: Receiver<Message>,
    recycle: Sender<String>,
) -> Result<(), Stop> {
    for message in from_reader {
        let chunk = match message {
            Message::Text(chunk) => chunk,
            Message::End(end) => {
                out.flush().map_err(Stop::Output)?;
                return match end {
                    None => Ok(()),
                    Some(e) => Err(Stop::Capture(e)),
                };
            }
        };
        out.write_all(chunk.text.as_bytes()).map_err(Stop::Output)?;
        if chunk.flush {
            out.flush().map_err(Stop::Output)?;
        }
        let _ = recycle.send(chunk.text);
    }
    // The working thread ended without saying why (it cannot panic, but
    // keep the output it produced).
    out.flush().map_err(Stop::Output)
}

/// Per frame in a shard's chunk: the length of its text (0 when not
/// selected), or this marker when another shard owns the frame.
const NOT_MINE: u32 = u32::MAX;
/// Frames per shard chunk at most, so a shard that owns few frames still
/// hands its markers over in time.
const FRAMES_PER_CHUNK: usize = 16 * 1024;

/// Text of one shard's frames and, for every frame of the capture in order,
/// how much of it is theirs.
#[derive(Default)]
struct ShardChunk {
    text: String,
    lengths: Vec<u32>,
}

enum ShardMessage {
    Chunk(ShardChunk),
    End(Option<CaptureError>),
}

/// A shard's sink: its chunks for the merging writer.
struct ShardChunks {
    chunk: ShardChunk,
    /// Where the current frame's text starts.
    frame_at: usize,
    recycled: Receiver<ShardChunk>,
    to_writer: SyncSender<ShardMessage>,
}

impl Sink for ShardChunks {
    fn text(&mut self) -> &mut String {
        &mut self.chunk.text
    }

    fn frame_done(&mut self, mine: bool, _reader: &CaptureReader) -> Result<(), Gone> {
        let length = if mine {
            let length = self.chunk.text.len() - self.frame_at;
            length.min(NOT_MINE as usize - 1) as u32
        } else {
            NOT_MINE
        };
        self.chunk.lengths.push(length);
        self.frame_at = self.chunk.text.len();
        if self.chunk.text.len() >= CHUNK || self.chunk.lengths.len() >= FRAMES_PER_CHUNK {
            let full = mem::take(&mut self.chunk);
            self.to_writer
                .send(ShardMessage::Chunk(full))
                .map_err(|_| Gone)?;
            self.chunk = self.recycled.recv().map_err(|_| Gone)?;
            self.chunk.text.clear();
            self.chunk.lengths.clear();
            self.frame_at = 0;
        }
        Ok(())
    }

    fn finish(self, end: Option<CaptureError>) {
        if !self.chunk.lengths.is_empty()
            && self
                .to_writer
                .send(ShardMessage::Chunk(self.chunk))
                .is_err()
        {
            return;
        }
        let _ = self.to_writer.send(ShardMessage::End(end));
    }
}

/// Like [`run`], with the packets split across `workers` by conversation.
/// Every worker reads the whole file; each dissects and formats only the
/// frames of its conversations ([`dissect_protocols::conversation::key`]),
/// so the state a dissector keeps for a conversation lives in one worker
/// and the text is what one thread would have printed. The writer puts the
/// frames back in capture order. Only for files that can be read more than
/// once, and for text that depends on nothing but the frame and its
/// conversation (no time deltas between packets).
pub fn run_sharded(
    workers: Vec<Worker>,
    selection: &Selection<'_>,
    out: &mut impl Write,
) -> Result<(), Stop> {
    let of = workers.len();
    thread::scope(|scope| {
        let mut streams = Vec::with_capacity(of);
        for (index, worker) in workers.into_iter().enumerate() {
            let (to_writer, from_shard) = mpsc::sync_channel::<ShardMessage>(CHUNKS);
            let (recycle, recycled) = mpsc::channel::<ShardChunk>();
            let buffer = || ShardChunk {
                text: String::with_capacity(CHUNK + 4096),
                lengths: Vec::with_capacity(FRAMES_PER_CHUNK),
            };
            // One buffer for the sink, the others waiting to be filled.
            for _ in 1..CHUNKS {
                let _ = recycle.send(buffer());
            }
            let sink = ShardChunks {
                chunk: buffer(),
                frame_at: 0,
                recycled,
                to_writer,
            };
            let part = Part { index, of };
            scope.spawn(move || frame_loop(worker, part, selection, sink));
            streams.push(Stream {
                from_shard,
                recycle,
                chunk: None,
                frame: 0,
                text_at: 0,
            });
        }
        // On return the channels drop, which stops the shards.
        merge_shards(out, streams, selection.count)
    })
}

/// The writer's view of one shard: its current chunk and where it is in it.
struct Stream {
    from_shard: Receiver<ShardMessage>,
    recycle: Sender<ShardChunk>,
    chunk: Option<ShardChunk>,
    /// Next frame of the chunk.
    frame: usize,
    /// Where that frame's text starts.
    text_at: usize,
}

/// What a shard says of the next frame.
enum ShardFrame {
    /// Its text: this range of the current chunk's.
    Text(Range<usize>),
    NotMine,
    End(Option<CaptureError>),
}

impl Stream {
    fn next(&mut self) -> ShardFrame {
        loop {
            let length = self.chunk.as_ref().and_then(|c| c.lengths.get(self.frame));
            if let Some(&length) = length {
                self.frame += 1;
                if length == NOT_MINE {
                    return ShardFrame::NotMine;
                }
                let start = self.text_at;
                self.text_at += length as usize;
                return ShardFrame::Text(start..self.text_at);
            }
            if let Some(done) = self.chunk.take() {
                let _ = self.recycle.send(done);
            }
            match self.from_shard.recv() {
                Ok(ShardMessage::Chunk(chunk)) => {
                    self.chunk = Some(chunk);
                    self.frame = 0;
                    self.text_at = 0;
                }
                Ok(ShardMessage::End(end)) => return ShardFrame::End(end),
                // The shard stopped without a word: end of its frames.
                Err(_) => return ShardFrame::End(None),
            }
        }
    }
}

/// The writing thread of [`run_sharded`]: takes one frame from every shard
/// at a time and writes the text of the one that owns it.
fn merge_shards(
    out: &mut impl Write,
    mut streams: Vec<Stream>,
    limit: Option<u64>,
) -> Result<(), Stop> {
    let mut printed = 0u64;
    let mut ended = vec![false; streams.len()];
    let mut failure = None;
    loop {
        if limit.is_some_and(|limit| printed >= limit) {
            break;
        }
        for (stream, ended) in streams.iter_mut().zip(&mut ended) {
            if *ended {
                continue;
            }
            match stream.next() {
                ShardFrame::NotMine => {}
                ShardFrame::Text(range) if !range.is_empty() => {
                    let chunk = stream.chunk.as_ref().map(|c| c.text.as_str());
                    let text = chunk.and_then(|t| t.get(range)).unwrap_or_default();
                    out.write_all(text.as_bytes()).map_err(Stop::Output)?;
                    printed += 1;
                }
                ShardFrame::Text(_) => {}
                ShardFrame::End(end) => {
                    *ended = true;
                    // Every shard reads the same file and stops at the same
                    // place; keep the first reason.
                    failure = failure.or(end);
                }
            }
        }
        if ended.iter().all(|&e| e) {
            break;
        }
    }
    out.flush().map_err(Stop::Output)?;
    match failure {
        None => Ok(()),
        Some(e) => Err(Stop::Capture(e)),
    }
}

#[cfg(test)]
mod tests {
    use dissect_core::format::{TimeFormat, Timestamps};
    use dissect_core::RenderOptions;

    use super::*;
    use crate::output::Mode;

    /// 32 frames of several conversations (IPv4, IPv6, ARP), so that shards
    /// share them out.
    const CAPTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/real/ntp-refclock.pcap"
    );

    fn worker() -> Worker {
        let mut printer = Printer::new(
            Mode::Line,
            Timestamps::new(TimeFormat::None),
            RenderOptions::default(),
        );
        printer.number = true;
        Worker {
            reader: CaptureReader::open(CAPTURE.as_ref()).unwrap(),
            registry: dissect_protocols::registry(),
            printer,
        }
    }

    /// The frame numbers printed (by `-#`) on one thread and on three, which
    /// must agree.
    fn printed(selection: &Selection<'_>) -> Vec<u64> {
        let mut one = Vec::new();
        assert!(run(worker(), selection, false, &mut one).is_ok());
        let mut three = Vec::new();
        let workers = (0..3).map(|_| worker()).collect();
        assert!(run_sharded(workers, selection, &mut three).is_ok());
        let one = String::from_utf8(one).unwrap();
        assert_eq!(one, String::from_utf8(three).unwrap());
        one.lines()
            .map(|line| line.split_whitespace().next().unwrap().parse().unwrap())
            .collect()
    }

    fn everything() -> Selection<'static> {
        Selection {
            capture_filter: None,
            display_filter: None,
            layer: None,
            count: None,
        }
    }

    #[test]
    fn without_filters_every_frame_is_printed() {
        assert_eq!(printed(&everything()), (1..=32).collect::<Vec<_>>());
    }

    #[test]
    fn capture_filter_drops_frames_before_dissection() {
        let even = || {
            let keep: Box<CaptureFilter> = Box::new(|frame, _| frame.number % 2 == 0);
            Some(keep)
        };
        // The display filter sees only the frames the capture filter kept.
        let kept_only: Box<DisplayFilter> = Box::new(|packet| {
            assert_eq!(packet.frame.number % 2, 0);
            true
        });
        let selection = Selection {
            capture_filter: even(),
            display_filter: Some(kept_only),
            ..everything()
        };
        assert_eq!(printed(&selection), (2..=32).step_by(2).collect::<Vec<_>>());
        let selection = Selection {
            capture_filter: even(),
            count: Some(3),
            ..everything()
        };
        assert_eq!(printed(&selection), [2, 4, 6]);
    }

    #[test]
    fn display_filter_drops_packets_and_count_skips_them() {
        let arp = || {
            let keep: Box<DisplayFilter> = Box::new(|packet| packet.layer("arp").is_some());
            Some(keep)
        };
        let selection = Selection {
            display_filter: arp(),
            ..everything()
        };
        assert_eq!(printed(&selection), [25, 26, 29, 30]);
        let selection = Selection {
            display_filter: arp(),
            count: Some(3),
            ..everything()
        };
        assert_eq!(printed(&selection), [25, 26, 29]);
    }
}
