//! ICMP for IPv4 and IPv6, and what the two share: matching echo replies
//! to their requests. ICMPv6 borrows ICMP's RFC 4884 extension structure and
//! RFC 8335 extended echo from `v4`, as Wireshark's icmpv6 calls icmp's.

pub mod v4;
pub mod v6;

use dissect_core::{Context, FastMap, FieldDef, Value};

use crate::ip::addr::NetAddrs;

/// The last echo requests seen, to tie replies to them like Wireshark's
/// `icmp.resp_to` and `icmpv6.resp_to` (bounded: cleared when full).
#[derive(Debug, Default)]
pub struct EchoRequests {
    seen: FastMap<EchoKey, (u64, i64, u32)>,
}

/// Request addresses (source, destination), identifier and sequence.
type EchoKey = ([u8; 16], [u8; 16], u16, u16);

const MAX_TRACKED_ECHOES: usize = 1 << 16;

impl EchoRequests {
    /// Remembers a request, or for a reply adds the request's frame number
    /// and the time since it, with `resp_to`/`resptime` of the protocol.
    pub fn track(
        &mut self,
        cx: &mut Context<'_>,
        request: bool,
        addrs: &NetAddrs,
        ident_seq: (u16, u16),
        fields: (&'static FieldDef, &'static FieldDef),
    ) {
        let frame = cx.frame();
        let (number, sec, nsec) = (frame.number, frame.ts_sec, frame.ts_nsec);
        if request {
            if self.seen.len() >= MAX_TRACKED_ECHOES {
                self.seen.clear();
            }
            let key = (addrs.src, addrs.dst, ident_seq.0, ident_seq.1);
            self.seen.insert(key, (number, sec, nsec));
            return;
        }
        let key = (addrs.dst, addrs.src, ident_seq.0, ident_seq.1);
        let Some(&(req_number, req_sec, req_nsec)) = self.seen.get(&key) else {
            return;
        };
        if req_number >= number {
            return;
        }
        let ms = (sec - req_sec) as f64 * 1e3 + (f64::from(nsec) - f64::from(req_nsec)) / 1e6;
        cx.generated(fields.0, 0..0, Value::U64(req_number));
        cx.generated(fields.1, 0..0, Value::F64(ms));
    }
}
