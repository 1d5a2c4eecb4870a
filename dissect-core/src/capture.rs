//! Capture file reading (pcap and pcapng). STUB: being written.
use crate::tree::FrameInfo;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// A capture file that cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureError {
    /// Byte offset in the file where the problem is.
    pub offset: u64,
    pub message: String,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for CaptureError {}

/// Reads frames one at a time from a pcap or pcapng stream.
pub struct CaptureReader {
    _r: Box<dyn Read>,
}

impl CaptureReader {
    pub fn open(_path: &Path) -> Result<CaptureReader, CaptureError> {
        todo!()
    }
    pub fn new(_r: Box<dyn Read>) -> Result<CaptureReader, CaptureError> {
        todo!()
    }
    pub fn next_frame(&mut self) -> Option<Result<(FrameInfo, &[u8]), CaptureError>> {
        todo!()
    }
}
