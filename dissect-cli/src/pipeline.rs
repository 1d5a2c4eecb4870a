//! The read → dissect → print loop. [`run`] uses two threads: one reads,
//! dissects and formats each packet while its bytes and tree are still in
//! that core's cache (dissectors keep per-capture state, so this part is
//! sequential); the other only writes the text. Handing whole decoded
//! packets to another core instead cost nearly twice the CPU per packet in
//! cache misses (measured: 0.9 s against 1.5-1.8 s of CPU for 1M packets).
//! [`run_sharded`] splits a file by conversation across several threads of
//! the first kind, since that state is per conversation.
//!
//! Text travels in buffers that are sent back for reuse, so the steady state
//! allocates nothing and memory stays bounded whatever the file size.

use std::io::{self, Write};
use std::ops::Range;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread;

use dissect_core::capture::{CaptureError, CaptureReader};
use dissect_core::{Packet, Registry};

use crate::output::Printer;

/// Text handed to the writer at once: large enough to make the channel cost
/// negligible, small enough to stay in cache.
const CHUNK: usize = 64 * 1024;
/// Buffers in flight: bounds memory whatever the file size.
const CHUNKS: usize = 4;

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

/// Reads every frame of `reader`, dissects it with `registry`, formats the
/// selected ones with `printer` and writes them to `out`.
/// `flush_each`: flush after every packet (terminal or -l).
pub fn run(
    reader: CaptureReader,
    registry: Registry,
    printer: &mut Printer,
    selection: Selection<'_>,
    flush_each: bool,
    out: &mut impl Write,
) -> Result<(), Stop> {
    let (to_writer, from_reader) = mpsc::sync_channel::<Message>(CHUNKS);
    let (recycle, recycled) = mpsc::channel::<String>();
    for _ in 0..CHUNKS {
        let _ = recycle.send(String::with_capacity(CHUNK + 4096));
    }
    thread::scope(|scope| {
        scope.spawn(move || {
            dissect_and_format(
                reader, registry, printer, selection, flush_each, recycled, to_writer,
            )
        });
        // On return the channels drop, which stops the other thread.
        write_chunks(out, from_reader, recycle)
    })
}

/// The working thread: reads, dissects and formats into text chunks.
fn dissect_and_format(
    mut reader: CaptureReader,
    mut registry: Registry,
    printer: &mut Printer,
    selection: Selection<'_>,
    flush_each: bool,
    recycled: Receiver<String>,
    to_writer: SyncSender<Message>,
) {
    let Ok(mut text) = recycled.recv() else {
        return;
    };
    let mut packet = Packet::new();
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
        registry.dissect(&frame, data, &mut packet);
        if selection
            .layer
            .is_none_or(|name| packet.layer(name).is_some())
        {
            printer.print(&registry, &packet, &mut text);
            selected += 1;
        } else {
            printer.skip(&packet);
        }
        // Hand over what we have before the input may block (live stream).
        let flush = flush_each || !reader.next_is_buffered();
        if text.len() >= CHUNK || (flush && !text.is_empty()) {
            if to_writer
                .send(Message::Text(Chunk { text, flush }))
                .is_err()
            {
                return;
            }
            text = match recycled.recv() {
                Ok(mut text) => {
                    text.clear();
                    text
                }
                Err(_) => return,
            };
        }
    };
    if !text.is_empty() {
        let chunk = Chunk { text, flush: true };
        if to_writer.send(Message::Text(chunk)).is_err() {
            return;
        }
    }
    let _ = to_writer.send(Message::End(end));
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

/// One of the threads a capture is split across by conversation: its own
/// reader of the file, its own dissector state and its own printer.
pub struct Shard {
    pub reader: CaptureReader,
    pub registry: Registry,
    pub printer: Printer,
}

/// Per frame in a shard's chunk: the length of its text (0 when not
/// selected), or this marker when another shard owns the frame.
const NOT_MINE: u32 = u32::MAX;
/// Frames per shard chunk at most, so a shard that owns few frames still
/// hands its markers over in time.
const FRAMES_PER_CHUNK: usize = 16 * 1024;

/// Text of one shard's frames and, for every frame of the capture in order,
/// how much of it is theirs.
struct ShardChunk {
    text: String,
    lengths: Vec<u32>,
}

enum ShardMessage {
    Chunk(ShardChunk),
    End(Option<CaptureError>),
}

/// Like [`run`], with the packets split across `shards` by conversation.
/// Every shard reads the whole file; each dissects and formats only the
/// frames of its conversations ([`dissect_protocols::conversation::key`]),
/// so the state a dissector keeps for a conversation lives in one shard and
/// the text is what one thread would have printed. The writer puts the
/// frames back in capture order. Only for files that can be read more than
/// once, and for text that depends on nothing but the frame and its
/// conversation (no time deltas between packets).
pub fn run_sharded(
    shards: Vec<Shard>,
    selection: Selection<'_>,
    out: &mut impl Write,
) -> Result<(), Stop> {
    let count = shards.len();
    let layer = selection.layer;
    thread::scope(|scope| {
        let mut streams = Vec::with_capacity(count);
        for (index, shard) in shards.into_iter().enumerate() {
            let (to_writer, from_shard) = mpsc::sync_channel::<ShardMessage>(CHUNKS);
            let (recycle, recycled) = mpsc::channel::<ShardChunk>();
            for _ in 0..CHUNKS {
                let _ = recycle.send(ShardChunk {
                    text: String::with_capacity(CHUNK + 4096),
                    lengths: Vec::with_capacity(FRAMES_PER_CHUNK),
                });
            }
            scope.spawn(move || {
                shard_dissect(shard, index, count, layer, recycled, to_writer);
            });
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

/// A shard's thread: reads every frame, dissects and formats its own.
fn shard_dissect(
    mut shard: Shard,
    index: usize,
    count: usize,
    layer: Option<&str>,
    recycled: Receiver<ShardChunk>,
    to_writer: SyncSender<ShardMessage>,
) {
    let Ok(mut chunk) = recycled.recv() else {
        return;
    };
    let mut packet = Packet::new();
    let end = loop {
        let (frame, data) = match shard.reader.next_frame() {
            None => break None,
            Some(Err(e)) => break Some(e),
            Some(Ok(frame)) => frame,
        };
        let key = dissect_protocols::conversation::key(frame.linktype, data);
        if (key % count as u64) as usize != index {
            chunk.lengths.push(NOT_MINE);
        } else {
            shard.registry.dissect(&frame, data, &mut packet);
            let before = chunk.text.len();
            if layer.is_none_or(|name| packet.layer(name).is_some()) {
                shard
                    .printer
                    .print(&shard.registry, &packet, &mut chunk.text);
            }
            let length = (chunk.text.len() - before).min(NOT_MINE as usize - 1);
            chunk.lengths.push(length as u32);
        }
        if chunk.text.len() >= CHUNK || chunk.lengths.len() >= FRAMES_PER_CHUNK {
            if to_writer.send(ShardMessage::Chunk(chunk)).is_err() {
                return;
            }
            chunk = match recycled.recv() {
                Ok(mut chunk) => {
                    chunk.text.clear();
                    chunk.lengths.clear();
                    chunk
                }
                Err(_) => return,
            };
        }
    };
    if !chunk.lengths.is_empty() && to_writer.send(ShardMessage::Chunk(chunk)).is_err() {
        return;
    }
    let _ = to_writer.send(ShardMessage::End(end));
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
