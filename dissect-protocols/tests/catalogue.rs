//! The field catalogue and the fields a run builds, through the library as
//! a tool builder uses it.

use std::collections::BTreeMap;

use dissect_core::capture::CaptureReader;
use dissect_core::registry::RegistryError;
use dissect_core::{
    Context, Dissector, FieldDef, FieldSet, FieldType, Handoff, NotRequested, Packet, Registry,
    Table, Value,
};

mod common;
use common::{captures, testdata};

/// Decodes every frame of a capture, calling `each` on every packet.
fn decode(registry: &mut Registry, capture: &str, mut each: impl FnMut(&Packet)) {
    let Ok(mut reader) = CaptureReader::open(&testdata().join(capture)) else {
        return;
    };
    let mut packet = Packet::new();
    while let Some(Ok((info, data))) = reader.next_frame() {
        registry.dissect(&info, data, &mut packet);
        each(&packet);
    }
}

/// Every field any capture emits, in every field set a run can have, is in
/// the catalogue (as that very definition, not only by name).
#[test]
fn every_emitted_field_is_declared() {
    let mut undeclared = BTreeMap::new();
    let mut emitted = 0usize;
    for capture in captures() {
        for line_only in [false, true] {
            let mut registry = dissect_protocols::registry();
            if line_only {
                registry.set_fields(registry.line_fields());
            }
            let catalogue_registry = dissect_protocols::registry();
            let catalogue = catalogue_registry.catalogue();
            decode(&mut registry, &capture, |packet| {
                for field in &packet.fields {
                    emitted += 1;
                    if !catalogue.declares(field.def) {
                        undeclared
                            .entry(field.def.abbrev)
                            .or_insert_with(|| capture.clone());
                    }
                }
            });
        }
    }
    assert!(emitted > 40_000, "only {emitted} fields decoded");
    assert!(
        undeclared.is_empty(),
        "fields emitted but not declared (field: first capture): {undeclared:#?}"
    );
}

/// Where tshark's frames differ for a reason of its own: (capture, the
/// frames dissect finds, why).
const SYN_DIFFERENCES: &[(&str, &[u64], &str)] = &[(
    "zeek/ipv4/fragmented-syn.pcap",
    &[1],
    "tshark reassembles the IPv4 fragments and shows the SYN in the last \
     fragment's frame (2); dissect decodes the TCP header in the first \
     fragment, where its bytes are (no IP reassembly yet)",
)];

/// A SYN counter in the cheap mode: the line's fields plus the one it
/// reads. It sees exactly the frames tshark's `-Y tcp.flags.syn==1` shows.
#[test]
fn syn_counter_in_the_cheap_mode_agrees_with_tshark() {
    let oracle = std::fs::read_to_string(testdata().join("tshark-syn-frames.tsv")).unwrap();
    let expected: BTreeMap<&str, Vec<u64>> = oracle
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(c, frames)| (c, frames.split(' ').map(|n| n.parse().unwrap()).collect()))
        .collect();
    let mut total = 0;
    for capture in captures() {
        let mut registry = dissect_protocols::registry();
        registry.set_fields(registry.line_fields());
        let syn = registry.field("tcp.flags.syn").unwrap();
        registry.request(syn);
        let mut frames = Vec::new();
        decode(&mut registry, &capture, |packet| {
            let mut values = packet.values(syn).unwrap();
            if values.any(|f| f.value == Value::Bool(true)) {
                frames.push(packet.frame.number);
            }
        });
        let mut want = expected.get(capture.as_str()).cloned().unwrap_or_default();
        if let Some((_, ours, _why)) = SYN_DIFFERENCES.iter().find(|(c, ..)| *c == capture) {
            want = ours.to_vec();
        }
        assert_eq!(frames, want, "{capture}");
        total += frames.len();
    }
    assert!(total >= 20, "only {total} SYNs in testdata");
}

/// A field the run did not build is an error, not a silent `None`; a field
/// it built but the packet lacks is `Ok(None)`.
#[test]
fn unrequested_fields_say_so() {
    let mut registry = dissect_protocols::registry();
    registry.set_fields(registry.line_fields());
    let syn = registry.field("tcp.flags.syn").unwrap();
    let stratum = registry.field("ntp.stratum").unwrap();
    registry.request(stratum);
    let mut seen = 0;
    decode(&mut registry, "real/telnet-busybox.pcap", |packet| {
        assert_eq!(packet.value(syn), Err(NotRequested("tcp.flags.syn")));
        assert_eq!(packet.value(stratum), Ok(None));
        seen += 1;
    });
    assert!(seen > 10);
    // The first and every occurrence: a TCP segment has tcp.port twice.
    let mut registry = dissect_protocols::registry();
    let port = registry.field("tcp.port").unwrap();
    decode(&mut registry, "real/telnet-busybox.pcap", |packet| {
        let ports: Vec<_> = packet.values(port).unwrap().map(|f| f.value).collect();
        if let [Value::U64(a), Value::U64(b)] = ports[..] {
            assert!(a == 23 || b == 23, "{ports:?}");
            seen += 1;
        }
    });
    assert!(seen > 20);
}

#[test]
fn unknown_names_get_the_closest() {
    let registry = dissect_protocols::registry();
    let err = registry.field("ntp.stratm").unwrap_err();
    assert_eq!(err.closest.first(), Some(&"ntp.stratum"));
    assert!(err.to_string().contains("did you mean ntp.stratum"));
}

static KEYS_LEN: FieldDef = FieldDef::new("keys.len", "Payload bytes", FieldType::Uint(32));
static KEYS: &[&FieldDef] = &[&KEYS_LEN];
/// A second definition under a built-in's name.
static FAKE_SRC: FieldDef = FieldDef::new("ip.src", "Source", FieldType::Ipv4);
static FAKE: &[&FieldDef] = &[&FAKE_SRC];

struct KeyCounter(&'static [&'static FieldDef]);

impl Dissector for KeyCounter {
    fn name(&self) -> &'static str {
        "keys"
    }
    fn full_name(&self) -> &'static str {
        "Keystroke counter"
    }
    fn fields(&self) -> &'static [&'static FieldDef] {
        self.0
    }
    fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
        cx.add(&KEYS_LEN, 0..data.len(), Value::U64(data.len() as u64));
        Handoff::done(data.len())
    }
}

/// A user's fields join the catalogue; a name already declared by another
/// definition is refused and the dissector is not added.
#[test]
fn user_fields_join_the_catalogue() {
    let mut registry = dissect_protocols::registry();
    let refused = registry.register(Table::TCP_PORT, 23, KeyCounter(FAKE));
    assert!(matches!(refused, Err(RegistryError::DuplicateField(ref d)) if d.name == "ip.src"));
    assert!(registry.id("keys").is_none());
    registry
        .register(Table::TCP_PORT, 23, KeyCounter(KEYS))
        .unwrap();
    let keys = registry.field("keys.len").unwrap();
    let mut set = FieldSet::none();
    set.insert(keys.def());
    registry.set_fields(set);
    let mut counted = 0;
    decode(&mut registry, "real/telnet-busybox.pcap", |packet| {
        if let Ok(Some(Value::U64(n))) = packet.value(keys) {
            counted += n;
        }
        // Nothing else was asked for, so nothing else was built.
        assert!(packet.fields.iter().all(|f| f.def.abbrev == "keys.len"));
    });
    assert!(counted > 0);
    let mut listed = String::new();
    registry
        .catalogue()
        .write_tshark_fields(Some("keys"), &mut listed);
    assert_eq!(
        listed,
        "P\tKeystroke counter\tkeys\nF\tPayload bytes\tkeys.len\tFT_UINT32\tkeys\tBASE_DEC\t0x0\t\n"
    );
}

/// In debug builds a value of the wrong kind fails loudly.
#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "keys.len")]
fn a_value_of_the_wrong_kind_fails_in_debug_builds() {
    struct Wrong;
    impl Dissector for Wrong {
        fn name(&self) -> &'static str {
            "keys"
        }
        fn full_name(&self) -> &'static str {
            "Wrong"
        }
        fn fields(&self) -> &'static [&'static FieldDef] {
            KEYS
        }
        fn dissect(&mut self, data: &[u8], cx: &mut Context<'_>) -> Handoff {
            cx.add(&KEYS_LEN, 0..data.len(), Value::Bool(true));
            Handoff::done(data.len())
        }
    }
    let mut registry = dissect_protocols::registry();
    registry.register(Table::TCP_PORT, 23, Wrong).unwrap();
    decode(&mut registry, "real/telnet-busybox.pcap", |_| {});
}
