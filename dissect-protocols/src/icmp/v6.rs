//! Internet Control Message Protocol for IPv6 (RFC 4443), with Neighbor
//! Discovery and its options (RFC 4861, 4191, 6106/8106, 8781), MLD (RFC
//! 2710, RFC 3810), node information (RFC 4620), Mobile IPv6 discovery and
//! extended echo (RFC 8335).
//!
//! Error messages quote the packet that caused them; the quote is handed to
//! the `ipv6` dissector, as is the packet of a redirected header option.
//! The tcpdump text follows `icmp6_print` of tcpdump 4.99 at each `-v`
//! level; it reads the message bytes the way tcpdump does, so a cut
//! message ends with tcpdump's ` [|icmp6]` where tcpdump's does.

use std::fmt::{self, Write};
use std::net::Ipv4Addr;

use dissect_core::field::Ipv6Text;

use dissect_core::{
    Base, Context, Dissector, FieldDef, FieldType, Handoff, Next, Render, Table, Value,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::icmp::EchoRequests;
use crate::ip::addr::{self, NetAddrs};
use crate::wire::{array, be16, be32, byte, check_len, Error};

/// Byte ranges of the header and the fixed message parts, named once.
pub mod field_range {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const CODE: Range<usize> = 1..2;
    pub const CHECKSUM: Range<usize> = 2..4;
    /// Errors: reserved, MTU (packet too big) or pointer (parameter problem).
    pub const REST: Range<usize> = 4..8;
    pub const ECHO_ID: Range<usize> = 4..6;
    pub const ECHO_SEQ: Range<usize> = 6..8;
    /// Neighbor solicitation/advertisement and redirect target.
    pub const TARGET: Range<usize> = 8..24;
    /// Redirect destination.
    pub const REDIRECT_DST: Range<usize> = 24..40;
    pub const MLD_DELAY: Range<usize> = 4..6;
    pub const MLD_RESERVED: Range<usize> = 6..8;
    pub const MLD_ADDRESS: Range<usize> = 8..24;
    pub const RA_HOP_LIMIT: Range<usize> = 4..5;
    pub const RA_FLAGS: Range<usize> = 5..6;
    pub const RA_LIFETIME: Range<usize> = 6..8;
    pub const RA_REACHABLE: Range<usize> = 8..12;
    pub const RA_RETRANS: Range<usize> = 12..16;
}
use field_range as f;

/// Type, code and checksum.
pub const HEADER_LEN: usize = 4;
/// Where the quoted packet of an error message starts.
pub const QUOTE_OFFSET: usize = 8;

/// Message types (IANA "ICMPv6 Type Numbers").
pub mod kind {
    pub const DST_UNREACH: u8 = 1;
    pub const PACKET_TOO_BIG: u8 = 2;
    pub const TIME_EXCEEDED: u8 = 3;
    pub const PARAM_PROBLEM: u8 = 4;
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
    pub const MLD_QUERY: u8 = 130;
    pub const MLD_REPORT: u8 = 131;
    pub const MLD_DONE: u8 = 132;
    pub const ROUTER_SOLICIT: u8 = 133;
    pub const ROUTER_ADVERT: u8 = 134;
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    pub const NEIGHBOR_ADVERT: u8 = 136;
    pub const REDIRECT: u8 = 137;
    pub const ROUTER_RENUMBERING: u8 = 138;
    pub const NODE_INFO_QUERY: u8 = 139;
    pub const NODE_INFO_REPLY: u8 = 140;
    pub const INV_NEIGHBOR_SOLICIT: u8 = 141;
    pub const INV_NEIGHBOR_ADVERT: u8 = 142;
    pub const MLD2_REPORT: u8 = 143;
    pub const HA_DISCOVERY_REQUEST: u8 = 144;
    pub const HA_DISCOVERY_REPLY: u8 = 145;
    pub const MOBILE_PREFIX_SOLICIT: u8 = 146;
    pub const MOBILE_PREFIX_ADVERT: u8 = 147;
    pub const RPL: u8 = 155;
    pub const EXT_ECHO_REQUEST: u8 = 160;
    pub const EXT_ECHO_REPLY: u8 = 161;
}

/// True for the error messages (types below 128), which quote a packet.
pub fn is_error(icmp_type: u8) -> bool {
    (kind::DST_UNREACH..=kind::PARAM_PROBLEM).contains(&icmp_type)
}

/// Typed zero-copy view of an ICMPv6 message.
#[derive(Debug, Clone, Copy)]
pub struct Icmpv6<'a> {
    data: &'a [u8],
}

impl<'a> Icmpv6<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Icmpv6<'a>, Error> {
        check_len(data, HEADER_LEN)?;
        Ok(Icmpv6 { data })
    }
    pub fn icmp_type(&self) -> u8 {
        byte(self.data, f::TYPE.start)
    }
    pub fn code(&self) -> u8 {
        byte(self.data, f::CODE.start)
    }
    pub fn checksum(&self) -> u16 {
        be16(self.data, f::CHECKSUM.start)
    }
    /// The message body after type, code and checksum.
    pub fn body(&self) -> &'a [u8] {
        self.data.get(HEADER_LEN..).unwrap_or(&[])
    }
    /// Echo identifier and sequence number, for echo messages.
    pub fn echo(&self) -> Option<(u16, u16)> {
        let t = self.icmp_type();
        let echo = t == kind::ECHO_REQUEST || t == kind::ECHO_REPLY;
        (echo && self.data.len() >= f::ECHO_SEQ.end)
            .then(|| (be16(self.data, 4), be16(self.data, 6)))
    }
    /// The target address of a neighbor solicitation or advertisement.
    pub fn nd_target(&self) -> Option<[u8; 16]> {
        let t = self.icmp_type();
        let nd = t == kind::NEIGHBOR_SOLICIT || t == kind::NEIGHBOR_ADVERT;
        (nd && self.data.len() >= f::TARGET.end).then(|| array(self.data, f::TARGET.start))
    }
    /// The quoted packet of an error message.
    pub fn quoted(&self) -> Option<&'a [u8]> {
        is_error(self.icmp_type()).then(|| self.data.get(QUOTE_OFFSET..).unwrap_or(&[]))
    }
    /// The checksum over the IPv6 pseudo-header and the whole message.
    pub fn checksum_ok(&self, src: &[u8; 16], dst: &[u8; 16]) -> bool {
        let addrs = NetAddrs {
            v6: true,
            src: *src,
            dst: *dst,
        };
        addr::transport_checksum(&addrs, 58, self.data) == 0
    }
}

impl Serialize for Icmpv6<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Icmpv6", 4)?;
        st.serialize_field("type", &self.icmp_type())?;
        st.serialize_field("code", &self.code())?;
        st.serialize_field("checksum", &self.checksum())?;
        st.serialize_field("body_len", &self.body().len())?;
        st.end()
    }
}

/// Wireshark's name for an ICMPv6 type (`icmpv6.type`).
pub fn type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        kind::DST_UNREACH => "Destination Unreachable",
        kind::PACKET_TOO_BIG => "Packet Too Big",
        kind::TIME_EXCEEDED => "Time Exceeded",
        kind::PARAM_PROBLEM => "Parameter Problem",
        kind::ECHO_REQUEST => "Echo (ping) request",
        kind::ECHO_REPLY => "Echo (ping) reply",
        kind::MLD_QUERY => "Multicast Listener Query",
        kind::MLD_REPORT => "Multicast Listener Report",
        kind::MLD_DONE => "Multicast Listener Done",
        kind::ROUTER_SOLICIT => "Router Solicitation",
        kind::ROUTER_ADVERT => "Router Advertisement",
        kind::NEIGHBOR_SOLICIT => "Neighbor Solicitation",
        kind::NEIGHBOR_ADVERT => "Neighbor Advertisement",
        kind::REDIRECT => "Redirect",
        kind::ROUTER_RENUMBERING => "Router Renumbering",
        kind::NODE_INFO_QUERY => "Node Information Query",
        kind::NODE_INFO_REPLY => "Node Information Reply",
        kind::INV_NEIGHBOR_SOLICIT => "Inverse Neighbor Discovery Solicitation Message",
        kind::INV_NEIGHBOR_ADVERT => "Inverse Neighbor Discovery Advertisement Message",
        kind::MLD2_REPORT => "Multicast Listener Report Message v2",
        kind::HA_DISCOVERY_REQUEST => "Home Agent Address Discovery Request Message",
        kind::HA_DISCOVERY_REPLY => "Home Agent Address Discovery Reply Message",
        kind::MOBILE_PREFIX_SOLICIT => "Mobile Prefix Solicitation",
        kind::MOBILE_PREFIX_ADVERT => "Mobile Prefix Advertisement",
        kind::RPL => "RPL Control",
        kind::EXT_ECHO_REQUEST => "Extended Echo request",
        kind::EXT_ECHO_REPLY => "Extended Echo reply",
        _ => return None,
    })
}

fn names_type(v: u64) -> Option<&'static str> {
    type_name(v as u8)
}

fn names_set(v: u64) -> Option<&'static str> {
    Some(if v != 0 { "Set" } else { "Not set" })
}

const fn flag(abbrev: &'static str, name: &'static str, ftype: FieldType, mask: u64) -> FieldDef {
    FieldDef::new(abbrev, name, ftype).mask(mask)
}

pub static TYPE: FieldDef =
    FieldDef::new("icmpv6.type", "Type", FieldType::Uint(8)).names(names_type);
pub static CODE: FieldDef = FieldDef::new("icmpv6.code", "Code", FieldType::Uint(8));
pub static CHECKSUM: FieldDef =
    FieldDef::new("icmpv6.checksum", "Checksum", FieldType::Uint(16)).base(Base::Hex);
pub static CHECKSUM_STATUS: FieldDef = FieldDef::new(
    "icmpv6.checksum.status",
    "Checksum Status",
    FieldType::Uint(8),
)
.names(crate::names::checksum_status_name);
pub static RESERVED: FieldDef = FieldDef::new("icmpv6.reserved", "Reserved", FieldType::Bytes);
pub static MTU: FieldDef = FieldDef::new("icmpv6.mtu", "MTU", FieldType::Uint(32));
pub static POINTER: FieldDef = FieldDef::new("icmpv6.pointer", "Pointer", FieldType::Uint(32));
pub static ECHO_ID: FieldDef =
    FieldDef::new("icmpv6.echo.identifier", "Identifier", FieldType::Uint(16)).base(Base::Hex);
pub static ECHO_SEQ: FieldDef = FieldDef::new(
    "icmpv6.echo.sequence_number",
    "Sequence",
    FieldType::Uint(16),
);
pub static NS_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.ns.target_address",
    "Target Address",
    FieldType::Ipv6,
);
pub static NA_FLAG: FieldDef =
    FieldDef::new("icmpv6.nd.na.flag", "Flags", FieldType::Uint(32)).base(Base::Hex);
pub static NA_FLAG_R: FieldDef = flag(
    "icmpv6.nd.na.flag.r",
    "Router",
    FieldType::Bool,
    0x8000_0000,
)
.names(names_set);
pub static NA_FLAG_S: FieldDef = flag(
    "icmpv6.nd.na.flag.s",
    "Solicited",
    FieldType::Bool,
    0x4000_0000,
)
.names(names_set);
pub static NA_FLAG_O: FieldDef = flag(
    "icmpv6.nd.na.flag.o",
    "Override",
    FieldType::Bool,
    0x2000_0000,
)
.names(names_set);
pub static NA_FLAG_RSV: FieldDef = flag(
    "icmpv6.nd.na.flag.rsv",
    "Reserved",
    FieldType::Uint(32),
    0x1fff_ffff,
);
pub static NA_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.na.target_address",
    "Target Address",
    FieldType::Ipv6,
);
pub static RA_HOP_LIMIT: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.cur_hop_limit",
    "Cur hop limit",
    FieldType::Uint(8),
);
pub static RA_FLAG: FieldDef =
    FieldDef::new("icmpv6.nd.ra.flag", "Flags", FieldType::Uint(8)).base(Base::Hex);
pub static RA_FLAG_M: FieldDef = flag(
    "icmpv6.nd.ra.flag.m",
    "Managed address configuration",
    FieldType::Bool,
    0x80,
)
.names(names_set);
pub static RA_FLAG_O: FieldDef = flag(
    "icmpv6.nd.ra.flag.o",
    "Other configuration",
    FieldType::Bool,
    0x40,
)
.names(names_set);
pub static RA_FLAG_H: FieldDef =
    flag("icmpv6.nd.ra.flag.h", "Home Agent", FieldType::Bool, 0x20).names(names_set);
pub static RA_FLAG_PRF: FieldDef = flag(
    "icmpv6.nd.ra.flag.prf",
    "Prf (Default Router Preference)",
    FieldType::Uint(8),
    0x18,
);
pub static RA_FLAG_P: FieldDef =
    flag("icmpv6.nd.ra.flag.p", "ND Proxy", FieldType::Bool, 0x04).names(names_set);
pub static RA_FLAG_RSV: FieldDef = flag(
    "icmpv6.nd.ra.flag.rsv",
    "Reserved",
    FieldType::Uint(8),
    0x03,
);
pub static RA_LIFETIME: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.router_lifetime",
    "Router lifetime (s)",
    FieldType::Uint(16),
);
pub static RA_REACHABLE: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.reachable_time",
    "Reachable time (ms)",
    FieldType::Uint(32),
);
pub static RA_RETRANS: FieldDef = FieldDef::new(
    "icmpv6.nd.ra.retrans_timer",
    "Retrans timer (ms)",
    FieldType::Uint(32),
);
pub static RD_TARGET: FieldDef = FieldDef::new(
    "icmpv6.nd.rd.target_address",
    "Target Address",
    FieldType::Ipv6,
);
/// Wireshark's abbreviation really is `rd.na` here.
pub static RD_DESTINATION: FieldDef = FieldDef::new(
    "icmpv6.rd.na.destination_address",
    "Destination Address",
    FieldType::Ipv6,
);
pub static MLD_DELAY: FieldDef = FieldDef::new(
    "icmpv6.mld.maximum_response_delay",
    "Maximum Response Delay [ms]",
    FieldType::Uint(16),
);
pub static MLD_CODE: FieldDef = FieldDef::new(
    "icmpv6.mld.maximum_response_code",
    "Maximum Response Code",
    FieldType::Uint(16),
);
pub static MLD_ADDRESS: FieldDef = FieldDef::new(
    "icmpv6.mld.multicast_address",
    "Multicast Address",
    FieldType::Ipv6,
);
pub static MLDR_RECORDS: FieldDef = FieldDef::new(
    "icmpv6.mldr.nb_mcast_records",
    "Number of Multicast Address Records",
    FieldType::Uint(16),
);

pub static MLD_FLAG: FieldDef =
    FieldDef::new("icmpv6.mld.flag", "Flags", FieldType::Uint(8)).base(Base::Hex);
pub static MLD_FLAG_S: FieldDef = flag(
    "icmpv6.mld.flag.s",
    "Suppress Router-Side Processing",
    FieldType::Bool,
    0x08,
)
.names(names_set);
pub static MLD_FLAG_QRV: FieldDef = flag(
    "icmpv6.mld.flag.qrv",
    "QRV (Querier's Robustness Variable)",
    FieldType::Uint(8),
    0x07,
);
pub static MLD_FLAG_RSV: FieldDef = flag(
    "icmpv6.mld.flag.reserved",
    "Reserved",
    FieldType::Uint(8),
    0xf0,
);
pub static MLD_QQI: FieldDef = FieldDef::new(
    "icmpv6.mld.qqi",
    "QQIC (Querier's Query Interval Code)",
    FieldType::Uint(8),
);
pub static MLD_NB_SOURCES: FieldDef = FieldDef::new(
    "icmpv6.mld.nb_sources",
    "Number of Sources",
    FieldType::Uint(16),
);
pub static MLD_SOURCE: FieldDef = FieldDef::new(
    "icmpv6.mld.source_address",
    "Source Address",
    FieldType::Ipv6,
);
pub static MLDR_MAR: FieldDef = FieldDef::new(
    "icmpv6.mldr.mar",
    "Multicast Address Record",
    FieldType::None,
);
pub static MLDR_MAR_TYPE: FieldDef = FieldDef::new(
    "icmpv6.mldr.mar.record_type",
    "Record Type",
    FieldType::Uint(8),
)
.names(names_mldr_record_type);
pub static MLDR_MAR_AUX_LEN: FieldDef = FieldDef::new(
    "icmpv6.mldr.mar.aux_data_len",
    "Aux Data Len",
    FieldType::Uint(8),
);
pub static MLDR_MAR_NB_SOURCES: FieldDef = FieldDef::new(
    "icmpv6.mldr.mar.nb_sources",
    "Number of Sources",
    FieldType::Uint(16),
);
pub static MLDR_MAR_ADDRESS: FieldDef = FieldDef::new(
    "icmpv6.mldr.mar.multicast_address",
    "Multicast Address",
    FieldType::Ipv6,
);
pub static MLDR_MAR_SOURCE: FieldDef = FieldDef::new(
    "icmpv6.mldr.mar.source_address",
    "Source Address",
    FieldType::Ipv6,
);
pub static MLDR_MAR_AUX: FieldDef = FieldDef::new(
    "icmpv6.mldr.mar.auxiliary_data",
    "Auxiliary Data",
    FieldType::Bytes,
);

// Neighbor Discovery options (RFC 4861 §4.6 and later RFCs).
pub static OPT: FieldDef = FieldDef::new("icmpv6.opt", "ICMPv6 Option", FieldType::None);
pub static OPT_TYPE: FieldDef =
    FieldDef::new("icmpv6.opt.type", "Type", FieldType::Uint(8)).names(names_nd_option);
pub static OPT_LENGTH: FieldDef = FieldDef::new("icmpv6.opt.length", "Length", FieldType::Uint(8));
/// Reserved and padding bytes: tshark shows them with no value.
pub static OPT_RESERVED: FieldDef =
    FieldDef::new("icmpv6.opt.reserved", "Reserved", FieldType::None);
pub static OPT_PADDING: FieldDef = FieldDef::new("icmpv6.opt.padding", "Padding", FieldType::None);
pub static OPT_LINKADDR: FieldDef = FieldDef::new(
    "icmpv6.opt.linkaddr",
    "Link-layer address",
    FieldType::Ether,
);
pub static OPT_SRC_LINKADDR: FieldDef = FieldDef::new(
    "icmpv6.opt.src_linkaddr",
    "Source Link-layer address",
    FieldType::Bytes,
);
pub static OPT_TARGET_LINKADDR: FieldDef = FieldDef::new(
    "icmpv6.opt.target_linkaddr",
    "Target Link-layer address",
    FieldType::Bytes,
);
pub static OPT_PREFIX_LEN: FieldDef = FieldDef::new(
    "icmpv6.opt.prefix.length",
    "Prefix Length",
    FieldType::Uint(8),
);
pub static OPT_PREFIX_FLAG: FieldDef =
    FieldDef::new("icmpv6.opt.prefix.flag", "Flag", FieldType::Uint(8)).base(Base::Hex);
pub static OPT_PREFIX_FLAG_L: FieldDef = flag(
    "icmpv6.opt.prefix.flag.l",
    "On-link flag(L)",
    FieldType::Bool,
    0x80,
)
.names(names_set);
pub static OPT_PREFIX_FLAG_A: FieldDef = flag(
    "icmpv6.opt.prefix.flag.a",
    "Autonomous address-configuration flag(A)",
    FieldType::Bool,
    0x40,
)
.names(names_set);
pub static OPT_PREFIX_FLAG_R: FieldDef = flag(
    "icmpv6.opt.prefix.flag.r",
    "Router address flag(R)",
    FieldType::Bool,
    0x20,
)
.names(names_set);
pub static OPT_PREFIX_FLAG_RSV: FieldDef = flag(
    "icmpv6.opt.prefix.flag.reserved",
    "Reserved",
    FieldType::Uint(8),
    0x1f,
);
pub static OPT_PREFIX_VALID: FieldDef = FieldDef::new(
    "icmpv6.opt.prefix.valid_lifetime",
    "Valid Lifetime",
    FieldType::Uint(32),
);
pub static OPT_PREFIX_PREFERRED: FieldDef = FieldDef::new(
    "icmpv6.opt.prefix.preferred_lifetime",
    "Preferred Lifetime",
    FieldType::Uint(32),
);
pub static OPT_PREFIX: FieldDef = FieldDef::new("icmpv6.opt.prefix", "Prefix", FieldType::Ipv6);
pub static OPT_REDIRECTED: FieldDef = FieldDef::new(
    "icmpv6.opt.redirected_packet",
    "Redirected Packet",
    FieldType::None,
);
pub static OPT_MTU: FieldDef = FieldDef::new("icmpv6.opt.mtu", "MTU", FieldType::Uint(32));
pub static OPT_ADV_INTERVAL: FieldDef = FieldDef::new(
    "icmpv6.opt.advertisement_interval",
    "Advertisement Interval",
    FieldType::Uint(32),
);
pub static OPT_HA_PREFERENCE: FieldDef = FieldDef::new(
    "icmpv6.opt.home_agent_preference",
    "Home Agent Preference",
    FieldType::Uint(16),
);
pub static OPT_HA_LIFETIME: FieldDef = FieldDef::new(
    "icmpv6.opt.home_agent_lifetime",
    "Home Agent Lifetime",
    FieldType::Uint(16),
);
pub static OPT_NONCE: FieldDef = FieldDef::new("icmpv6.opt.nonce", "Nonce", FieldType::Bytes);
pub static OPT_ROUTE_FLAG: FieldDef =
    FieldDef::new("icmpv6.opt.route_info.flag", "Flag", FieldType::Uint(8)).base(Base::Hex);
pub static OPT_ROUTE_PREF: FieldDef = flag(
    "icmpv6.opt.route_info.flag.route_preference",
    "Route Preference",
    FieldType::Uint(8),
    0x18,
)
.names(names_preference);
pub static OPT_ROUTE_RSV: FieldDef = flag(
    "icmpv6.opt.route_info.flag.reserved",
    "Reserved",
    FieldType::Uint(8),
    0xe7,
);
pub static OPT_ROUTE_LIFETIME: FieldDef = FieldDef::new(
    "icmpv6.opt.route_lifetime",
    "Route Lifetime",
    FieldType::Uint(32),
);
pub static OPT_RDNSS_LIFETIME: FieldDef =
    FieldDef::new("icmpv6.opt.rdnss.lifetime", "Lifetime", FieldType::Uint(32));
pub static OPT_RDNSS: FieldDef =
    FieldDef::new("icmpv6.opt.rdnss", "Recursive DNS Servers", FieldType::Ipv6);
pub static OPT_DNSSL_LIFETIME: FieldDef =
    FieldDef::new("icmpv6.opt.dnssl.lifetime", "Lifetime", FieldType::Uint(32));
pub static OPT_DNSSL: FieldDef = FieldDef::new("icmpv6.opt.dnssl", "Domain Names", FieldType::Str);
pub static OPT_PREF64_LIFETIME: FieldDef = flag(
    "icmpv6.opt.pref64.scaled_lifetime",
    "Scaled Lifetime",
    FieldType::Uint(16),
    0xfff8,
);
pub static OPT_PREF64_PLC: FieldDef = flag(
    "icmpv6.opt.pref64.plc",
    "PLC (Prefix Length Code)",
    FieldType::Uint(16),
    0x0007,
);
pub static OPT_PREF64_PREFIX: FieldDef =
    FieldDef::new("icmpv6.opt.pref64.prefix", "Prefix", FieldType::Ipv6);

// Node information (RFC 4620).
pub static NI_QTYPE: FieldDef =
    FieldDef::new("icmpv6.ni.qtype", "Qtype", FieldType::Uint(16)).names(names_ni_qtype);
pub static NI_FLAG: FieldDef =
    FieldDef::new("icmpv6.ni.flag", "Flags", FieldType::Uint(16)).base(Base::Hex);
pub static NI_FLAG_G: FieldDef = flag(
    "icmpv6.ni.flag.g",
    "Global-scope addresses",
    FieldType::Bool,
    0x20,
)
.names(names_set);
pub static NI_FLAG_S: FieldDef = flag(
    "icmpv6.ni.flag.s",
    "Site-local addresses",
    FieldType::Bool,
    0x10,
)
.names(names_set);
pub static NI_FLAG_L: FieldDef = flag(
    "icmpv6.ni.flag.l",
    "Link-local addresses",
    FieldType::Bool,
    0x08,
)
.names(names_set);
pub static NI_FLAG_C: FieldDef =
    flag("icmpv6.ni.flag.c", "Compression", FieldType::Bool, 0x04).names(names_set);
pub static NI_FLAG_A: FieldDef = flag(
    "icmpv6.ni.flag.a",
    "Unicast Addresses",
    FieldType::Bool,
    0x02,
)
.names(names_set);
pub static NI_FLAG_T: FieldDef =
    flag("icmpv6.ni.flag.t", "Truncated", FieldType::Bool, 0x01).names(names_set);
pub static NI_FLAG_RSV: FieldDef = flag(
    "icmpv6.ni.flag.rsv",
    "Reserved",
    FieldType::Uint(16),
    0xffc0,
)
.base(Base::Hex);
pub static NI_NONCE: FieldDef =
    FieldDef::new("icmpv6.ni.nonce", "Nonce", FieldType::Uint(64)).base(Base::Hex);
pub static NI_SUBJECT_IPV6: FieldDef = FieldDef::new(
    "icmpv6.ni.query.subject_ipv6",
    "IPv6 subject address",
    FieldType::Ipv6,
);
pub static NI_SUBJECT_IPV4: FieldDef = FieldDef::new(
    "icmpv6.ni.query.subject_ipv4",
    "IPv4 subject address",
    FieldType::Ipv4,
);
pub static NI_NODE_TTL: FieldDef =
    FieldDef::new("icmpv6.ni.reply.node_ttl", "TTL", FieldType::Uint(32));
pub static NI_NODE_ADDRESS: FieldDef = FieldDef::new(
    "icmpv6.ni.reply.node_address",
    "IPv6 Node address",
    FieldType::Ipv6,
);
pub static NI_IPV4_ADDRESS: FieldDef = FieldDef::new(
    "icmpv6.ni.reply.ipv4_address",
    "IPv4 Node address",
    FieldType::Ipv4,
);

// Mobile IPv6 home agent discovery and mobile prefix messages (RFC 6275 §6.5-6.8).
pub static MIP6_ID: FieldDef =
    FieldDef::new("icmpv6.mip6.identifier", "Identifier", FieldType::Uint(16));
pub static MIP6_HA_ADDRESS: FieldDef = FieldDef::new(
    "icmpv6.mip6.home_agent_address",
    "Home Agent Address",
    FieldType::Ipv6,
);
pub static MIP6_FLAG: FieldDef =
    FieldDef::new("icmpv6.mip6.flag", "Flags", FieldType::Uint(16)).base(Base::Hex);
pub static MIP6_FLAG_M: FieldDef = flag(
    "icmpv6.mip6.flag.m",
    "Managed address configuration",
    FieldType::Bool,
    0x8000,
)
.names(names_set);
pub static MIP6_FLAG_O: FieldDef = flag(
    "icmpv6.mip6.flag.o",
    "Other configuration",
    FieldType::Bool,
    0x4000,
)
.names(names_set);
pub static MIP6_FLAG_RSV: FieldDef = flag(
    "icmpv6.mip6.flag.rsv",
    "Reserved",
    FieldType::Uint(16),
    0x3fff,
);

// Extended echo (RFC 8335).
pub static EXT_ECHO_SEQ: FieldDef =
    FieldDef::new("icmpv6.ext.echo.seq", "Sequence number", FieldType::Uint(8));
pub static EXT_ECHO_REQ_RES: FieldDef = flag(
    "icmpv6.ext.echo.req.res",
    "Reserved",
    FieldType::Uint(8),
    0xfe,
)
.base(Base::Hex);
pub static EXT_ECHO_REQ_LOCAL: FieldDef = flag(
    "icmpv6.ext.echo.req.local",
    "Local bit",
    FieldType::Bool,
    0x01,
)
.names(names_set);
pub static EXT_ECHO_RSP_STATE: FieldDef = flag(
    "icmpv6.ext.echo.rsp.state",
    "State",
    FieldType::Uint(8),
    0xe0,
);
pub static EXT_ECHO_RSP_RES: FieldDef = flag(
    "icmpv6.ext.echo.rsp.res",
    "Reserved",
    FieldType::Uint(8),
    0x18,
)
.base(Base::Hex);
pub static EXT_ECHO_RSP_ACTIVE: FieldDef = flag(
    "icmpv6.ext.echo.rsp.active",
    "Active bit",
    FieldType::Bool,
    0x04,
)
.names(names_set);
pub static EXT_ECHO_RSP_IPV4: FieldDef = flag(
    "icmpv6.ext.echo.rsp.ipv4",
    "IPv4 bit",
    FieldType::Bool,
    0x02,
)
.names(names_set);
pub static EXT_ECHO_RSP_IPV6: FieldDef = flag(
    "icmpv6.ext.echo.rsp.ipv6",
    "IPv6 bit",
    FieldType::Bool,
    0x01,
)
.names(names_set);

// Request/response matching of echoes (Wireshark's analysis, one pass).
pub static RESP_TO: FieldDef = FieldDef::new("icmpv6.resp_to", "Response To", FieldType::Uint(32));
pub static RESPTIME: FieldDef =
    FieldDef::new("icmpv6.resptime", "Response Time", FieldType::Double);

fn names_nd_option(v: u64) -> Option<&'static str> {
    crate::names::nd_option_name(v as u8)
}

fn names_mldr_record_type(v: u64) -> Option<&'static str> {
    Some(match v {
        1 => "Include",
        2 => "Exclude",
        3 => "Changed to include",
        4 => "Changed to exclude",
        5 => "Allow new sources",
        6 => "Block old sources",
        _ => return None,
    })
}

fn names_preference(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Medium",
        1 => "High",
        2 => "Reserved",
        3 => "Low",
        _ => return None,
    })
}

fn names_ni_qtype(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "NOOP",
        1 => "Supported Qtypes",
        2 => "Node Name",
        3 => "Node Addresses",
        4 => "IPv4 Addresses",
        _ => return None,
    })
}

/// ND option types (IANA "IPv6 Neighbor Discovery Option Formats").
pub mod nd_option {
    pub const SOURCE_LINKADDR: u8 = 1;
    pub const TARGET_LINKADDR: u8 = 2;
    pub const PREFIX_INFO: u8 = 3;
    pub const REDIRECTED_HEADER: u8 = 4;
    pub const MTU: u8 = 5;
    pub const ADV_INTERVAL: u8 = 7;
    pub const HOME_AGENT_INFO: u8 = 8;
    pub const NONCE: u8 = 14;
    pub const ROUTE_INFO: u8 = 24;
    pub const RDNSS: u8 = 25;
    pub const DNSSL: u8 = 31;
    pub const PREF64: u8 = 38;
}

#[derive(Debug, Default)]
pub struct Icmpv6Dissector {
    echoes: EchoRequests,
}

/// Checksum verdict as tshark gives it: 1 good, 0 bad, 2 when it cannot
/// be checked (message cut, fragment, no IPv6 header, quoted in an error).
fn checksum_status(cx: &Context<'_>, data: &[u8]) -> u64 {
    let quoted = cx
        .previous_layers()
        .iter()
        .any(|l| l.name == "icmp" || l.name == "icmpv6");
    if data.len() < cx.reported_len() || quoted || addr::is_fragment(cx) {
        return 2;
    }
    match NetAddrs::for_checksum(cx).filter(|a| a.v6) {
        Some(addrs) => u64::from(addr::transport_checksum(&addrs, 58, data) == 0),
        None => 2,
    }
}

/// Every field the icmpv6 dissector adds (its catalogue entries).
pub static FIELDS: &[&FieldDef] = &[
    &TYPE,
    &CODE,
    &CHECKSUM,
    &CHECKSUM_STATUS,
    &RESERVED,
    &MTU,
    &POINTER,
    &ECHO_ID,
    &ECHO_SEQ,
    &NS_TARGET,
    &NA_FLAG,
    &NA_FLAG_R,
    &NA_FLAG_S,
    &NA_FLAG_O,
    &NA_FLAG_RSV,
    &NA_TARGET,
    &RA_HOP_LIMIT,
    &RA_FLAG,
    &RA_FLAG_M,
    &RA_FLAG_O,
    &RA_FLAG_H,
    &RA_FLAG_PRF,
    &RA_FLAG_P,
    &RA_FLAG_RSV,
    &RA_LIFETIME,
    &RA_REACHABLE,
    &RA_RETRANS,
    &RD_TARGET,
    &RD_DESTINATION,
    &MLD_DELAY,
    &MLD_CODE,
    &MLD_ADDRESS,
    &MLDR_RECORDS,
    &MLD_FLAG,
    &MLD_FLAG_S,
    &MLD_FLAG_QRV,
    &MLD_FLAG_RSV,
    &MLD_QQI,
    &MLD_NB_SOURCES,
    &MLD_SOURCE,
    &MLDR_MAR,
    &MLDR_MAR_TYPE,
    &MLDR_MAR_AUX_LEN,
    &MLDR_MAR_NB_SOURCES,
    &MLDR_MAR_ADDRESS,
    &MLDR_MAR_SOURCE,
    &MLDR_MAR_AUX,
    &OPT,
    &OPT_TYPE,
    &OPT_LENGTH,
    &OPT_RESERVED,
    &OPT_PADDING,
    &OPT_LINKADDR,
    &OPT_SRC_LINKADDR,
    &OPT_TARGET_LINKADDR,
    &OPT_PREFIX_LEN,
    &OPT_PREFIX_FLAG,
    &OPT_PREFIX_FLAG_L,
    &OPT_PREFIX_FLAG_A,
    &OPT_PREFIX_FLAG_R,
    &OPT_PREFIX_FLAG_RSV,
    &OPT_PREFIX_VALID,
    &OPT_PREFIX_PREFERRED,
    &OPT_PREFIX,
    &OPT_REDIRECTED,
    &OPT_MTU,
    &OPT_ADV_INTERVAL,
    &OPT_HA_PREFERENCE,
    &OPT_HA_LIFETIME,
    &OPT_NONCE,
    &OPT_ROUTE_FLAG,
    &OPT_ROUTE_PREF,
    &OPT_ROUTE_RSV,
    &OPT_ROUTE_LIFETIME,
    &OPT_RDNSS_LIFETIME,
    &OPT_RDNSS,
    &OPT_DNSSL_LIFETIME,
    &OPT_DNSSL,
    &OPT_PREF64_LIFETIME,
    &OPT_PREF64_PLC,
    &OPT_PREF64_PREFIX,
    &NI_QTYPE,
    &NI_FLAG,
    &NI_FLAG_G,
    &NI_FLAG_S,
    &NI_FLAG_L,
    &NI_FLAG_C,
    &NI_FLAG_A,
    &NI_FLAG_T,
    &NI_FLAG_RSV,
    &NI_NONCE,
    &NI_SUBJECT_IPV6,
    &NI_SUBJECT_IPV4,
    &NI_NODE_TTL,
    &NI_NODE_ADDRESS,
    &NI_IPV4_ADDRESS,
    &MIP6_ID,
    &MIP6_HA_ADDRESS,
    &MIP6_FLAG,
    &MIP6_FLAG_M,
    &MIP6_FLAG_O,
    &MIP6_FLAG_RSV,
    &EXT_ECHO_SEQ,
    &EXT_ECHO_REQ_RES,
    &EXT_ECHO_REQ_LOCAL,
    &EXT_ECHO_RSP_STATE,
    &EXT_ECHO_RSP_RES,
    &EXT_ECHO_RSP_ACTIVE,
    &EXT_ECHO_RSP_IPV4,
    &EXT_ECHO_RSP_IPV6,
    &RESP_TO,
    &RESPTIME,
];

impl Dissector for Icmpv6Dissector {
    fn fields(&self) -> &'static [&'static FieldDef] {
        FIELDS
    }

    fn name(&self) -> &'static str {
        "icmpv6"
    }
    fn full_name(&self) -> &'static str {
        "Internet Control Message Protocol v6"
    }

    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        if !data.is_empty() {
            cx.add(&TYPE, f::TYPE, Value::U64(byte(data, 0).into()));
        }
        if data.len() > f::CODE.start {
            cx.add(&CODE, f::CODE, Value::U64(byte(data, 1).into()));
        }
        if !cx.need(HEADER_LEN, "ICMPv6 header") {
            return Handoff::done(data.len());
        }
        let icmp = Icmpv6 { data };
        let reported = cx.reported_len();
        cx.add(&CHECKSUM, f::CHECKSUM, Value::U64(icmp.checksum().into()));
        if cx.wants(&CHECKSUM_STATUS) {
            let status = checksum_status(cx, data);
            cx.generated(&CHECKSUM_STATUS, f::CHECKSUM, Value::U64(status));
        }
        let icmp_type = icmp.icmp_type();
        let mut handoff = None;
        match icmp_type {
            kind::DST_UNREACH | kind::TIME_EXCEEDED => cx.add(&RESERVED, f::REST, Value::Bytes),
            kind::PACKET_TOO_BIG => cx.add(&MTU, f::REST, Value::U64(be32(data, 4).into())),
            kind::PARAM_PROBLEM => cx.add(&POINTER, f::REST, Value::U64(be32(data, 4).into())),
            kind::ECHO_REQUEST | kind::ECHO_REPLY => {
                if cx.need(f::ECHO_SEQ.end, "ICMPv6 echo") {
                    let (id, seq) = (be16(data, 4), be16(data, 6));
                    cx.add(&ECHO_ID, f::ECHO_ID, Value::U64(id.into()));
                    cx.add(&ECHO_SEQ, f::ECHO_SEQ, Value::U64(seq.into()));
                    if cx.wants_tree() {
                        if let Some(addrs) = NetAddrs::of(cx).filter(|a| a.v6) {
                            let request = icmp_type == kind::ECHO_REQUEST;
                            let fields = (&RESP_TO, &RESPTIME);
                            self.echoes.track(cx, request, &addrs, (id, seq), fields);
                        }
                    }
                }
                return Handoff::to(
                    Next::Named("data"),
                    QUOTE_OFFSET,
                    reported.saturating_sub(8),
                );
            }
            kind::MLD_QUERY | kind::MLD_REPORT | kind::MLD_DONE => {
                // A version 2 query (RFC 3810) is at least 28 bytes long.
                let v2_query = icmp_type == kind::MLD_QUERY && reported >= 28;
                add_mld(cx, data, v2_query);
            }
            kind::MLD2_REPORT => {
                cx.add(&RESERVED, 4..6, Value::Bytes);
                cx.add(&MLDR_RECORDS, 6..8, Value::U64(be16(data, 6).into()));
                if cx.wants_tree() {
                    add_mld2_records(cx, data, be16(data, 6));
                }
            }
            kind::ROUTER_SOLICIT => {
                cx.add(&RESERVED, f::REST, Value::Bytes);
                handoff = add_nd_options(cx, data, 8);
            }
            kind::ROUTER_ADVERT if add_router_advert(cx, data) => {
                handoff = add_nd_options(cx, data, 16);
            }
            kind::NEIGHBOR_SOLICIT => {
                cx.add(&RESERVED, f::REST, Value::Bytes);
                if cx.need(f::TARGET.end, "neighbor solicitation") {
                    let target = array(data, f::TARGET.start);
                    cx.add(&NS_TARGET, f::TARGET, Value::Ipv6(target));
                    handoff = add_nd_options(cx, data, f::TARGET.end);
                }
            }
            kind::NEIGHBOR_ADVERT => {
                let flags = u64::from(be32(data, 4));
                cx.push(&NA_FLAG, f::REST, Value::U64(flags));
                cx.add(&NA_FLAG_R, f::REST, Value::Bool(flags & 0x8000_0000 != 0));
                cx.add(&NA_FLAG_S, f::REST, Value::Bool(flags & 0x4000_0000 != 0));
                cx.add(&NA_FLAG_O, f::REST, Value::Bool(flags & 0x2000_0000 != 0));
                cx.add(&NA_FLAG_RSV, f::REST, Value::U64(flags & 0x1fff_ffff));
                cx.pop();
                if cx.need(f::TARGET.end, "neighbor advertisement") {
                    let target = array(data, f::TARGET.start);
                    cx.add(&NA_TARGET, f::TARGET, Value::Ipv6(target));
                    handoff = add_nd_options(cx, data, f::TARGET.end);
                }
            }
            kind::REDIRECT => {
                cx.add(&RESERVED, f::REST, Value::Bytes);
                if cx.need(f::REDIRECT_DST.end, "redirect") {
                    let target = array(data, f::TARGET.start);
                    let destination = array(data, f::REDIRECT_DST.start);
                    cx.add(&RD_TARGET, f::TARGET, Value::Ipv6(target));
                    cx.add(&RD_DESTINATION, f::REDIRECT_DST, Value::Ipv6(destination));
                    handoff = add_nd_options(cx, data, f::REDIRECT_DST.end);
                }
            }
            kind::NODE_INFO_QUERY | kind::NODE_INFO_REPLY if cx.wants_tree() => {
                add_node_info(cx, data);
            }
            kind::HA_DISCOVERY_REQUEST | kind::MOBILE_PREFIX_SOLICIT => {
                cx.add(&MIP6_ID, 4..6, Value::U64(be16(data, 4).into()));
                cx.add(&RESERVED, 6..8, Value::Bytes);
            }
            kind::HA_DISCOVERY_REPLY => {
                cx.add(&MIP6_ID, 4..6, Value::U64(be16(data, 4).into()));
                cx.add(&RESERVED, 6..8, Value::Bytes);
                let mut at = 8;
                while at + 16 <= data.len() && at + 16 <= reported {
                    cx.add(&MIP6_HA_ADDRESS, at..at + 16, Value::Ipv6(array(data, at)));
                    at += 16;
                }
            }
            kind::MOBILE_PREFIX_ADVERT => {
                cx.add(&MIP6_ID, 4..6, Value::U64(be16(data, 4).into()));
                if data.len() >= 8 {
                    let flags = u64::from(be16(data, 6));
                    cx.push(&MIP6_FLAG, 6..8, Value::U64(flags));
                    cx.add(&MIP6_FLAG_M, 6..8, Value::Bool(flags & 0x8000 != 0));
                    cx.add(&MIP6_FLAG_O, 6..8, Value::Bool(flags & 0x4000 != 0));
                    cx.add(&MIP6_FLAG_RSV, 6..8, Value::U64(flags & 0x3fff));
                    cx.pop();
                    handoff = add_nd_options(cx, data, 8);
                }
            }
            kind::EXT_ECHO_REQUEST | kind::EXT_ECHO_REPLY => {
                let request = icmp_type == kind::EXT_ECHO_REQUEST;
                add_extended_echo(cx, data, request);
                // The interface to probe, as an ICMP extension structure.
                if request && cx.wants_tree() {
                    crate::icmp::v4::add_extensions(cx, data, 8);
                }
            }
            _ => {}
        }
        if is_error(icmp_type) {
            return Handoff::to(
                Next::Named("ipv6"),
                QUOTE_OFFSET,
                reported.saturating_sub(QUOTE_OFFSET),
            );
        }
        if let Some((start, len)) = handoff {
            return Handoff::to(Next::Named("ipv6"), start, len);
        }
        Handoff::done(data.len())
    }

    fn render(&self, r: &mut Render<'_>) -> fmt::Result {
        let bytes = r.bytes();
        let length = crate::ip::ip_payload_len(r);
        match render_tcpdump(r, bytes, length) {
            Ok(()) => Ok(()),
            Err(Stop::Cut) => r.write_str(" [|icmp6]"),
            Err(Stop::Fmt) => Err(fmt::Error),
        }
    }

    fn title(&self, r: &mut Render<'_>) -> fmt::Result {
        r.write_str(self.full_name())
    }
}

fn add_mld(cx: &mut Context<'_>, data: &[u8], v2_query: bool) {
    if !cx.need(f::MLD_ADDRESS.end, "MLD message") {
        return;
    }
    let delay = Value::U64(be16(data, 4).into());
    let def = if v2_query { &MLD_CODE } else { &MLD_DELAY };
    cx.add(def, f::MLD_DELAY, delay);
    cx.add(&RESERVED, f::MLD_RESERVED, Value::Bytes);
    let group = array(data, f::MLD_ADDRESS.start);
    cx.add(&MLD_ADDRESS, f::MLD_ADDRESS, Value::Ipv6(group));
    if !v2_query || !cx.need(28, "MLDv2 query") {
        return;
    }
    let flags = byte(data, 24);
    cx.push(&MLD_FLAG, 24..25, Value::U64(flags.into()));
    cx.add(&MLD_FLAG_S, 24..25, Value::Bool(flags & 0x08 != 0));
    cx.add(&MLD_FLAG_QRV, 24..25, Value::U64((flags & 0x07).into()));
    cx.add(&MLD_FLAG_RSV, 24..25, Value::U64((flags >> 4).into()));
    cx.pop();
    cx.add(&MLD_QQI, 25..26, Value::U64(byte(data, 25).into()));
    let sources = usize::from(be16(data, 26));
    cx.add(&MLD_NB_SOURCES, 26..28, Value::U64(sources as u64));
    for i in 0..sources {
        let at = 28 + i * 16;
        if !cx.need(at + 16, "MLDv2 query source") {
            break;
        }
        cx.add(&MLD_SOURCE, at..at + 16, Value::Ipv6(array(data, at)));
    }
}

/// The multicast address records of an MLDv2 report (RFC 3810 §5.2).
fn add_mld2_records(cx: &mut Context<'_>, data: &[u8], records: u16) {
    let mut at = 8;
    for _ in 0..records {
        if !cx.need(at + 20, "MLDv2 address record") {
            return;
        }
        let aux_len = usize::from(byte(data, at + 1)) * 4;
        let sources = usize::from(be16(data, at + 2));
        let end = at + 20 + sources * 16 + aux_len;
        cx.push(&MLDR_MAR, at..end, Value::None);
        cx.add(
            &MLDR_MAR_TYPE,
            at..at + 1,
            Value::U64(byte(data, at).into()),
        );
        cx.add(
            &MLDR_MAR_AUX_LEN,
            at + 1..at + 2,
            Value::U64((aux_len / 4) as u64),
        );
        cx.add(
            &MLDR_MAR_NB_SOURCES,
            at + 2..at + 4,
            Value::U64(sources as u64),
        );
        let group = array(data, at + 4);
        cx.add(&MLDR_MAR_ADDRESS, at + 4..at + 20, Value::Ipv6(group));
        let mut src = at + 20;
        for _ in 0..sources {
            if !cx.need(src + 16, "MLDv2 record source") {
                cx.pop();
                return;
            }
            cx.add(
                &MLDR_MAR_SOURCE,
                src..src + 16,
                Value::Ipv6(array(data, src)),
            );
            src += 16;
        }
        if aux_len > 0 {
            if !cx.need(src + aux_len, "MLDv2 auxiliary data") {
                cx.pop();
                return;
            }
            cx.add(&MLDR_MAR_AUX, src..src + aux_len, Value::Bytes);
        }
        cx.pop();
        at = end;
    }
}

/// The fixed part of a router advertisement; false when it was cut.
fn add_router_advert(cx: &mut Context<'_>, data: &[u8]) -> bool {
    if !cx.need(f::RA_RETRANS.end, "router advertisement") {
        return false;
    }
    cx.add(
        &RA_HOP_LIMIT,
        f::RA_HOP_LIMIT,
        Value::U64(byte(data, 4).into()),
    );
    let flags = byte(data, f::RA_FLAGS.start);
    cx.push(&RA_FLAG, f::RA_FLAGS, Value::U64(flags.into()));
    cx.add(&RA_FLAG_M, f::RA_FLAGS, Value::Bool(flags & 0x80 != 0));
    cx.add(&RA_FLAG_O, f::RA_FLAGS, Value::Bool(flags & 0x40 != 0));
    cx.add(&RA_FLAG_H, f::RA_FLAGS, Value::Bool(flags & 0x20 != 0));
    cx.add(
        &RA_FLAG_PRF,
        f::RA_FLAGS,
        Value::U64(((flags >> 3) & 3).into()),
    );
    cx.add(&RA_FLAG_P, f::RA_FLAGS, Value::Bool(flags & 0x04 != 0));
    cx.add(&RA_FLAG_RSV, f::RA_FLAGS, Value::U64((flags & 0x03).into()));
    cx.pop();
    cx.add(
        &RA_LIFETIME,
        f::RA_LIFETIME,
        Value::U64(be16(data, 6).into()),
    );
    cx.add(
        &RA_REACHABLE,
        f::RA_REACHABLE,
        Value::U64(be32(data, 8).into()),
    );
    cx.add(
        &RA_RETRANS,
        f::RA_RETRANS,
        Value::U64(be32(data, 12).into()),
    );
    true
}

/// The Neighbor Discovery options from `start` to the end of the message,
/// each as an `icmpv6.opt` subtree. Returns the range (start, wire length)
/// of a redirected packet that ends the message, to be decoded as IPv6.
fn add_nd_options(cx: &mut Context<'_>, data: &[u8], start: usize) -> Option<(usize, usize)> {
    let reported = cx.reported_len();
    let mut at = start;
    let mut redirected = None;
    while at < reported {
        if !cx.need(at + 2, "ND option") {
            break;
        }
        let (opt_type, units) = (byte(data, at), byte(data, at + 1));
        let len = usize::from(units) * 8;
        let end = at + len.max(2);
        cx.push(&OPT, at..end, Value::None);
        cx.add(&OPT_TYPE, at..at + 1, Value::U64(opt_type.into()));
        cx.add(&OPT_LENGTH, at + 1..at + 2, Value::U64(units.into()));
        if len == 0 {
            // A zero length would loop forever (RFC 4861 §4.6: discard).
            cx.malformed(at + 1, "ND option with length 0");
            cx.pop();
            break;
        }
        if !cx.need(end, "ND option") {
            cx.pop();
            break;
        }
        let body = at + 2..end;
        match opt_type {
            nd_option::SOURCE_LINKADDR | nd_option::TARGET_LINKADDR => {
                let which = if opt_type == nd_option::SOURCE_LINKADDR {
                    &OPT_SRC_LINKADDR
                } else {
                    &OPT_TARGET_LINKADDR
                };
                if len == 8 {
                    let mac = array(data, at + 2);
                    cx.add(&OPT_LINKADDR, at + 2..at + 8, Value::Ether(mac));
                    // An Ethernet address (tshark's FT_ETHER for six bytes):
                    // printed as the same colon hex as bytes, but `-T fields`
                    // writes bytes without colons.
                    cx.add(which, at + 2..at + 8, Value::Ether(mac));
                } else {
                    cx.add(which, body, Value::Bytes);
                }
            }
            nd_option::PREFIX_INFO if len >= 32 => {
                cx.add(
                    &OPT_PREFIX_LEN,
                    at + 2..at + 3,
                    Value::U64(byte(data, at + 2).into()),
                );
                let flags = byte(data, at + 3);
                let r = at + 3..at + 4;
                cx.push(&OPT_PREFIX_FLAG, r.clone(), Value::U64(flags.into()));
                cx.add(
                    &OPT_PREFIX_FLAG_L,
                    r.clone(),
                    Value::Bool(flags & 0x80 != 0),
                );
                cx.add(
                    &OPT_PREFIX_FLAG_A,
                    r.clone(),
                    Value::Bool(flags & 0x40 != 0),
                );
                cx.add(
                    &OPT_PREFIX_FLAG_R,
                    r.clone(),
                    Value::Bool(flags & 0x20 != 0),
                );
                cx.add(&OPT_PREFIX_FLAG_RSV, r, Value::U64((flags & 0x1f).into()));
                cx.pop();
                let valid = Value::U64(be32(data, at + 4).into());
                cx.add(&OPT_PREFIX_VALID, at + 4..at + 8, valid);
                let preferred = Value::U64(be32(data, at + 8).into());
                cx.add(&OPT_PREFIX_PREFERRED, at + 8..at + 12, preferred);
                cx.add(&OPT_RESERVED, at + 12..at + 16, Value::None);
                let prefix = array(data, at + 16);
                cx.add(&OPT_PREFIX, at + 16..at + 32, Value::Ipv6(prefix));
            }
            nd_option::REDIRECTED_HEADER => {
                cx.add(&OPT_RESERVED, at + 2..at + 8, Value::None);
                cx.add(&OPT_REDIRECTED, at + 8..end, Value::None);
                // The quoted packet is decoded as nested layers when it
                // ends the message (it always does in practice).
                if end >= reported {
                    redirected = Some((at + 8, reported - (at + 8)));
                }
            }
            nd_option::MTU => {
                cx.add(&OPT_RESERVED, at + 2..at + 4, Value::None);
                cx.add(
                    &OPT_MTU,
                    at + 4..at + 8,
                    Value::U64(be32(data, at + 4).into()),
                );
            }
            nd_option::ADV_INTERVAL => {
                cx.add(&OPT_RESERVED, at + 2..at + 4, Value::None);
                let interval = Value::U64(be32(data, at + 4).into());
                cx.add(&OPT_ADV_INTERVAL, at + 4..at + 8, interval);
            }
            nd_option::HOME_AGENT_INFO => {
                cx.add(&OPT_RESERVED, at + 2..at + 4, Value::None);
                let preference = Value::U64(be16(data, at + 4).into());
                cx.add(&OPT_HA_PREFERENCE, at + 4..at + 6, preference);
                let lifetime = Value::U64(be16(data, at + 6).into());
                cx.add(&OPT_HA_LIFETIME, at + 6..at + 8, lifetime);
            }
            nd_option::NONCE => cx.add(&OPT_NONCE, body, Value::Bytes),
            nd_option::ROUTE_INFO => {
                cx.add(
                    &OPT_PREFIX_LEN,
                    at + 2..at + 3,
                    Value::U64(byte(data, at + 2).into()),
                );
                let flags = byte(data, at + 3);
                let r = at + 3..at + 4;
                cx.push(&OPT_ROUTE_FLAG, r.clone(), Value::U64(flags.into()));
                cx.add(
                    &OPT_ROUTE_PREF,
                    r.clone(),
                    Value::U64(((flags >> 3) & 3).into()),
                );
                cx.add(&OPT_ROUTE_RSV, r, Value::U64((flags & 0xe7).into()));
                cx.pop();
                let lifetime = Value::U64(be32(data, at + 4).into());
                cx.add(&OPT_ROUTE_LIFETIME, at + 4..at + 8, lifetime);
                // The prefix is cut to the option's length (0, 8 or 16 bytes).
                let mut prefix = [0u8; 16];
                let have = (len - 8).min(16);
                if let Some(bytes) = data.get(at + 8..at + 8 + have) {
                    prefix.iter_mut().zip(bytes).for_each(|(p, b)| *p = *b);
                }
                if have > 0 {
                    cx.add(&OPT_PREFIX, at + 8..at + 8 + have, Value::Ipv6(prefix));
                }
            }
            nd_option::RDNSS => {
                cx.add(&OPT_RESERVED, at + 2..at + 4, Value::None);
                let lifetime = Value::U64(be32(data, at + 4).into());
                cx.add(&OPT_RDNSS_LIFETIME, at + 4..at + 8, lifetime);
                let mut server = at + 8;
                while server + 16 <= end {
                    cx.add(
                        &OPT_RDNSS,
                        server..server + 16,
                        Value::Ipv6(array(data, server)),
                    );
                    server += 16;
                }
            }
            nd_option::DNSSL => {
                cx.add(&OPT_RESERVED, at + 2..at + 4, Value::None);
                let lifetime = Value::U64(be32(data, at + 4).into());
                cx.add(&OPT_DNSSL_LIFETIME, at + 4..at + 8, lifetime);
                add_dnssl_names(cx, data, at + 8, end);
            }
            nd_option::PREF64 if len >= 16 => {
                let word = u64::from(be16(data, at + 2));
                cx.add(&OPT_PREF64_LIFETIME, at + 2..at + 4, Value::U64(word >> 3));
                cx.add(&OPT_PREF64_PLC, at + 2..at + 4, Value::U64(word & 7));
                let mut prefix = [0u8; 16];
                prefix[..12].copy_from_slice(&array::<12>(data, at + 4));
                cx.add(&OPT_PREF64_PREFIX, at + 4..at + 16, Value::Ipv6(prefix));
            }
            _ => {}
        }
        cx.pop();
        at = end;
    }
    redirected
}

/// The domain names of a DNSSL option (RFC 8106 §5.2), uncompressed label
/// sequences, then zero padding to the option's end.
fn add_dnssl_names(cx: &mut Context<'_>, data: &[u8], start: usize, end: usize) {
    let mut at = start;
    while at < end {
        if byte(data, at) == 0 {
            cx.add(&OPT_PADDING, at..end, Value::None);
            return;
        }
        let name_start = at;
        loop {
            let Some(&len) = data.get(at).filter(|_| at < end) else {
                cx.malformed(at.min(end), "DNSSL name runs past the option");
                return;
            };
            // Compression pointers and extended labels have no place here.
            if len & 0xc0 != 0 {
                cx.malformed(at, "DNSSL name with a compressed label");
                return;
            }
            at += 1 + usize::from(len);
            if len == 0 {
                break;
            }
        }
        if at > end {
            cx.malformed(end, "DNSSL name runs past the option");
            return;
        }
        cx.add(&OPT_DNSSL, name_start..at, Value::DnsName);
    }
}

/// Node information query and reply (RFC 4620 §4-6).
fn add_node_info(cx: &mut Context<'_>, data: &[u8]) {
    const NONCE_END: usize = 16;
    if !cx.need(NONCE_END, "node information") {
        return;
    }
    let qtype = be16(data, 4);
    cx.add(&NI_QTYPE, 4..6, Value::U64(qtype.into()));
    let flags = u64::from(be16(data, 6));
    cx.push(&NI_FLAG, 6..8, Value::U64(flags));
    for (def, bit) in [
        (&NI_FLAG_G, 0x20),
        (&NI_FLAG_S, 0x10),
        (&NI_FLAG_L, 0x08),
        (&NI_FLAG_C, 0x04),
        (&NI_FLAG_A, 0x02),
        (&NI_FLAG_T, 0x01),
    ] {
        cx.add(def, 6..8, Value::Bool(flags & bit != 0));
    }
    cx.add(&NI_FLAG_RSV, 6..8, Value::U64(flags & 0xffc0));
    cx.pop();
    let nonce = u64::from_be_bytes(array(data, 8));
    cx.add(&NI_NONCE, 8..16, Value::U64(nonce));
    let end = data.len().min(cx.reported_len());
    let code = byte(data, 1);
    if byte(data, 0) == kind::NODE_INFO_QUERY {
        match code {
            0 if end >= NONCE_END + 16 => {
                let subject = array(data, NONCE_END);
                cx.add(
                    &NI_SUBJECT_IPV6,
                    NONCE_END..NONCE_END + 16,
                    Value::Ipv6(subject),
                );
            }
            2 if end >= NONCE_END + 4 => {
                let subject = array(data, NONCE_END);
                cx.add(
                    &NI_SUBJECT_IPV4,
                    NONCE_END..NONCE_END + 4,
                    Value::Ipv4(subject),
                );
            }
            _ => {}
        }
        return;
    }
    if code != 0 {
        return;
    }
    // Successful replies: TTL and address pairs.
    let mut at = NONCE_END;
    match qtype {
        3 => {
            while at + 20 <= end {
                cx.add(&NI_NODE_TTL, at..at + 4, Value::U64(be32(data, at).into()));
                let address = array(data, at + 4);
                cx.add(&NI_NODE_ADDRESS, at + 4..at + 20, Value::Ipv6(address));
                at += 20;
            }
        }
        4 => {
            while at + 8 <= end {
                cx.add(&NI_NODE_TTL, at..at + 4, Value::U64(be32(data, at).into()));
                let address = array(data, at + 4);
                cx.add(&NI_IPV4_ADDRESS, at + 4..at + 8, Value::Ipv4(address));
                at += 8;
            }
        }
        _ => {}
    }
}

/// Extended echo request and reply (RFC 8335 §2-3); the interface
/// identification object after the header is left as data.
fn add_extended_echo(cx: &mut Context<'_>, data: &[u8], request: bool) {
    if !cx.need(8, "extended echo") {
        return;
    }
    cx.add(&ECHO_ID, f::ECHO_ID, Value::U64(be16(data, 4).into()));
    crate::icmp::v4::add_extended_echo(cx, data, request, &EXT_ECHO);
}

/// tcpdump's name for an RPL mode of operation (`mop5` when unnamed),
/// printed without allocating.
enum MopName {
    Known(&'static str),
    Other(u8),
}

impl fmt::Display for MopName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MopName::Known(name) => f.write_str(name),
            MopName::Other(m) => write!(f, "mop{m}"),
        }
    }
}

/// ICMPv6's names for the extended echo fields (the layout is ICMP's).
static EXT_ECHO: crate::icmp::v4::ExtEchoFields = crate::icmp::v4::ExtEchoFields {
    seq: &EXT_ECHO_SEQ,
    req_res: &EXT_ECHO_REQ_RES,
    req_local: &EXT_ECHO_REQ_LOCAL,
    rsp_state: &EXT_ECHO_RSP_STATE,
    rsp_res: &EXT_ECHO_RSP_RES,
    rsp_active: &EXT_ECHO_RSP_ACTIVE,
    rsp_ipv4: &EXT_ECHO_RSP_IPV4,
    rsp_ipv6: &EXT_ECHO_RSP_IPV6,
};

// ---------------------------------------------------------------- tcpdump text

/// Why tcpdump's printer stopped.
enum Stop {
    /// A byte it reads was not captured: ` [|icmp6]`.
    Cut,
    Fmt,
}

impl From<fmt::Error> for Stop {
    fn from(_: fmt::Error) -> Stop {
        Stop::Fmt
    }
}

/// Bounds-checked reads that stop the printer like tcpdump's GET_ macros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&self, at: usize) -> Result<u8, Stop> {
        self.0.get(at).copied().ok_or(Stop::Cut)
    }
    fn u16(&self, at: usize) -> Result<u16, Stop> {
        self.need(at + 2)?;
        Ok(be16(self.0, at))
    }
    fn u32(&self, at: usize) -> Result<u32, Stop> {
        self.need(at + 4)?;
        Ok(be32(self.0, at))
    }
    fn ipv6(&self, at: usize) -> Result<Ipv6Text, Stop> {
        self.need(at + 16)?;
        Ok(Ipv6Text(array::<16>(self.0, at)))
    }
    fn ipv4(&self, at: usize) -> Result<Ipv4Addr, Stop> {
        self.need(at + 4)?;
        Ok(Ipv4Addr::from(array::<4>(self.0, at)))
    }
    fn need(&self, end: usize) -> Result<(), Stop> {
        if end <= self.0.len() {
            Ok(())
        } else {
            Err(Stop::Cut)
        }
    }
}

/// tcpdump's names (`icmp6_type_values`; the first of two entries wins).
fn tcpdump_type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        kind::DST_UNREACH => "destination unreachable",
        kind::PACKET_TOO_BIG => "packet too big",
        kind::TIME_EXCEEDED => "time exceeded in-transit",
        kind::PARAM_PROBLEM => "parameter problem",
        kind::ECHO_REQUEST => "echo request",
        kind::ECHO_REPLY => "echo reply",
        kind::MLD_QUERY => "multicast listener query",
        kind::MLD_REPORT => "multicast listener report",
        kind::MLD_DONE => "multicast listener done",
        kind::ROUTER_SOLICIT => "router solicitation",
        kind::ROUTER_ADVERT => "router advertisement",
        kind::NEIGHBOR_SOLICIT => "neighbor solicitation",
        kind::NEIGHBOR_ADVERT => "neighbor advertisement",
        kind::REDIRECT => "redirect",
        kind::ROUTER_RENUMBERING => "router renumbering",
        kind::INV_NEIGHBOR_SOLICIT => "inverse neighbor solicitation",
        kind::INV_NEIGHBOR_ADVERT => "inverse neighbor advertisement",
        kind::MLD2_REPORT => "multicast listener report v2",
        kind::HA_DISCOVERY_REQUEST => "ha discovery request",
        kind::HA_DISCOVERY_REPLY => "ha discovery reply",
        kind::MOBILE_PREFIX_SOLICIT => "mobile router solicitation",
        kind::MOBILE_PREFIX_ADVERT => "mobile router advertisement",
        kind::NODE_INFO_QUERY => "who-are-you request",
        kind::NODE_INFO_REPLY => "who-are-you reply",
        200 => "mtrace response",
        201 => "mtrace message",
        kind::RPL => "RPL",
        _ => return None,
    })
}

/// tcpdump's `icmp6_print` at any `-v` level: the text after `IP6 a > b: `.
fn render_tcpdump(r: &mut Render<'_>, data: &[u8], length: u32) -> Result<(), Stop> {
    let v = r.options.verbose;
    let d = Bytes(data);
    if length == 0 {
        r.write_str("ICMP6, length 0 (invalid)")?;
        return Ok(());
    }
    if v > 0 {
        write_checksum(r, data)?;
    }
    let icmp_type = d.u8(0)?;
    match tcpdump_type_name(icmp_type) {
        Some(name) => {
            r.text("ICMP6, ");
            r.text(name);
        }
        None => write!(r, "ICMP6, unknown icmp6 type ({icmp_type})")?,
    }
    // tcpdump prints the length early for the messages whose -v text
    // runs on over several lines.
    let length_first = matches!(
        icmp_type,
        kind::ROUTER_SOLICIT
            | kind::ROUTER_ADVERT
            | kind::NEIGHBOR_ADVERT
            | kind::NEIGHBOR_SOLICIT
            | kind::REDIRECT
            | kind::HA_DISCOVERY_REPLY
            | kind::MOBILE_PREFIX_ADVERT
    );
    if v > 0 && length_first {
        r.text(", length ");
        r.number(length);
    }
    let code = d.u8(1)?;
    let quoted_dst = QUOTE_OFFSET + 24;
    match icmp_type {
        kind::DST_UNREACH => {
            let code_text = match code {
                0 => "unreachable route",
                1 => " unreachable prohibited",
                2 => "beyond scope",
                3 => "unreachable address",
                4 => "unreachable port",
                _ => "",
            };
            if code_text.is_empty() {
                write!(r, ", unknown unreach code ({code})")?;
            } else {
                write!(r, ", {code_text}")?;
            }
            match code {
                0 | 1 | 3 => write!(r, " {}", d.ipv6(quoted_dst)?)?,
                2 => write!(
                    r,
                    " {}, source address {}",
                    d.ipv6(quoted_dst)?,
                    d.ipv6(QUOTE_OFFSET + 8)?
                )?,
                4 => {
                    let (proto, at) = upper_layer(data).ok_or(Stop::Cut)?;
                    let dport = d.u16(at + 2)?;
                    let dst = d.ipv6(quoted_dst)?;
                    match proto {
                        6 => write!(r, ", {dst} tcp port {dport}")?,
                        17 => write!(r, ", {dst} udp port {dport}")?,
                        _ => write!(r, ", {dst} protocol {proto} port {dport} unreachable")?,
                    }
                }
                _ if v <= 1 => return hex_dump(r, "\n\t", shown(data, 0, length as usize)),
                _ => {}
            }
        }
        kind::PACKET_TOO_BIG => write!(r, ", mtu {}", d.u32(4)?)?,
        kind::TIME_EXCEEDED => match code {
            0 => write!(r, " for {}", d.ipv6(quoted_dst)?)?,
            1 => r.write_str(" (reassembly)")?,
            _ => write!(r, ", unknown code ({code})")?,
        },
        kind::PARAM_PROBLEM => {
            d.need(quoted_dst + 16)?;
            let what = match code {
                0 => "erroneous",
                1 => "next header",
                2 => "option",
                3 => "incomplete header chain",
                _ => "",
            };
            if what.is_empty() {
                write!(r, ", code-#{code}")?;
            } else {
                write!(r, ", {what} - octet {}", d.u32(4)?)?;
            }
        }
        kind::ECHO_REQUEST | kind::ECHO_REPLY => {
            let (id, seq) = (d.u16(4)?, d.u16(6)?);
            r.text(", id ");
            r.number(id);
            r.text(", seq ");
            r.number(seq);
        }
        kind::MLD_QUERY => {
            if length == 24 {
                write_mld(r, &d)?;
            } else if length >= 28 {
                r.write_str(" v2")?;
                write_mld2_query(r, &d, length, v)?;
            } else {
                write!(r, " unknown-version (len {length}) ")?;
            }
        }
        kind::MLD_REPORT | kind::MLD_DONE => write_mld(r, &d)?,
        kind::ROUTER_SOLICIT => {
            if v > 0 {
                write_nd_options(r, &d, 8, length, v)?;
            }
        }
        kind::ROUTER_ADVERT => {
            if v > 0 {
                let (hop_limit, flags) = (d.u8(4)?, d.u8(5)?);
                let (lifetime, reachable, retrans) = (d.u16(6)?, d.u32(8)?, d.u32(12)?);
                write!(r, "\n\thop limit {hop_limit}, Flags [")?;
                write_flag_names(
                    r,
                    flags.into(),
                    &[
                        (0x80, "managed"),
                        (0x40, "other stateful"),
                        (0x20, "home agent"),
                    ],
                )?;
                write!(
                    r,
                    "], pref {}, router lifetime {lifetime}s, reachable time {reachable}ms, retrans timer {retrans}ms",
                    router_preference(flags)
                )?;
                write_nd_options(r, &d, 16, length, v)?;
            }
        }
        kind::NEIGHBOR_SOLICIT => {
            write!(r, ", who has {}", d.ipv6(8)?)?;
            if v > 0 {
                write_nd_options(r, &d, 24, length, v)?;
            }
        }
        kind::NEIGHBOR_ADVERT => {
            write!(r, ", tgt is {}", d.ipv6(8)?)?;
            if v > 0 {
                let flags = d.u32(4)?;
                r.write_str(", Flags [")?;
                write_flag_names(
                    r,
                    flags,
                    &[
                        (0x8000_0000, "router"),
                        (0x4000_0000, "solicited"),
                        (0x2000_0000, "override"),
                    ],
                )?;
                r.write_char(']')?;
                write_nd_options(r, &d, 24, length, v)?;
            }
        }
        kind::REDIRECT => {
            write!(r, ", {}", d.ipv6(24)?)?;
            write!(r, " to {}", d.ipv6(8)?)?;
            if v > 0 {
                write_nd_options(r, &d, 40, length, v)?;
            }
        }
        kind::ROUTER_RENUMBERING => {
            d.need(16)?;
            match code {
                0 => r.write_str(", command")?,
                1 => r.write_str(", result")?,
                255 => r.write_str(", sequence number reset")?,
                _ => write!(r, ", code-#{code}")?,
            }
            write!(r, ", seq={}", d.u32(4)?)?;
        }
        kind::NODE_INFO_QUERY | kind::NODE_INFO_REPLY => {
            // tcpdump's node information printer marks a cut itself and
            // still ends the line as usual.
            match write_node_info(r, &d, length, v) {
                Err(Stop::Cut) => r.write_str(" [|icmp6]")?,
                Err(Stop::Fmt) => return Err(Stop::Fmt),
                Ok(()) => {}
            }
        }
        kind::MLD2_REPORT => write_mld2_report(r, &d, length, v)?,
        kind::HA_DISCOVERY_REQUEST | kind::MOBILE_PREFIX_SOLICIT => {
            write!(r, ", id 0x{:04x}", d.u16(4)?)?;
        }
        kind::HA_DISCOVERY_REPLY => {
            if v > 0 {
                write!(r, ", id 0x{:04x}", d.u16(4)?)?;
                let end = (length as usize).min(data.len());
                let mut at = 8;
                while at < end {
                    write!(r, ", {}", d.ipv6(at)?)?;
                    at += 16;
                }
            }
        }
        kind::MOBILE_PREFIX_ADVERT => {
            if v > 0 {
                write!(r, ", id 0x{:04x}", d.u16(4)?)?;
                let flags = d.u16(6)?;
                if flags & 0xc000 != 0 {
                    r.write_char(' ')?;
                }
                if flags & 0x8000 != 0 {
                    r.write_char('M')?;
                }
                if flags & 0x4000 != 0 {
                    r.write_char('O')?;
                }
                write_nd_options(r, &d, 8, length, v)?;
            }
        }
        kind::RPL => write_rpl(r, &d, code, length, v)?,
        kind::INV_NEIGHBOR_SOLICIT | kind::INV_NEIGHBOR_ADVERT => {}
        _ => {
            write!(r, ", length {length}")?;
            if v <= 1 {
                return hex_dump(r, "\n\t", shown(data, 0, length as usize));
            }
            return Ok(());
        }
    }
    if v == 0 {
        r.text(", length ");
        r.number(length);
    }
    Ok(())
}

/// `[icmp6 sum ok] ` or `[bad icmp6 cksum 0x.. -> 0x..!] ` when the message
/// could be checked (the tree's checksum status says whether it could).
fn write_checksum(r: &mut Render<'_>, data: &[u8]) -> fmt::Result {
    match r.u64(&CHECKSUM_STATUS) {
        Some(1) => r.write_str("[icmp6 sum ok] "),
        Some(0) => {
            let field = be16(data, 2);
            let residue = pseudo_header_addresses(r)
                .map(|addrs| addr::transport_checksum(&addrs, 58, data))
                .unwrap_or(0);
            let right = addr::expected_checksum(field, residue);
            write!(r, "[bad icmp6 cksum 0x{field:04x} -> 0x{right:04x}!] ")
        }
        _ => Ok(()),
    }
}

/// The checksum pseudo-header addresses of the IPv6 layer before this one,
/// from its header bytes (the final destination of a routing header).
fn pseudo_header_addresses(r: &Render<'_>) -> Option<NetAddrs> {
    let ip = r
        .packet
        .layers
        .get(..r.index)?
        .iter()
        .rev()
        .find(|l| l.name == "ipv6")?;
    let start = ip.offset as usize;
    let header = r.packet.data.get(start..start + ip.header_len as usize)?;
    if header.len() < 40 {
        return None;
    }
    let dst = addr::routing_final_destination(header).unwrap_or(array(header, 24));
    Some(NetAddrs {
        v6: true,
        src: array(header, 8),
        dst,
    })
}

/// tcpdump's `bittok2str`: the names of the set bits joined by `, `, or `none`.
fn write_flag_names(r: &mut Render<'_>, value: u32, names: &[(u32, &str)]) -> fmt::Result {
    let mut sep = "";
    for &(bit, name) in names {
        if value & bit != 0 {
            r.write_str(sep)?;
            r.write_str(name)?;
            sep = ", ";
        }
    }
    if sep.is_empty() {
        r.write_str("none")?;
    }
    Ok(())
}

/// tcpdump's `get_rtpref`: the two preference bits of RFC 4191.
fn router_preference(flags: u8) -> &'static str {
    match (flags >> 3) & 3 {
        0 => "medium",
        1 => "high",
        2 => "rsv",
        _ => "low",
    }
}

/// tcpdump's `get_lifetime`: all ones is `infinity`.
fn write_lifetime(r: &mut Render<'_>, lifetime: u32) -> fmt::Result {
    if lifetime == u32::MAX {
        r.write_str("infinity")
    } else {
        write!(r, "{lifetime}s")
    }
}

/// tcpdump's name of an ND option (`icmp6_opt_values`).
fn tcpdump_option_name(t: u8) -> &'static str {
    match t {
        nd_option::SOURCE_LINKADDR => "source link-address",
        nd_option::TARGET_LINKADDR => "destination link-address",
        nd_option::PREFIX_INFO => "prefix info",
        nd_option::REDIRECTED_HEADER => "redirected header",
        nd_option::MTU => "mtu",
        nd_option::RDNSS => "rdnss",
        nd_option::DNSSL => "dnssl",
        nd_option::ADV_INTERVAL => "advertisement interval",
        nd_option::HOME_AGENT_INFO => "homeagent information",
        nd_option::ROUTE_INFO => "route info",
        _ => "unknown",
    }
}

/// The captured bytes of `data[start..start + len]` (tcpdump's
/// `print_unknown_data` clips a dump to what was captured).
fn shown(data: &[u8], start: usize, len: usize) -> &[u8] {
    let end = start.saturating_add(len).min(data.len());
    data.get(start..end).unwrap_or(&[])
}

/// tcpdump's `icmp6_opt_print`: the options from `start` (of a message of
/// `length` bytes), one `\n\t  ` line each; a cut or zero-length option
/// ends the packet with ` [|icmp6]`.
fn write_nd_options(
    r: &mut Render<'_>,
    d: &Bytes<'_>,
    start: usize,
    length: u32,
    v: u8,
) -> Result<(), Stop> {
    let data = d.0;
    let mut resid = i64::from(length) - start as i64;
    let mut cp = start;
    while cp < data.len() {
        d.need(cp + 2)?;
        if resid <= 0 {
            return Ok(());
        }
        let (opt_type, units) = (d.u8(cp)?, d.u8(cp + 1)?);
        let len = usize::from(units) * 8;
        if len == 0 || cp + len > data.len() {
            return Err(Stop::Cut);
        }
        write!(
            r,
            "\n\t  {} option ({opt_type}), length {len} ({units}): ",
            tcpdump_option_name(opt_type)
        )?;
        match opt_type {
            nd_option::SOURCE_LINKADDR | nd_option::TARGET_LINKADDR => {
                for (i, b) in shown(data, cp + 2, len - 2).iter().enumerate() {
                    if i > 0 {
                        r.write_char(':')?;
                    }
                    write!(r, "{b:02x}")?;
                }
            }
            nd_option::PREFIX_INFO => {
                let prefix = d.ipv6(cp + 16)?;
                let (prefix_len, flags) = (d.u8(cp + 2)?, d.u8(cp + 3)?);
                let (valid, preferred) = (d.u32(cp + 4)?, d.u32(cp + 8)?);
                let badlen = if units != 4 { "badlen" } else { "" };
                write!(r, "{prefix}/{prefix_len}{badlen}, Flags [")?;
                write_flag_names(
                    r,
                    flags.into(),
                    &[(0x80, "onlink"), (0x40, "auto"), (0x20, "router")],
                )?;
                r.write_str("], valid time ")?;
                write_lifetime(r, valid)?;
                r.write_str(", pref. time ")?;
                write_lifetime(r, preferred)?;
            }
            nd_option::REDIRECTED_HEADER => {
                // tcpdump dumps from the first option, not this one.
                hex_dump(r, "\n\t    ", shown(data, start, len))?;
            }
            nd_option::MTU => {
                let bad = if units != 1 { "bad option length" } else { "" };
                write!(r, " {}{bad}", d.u32(cp + 4)?)?;
            }
            nd_option::RDNSS => {
                write!(r, " lifetime {}s,", d.u32(cp + 4)?)?;
                for i in 0..(usize::from(units).saturating_sub(1)) / 2 {
                    write!(r, " addr: {}", d.ipv6(cp + 8 + i * 16)?)?;
                }
            }
            nd_option::DNSSL => {
                write!(r, " lifetime {}s, domain(s):", d.u32(cp + 4)?)?;
                let mut name = cp + 8;
                while name < cp + len && d.u8(name)? != 0 {
                    r.write_char(' ')?;
                    name = write_fqdn(r, d, name, start)?.ok_or(Stop::Cut)?;
                }
            }
            nd_option::ADV_INTERVAL => write!(r, " {}ms", d.u32(cp + 4)?)?,
            nd_option::HOME_AGENT_INFO => {
                let (preference, lifetime) = (d.u16(cp + 4)?, d.u16(cp + 6)?);
                write!(r, " preference {preference}, lifetime {lifetime}")?;
            }
            nd_option::ROUTE_INFO => {
                d.need(cp + 8)?;
                let mut prefix = [0u8; 16];
                match units {
                    1 => {}
                    2 => {
                        d.need(cp + 16)?;
                        prefix[..8].copy_from_slice(&array::<8>(data, cp + 8));
                    }
                    3 => prefix = d.ipv6(cp + 8)?.0,
                    _ => return Err(Stop::Cut),
                }
                write!(r, " {}/{}", Ipv6Text(prefix), d.u8(cp + 2)?)?;
                write!(r, ", pref={}", router_preference(d.u8(cp + 3)?))?;
                r.write_str(", lifetime=")?;
                write_lifetime(r, d.u32(cp + 4)?)?;
            }
            _ => {
                if v <= 1 {
                    return hex_dump(r, "\n\t  ", shown(data, cp + 2, len - 2));
                }
            }
        }
        if v > 1 {
            hex_dump(r, "\n\t    ", shown(data, cp + 2, len - 2))?;
        }
        cp += len;
        resid -= len as i64;
    }
    Ok(())
}

/// tcpdump's `fqdn_print` for a DNSSL name at `at`: dotted labels with a
/// final dot, compression pointers followed backwards from `base`. Returns
/// where the name ends, or `None` where tcpdump gives up (bad pointer).
fn write_fqdn(
    r: &mut Render<'_>,
    d: &Bytes<'_>,
    at: usize,
    base: usize,
) -> Result<Option<usize>, Stop> {
    const POINTER: u8 = 0xc0;
    let Some(mut label) = d.0.get(at).copied() else {
        return Ok(None);
    };
    let mut max_offset = at - base;
    let mut cp = at + 1;
    let mut compressed = false;
    let mut end = cp + usize::from(label);
    if label == 0 {
        r.write_char('.')?;
        return Ok(Some(end));
    }
    while label != 0 && cp < d.0.len() {
        if label & POINTER == POINTER {
            if !compressed {
                end = cp + 1;
                compressed = true;
            }
            let Some(low) = d.0.get(cp).copied() else {
                return Ok(None);
            };
            let offset = usize::from(u16::from_be_bytes([label, low]) & 0x3fff);
            if offset >= max_offset {
                r.write_str("<BAD PTR>")?;
                return Ok(None);
            }
            max_offset = offset;
            cp = base + offset;
            let Some(next) = d.0.get(cp).copied() else {
                return Ok(None);
            };
            label = next;
            cp += 1;
            continue;
        }
        if label & POINTER != 0 {
            // Extended label types (RFC 6891 §5): tcpdump prints only bit labels.
            write!(r, "<ELT {}>", label & 0x3f)?;
            return Ok(None);
        }
        let len = usize::from(label);
        for i in cp..cp + len {
            let Some(&c) = d.0.get(i) else {
                return Ok(None);
            };
            write_char(r, c)?;
        }
        cp += len;
        r.write_char('.')?;
        let Some(next) = d.0.get(cp).copied() else {
            return Ok(None);
        };
        label = next;
        cp += 1;
        if !compressed && label & POINTER != POINTER {
            end += usize::from(label) + 1;
        } else if !compressed {
            end += 1;
        }
    }
    Ok(Some(end))
}

/// tcpdump's `mldv2_query_print`, after ` v2`.
fn write_mld2_query(r: &mut Render<'_>, d: &Bytes<'_>, length: u32, v: u8) -> Result<(), Stop> {
    let code = u32::from(d.u16(4)?);
    if v > 0 {
        let delay = if code < 32768 {
            code
        } else {
            ((code & 0x0fff) | 0x1000) << (((code & 0x7000) >> 12) + 3)
        };
        write!(r, " [max resp delay={delay}]")?;
    }
    write!(r, " [gaddr {}", d.ipv6(8)?)?;
    if v > 0 {
        let (flags, qqic) = (d.u8(24)?, d.u8(25)?);
        if flags & 0x08 != 0 {
            r.write_str(" sflag")?;
        }
        if flags & 0x07 != 0 {
            write!(r, " robustness={}", flags & 0x07)?;
        }
        let qqic = u32::from(qqic);
        let qqi = if qqic < 128 {
            qqic
        } else {
            ((qqic & 0x0f) | 0x10) << (((qqic & 0x70) >> 4) + 3)
        };
        write!(r, " qqi={qqi}")?;
    }
    let sources = u32::from(d.u16(26)?);
    if sources > 0 {
        if length < 28 + sources * 16 {
            r.write_str(" [invalid number of sources]")?;
        } else if v > 1 {
            r.write_str(" {")?;
            for i in 0..sources as usize {
                write!(r, " {}", d.ipv6(28 + i * 16)?)?;
            }
            r.write_str(" }")?;
        } else {
            write!(r, ", {sources} source(s)")?;
        }
    }
    r.write_char(']')?;
    Ok(())
}

/// tcpdump's `mldv2_report_print`: the record count, and with `-v` each
/// record (`-vv` lists the sources).
fn write_mld2_report(r: &mut Render<'_>, d: &Bytes<'_>, length: u32, v: u8) -> Result<(), Stop> {
    if length < 8 {
        write!(r, " [invalid len {length}]")?;
        return Ok(());
    }
    let groups = d.u16(6)?;
    write!(r, ", {groups} group record(s)")?;
    if v == 0 {
        return Ok(());
    }
    let length = length as usize;
    let mut group = 8;
    for _ in 0..groups {
        if length < group + 20 {
            r.write_str(" [invalid number of groups]")?;
            return Ok(());
        }
        write!(r, " [gaddr {}", d.ipv6(group + 4)?)?;
        let record_type = d.u8(group)?;
        match mld2_record_name(record_type) {
            Some(name) => write!(r, " {name}")?,
            None => write!(r, "  [v2-report-#{record_type}]")?,
        }
        let sources = usize::from(d.u16(group + 2)?);
        if length < group + 20 + sources * 16 {
            write!(r, " [invalid number of sources {sources}]")?;
            return Ok(());
        }
        if v == 1 {
            write!(r, ", {sources} source(s)")?;
        } else {
            r.write_str(" {")?;
            for j in 0..sources {
                write!(r, " {}", d.ipv6(group + 20 + j * 16)?)?;
            }
            r.write_str(" }")?;
        }
        group += 20 + sources * 16;
        r.write_char(']')?;
    }
    Ok(())
}

/// tcpdump's `mldv2report2str`.
fn mld2_record_name(t: u8) -> Option<&'static str> {
    Some(match t {
        1 => "is_in",
        2 => "is_ex",
        3 => "to_in",
        4 => "to_ex",
        5 => "allow",
        6 => "block",
        _ => return None,
    })
}

/// tcpdump's `rpl_print`: the RPL control message name and, with `-v`,
/// its fixed part (`-vv` adds the options, `-vvv` their bytes).
fn write_rpl(r: &mut Render<'_>, d: &Bytes<'_>, code: u8, length: u32, v: u8) -> Result<(), Stop> {
    if code & 0x80 != 0 {
        r.write_str(", (SEC) [worktodo]")?;
        return Ok(());
    }
    r.write_str(", (CLR)")?;
    // The message body starts after type, code and checksum.
    const BODY: usize = 4;
    let body_len = (length as usize).saturating_sub(BODY);
    match code & 0x7f {
        0 => r.write_str("DODAG Information Solicitation")?,
        1 => {
            r.write_str("DODAG Information Object")?;
            if v > 0 {
                const DIO_LEN: usize = 24;
                let mop_prf = d.u8(BODY + 4)?;
                let mop = match (mop_prf >> 3) & 7 {
                    0 => MopName::Known("nonstoring"),
                    1 => MopName::Known("storing"),
                    2 => MopName::Known("nonstoring-multicast"),
                    3 => MopName::Known("storing-multicast"),
                    m => MopName::Other(m),
                };
                write!(
                    r,
                    " [dagid:{},seq:{},instance:{},rank:{},{}mop:{mop},prf:{}]",
                    d.ipv6(BODY + 8)?,
                    d.u8(BODY + 5)?,
                    d.u8(BODY)?,
                    d.u16(BODY + 2)?,
                    if mop_prf & 0x80 != 0 { "grounded," } else { "" },
                    mop_prf & 7
                )?;
                if v > 1 {
                    write_rpl_options(r, d, BODY + DIO_LEN, body_len.saturating_sub(DIO_LEN), v)?;
                }
            }
        }
        2 => {
            r.write_str("Destination Advertisement Object")?;
            if v > 0 {
                const DAO_MIN_LEN: usize = 4;
                d.need(BODY + DAO_MIN_LEN)?;
                if body_len < DAO_MIN_LEN {
                    r.write_str(" [|length too short]")?;
                    return Ok(());
                }
                let flags = d.u8(BODY + 1)?;
                let mut at = BODY + DAO_MIN_LEN;
                let mut dagid = None;
                if flags & 0x40 != 0 {
                    if body_len < DAO_MIN_LEN + 16 {
                        d.need(at + 16)?;
                        r.write_str(" [|length too short]")?;
                        return Ok(());
                    }
                    dagid = Some(d.ipv6(at)?);
                    at += 16;
                }
                r.write_str(" [dagid:")?;
                match dagid {
                    Some(id) => write!(r, "{id}")?,
                    None => r.write_str("<elided>")?,
                }
                write!(
                    r,
                    ",seq:{},instance:{}{}{},{flags:02x}]",
                    d.u8(BODY + 3)?,
                    d.u8(BODY)?,
                    if flags & 0x80 != 0 { ",acK" } else { "" },
                    if flags & 0x40 != 0 { ",Dagid" } else { "" },
                )?;
                if v > 1 {
                    write_rpl_options(r, d, at, (BODY + body_len).saturating_sub(at), v)?;
                }
            }
        }
        3 => {
            r.write_str("Destination Advertisement Object Ack")?;
            if v > 0 {
                const ACK_MIN_LEN: usize = 4;
                d.need(BODY + ACK_MIN_LEN)?;
                if body_len < ACK_MIN_LEN {
                    r.write_str(" [|dao-length too short]")?;
                    return Ok(());
                }
                let mut at = BODY + ACK_MIN_LEN;
                let mut dagid = None;
                if d.u8(BODY + 1)? & 0x80 != 0 {
                    d.need(at + 16)?;
                    if body_len < ACK_MIN_LEN + 16 {
                        r.write_str(" [|dao-length too short]")?;
                        return Ok(());
                    }
                    dagid = Some(d.ipv6(at)?);
                    at += 16;
                }
                r.write_str(" [dagid:")?;
                match dagid {
                    Some(id) => write!(r, "{id}")?,
                    None => r.write_str("<elided>")?,
                }
                write!(
                    r,
                    ",seq:{},instance:{},status:{}]",
                    d.u8(BODY + 2)?,
                    d.u8(BODY)?,
                    d.u8(BODY + 3)?
                )?;
                if v > 1 {
                    write_rpl_options(r, d, at, (BODY + body_len).saturating_sub(at), v)?;
                }
            }
        }
        _ => write!(r, "RPL message, unknown code {code}")?,
    }
    Ok(())
}

/// tcpdump's `rpl_printopts`: ` opt:NAME len:N ` each (`-vvv` adds the bytes).
fn write_rpl_options(
    r: &mut Render<'_>,
    d: &Bytes<'_>,
    start: usize,
    mut length: usize,
    v: u8,
) -> Result<(), Stop> {
    let mut at = start;
    while length != 0 {
        let opt_type = d.u8(at)?;
        let optlen = if opt_type == 0 {
            r.write_str(" opt:pad1")?;
            1
        } else {
            if length < 2 {
                return Err(Stop::Cut);
            }
            let optlen = usize::from(d.u8(at + 1)?) + 2;
            let name = match opt_type {
                1 => "padN",
                2 => "metrics",
                3 => "routinginfo",
                4 => "config",
                5 => "rpltarget",
                6 => "transitinfo",
                8 => "destprefix",
                9 => "rpltargetdesc",
                _ => "",
            };
            if name.is_empty() {
                write!(r, " opt:subopt:{opt_type} len:{optlen} ")?;
            } else {
                write!(r, " opt:{name} len:{optlen} ")?;
            }
            d.need(at + optlen)?;
            if length < optlen {
                return Err(Stop::Cut);
            }
            if v > 2 {
                hex_dump(r, " ", shown(d.0, at + 2, optlen - 2))?;
            }
            optlen
        };
        at += optlen;
        length -= optlen;
    }
    Ok(())
}

/// tcpdump's `mld6_print`: nothing at all unless the whole message was captured.
fn write_mld(r: &mut Render<'_>, d: &Bytes<'_>) -> Result<(), Stop> {
    if d.need(24).is_err() {
        return Ok(());
    }
    write!(r, "max resp delay: {} addr: {}", d.u16(4)?, d.ipv6(8)?)?;
    Ok(())
}

/// tcpdump's `get_upperlayer`: walks the quoted packet's extension headers
/// to the TCP or UDP header; `None` where tcpdump gives up.
fn upper_layer(data: &[u8]) -> Option<(u8, usize)> {
    let mut next = *data.get(QUOTE_OFFSET + 6)?;
    let mut at = QUOTE_OFFSET;
    let mut header_len = 40;
    while at < data.len() {
        at += header_len;
        match next {
            6 | 17 => return (at + 4 <= data.len()).then_some((next, at)),
            0 | 60 | 43 => {
                let len = *data.get(at + 1)?;
                next = *data.get(at)?;
                header_len = (usize::from(len) + 1) << 3;
            }
            44 => {
                if at + 4 > data.len() || be16(data, at + 2) & 0xfff8 != 0 {
                    return None;
                }
                next = *data.get(at)?;
                header_len = 8;
            }
            51 => {
                let len = *data.get(at + 1)?;
                next = *data.get(at)?;
                header_len = (usize::from(len) + 2) << 2;
            }
            _ => return None,
        }
    }
    None
}

/// tcpdump's `hex_print`: 16 bytes a line as hex words, each line opened
/// with `ident` and the offset. Ends the line's text.
fn hex_dump(r: &mut Render<'_>, ident: &str, bytes: &[u8]) -> Result<(), Stop> {
    for (line, chunk) in bytes.chunks(16).enumerate() {
        write!(r, "{ident}0x{:04x}: ", line * 16)?;
        for pair in chunk.chunks(2) {
            match pair {
                [a, b] => write!(r, " {a:02x}{b:02x}")?,
                [a] => write!(r, " {a:02x}")?,
                _ => {}
            }
        }
    }
    Ok(())
}

/// Node address flags as tcpdump prints them (`[aGSLCA]`, plus T in replies).
fn write_node_address_flags(r: &mut Render<'_>, flags: u16, reply: bool) -> fmt::Result {
    r.write_str(" [")?;
    for (bit, letter) in [
        (0x40, 'a'),
        (0x20, 'G'),
        (0x10, 'S'),
        (0x08, 'L'),
        (0x04, 'C'),
        (0x02, 'A'),
    ] {
        if flags & bit != 0 {
            r.write_char(letter)?;
        }
    }
    if reply && flags & 0x01 != 0 {
        r.write_char('T')?;
    }
    r.write_char(']')
}

/// tcpdump's `icmp6_nodeinfo_print` (RFC 4620).
fn write_node_info(r: &mut Render<'_>, d: &Bytes<'_>, length: u32, v: u8) -> Result<(), Stop> {
    const NI_LEN: usize = 16;
    let siz = d.0.len();
    let qtype = |d: &Bytes<'_>| d.u16(4);
    let flags = |d: &Bytes<'_>| d.u16(6);
    if d.u8(0)? == kind::NODE_INFO_QUERY {
        if siz == 12 {
            // KAME's who-are-you.
            r.write_str(" who-are-you request")?;
            return Ok(());
        }
        r.write_str(" node information query")?;
        d.need(NI_LEN)?;
        r.write_str(" (")?;
        let qt = qtype(d)?;
        match qt {
            0 => r.write_str("noop")?,
            1 => {
                r.write_str("supported qtypes")?;
                let fl = flags(d)?;
                if fl != 0 {
                    write!(r, " [{}]", if fl & 1 != 0 { "C" } else { "" })?;
                }
            }
            2 => r.write_str("DNS name")?,
            3 => {
                r.write_str("node addresses")?;
                let fl = flags(d)?;
                if fl != 0 {
                    write_node_address_flags(r, fl, false)?;
                }
            }
            _ => r.write_str("unknown")?,
        }
        if qt == 0 || qt == 1 {
            if siz != NI_LEN && v > 0 {
                r.write_str(", invalid len")?;
            }
            r.write_char(')')?;
            return Ok(());
        }
        if siz == NI_LEN {
            r.write_str(", 03 draft)")?;
            return Ok(());
        }
        match d.u8(1)? {
            0 => {
                if siz >= NI_LEN + 16 {
                    if siz != NI_LEN + 16 {
                        if v > 0 {
                            r.write_str(", invalid subject len")?;
                        }
                    } else {
                        write!(r, ", subject={}", d.ipv6(NI_LEN)?)?;
                    }
                }
            }
            1 => {
                r.write_str(", subject=DNS name")?;
                write_dns_subject(r, d, NI_LEN, v)?;
            }
            2 => {
                if siz >= NI_LEN + 4 {
                    if siz != NI_LEN + 4 {
                        if v > 0 {
                            r.write_str(", invalid subject len")?;
                        }
                    } else {
                        write!(r, ", subject={}", d.ipv4(NI_LEN)?)?;
                    }
                }
            }
            _ => r.write_str(", unknown subject")?,
        }
        r.write_char(')')?;
        return Ok(());
    }
    // A reply.
    if length as usize > siz {
        return Err(Stop::Cut);
    }
    d.need(NI_LEN)?;
    r.write_str(" node information reply (")?;
    let code = d.u8(1)?;
    let mut needcomma = false;
    match code {
        0 if v > 0 => {
            r.write_str("success")?;
            needcomma = true;
        }
        1 | 2 => {
            r.write_str(if code == 1 { "refused" } else { "unknown" })?;
            needcomma = true;
            if siz != NI_LEN && v > 0 {
                r.write_str(", invalid length")?;
            }
        }
        _ => {}
    }
    if code != 0 {
        r.write_char(')')?;
        return Ok(());
    }
    if needcomma {
        r.write_str(", ")?;
    }
    match qtype(d)? {
        0 => {
            r.write_str("noop")?;
            if siz != NI_LEN && v > 0 {
                r.write_str(", invalid length")?;
            }
        }
        1 => {
            r.write_str("supported qtypes")?;
            let fl = flags(d)?;
            if fl != 0 {
                write!(r, " [{}]", if fl & 1 != 0 { "C" } else { "" })?;
            }
        }
        2 => {
            r.write_str("DNS name")?;
            write_dns_subject(r, d, NI_LEN + 4, v)?;
            if flags(d)? & 1 != 0 {
                write!(r, " [TTL={}]", d.u32(NI_LEN)?)?;
            }
        }
        3 => {
            r.write_str("node addresses")?;
            let mut i = NI_LEN;
            while i + 20 <= siz {
                write!(r, " {}({})", d.ipv6(i + 4)?, d.u32(i)?)?;
                i += 20;
            }
            let fl = flags(d)?;
            if fl != 0 {
                write_node_address_flags(r, fl, true)?;
            }
        }
        _ => r.write_str("unknown")?,
    }
    r.write_char(')')?;
    Ok(())
}

/// A node information DNS name: a Pascal string (draft 03) or DNS labels.
fn write_dns_subject(r: &mut Render<'_>, d: &Bytes<'_>, at: usize, v: u8) -> Result<(), Stop> {
    let end = d.0.len();
    let first = usize::from(d.u8(at)?);
    if at + 1 + first == end {
        if v > 0 {
            r.write_str(", 03 draft")?;
        }
        r.write_str(", \"")?;
        for i in at + 1..end {
            write_char(r, d.u8(i)?)?;
        }
        r.write_char('"')?;
        return Ok(());
    }
    r.write_str(", \"")?;
    let mut cp = at;
    while cp < end {
        let label = usize::from(d.u8(cp)?);
        cp += 1;
        if label == 0 {
            if cp == end {
                r.write_char('.')?;
            } else if !(cp + 1 == end && d.u8(cp)? == 0) {
                r.write_str("???")?;
            }
            break;
        }
        if label > end - cp {
            r.write_str("???")?;
            break;
        }
        for _ in 0..label {
            write_char(r, d.u8(cp)?)?;
            cp += 1;
        }
        if cp + 1 < end && d.u8(cp)? != 0 {
            r.write_char('.')?;
        }
    }
    r.write_char('"')?;
    Ok(())
}

/// tcpdump's `fn_print_char`: printable ASCII as is, others escaped.
fn write_char(r: &mut Render<'_>, c: u8) -> fmt::Result {
    let c = if c & 0x80 != 0 {
        r.write_str("M-")?;
        c & 0x7f
    } else {
        c
    };
    if c < 0x20 || c == 0x7f {
        r.write_char('^')?;
        r.write_char((c ^ 0x40) as char)
    } else {
        r.write_char(c as char)
    }
}

pub fn register(
    registry: &mut dissect_core::Registry,
) -> Result<(), dissect_core::registry::RegistryError> {
    registry.register(Table::IP_PROTO, 58, Icmpv6Dissector::default())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn view_reads_echo_and_target() {
        let echo = [128, 0, 0x12, 0x34, 0, 1, 0, 3, 0xaa];
        let icmp = Icmpv6::parse(&echo).unwrap();
        assert_eq!(icmp.icmp_type(), kind::ECHO_REQUEST);
        assert_eq!(icmp.checksum(), 0x1234);
        assert_eq!(icmp.echo(), Some((1, 3)));
        assert_eq!(icmp.nd_target(), None);
        assert!(icmp.quoted().is_none());
        let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
        ns.extend(Ipv6Addr::LOCALHOST.octets());
        let icmp = Icmpv6::parse(&ns).unwrap();
        assert_eq!(icmp.nd_target(), Some(Ipv6Addr::LOCALHOST.octets()));
        assert!(Icmpv6::parse(&[1, 2, 3]).is_err());
    }

    #[test]
    fn pseudo_header_checksum_verifies() {
        let src = Ipv6Addr::LOCALHOST.octets();
        let dst = Ipv6Addr::LOCALHOST.octets();
        let mut echo = vec![128, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3];
        let addrs = NetAddrs { v6: true, src, dst };
        let sum = addr::transport_checksum(&addrs, 58, &echo);
        echo[2..4].copy_from_slice(&sum.to_be_bytes());
        assert!(Icmpv6::parse(&echo).unwrap().checksum_ok(&src, &dst));
        echo[10] ^= 0xff;
        assert!(!Icmpv6::parse(&echo).unwrap().checksum_ok(&src, &dst));
    }

    #[test]
    fn upper_layer_walks_extension_headers() {
        let mut m = vec![1, 4, 0, 0, 0, 0, 0, 0];
        let mut ip6 = [0u8; 40];
        ip6[0] = 0x60;
        ip6[6] = 0; // hop-by-hop first
        m.extend(ip6);
        m.extend([17, 0, 0, 0, 0, 0, 0, 0]); // hop-by-hop, 8 bytes, then UDP
        m.extend([0x12, 0x34, 0x00, 0x35, 0, 8, 0, 0]);
        assert_eq!(upper_layer(&m), Some((17, 56)));
        assert_eq!(upper_layer(&m[..58]), None);
    }
}

#[cfg(test)]
mod dissector_tests {
    use crate::testkit::{ipv6, run, value};

    #[test]
    fn echo_and_neighbor_solicitation() {
        let mut echo = vec![128, 0, 0, 0, 0, 1, 0, 1];
        echo.extend([0; 56]);
        let out = run(&[(ipv6(58, &echo), None)]);
        assert_eq!(
            out[0].0,
            "IP6 fe80::1 > fe80::2: ICMP6, echo request, id 1, seq 1, length 64"
        );
        assert_eq!(value(&out[0].1, "icmpv6.echo.sequence_number"), Some(1));
        // A bad checksum is detected with the pseudo-header.
        assert_eq!(value(&out[0].1, "icmpv6.checksum.status"), Some(0));
        let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
        ns.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        ns.extend([1, 1, 2, 0, 0, 0, 0, 1]);
        let out = run(&[(ipv6(58, &ns), None)]);
        assert_eq!(
            out[0].0,
            "IP6 fe80::1 > fe80::2: ICMP6, neighbor solicitation, who has fe80::1, length 32"
        );
    }

    #[test]
    fn mld_and_cut() {
        let mut report = vec![131, 0, 0, 0, 0, 0, 0, 0];
        report.extend([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16]);
        let out = run(&[(ipv6(58, &report), None)]);
        assert!(
            out[0].0.ends_with(
                "ICMP6, multicast listener reportmax resp delay: 0 addr: ff02::16, length 24"
            ),
            "{}",
            out[0].0
        );
        let out = run(&[(ipv6(58, &report), Some(54 + 12))]);
        assert!(
            out[0]
                .0
                .ends_with("ICMP6, multicast listener report, length 24"),
            "{}",
            out[0].0
        );
        let echo = [129, 0, 0, 0, 0, 1, 0, 1];
        let out = run(&[(ipv6(58, &echo), Some(54 + 5))]);
        assert!(
            out[0].0.ends_with("ICMP6, echo reply [|icmp6]"),
            "{}",
            out[0].0
        );
    }
}

#[cfg(test)]
mod verbose_tests {
    use crate::testkit::{fix_checksum, ipv6, run_with, value, verbose};

    /// The text of every instance of a field, as the tree prints it.
    fn texts(packet: &dissect_core::Packet, abbrev: &str) -> Vec<String> {
        packet
            .fields
            .iter()
            .filter(|f| f.def.abbrev == abbrev)
            .map(|f| {
                let mut s = String::new();
                f.write_value(&packet.data, &mut s).unwrap();
                s
            })
            .collect()
    }

    fn router_advert() -> Vec<u8> {
        let mut m = vec![134, 0, 0, 0, 64, 0xc8, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0];
        m.extend([1, 1, 0x02, 0, 0, 0, 0, 1]); // source link-layer address
        m.extend([5, 1, 0, 0, 0, 0, 0x05, 0xdc]); // MTU 1500
        m.extend([3, 4, 64, 0xc0, 0, 0, 0x1c, 0x20, 0xff, 0xff, 0xff, 0xff]);
        m.extend([0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8]); // prefix 2001:db8::/64
        m.extend([0; 12]);
        m.extend([25, 3, 0, 0, 0, 0, 0x07, 0x08, 0x20, 0x01, 0x0d, 0xb8]); // RDNSS
        m.extend([0; 11]);
        m.push(0x53);
        m.extend([31, 3, 0, 0, 0, 0, 0x07, 0x08]); // DNSSL "example.com"
        m.extend(b"\x07example\x03com\x00");
        m.extend([0; 3]);
        m.extend([
            24, 2, 48, 0x08, 0, 0, 0x1c, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
        ]);
        let mut f = ipv6(58, &m);
        fix_checksum(&mut f, 58, 2);
        f
    }

    #[test]
    fn router_advert_options_text_and_tree() {
        let out = run_with(&[(router_advert(), None)], &verbose(1));
        let (line, packet) = &out[0];
        let text = line.split_once("fe80::2: ").unwrap().1;
        assert_eq!(
            text,
            "[icmp6 sum ok] ICMP6, router advertisement, length 128\n\
             \thop limit 64, Flags [managed, other stateful], pref high, router lifetime 1800s, \
             reachable time 0ms, retrans timer 0ms\n\
             \t  source link-address option (1), length 8 (1): 02:00:00:00:00:01\n\
             \t  mtu option (5), length 8 (1):  1500\n\
             \t  prefix info option (3), length 32 (4): 2001:db8::/64, Flags [onlink, auto], \
             valid time 7200s, pref. time infinity\n\
             \t  rdnss option (25), length 24 (3):  lifetime 1800s, addr: 2001:db8::53\n\
             \t  dnssl option (31), length 24 (3):  lifetime 1800s, domain(s): example.com.\n\
             \t  route info option (24), length 16 (2):  2001:db8:1::/48, pref=high, lifetime=7200s"
        );
        assert_eq!(value(packet, "icmpv6.checksum.status"), Some(1));
        assert_eq!(texts(packet, "icmpv6.opt.type").len(), 6);
        assert_eq!(
            texts(packet, "icmpv6.opt.src_linkaddr"),
            ["02:00:00:00:00:01"]
        );
        assert_eq!(value(packet, "icmpv6.opt.mtu"), Some(1500));
        assert_eq!(
            texts(packet, "icmpv6.opt.prefix"),
            ["2001:db8::", "2001:db8:1::"]
        );
        assert_eq!(value(packet, "icmpv6.opt.prefix.flag.a"), Some(1));
        assert_eq!(texts(packet, "icmpv6.opt.rdnss"), ["2001:db8::53"]);
        assert_eq!(texts(packet, "icmpv6.opt.dnssl"), ["example.com"]);
        assert_eq!(
            value(packet, "icmpv6.opt.route_info.flag.route_preference"),
            Some(1)
        );
        // -vv adds each option's bytes; the default line has none of it.
        let out = run_with(&[(router_advert(), None)], &verbose(2));
        assert!(
            out[0].0.contains("1500\n\t    0x0000:  0000 0000 05dc\n"),
            "{}",
            out[0].0
        );
        let out = run_with(&[(router_advert(), None)], &verbose(0));
        assert!(out[0]
            .0
            .ends_with("ICMP6, router advertisement, length 128"));
    }

    #[test]
    fn cut_or_zero_length_option_ends_with_marker() {
        let mut f = router_advert();
        let out = run_with(&[(f.clone(), Some(54 + 20))], &verbose(1));
        assert!(
            out[0].0.ends_with("retrans timer 0ms [|icmp6]"),
            "{}",
            out[0].0
        );
        f[54 + 17] = 0; // the first option's length
        let out = run_with(&[(f, None)], &verbose(1));
        assert!(out[0].0.starts_with("IP6 (hlim 64"), "{}", out[0].0);
        assert!(out[0].0.ends_with(" [|icmp6]"), "{}", out[0].0);
        assert_eq!(out[0].1.layer("icmpv6").unwrap().status.name(), "malformed");
    }

    #[test]
    fn mld2_report_records_and_bad_checksum() {
        let mut m = vec![143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 1];
        m.extend([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb]);
        m.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
        let mut f = ipv6(58, &m);
        fix_checksum(&mut f, 58, 2);
        let out = run_with(&[(f.clone(), None)], &verbose(1));
        assert!(
            out[0].0.ends_with(
                "[icmp6 sum ok] ICMP6, multicast listener report v2, 1 group record(s) \
                 [gaddr ff02::fb to_ex, 1 source(s)]"
            ),
            "{}",
            out[0].0
        );
        assert_eq!(value(&out[0].1, "icmpv6.mldr.mar.record_type"), Some(4));
        assert_eq!(
            texts(&out[0].1, "icmpv6.mldr.mar.source_address"),
            ["fe80::9"]
        );
        let out = run_with(&[(f.clone(), None)], &verbose(2));
        assert!(
            out[0].0.ends_with("[gaddr ff02::fb to_ex { fe80::9 }]"),
            "{}",
            out[0].0
        );
        let right = u16::from_be_bytes([f[56], f[57]]);
        f[56..58].copy_from_slice(&0x1234u16.to_be_bytes());
        let out = run_with(&[(f, None)], &verbose(1));
        let expected = format!("[bad icmp6 cksum 0x1234 -> 0x{right:04x}!] ICMP6");
        assert!(out[0].0.contains(&expected), "{}", out[0].0);
        assert_eq!(value(&out[0].1, "icmpv6.checksum.status"), Some(0));
    }

    #[test]
    fn unknown_option_is_dumped() {
        let mut m = vec![135, 0, 0, 0, 0, 0, 0, 0];
        m.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        m.extend([14, 1, 0x60, 0x69, 0x60, 0x4c, 0x0a, 0xaa]); // nonce
        let mut f = ipv6(58, &m);
        fix_checksum(&mut f, 58, 2);
        let out = run_with(&[(f, None)], &verbose(1));
        assert!(
            out[0].0.ends_with(
                "ICMP6, neighbor solicitation, length 32, who has fe80::1\n\
                 \t  unknown option (14), length 8 (1): \n\t  0x0000:  6069 604c 0aaa"
            ),
            "{}",
            out[0].0
        );
        assert_eq!(texts(&out[0].1, "icmpv6.opt.nonce"), ["60:69:60:4c:0a:aa"]);
    }
}
