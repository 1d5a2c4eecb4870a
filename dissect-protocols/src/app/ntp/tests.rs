//! Dissector-level tests: NTP bytes fed straight to the dissector through a
//! registry whose link type is NTP.

use super::*;
use crate::testkit::hex;
use dissect_core::{FrameInfo, Packet as Decoded, RenderOptions};

const LINKTYPE_NTP_TEST: u32 = 0xfff0;

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(Table::LINKTYPE, LINKTYPE_NTP_TEST, NtpDissector::default())
        .unwrap();
    registry
}

fn decode(registry: &mut Registry, number: u64, ts: (i64, u32), data: &[u8]) -> Decoded {
    let frame = FrameInfo {
        number,
        ts_sec: ts.0,
        ts_nsec: ts.1,
        caplen: data.len() as u32,
        len: data.len() as u32,
        interface: 0,
        linktype: LINKTYPE_NTP_TEST,
    };
    let mut packet = Decoded::new();
    registry.dissect(&frame, data, &mut packet);
    packet
}

fn value_text(packet: &Decoded, abbrev: &str) -> Option<String> {
    let field = packet.field(abbrev)?;
    let mut s = String::new();
    field.write_value(&packet.data, &mut s).ok()?;
    Some(s)
}

/// tcpdump's ntp.pcap frame 4: NTPv4 server, stratum 2, SHA-1 MAC.
const SERVER_SHA1: &str = "240200e9000027cf000000670a051b0adcf25be5b86d5655ae9d0aa81b8971a7dcf25be67e92d240dcf25be67e9a9fc900000008629990a7fc22cc8467dd88b7af2d220dbe3287d6";

fn time_packet(flags: u8, stratum: u8, refid: [u8; 4], xmt: u64, org: u64) -> Vec<u8> {
    let mut m = vec![0u8; 48];
    m[0] = flags;
    m[1] = stratum;
    m[2] = 6;
    m[3] = 0xe9;
    m[12..16].copy_from_slice(&refid);
    m[24..32].copy_from_slice(&org.to_be_bytes());
    m[40..48].copy_from_slice(&xmt.to_be_bytes());
    m
}

#[test]
fn view_reads_a_server_reply() {
    let data = hex(SERVER_SHA1);
    let packet = Packet::parse(&data).unwrap();
    assert_eq!(packet.version(), 4);
    assert_eq!(packet.mode(), Mode::Server);
    assert_eq!(packet.leap(), Leap::NoWarning);
    let t = packet.time().unwrap();
    assert_eq!(t.stratum(), 2);
    assert_eq!(t.poll(), 0);
    assert_eq!(t.precision(), -23);
    assert_eq!(t.reference_id(), ReferenceId::Upstream([10, 5, 27, 10]));
    assert_eq!(t.transmit_timestamp().seconds, 3_706_870_758);
    assert_eq!(t.extension_fields().count(), 0);
    let mac = t.mac().unwrap();
    assert_eq!((mac.key_id, mac.kind()), (8, MacKind::Sha1));
    let json = serde_json::to_string(&packet).unwrap();
    assert!(json.contains("\"stratum\":2"), "{json}");
}

#[test]
fn parse_checks_length_by_mode() {
    assert!(Packet::parse(&[]).is_err());
    assert!(Packet::parse(&[0x23; 47]).is_err());
    assert!(Packet::parse(&[0x16; 12]).is_ok());
    assert!(Packet::parse(&[0x17; 8]).is_ok());
    assert!(Packet::parse(&[0x17; 7]).is_err());
}

#[test]
fn fields_match_tshark_values() {
    let mut registry = registry();
    let p = decode(&mut registry, 1, (0, 0), &hex(SERVER_SHA1));
    let v = |a| value_text(&p, a);
    assert_eq!(v("ntp.flags").as_deref(), Some("0x24"));
    assert_eq!(v("ntp.flags.li").as_deref(), Some("0"));
    assert_eq!(v("ntp.flags.vn").as_deref(), Some("4"));
    assert_eq!(v("ntp.flags.mode").as_deref(), Some("4"));
    assert_eq!(v("ntp.stratum").as_deref(), Some("2"));
    assert_eq!(v("ntp.precision").as_deref(), Some("233"));
    assert_eq!(v("ntp.rootdelay").as_deref(), Some("10191"));
    assert_eq!(v("ntp.refid").as_deref(), Some("0a:05:1b:0a"));
    assert_eq!(v("ntp.refid.address").as_deref(), Some("10.5.27.10"));
    assert_eq!(
        v("ntp.xmt").as_deref(),
        Some("2017-06-19T14:19:18.494546877Z")
    );
    assert_eq!(v("ntp.keyid").as_deref(), Some("00:00:00:08"));
    assert_eq!(
        v("ntp.mac").as_deref(),
        Some("62:99:90:a7:fc:22:cc:84:67:dd:88:b7:af:2d:22:0d:be:32:87:d6")
    );
    assert!(p.layers[0].status.is_ok());
}

#[test]
fn kiss_of_death_and_reference_clocks() {
    let mut registry = registry();
    let kod = time_packet(0xe4, 0, *b"RATE", 1 << 40, 1 << 41);
    let p = decode(&mut registry, 1, (0, 0), &kod);
    let kiss = value_text(&p, "ntp.refid.kiss_code").unwrap();
    assert!(kiss.starts_with("RATE (rate exceeded"), "{kiss}");
    assert_eq!(value_text(&p, "ntp.kod").as_deref(), Some("RATE"));

    let gps = time_packet(0x24, 1, *b"GPS\0", 1 << 40, 0);
    let p = decode(&mut registry, 2, (0, 0), &gps);
    assert_eq!(
        value_text(&p, "ntp.refid.clock").as_deref(),
        Some("GPS (Global Positioning System)")
    );
    assert!(p.field("ntp.kod").is_none());

    let client = time_packet(0x23, 0, [0; 4], 1 << 40, 0);
    let p = decode(&mut registry, 3, (0, 0), &client);
    assert!(p.field("ntp.refid.kiss_code").is_none());
    assert_eq!(value_text(&p, "ntp.reftime").as_deref(), Some("NULL"));
}

#[test]
fn reply_links_to_its_request_with_delay_and_offset() {
    let mut registry = registry();
    // Client sends at capture time 1000.000 (NTP xmt = anything, chrony
    // style); the server receives at 1000.010 and answers at 1000.012 by its
    // clock; the reply is captured at 1000.020.
    let ntp = |unix: u64, frac: u64| (unix + u64::from(time::UNIX_EPOCH_NTP)) << 32 | frac;
    let request_xmt = 0x1234_5678_9abc_def0;
    let request = time_packet(0x23, 0, [0; 4], request_xmt, 0);
    let mut reply = time_packet(0x24, 2, [10, 0, 0, 1], ntp(1000, 0x0312_6e97), request_xmt);
    reply[32..40].copy_from_slice(&ntp(1000, 0x028f_5c29).to_be_bytes());
    decode(&mut registry, 1, (1000, 0), &request);
    let p = decode(&mut registry, 2, (1000, 20_000_000), &reply);
    assert_eq!(value_text(&p, "ntp.request_in").as_deref(), Some("1"));
    let f = |a: &str| match p.field(a).unwrap().value {
        Value::F64(v) => v,
        other => panic!("{other:?}"),
    };
    assert!((f("ntp.delta_time") - 0.020).abs() < 1e-9);
    // delay = 20 ms - 2 ms server time; offset = ((10 - 0) + (12 - 20)) / 2 = 1 ms.
    assert!(
        (f("ntp.roundtrip_delay") - 0.018).abs() < 1e-6,
        "{}",
        f("ntp.roundtrip_delay")
    );
    assert!(
        (f("ntp.clock_offset") - 0.001).abs() < 1e-6,
        "{}",
        f("ntp.clock_offset")
    );
}

#[test]
fn extension_fields_and_mac_in_the_tree() {
    let mut m = time_packet(0x23, 0, [0; 4], 1 << 40, 0);
    // Unique Identifier (36 bytes), NTS Authenticator (40 bytes), no MAC.
    m.extend([0x01, 0x04, 0x00, 0x24]);
    m.extend([0x5c; 32]);
    m.extend([0x04, 0x04, 0x00, 0x28, 0x00, 0x10, 0x00, 0x10]);
    m.extend([0xbe; 32]);
    let mut registry = registry();
    let p = decode(&mut registry, 1, (0, 0), &m);
    let types: Vec<String> = p
        .fields
        .iter()
        .filter(|f| f.def.abbrev == "ntp.ext.type")
        .map(|f| {
            let mut s = String::new();
            f.write_show(&p.data, &mut s).unwrap();
            s
        })
        .collect();
    assert_eq!(
        types,
        vec![
            "Unique Identifier (0x0104)",
            "NTS Authenticator and Encrypted Extension Fields (0x0404)"
        ]
    );
    assert_eq!(
        value_text(&p, "ntp.ext.nts.nonce_length").as_deref(),
        Some("16")
    );
    assert!(p.field("ntp.keyid").is_none());
}

#[test]
fn control_message_fields() {
    let mut m = hex("1681004406180000000000");
    m.extend(hex("08"));
    m.extend(hex("bebd961abebc8011"));
    let mut registry = registry();
    let p = decode(&mut registry, 1, (0, 0), &m);
    assert_eq!(value_text(&p, "ntp.ctrl.flags2").as_deref(), Some("0x81"));
    assert_eq!(value_text(&p, "ntp.ctrl.status").as_deref(), Some("0x0618"));
    assert_eq!(
        value_text(&p, "ntp.ctrl.sys_status.clksrc").as_deref(),
        Some("6")
    );
    let ids: Vec<u64> = p
        .fields
        .iter()
        .filter(|f| f.def.abbrev == "ntp.ctrl.associd")
        .filter_map(|f| f.value.as_u64())
        .collect();
    assert_eq!(ids, vec![0, 48829, 48828]);
    assert_eq!(
        p.fields
            .iter()
            .filter(|f| f.def.abbrev == "ntp.ctrl.peer_status.selection")
            .filter_map(|f| f.value.as_u64())
            .collect::<Vec<_>>(),
        vec![6, 0]
    );
}

#[test]
fn control_variables_are_split() {
    let mut m = hex("16820045000000000000");
    let text = b"version=\"ntpd 4.2.8\", leap=0";
    m.extend((text.len() as u16).to_be_bytes());
    m.extend(text);
    let mut registry = registry();
    let p = decode(&mut registry, 1, (0, 0), &m);
    let names: Vec<String> = p
        .fields
        .iter()
        .filter(|f| f.def.abbrev == "ntp.ctrl.variable.value")
        .map(|f| {
            let mut s = String::new();
            f.write_value(&p.data, &mut s).unwrap();
            s
        })
        .collect();
    assert_eq!(names, vec!["ntpd 4.2.8", "0"]);
}

#[test]
fn private_monlist_is_flagged() {
    let mut m = hex("1700032a00000000");
    m.resize(192, 0);
    let mut registry = registry();
    let p = decode(&mut registry, 1, (0, 0), &m);
    assert_eq!(value_text(&p, "ntp.priv.reqcode").as_deref(), Some("42"));
    assert!(value_text(&p, "ntp.priv.monlist")
        .unwrap()
        .contains("amplification"));
    let mut out = String::new();
    let options = RenderOptions {
        verbose: 1,
        ..RenderOptions::default()
    };
    registry.render(&p, &options, &mut out).unwrap();
    assert!(
        out.starts_with("NTPv2, Reserved, length 192\n\tRequest, Sequence=0"),
        "{out}"
    );
    assert!(out.contains("MON_GETLIST_1 (42) [monlist"), "{out}");
}

#[test]
fn title_names_version_and_mode() {
    let mut registry = registry();
    let p = decode(&mut registry, 1, (0, 0), &hex(SERVER_SHA1));
    let mut out = String::new();
    dissect_core::format::tree(&registry, &p, Some("ntp"), &mut out);
    assert!(
        out.starts_with("Network Time Protocol (NTP Version 4, server)\n"),
        "{out}"
    );
    assert!(
        out.contains("Peer Clock Stratum: secondary reference (2)"),
        "{out}"
    );
    assert!(out.contains("[Upstream server: 10.5.27.10]"), "{out}");
}

#[test]
fn probe_is_conservative() {
    let registry = registry();
    let _ = registry;
    let good = hex(SERVER_SHA1);
    assert!(looks_like_time_message(&good));
    assert!(looks_like_time_message(&good[..48]));
    assert!(!looks_like_time_message(&good[..47]));
    let mut bad = good.clone();
    bad[0] = 0x3f; // version 7
    assert!(!looks_like_time_message(&bad));
    assert!(!looks_like_time_message(&[0u8; 48]));
    let mut odd_trailer = good[..48].to_vec();
    odd_trailer.extend([1, 2, 3, 4, 5, 6, 7]);
    assert!(!looks_like_time_message(&odd_trailer));
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut registry = registry();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for n in 0..3000u64 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 260) as usize;
        let mut data: Vec<u8> = (0..len)
            .map(|i| (seed.rotate_left(i as u32 % 64) >> 3) as u8)
            .collect();
        if let Some(first) = data.first_mut() {
            *first = (*first & 0xf8) | (n % 8) as u8;
        }
        let p = decode(&mut registry, n, (n as i64, 0), &data);
        for verbose in 0..4 {
            let mut out = String::new();
            let options = RenderOptions {
                verbose,
                ..RenderOptions::default()
            };
            registry.render(&p, &options, &mut out).unwrap();
        }
        let mut out = String::new();
        dissect_core::format::tree(&registry, &p, None, &mut out);
    }
}
