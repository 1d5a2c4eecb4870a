//! Value names shared by several protocols: EtherTypes and IP protocol
//! numbers, as Wireshark names them (tree, JSON) and as tcpdump prints them.

/// Wireshark's name for an EtherType (`eth.type`, `vlan.etype`, `sll.etype`).
pub fn ethertype_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x8035 => "RARP",
        0x8100 => "802.1Q Virtual LAN",
        0x86dd => "IPv6",
        0x8847 => "MPLS label switched packet",
        0x8863 => "PPPoE Discovery",
        0x8864 => "PPPoE Session",
        0x888e => "802.1X Authentication",
        0x88a8 => "802.1ad Provider Bridge (Q-in-Q)",
        0x88cc => "802.1 Link Layer Discovery Protocol (LLDP)",
        0x9000 => "Configuration Test Protocol (loopback)",
        0x9100 => "VLAN-tagged frame (Q-in-Q)",
        _ => return None,
    })
}

/// tcpdump's name for an EtherType (`ethertype IPv4 (0x0800)`).
pub fn tcpdump_ethertype_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x8035 => "Reverse ARP",
        0x8100 => "802.1Q",
        0x86dd => "IPv6",
        0x8847 => "MPLS unicast",
        0x8848 => "MPLS multicast",
        0x8863 => "PPPoE D",
        0x8864 => "PPPoE S",
        0x888e => "EAPOL",
        0x88a8 => "802.1Q-QinQ",
        0x88cc => "LLDP",
        0x9000 => "Loopback",
        0x9100 => "802.1Q-9100",
        0x9200 => "802.1Q-9200",
        _ => return None,
    })
}

/// Wireshark's name for an IP protocol number (`ip.proto`, `ipv6.nxt`).
pub fn ip_proto_name(p: u8) -> Option<&'static str> {
    Some(match p {
        0 => "IPv6 Hop-by-Hop Option",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        43 => "Routing Header for IPv6",
        44 => "Fragment Header for IPv6",
        47 => "Generic Routing Encapsulation",
        50 => "Encap Security Payload",
        51 => "Authentication Header",
        58 => "ICMPv6",
        59 => "IPv6 No Next Header",
        60 => "Destination Options for IPv6",
        89 => "OSPF IGP",
        103 => "PIM",
        112 => "Virtual Router Redundancy Protocol",
        132 => "SCTP",
        _ => return None,
    })
}

/// tcpdump's name for an IP protocol number (`proto TCP (6)`).
pub fn tcpdump_ip_proto_name(p: u8) -> Option<&'static str> {
    Some(match p {
        // tcpdump's ipproto_values: it has no names for 59 and 60
        // (`next-header unknown (60)`).
        0 => "Options",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        8 => "EGP",
        9 => "IGRP",
        17 => "UDP",
        33 => "DCCP",
        41 => "IPv6",
        43 => "Routing",
        44 => "Fragment",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        55 => "Mobile IP",
        58 => "ICMPv6",
        62 => "Mobile IP (old)",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        108 => "Compressed IP",
        112 => "VRRP",
        113 => "PGM",
        132 => "SCTP",
        135 => "Mobility",
        _ => return None,
    })
}

/// Wireshark's name for a DiffServ codepoint (`ip.dsfield.dscp`,
/// `ipv6.tclass.dscp`).
pub fn dscp_name(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Default",
        1 => "Lower Effort",
        8 => "Class Selector 1",
        10 => "Assured Forwarding 11",
        12 => "Assured Forwarding 12",
        14 => "Assured Forwarding 13",
        16 => "Class Selector 2",
        18 => "Assured Forwarding 21",
        20 => "Assured Forwarding 22",
        22 => "Assured Forwarding 23",
        24 => "Class Selector 3",
        26 => "Assured Forwarding 31",
        28 => "Assured Forwarding 32",
        30 => "Assured Forwarding 33",
        32 => "Class Selector 4",
        34 => "Assured Forwarding 41",
        36 => "Assured Forwarding 42",
        38 => "Assured Forwarding 43",
        40 => "Class Selector 5",
        44 => "Voice Admit",
        46 => "Expedited Forwarding",
        48 => "Class Selector 6",
        56 => "Class Selector 7",
        _ => return None,
    })
}

/// Wireshark's name for the ECN bits (`ip.dsfield.ecn`, `ipv6.tclass.ecn`).
pub fn ecn_name(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Not ECN-Capable Transport",
        1 => "ECN-Capable Transport codepoint '01'",
        2 => "ECN-Capable Transport codepoint '10'",
        3 => "Congestion Experienced",
        _ => return None,
    })
}

/// Wireshark's name for an IPv6 Neighbor Discovery option type (`icmpv6.opt.type`).
pub fn nd_option_name(t: u8) -> Option<&'static str> {
    Some(match t {
        1 => "Source link-layer address",
        2 => "Target link-layer address",
        3 => "Prefix information",
        4 => "Redirected header",
        5 => "MTU",
        6 => "NBMA Shortcut Limit Option",
        7 => "Advertisement Interval",
        8 => "Home Agent Information",
        9 => "Source Address List",
        10 => "Target Address List",
        11 => "CGA",
        12 => "RSA Signature",
        13 => "Timestamp",
        14 => "Nonce",
        15 => "Trust Anchor",
        16 => "Certificate",
        17 => "IP Address/Prefix Option",
        18 => "New Router Prefix Information",
        19 => "Link-layer Address",
        20 => "Neighbor Advertisement Acknowledgment",
        23 => "MAP",
        24 => "Route Information",
        25 => "Recursive DNS Server",
        26 => "RA Flags Extension",
        27 => "Handover Key Request",
        28 => "Handover Key Reply",
        29 => "Handover Assist Information",
        30 => "Mobile Node Identifier",
        31 => "DNS Search List",
        32 => "Proxy Signature (PS)",
        33 => "Address Registration",
        34 => "6LoWPAN Context",
        35 => "Authoritative Border Router",
        36 => "6LoWPAN Capability Indication",
        37 => "DHCP Captive-Portal",
        38 => "PREF64",
        253 => "RFC3692-style Experiment 1",
        254 => "RFC3692-style Experiment 2",
        _ => return None,
    })
}

/// Wireshark's names for `*.checksum.status` (ip, tcp, udp, icmp, icmpv6).
pub fn checksum_status_name(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "Bad",
        1 => "Good",
        2 => "Unverified",
        3 => "Not present",
        4 => "Illegal",
        _ => return None,
    })
}
