//! Per-connection state: Wireshark's streams with relative sequence
//! numbers and scaled windows, and tcpdump's own relative numbering (see
//! the module docs of `tcp` for why both).

use super::*;

/// At most this many connections are remembered (per table); when full the
/// table is cleared, so memory stays bounded on endless captures.
pub(super) const MAX_CONNECTIONS: usize = 1 << 16;

/// Addresses (IPv4 in the first 4 bytes) and ports of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Flow {
    pub(super) v6: bool,
    pub(super) src: [u8; 16],
    pub(super) dst: [u8; 16],
    pub(super) sport: u16,
    pub(super) dport: u16,
}

impl Flow {
    /// One key for both directions, and whether this segment runs "backwards".
    pub(super) fn canonical(&self) -> (Flow, usize) {
        if (self.src, self.sport) <= (self.dst, self.dport) {
            (*self, 0)
        } else {
            let swapped = Flow {
                v6: self.v6,
                src: self.dst,
                dst: self.src,
                sport: self.dport,
                dport: self.sport,
            };
            (swapped, 1)
        }
    }

    /// tcpdump's collating order: the higher port (or, on equal ports, the
    /// higher address) is the "reverse" side.
    pub(super) fn tcpdump_key(&self) -> (Flow, bool) {
        let (src, dst): (&[u8], &[u8]) = if self.v6 {
            (&self.src, &self.dst)
        } else {
            (&self.src[..4], &self.dst[..4])
        };
        let rev = self.sport > self.dport || (self.sport == self.dport && src > dst);
        if rev {
            (self.canonical_swap(), true)
        } else {
            (*self, false)
        }
    }

    pub(super) fn canonical_swap(&self) -> Flow {
        Flow {
            v6: self.v6,
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
        }
    }
}

/// Wireshark's view of one direction of a conversation.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Direction {
    base_seq: Option<u32>,
    /// Window shift from this side's SYN; -1 unknown, -2 no scaling.
    win_scale: i8,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Conversation {
    stream: u32,
    dirs: [Direction; 2],
    /// AccECN negotiation (RFC 9768) seen so far: [`ACC_ECN_SYN`], [`ACC_ECN_SYN_ACK`].
    acc_ecn: u8,
    /// Capture times (ns since the epoch) of the first and latest segments.
    first_ns: Option<i64>,
    last_ns: Option<i64>,
}

/// A SYN with AE, CWR and ECE all set asks for Accurate ECN.
pub(super) const ACC_ECN_SYN: u8 = 1;
/// A SYN-ACK answering with one of the AccECN patterns: from then on AE,
/// CWR and ECE form the ACE counter (what Wireshark shows as `tcp.flags.ace`).
pub(super) const ACC_ECN_SYN_ACK: u8 = 2;

impl Conversation {
    pub(super) fn new(stream: u32) -> Conversation {
        let dir = Direction {
            base_seq: None,
            win_scale: -1,
        };
        Conversation {
            stream,
            dirs: [dir; 2],
            acc_ecn: 0,
            first_ns: None,
            last_ns: None,
        }
    }
}

/// tcpdump's record of a connection (`struct tcp_seq_hash`).
#[derive(Debug, Clone, Copy)]
pub(super) struct TcpdumpIsn {
    seq: u32,
    ack: u32,
}

/// What the dissector remembers about the connections it has seen.
#[derive(Debug, Default)]
pub(super) struct State {
    conversations: FastMap<Flow, Conversation>,
    next_stream: u32,
    tcpdump: FastMap<Flow, TcpdumpIsn>,
}

/// Numbers tcpdump prints for one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TcpdumpNumbers {
    pub(super) seq: u32,
    pub(super) ack: u32,
    pub(super) sack_base: u32,
}

impl State {
    /// tcpdump's `tcp_print` bookkeeping (relative numbers only once an ACK was seen).
    pub(super) fn tcpdump_numbers(
        &mut self,
        flow: &Flow,
        seq: u32,
        ack: u32,
        flags: u8,
    ) -> TcpdumpNumbers {
        const ACK: u8 = 0x10;
        const SYN: u8 = 0x02;
        if flags & ACK == 0 {
            return TcpdumpNumbers {
                seq,
                ack,
                sack_base: 0,
            };
        }
        let (key, rev) = flow.tcpdump_key();
        match self.tcpdump.get(&key) {
            Some(isn) if flags & SYN == 0 => {
                let (seq_base, ack_base) = if rev {
                    (isn.ack, isn.seq)
                } else {
                    (isn.seq, isn.ack)
                };
                TcpdumpNumbers {
                    seq: seq.wrapping_sub(seq_base),
                    ack: ack.wrapping_sub(ack_base),
                    sack_base: ack_base,
                }
            }
            _ => {
                let isn = if rev {
                    TcpdumpIsn {
                        seq: ack.wrapping_sub(1),
                        ack: seq,
                    }
                } else {
                    TcpdumpIsn {
                        seq,
                        ack: ack.wrapping_sub(1),
                    }
                };
                if self.tcpdump.len() >= MAX_CONNECTIONS && !self.tcpdump.contains_key(&key) {
                    self.tcpdump.clear();
                }
                self.tcpdump.insert(key, isn);
                TcpdumpNumbers {
                    seq,
                    ack,
                    sack_base: ack.wrapping_sub(1),
                }
            }
        }
    }

    /// Wireshark's conversation for this segment, and the index of its direction.
    pub(super) fn conversation(
        &mut self,
        flow: &Flow,
        seq: u32,
        flags: TcpFlags,
    ) -> (&mut Conversation, usize) {
        let (key, dir) = flow.canonical();
        let fresh_syn = flags.contains(TcpFlags::SYN) && !flags.contains(TcpFlags::ACK);
        if self.conversations.len() >= MAX_CONNECTIONS && !self.conversations.contains_key(&key) {
            self.conversations.clear();
        }
        let next_stream = &mut self.next_stream;
        let mut new_stream = || {
            let stream = *next_stream;
            *next_stream = next_stream.wrapping_add(1);
            Conversation::new(stream)
        };
        let conv = match self.conversations.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let conv = e.into_mut();
                // A new SYN with another initial sequence number opens a new stream.
                let base_seq = conv.dirs.get(dir).and_then(|d| d.base_seq);
                if fresh_syn && base_seq.is_some_and(|b| b != seq) {
                    *conv = new_stream();
                }
                conv
            }
            std::collections::hash_map::Entry::Vacant(e) => e.insert(new_stream()),
        };
        (conv, dir)
    }
}

/// The addresses of the IP layer that carries this segment.
pub(super) fn flow_of(cx: &Context<'_>, sport: u16, dport: u16) -> Flow {
    let addrs = NetAddrs::of(cx).unwrap_or_default();
    Flow {
        v6: addrs.v6,
        src: addrs.src,
        dst: addrs.dst,
        sport,
        dport,
    }
}

/// True when this segment is quoted inside an ICMP error: it is not part of
/// the conversation and must not move any state.
pub(super) fn is_quoted(cx: &Context<'_>) -> bool {
    cx.previous_layers()
        .iter()
        .any(|l| l.name == "icmp" || l.name == "icmpv6")
}

/// Wireshark's per-segment results from the conversation state.
pub(super) struct Analysis {
    pub(super) stream: u32,
    pub(super) seq: u32,
    pub(super) ack: u32,
    /// What was subtracted from the acknowledgment number (and SACK edges).
    pub(super) ack_base: u32,
    pub(super) window: u64,
    pub(super) scale_factor: Option<i64>,
    /// AE, CWR and ECE are the AccECN counter here.
    pub(super) use_ace: bool,
    /// Time since the stream's first segment and since its previous one.
    pub(super) since_first_ns: i64,
    pub(super) since_previous_ns: i64,
}

/// The window shift a SYN announces (Wireshark caps it at 14).
pub(super) fn window_shift(tcp: Tcp<'_>) -> Option<u8> {
    tcp.options()
        .map_while(Result::ok)
        .find_map(|o| match o.decode() {
            TcpOption::WindowScale(shift) => Some(shift.min(14)),
            _ => None,
        })
}

impl TcpDissector {
    pub(super) fn analyse(
        &mut self,
        flow: &Flow,
        tcp: Tcp<'_>,
        now_ns: i64,
        wscale: Option<u8>,
    ) -> Analysis {
        let flags = tcp.flags();
        let (seq, ack) = (tcp.seq(), tcp.ack());
        let (conv, dir) = self.state.conversation(flow, seq, flags);
        let syn = flags.contains(TcpFlags::SYN);
        let has_ack = flags.contains(TcpFlags::ACK);
        // This segment's direction and the reverse one (`dir` is 0 or 1).
        let [first, second] = &mut conv.dirs;
        let (fwd, rev) = if dir == 0 {
            (first, second)
        } else {
            (second, first)
        };
        let fwd_base = *fwd
            .base_seq
            .get_or_insert(if syn { seq } else { seq.wrapping_sub(1) });
        if has_ack && rev.base_seq.is_none() {
            rev.base_seq = Some(ack.wrapping_sub(1));
        }
        let ack_base = if has_ack {
            rev.base_seq.unwrap_or(0)
        } else {
            0
        };
        if syn {
            fwd.win_scale = wscale.map_or(-2, |s| s as i8);
            if has_ack && (fwd.win_scale == -2 || rev.win_scale == -2) {
                fwd.win_scale = -2;
                rev.win_scale = -2;
            }
        }
        let window = u64::from(tcp.window());
        let scale = fwd.win_scale;
        let (window, scale_factor) = if syn {
            (window, None)
        } else if scale >= 0 {
            (window << scale, Some(1i64 << scale))
        } else {
            (window, Some(i64::from(scale)))
        };
        let ace_bits = flags & (TcpFlags::AE | TcpFlags::CWR | TcpFlags::ECE);
        if syn && !has_ack && ace_bits.bits() == 0x1c0 {
            conv.acc_ecn |= ACC_ECN_SYN;
        }
        if syn && has_ack && conv.acc_ecn & ACC_ECN_SYN != 0 {
            let answer = ace_bits.bits() >> 6;
            // AccECN answers: CWR alone or with ECE, AE alone or with CWR (RFC 9768 Table 2).
            if matches!(answer, 0b010 | 0b011 | 0b100 | 0b110) {
                conv.acc_ecn |= ACC_ECN_SYN_ACK;
            }
        }
        let use_ace = !syn && conv.acc_ecn & ACC_ECN_SYN_ACK != 0;
        let first_ns = *conv.first_ns.get_or_insert(now_ns);
        let previous_ns = conv.last_ns.replace(now_ns).unwrap_or(now_ns);
        Analysis {
            since_first_ns: now_ns.saturating_sub(first_ns),
            since_previous_ns: now_ns.saturating_sub(previous_ns),
            use_ace,
            stream: conv.stream,
            seq: seq.wrapping_sub(fwd_base),
            ack: ack.wrapping_sub(ack_base),
            ack_base,
            window,
            scale_factor,
        }
    }
}
