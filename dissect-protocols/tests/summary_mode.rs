//! A run that prints only lines builds only the line's fields (the union of
//! every dissector's `line_fields`), for speed. This test proves the
//! shortcut changes nothing a user sees: for every packet of every testdata
//! capture, the one-line text (with and without `-e`), the layer names,
//! ranges and statuses are the same as with every field built; and that
//! the shortcut builds no field outside the line's set.

use dissect_core::capture::CaptureReader;
use dissect_core::{Packet, RenderOptions};

mod common;
use common::{captures, testdata};

#[test]
fn summary_detail_prints_what_full_detail_prints() {
    let root = testdata();
    let files: Vec<_> = captures().iter().map(|c| root.join(c)).collect();
    assert!(
        files.len() > 20,
        "testdata captures not found under {root:?}"
    );

    let mut packets = 0;
    for file in &files {
        let mut full = dissect_protocols::registry();
        let mut summary = dissect_protocols::registry();
        let line = summary.line_fields();
        summary.set_fields(line.clone());
        let Ok(mut reader) = CaptureReader::open(file) else {
            continue;
        };
        let (mut a, mut b) = (Packet::new(), Packet::new());
        while let Some(Ok((frame, data))) = reader.next_frame() {
            full.dissect(&frame, data, &mut a);
            summary.dissect(&frame, data, &mut b);
            packets += 1;
            let shape = |p: &Packet| {
                p.layers
                    .iter()
                    .map(|l| (l.name, l.offset, l.len, l.header_len, l.status))
                    .collect::<Vec<_>>()
            };
            assert_eq!(shape(&a), shape(&b), "{file:?} frame {}", frame.number);
            assert!(b.fields.len() <= a.fields.len());
            if let Some(extra) = b.fields.iter().find(|f| !line.contains(f.def)) {
                panic!(
                    "{file:?} frame {}: {} built",
                    frame.number, extra.def.abbrev
                );
            }
            for link_header in [false, true] {
                let options = RenderOptions {
                    verbose: 0,
                    link_header,
                    ..RenderOptions::default()
                };
                let (mut x, mut y) = (String::new(), String::new());
                full.render(&a, &options, &mut x).unwrap();
                summary.render(&b, &options, &mut y).unwrap();
                assert_eq!(x, y, "{file:?} frame {} (-e: {link_header})", frame.number);
            }
        }
    }
    assert!(packets > 500, "only {packets} packets compared");
}
