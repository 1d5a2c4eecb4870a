//! The capture reader against an independent implementation: pcap-file
//! writes pcap (µs and ns, both byte orders) and pcapng files from random
//! frames, including snaplen-cut ones (captured < original length), and our
//! reader must return exactly those frames, in order, with no error.

use std::borrow::Cow;
use std::time::Duration;

use dissect_core::capture::CaptureReader;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::{DataLink, Endianness, TsResolution};
use proptest::prelude::*;

/// A frame as the writer is given it: timestamp, original length, bytes.
#[derive(Debug, Clone)]
struct Frame {
    secs: u32,
    nanos: u32,
    extra: u32,
    data: Vec<u8>,
}

fn frames() -> impl Strategy<Value = Vec<Frame>> {
    let frame = (
        any::<u32>(),
        0u32..1_000_000_000,
        prop_oneof![Just(0u32), 1u32..100_000],
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(secs, nanos, extra, data)| Frame {
            secs,
            nanos,
            extra,
            data,
        });
    proptest::collection::vec(frame, 0..40)
}

/// Reads every frame back: (seconds, nanoseconds, caplen, len, linktype, bytes).
fn read_back(file: Vec<u8>) -> Vec<(i64, u32, u32, u32, u32, Vec<u8>)> {
    let mut reader = CaptureReader::new(Box::new(std::io::Cursor::new(file)))
        .expect("a file pcap-file wrote must open");
    let mut out = Vec::new();
    while let Some(item) = reader.next_frame() {
        let (info, data) = item.expect("a file pcap-file wrote must read to the end");
        out.push((
            info.ts_sec,
            info.ts_nsec,
            info.caplen,
            info.len,
            info.linktype,
            data.to_vec(),
        ));
    }
    out
}

fn expected(
    frames: &[Frame],
    nano: bool,
    linktype: u32,
) -> Vec<(i64, u32, u32, u32, u32, Vec<u8>)> {
    frames
        .iter()
        .map(|f| {
            let nanos = if nano { f.nanos } else { f.nanos / 1000 * 1000 };
            let len = f.data.len() as u32;
            (
                i64::from(f.secs),
                nanos,
                len,
                len + f.extra,
                linktype,
                f.data.clone(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pcap_written_by_pcap_file_reads_back(
        frames in frames(),
        nano in any::<bool>(),
        big_endian in any::<bool>(),
    ) {
        let header = PcapHeader {
            snaplen: 65535,
            datalink: DataLink::ETHERNET,
            ts_resolution: if nano { TsResolution::NanoSecond } else { TsResolution::MicroSecond },
            endianness: if big_endian { Endianness::Big } else { Endianness::Little },
            ..PcapHeader::default()
        };
        let mut writer = PcapWriter::with_header(Vec::new(), header).unwrap();
        for f in &frames {
            let ts = Duration::new(u64::from(f.secs), f.nanos);
            let packet = PcapPacket::new(ts, f.data.len() as u32 + f.extra, &f.data);
            writer.write_packet(&packet).unwrap();
        }
        let file = writer.into_writer();
        prop_assert_eq!(read_back(file), expected(&frames, nano, 1));
    }

    #[test]
    fn pcapng_written_by_pcap_file_reads_back(frames in frames(), big_endian in any::<bool>()) {
        let endianness = if big_endian { Endianness::Big } else { Endianness::Little };
        let section = pcap_file::pcapng::blocks::section_header::SectionHeaderBlock {
            endianness,
            ..Default::default()
        };
        let mut writer = PcapNgWriter::with_section_header(Vec::new(), section).unwrap();
        // pcap-file writes EPB timestamps in nanoseconds: say so (if_tsresol 9).
        let interface = InterfaceDescriptionBlock {
            linktype: DataLink::LINUX_SLL,
            snaplen: 0,
            options: vec![InterfaceDescriptionOption::IfTsResol(9)],
        };
        writer.write_pcapng_block(interface).unwrap();
        for f in &frames {
            let block = EnhancedPacketBlock {
                interface_id: 0,
                timestamp: Duration::new(u64::from(f.secs), f.nanos),
                original_len: f.data.len() as u32 + f.extra,
                data: Cow::Borrowed(&f.data),
                options: vec![],
            };
            writer.write_pcapng_block(block).unwrap();
        }
        let file = writer.into_inner();
        prop_assert_eq!(read_back(file), expected(&frames, true, 113));
    }
}
