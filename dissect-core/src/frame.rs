//! tshark's `frame` pseudo-layer: the fields Wireshark files under "Frame"
//! (`frame.number`, `frame.time_delta`, `frame.protocols`, ...), built from
//! a packet's [`FrameInfo`](crate::FrameInfo), its layers and a little state
//! carried from packet to packet.
//!
//! The tree and JSON formats print the frame from `FrameInfo` directly;
//! these fields exist for output by field name (`-T fields`), so only that
//! mode builds them, into a [`FrameFields`] the caller keeps for the run.

use std::fmt::Write;

use crate::field::{Base, Field, FieldDef, FieldFlags, FieldType, Value};
use crate::tree::Packet;

/// `frame.number`: 1-based frame number.
pub static NUMBER: FieldDef = FieldDef::new("frame.number", "Frame Number", FieldType::Uint(32));
/// `frame.time`: arrival time (printed as tshark prints absolute times).
pub static TIME: FieldDef = FieldDef::new("frame.time", "Arrival Time", FieldType::AbsTime);
/// `frame.offset_shift`: tshark's time shift (`editcap -t`); always zero.
pub static OFFSET_SHIFT: FieldDef = FieldDef::new(
    "frame.offset_shift",
    "Time shift for this packet",
    FieldType::RelTime,
);
/// `frame.time_epoch`: seconds since the epoch, printed as seconds.
pub static TIME_EPOCH: FieldDef =
    FieldDef::new("frame.time_epoch", "Epoch Time", FieldType::RelTime);
/// `frame.time_delta`: since the previous captured frame.
pub static TIME_DELTA: FieldDef = FieldDef::new(
    "frame.time_delta",
    "Time delta from previous captured frame",
    FieldType::RelTime,
);
/// `frame.time_delta_displayed`: since the previous printed frame.
pub static TIME_DELTA_DISPLAYED: FieldDef = FieldDef::new(
    "frame.time_delta_displayed",
    "Time delta from previous displayed frame",
    FieldType::RelTime,
);
/// `frame.time_relative`: since the first frame.
pub static TIME_RELATIVE: FieldDef = FieldDef::new(
    "frame.time_relative",
    "Time since reference or first frame",
    FieldType::RelTime,
);
/// `frame.len`: bytes on the wire.
pub static LEN: FieldDef = FieldDef::new("frame.len", "Frame Length", FieldType::Uint(32));
/// `frame.cap_len`: bytes captured.
pub static CAP_LEN: FieldDef =
    FieldDef::new("frame.cap_len", "Capture Length", FieldType::Uint(32));
/// `frame.marked`: marked in the GUI; never here.
pub static MARKED: FieldDef = FieldDef::new("frame.marked", "Frame is marked", FieldType::Bool);
/// `frame.ignored`: ignored in the GUI; never here.
pub static IGNORED: FieldDef = FieldDef::new("frame.ignored", "Frame is ignored", FieldType::Bool);
/// `frame.protocols`: the layers, colon-separated, as tshark names them.
pub static PROTOCOLS: FieldDef =
    FieldDef::new("frame.protocols", "Protocols in frame", FieldType::Str);
/// `frame.encap_type`: Wireshark's WTAP_ENCAP number of the link type.
pub static ENCAP_TYPE: FieldDef =
    FieldDef::new("frame.encap_type", "Encapsulation type", FieldType::Int(16));
/// `frame.interface_id`: the pcapng interface (tshark has none for pcap).
pub static INTERFACE_ID: FieldDef =
    FieldDef::new("frame.interface_id", "Interface id", FieldType::Uint(32)).base(Base::Dec);

/// Every frame field, in the order tshark's frame tree has them.
pub static FIELDS: &[&FieldDef] = &[
    &INTERFACE_ID,
    &ENCAP_TYPE,
    &TIME,
    &OFFSET_SHIFT,
    &TIME_EPOCH,
    &TIME_DELTA,
    &TIME_DELTA_DISPLAYED,
    &TIME_RELATIVE,
    &NUMBER,
    &LEN,
    &CAP_LEN,
    &MARKED,
    &IGNORED,
    &PROTOCOLS,
];

/// The state the frame fields carry from packet to packet: the first
/// frame's time and the previous captured and displayed frames' times.
#[derive(Debug, Clone, Default)]
pub struct FrameFields {
    /// The capture is pcapng: its frames have an interface id.
    pcapng: bool,
    first: Option<(i64, u32)>,
    previous: Option<(i64, u32)>,
    previous_displayed: Option<(i64, u32)>,
    /// The fields of the last packet.
    fields: Vec<Field>,
    /// `frame.protocols` of the last packet (a `Value::Static` cannot
    /// point into a per-packet buffer, so the text is kept here).
    protocols: String,
}

impl FrameFields {
    /// State for a capture; `pcapng` says whether frames carry an
    /// interface id.
    pub fn new(pcapng: bool) -> FrameFields {
        FrameFields {
            pcapng,
            ..FrameFields::default()
        }
    }

    /// Builds the frame fields of `packet` (read back with
    /// [`FrameFields::fields`]) and moves the state on. `displayed`: the
    /// packet will be printed (its time is the next
    /// `frame.time_delta_displayed` base). Call it for every frame read,
    /// printed or not, in capture order.
    pub fn build(&mut self, packet: &Packet, displayed: bool) {
        let out = &mut self.fields;
        out.clear();
        let f = &packet.frame;
        let now = (f.ts_sec, f.ts_nsec);
        let first = *self.first.get_or_insert(now);
        let previous = self.previous.unwrap_or(now);
        let previous_displayed = self.previous_displayed.unwrap_or(now);
        self.previous = Some(now);
        if displayed {
            self.previous_displayed = Some(now);
        }
        let mut push = |def: &'static FieldDef, value: Value| {
            out.push(Field {
                def,
                value,
                offset: 0,
                len: 0,
                depth: 0,
                flags: FieldFlags::GENERATED,
                source: crate::tree::SourceId::FRAME,
            });
        };
        if self.pcapng {
            push(&INTERFACE_ID, Value::U64(f.interface.into()));
        }
        if let Some(encap) = wtap_encap(f.linktype) {
            push(&ENCAP_TYPE, Value::I64(encap));
        }
        push(&TIME, Value::Time(now.0, now.1));
        push(&OFFSET_SHIFT, Value::Time(0, 0));
        push(&TIME_EPOCH, Value::Time(now.0, now.1));
        let delta = |from: (i64, u32)| {
            let (s, n) = difference(now, from);
            Value::Time(s, n)
        };
        push(&TIME_DELTA, delta(previous));
        push(&TIME_DELTA_DISPLAYED, delta(previous_displayed));
        push(&TIME_RELATIVE, delta(first));
        push(&NUMBER, Value::U64(f.number));
        push(&LEN, Value::U64(f.len.into()));
        push(&CAP_LEN, Value::U64(f.caplen.into()));
        push(&MARKED, Value::Bool(false));
        push(&IGNORED, Value::Bool(false));
        self.protocols.clear();
        write_protocols(packet, &mut self.protocols);
        // The text is read back through `protocols()`; the field only marks
        // where it goes.
        push(&PROTOCOLS, Value::None);
    }

    /// The frame fields of the packet last given to [`FrameFields::build`],
    /// in tshark's order. `frame.protocols` has no value of its own: its
    /// text is [`FrameFields::protocols`].
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The `frame.protocols` text of the packet last given to
    /// [`FrameFields::build`].
    pub fn protocols(&self) -> &str {
        &self.protocols
    }
}

/// `a - b` as (seconds, nanoseconds in 0..1e9), seconds rounded down, the
/// form `Value::Time` holds.
fn difference(a: (i64, u32), b: (i64, u32)) -> (i64, u32) {
    let ns = |(s, n): (i64, u32)| i128::from(s) * 1_000_000_000 + i128::from(n);
    let d = ns(a) - ns(b);
    let secs = d.div_euclid(1_000_000_000);
    let nanos = d.rem_euclid(1_000_000_000);
    (
        i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX }),
        u32::try_from(nanos).unwrap_or(0),
    )
}

/// Wireshark's WTAP_ENCAP_* for a LINKTYPE_* value (wiretap/pcap-common.c),
/// for the link types dissect decodes.
fn wtap_encap(linktype: u32) -> Option<i64> {
    Some(match linktype {
        0 => 15,
        1 => 1,
        12 | 101 => 7,
        113 => 25,
        228 => 129,
        229 => 130,
        276 => 210,
        // LINKTYPE_USER0..15 are WTAP_ENCAP_USER0..15.
        147..=162 => 45 + i64::from(linktype - 147),
        _ => return None,
    })
}

/// The fields [`write_protocols`] reads besides the layer names: a run that
/// builds `frame.protocols` builds these too.
pub static PROTOCOLS_READ: &[&str] = &[
    "sll.etype",
    "ipv6.hopopts",
    "ipv6.routing",
    "ipv6.fraghdr",
    "ipv6.dstopts",
];

/// tshark's `frame.protocols`: the layer names joined by colons, with the
/// pseudo-protocols Wireshark adds: `ethertype` after each layer that hands
/// its payload on by EtherType, and IPv6 extension headers as their own
/// protocols (`ipv6.hopopts`, `ipv6.routing`, `ipv6.fraghdr`).
pub fn write_protocols(packet: &Packet, out: &mut String) {
    // A frame of a LINKTYPE_USERn link type goes to Wireshark's `user_dlt`
    // dissector before its payload.
    if (147..=162).contains(&packet.frame.linktype) {
        out.push_str("user_dlt");
    }
    let mut layers = packet.layers.iter().peekable();
    while let Some(layer) = layers.next() {
        if !out.is_empty() {
            out.push(':');
        }
        out.push_str(layer.name);
        if layer.name == "ipv6" {
            write_ipv6_extensions(packet.layer_fields(layer), out);
        }
        if layers.peek().is_some() && hands_on_by_ethertype(packet, layer) {
            out.push_str(":ethertype");
        }
    }
}

/// Whether a layer's payload went through Wireshark's `ethertype` table.
fn hands_on_by_ethertype(packet: &Packet, layer: &crate::tree::Layer) -> bool {
    match layer.name {
        "eth" | "vlan" | "ieee8021ad" => true,
        // Linux cooked capture: only a protocol field that is an EtherType
        // (at least 0x0600) goes through the table.
        "sll" => packet
            .layer_fields(layer)
            .iter()
            .any(|f| f.def.abbrev == "sll.etype"),
        _ => false,
    }
}

/// The extension headers of an IPv6 layer, from the headings of their
/// fields (present even when the header was cut short, as in tshark).
fn write_ipv6_extensions(fields: &[crate::field::Field], out: &mut String) {
    for field in fields {
        if let name @ ("ipv6.hopopts" | "ipv6.routing" | "ipv6.fraghdr" | "ipv6.dstopts") =
            field.def.abbrev
        {
            let _ = write!(out, ":{name}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_round_down() {
        assert_eq!(difference((10, 0), (9, 500_000_000)), (0, 500_000_000));
        assert_eq!(difference((9, 500_000_000), (10, 0)), (-1, 500_000_000));
        assert_eq!(difference((5, 7), (5, 7)), (0, 0));
    }

    #[test]
    fn deltas_follow_the_state() {
        let mut state = FrameFields::new(false);
        let mut packet = Packet::new();
        let value = |out: &[Field], def: &FieldDef| {
            out.iter()
                .find(|f| std::ptr::eq(f.def, def))
                .map(|f| f.value)
        };
        packet.frame.ts_sec = 100;
        state.build(&packet, true);
        let out = state.fields().to_vec();
        assert_eq!(value(&out, &TIME_DELTA), Some(Value::Time(0, 0)));
        assert_eq!(value(&out, &INTERFACE_ID), None);
        packet.frame.ts_sec = 101;
        state.build(&packet, false);
        packet.frame.ts_sec = 103;
        state.build(&packet, true);
        let out = state.fields().to_vec();
        assert_eq!(value(&out, &TIME_DELTA), Some(Value::Time(2, 0)));
        assert_eq!(value(&out, &TIME_DELTA_DISPLAYED), Some(Value::Time(3, 0)));
        assert_eq!(value(&out, &TIME_RELATIVE), Some(Value::Time(3, 0)));
    }
}
