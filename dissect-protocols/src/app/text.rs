//! tcpdump's text for the payloads of some well-known TCP ports that no
//! dissector here decodes: its `txtproto_print` for HTTP, SMTP and FTP
//! and its SSH banner printer. They add no layer (so `-V` and JSON do not
//! show them); they only continue the segment's line, and TCP consults
//! them in tcpdump's own port order.

use std::fmt::{self, Write};

use dissect_core::Render;

use crate::transport::tcp::{is_print, PortText};

/// The printers, in the order tcpdump's `tcp_print` tries the ports.
pub static TCP_PORT_TEXTS: &[PortText] = &[
    // Telnet comes first in tcpdump too: its `[telnet ...]` belongs to a
    // Telnet dissector, and no other printer may claim port 23's bytes.
    PortText {
        ports: &[23],
        print: print_nothing,
    },
    PortText {
        ports: &[25],
        print: print_smtp,
    },
    PortText {
        ports: &[22],
        print: write_ssh_banner,
    },
    PortText {
        ports: &[21],
        print: print_ftp,
    },
    PortText {
        ports: &[80, 8080],
        print: print_http,
    },
];

fn print_nothing(_r: &mut Render<'_>, _payload: &[u8], _length: usize) -> fmt::Result {
    Ok(())
}

fn print_smtp(r: &mut Render<'_>, payload: &[u8], length: usize) -> fmt::Result {
    r.write_str(": ")?;
    write_txtproto(r, payload, length, "SMTP", None)
}

fn print_ftp(r: &mut Render<'_>, payload: &[u8], length: usize) -> fmt::Result {
    r.write_str(": ")?;
    write_txtproto(r, payload, length, "FTP", None)
}

fn print_http(r: &mut Render<'_>, payload: &[u8], length: usize) -> fmt::Result {
    r.write_str(": ")?;
    write_txtproto(r, payload, length, "HTTP", Some(&HTTP_COMMANDS))
}

/// tcpdump's `httpcmds`: request methods from RFCs 2616, 2518, 3253, 3648, 3744, 5323 and 5789.
const HTTP_COMMANDS: [&str; 30] = [
    "OPTIONS",
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "REPORT",
    "CHECKOUT",
    "CHECKIN",
    "UNCHECKOUT",
    "MKWORKSPACE",
    "UPDATE",
    "LABEL",
    "MERGE",
    "BASELINE-CONTROL",
    "MKACTIVITY",
    "ORDERPATCH",
    "ACL",
    "SEARCH",
    "PATCH",
];

/// tcpdump's `fetch_token`: the token at `idx` (up to a space), and where
/// the next one starts; `None` where tcpdump returns 0.
fn fetch_token(data: &[u8], idx: usize, len: usize) -> Option<(&[u8], usize)> {
    let mut i = idx;
    while i < len {
        let c = *data.get(i)?;
        if !is_print(c) {
            return None;
        }
        if c == b' ' {
            break;
        }
        i += 1;
    }
    let token = data.get(idx..i)?;
    if token.is_empty() {
        return None;
    }
    while i < len {
        match data.get(i) {
            Some(&b' ') => i += 1,
            _ => break,
        }
    }
    Some((token, i))
}

/// tcpdump's `txtproto_print`: `PROTO` and, for a request or response
/// line, `: first line`; with -v `, length: N` and every text line on its
/// own tab-indented line.
fn write_txtproto(
    r: &mut Render<'_>,
    data: &[u8],
    len: usize,
    proto: &str,
    commands: Option<&[&str]>,
) -> fmt::Result {
    let print_line = match commands {
        None => true,
        Some(commands) => match fetch_token(data, 0, len) {
            None => false,
            Some((token, next)) => {
                let is_command = commands
                    .iter()
                    .any(|c| token.eq_ignore_ascii_case(c.as_bytes()));
                // HTTP responses carry the status code as the second token.
                let is_status = fetch_token(data, next, len).is_some_and(|(code, _)| {
                    code.len() == 3 && code.iter().all(u8::is_ascii_digit)
                });
                is_command || is_status
            }
        },
    };
    r.write_str(proto)?;
    if !print_line {
        return Ok(());
    }
    if r.options.verbose == 0 {
        write_txt_line(r, ": ", data, 0, len, proto)?;
        return Ok(());
    }
    r.write_str(", length: ")?;
    r.number(len as u64);
    let mut at = 0;
    while at < len {
        match write_txt_line(r, "\n\t", data, at, len, proto)? {
            Some(next) => at = next,
            None => break,
        }
    }
    Ok(())
}

/// tcpdump's `print_txt_line`: the line starting at `at`, after `prefix`,
/// if it is all printable and ends in LF or CRLF; returns where the next
/// line starts. A line without an end is printed as cut (` [|proto]`), as
/// is running out of captured bytes; binary data prints nothing. `None`
/// means stop.
fn write_txt_line(
    r: &mut Render<'_>,
    prefix: &str,
    data: &[u8],
    at: usize,
    len: usize,
    proto: &str,
) -> Result<Option<usize>, fmt::Error> {
    // tcpdump names the protocol in lower case in its truncation mark.
    let trunc = |r: &mut Render<'_>| {
        r.write_str(" [|")?;
        for c in proto.chars() {
            r.write_char(c.to_ascii_lowercase())?;
        }
        r.write_char(']')
    };
    let mut i = at;
    let next = loop {
        if i >= len {
            // All printable but no end of line: tcpdump shows it as cut.
            r.write_str(prefix)?;
            write_line(r, data.get(at..i).unwrap_or(&[]))?;
            trunc(r)?;
            return Ok(None);
        }
        let Some(&c) = data.get(i) else {
            trunc(r)?;
            return Ok(None);
        };
        if c == b'\n' {
            break i + 1;
        }
        if c == b'\r' {
            if i + 1 >= len {
                return Ok(None);
            }
            match data.get(i + 1) {
                None => {
                    trunc(r)?;
                    return Ok(None);
                }
                Some(b'\n') => break i + 2,
                Some(_) => return Ok(None),
            }
        }
        if !is_print(c) && c != b'\t' {
            return Ok(None);
        }
        i += 1;
    };
    r.write_str(prefix)?;
    write_line(r, data.get(at..i).unwrap_or(&[]))?;
    Ok(Some(next))
}

fn write_line(r: &mut Render<'_>, line: &[u8]) -> fmt::Result {
    for &c in line {
        r.write_char(c as char)?;
    }
    Ok(())
}

/// tcpdump's SSH printer: only a version banner (`SSH-...`) is shown.
fn write_ssh_banner(r: &mut Render<'_>, data: &[u8], len: usize) -> fmt::Result {
    if !data.starts_with(b"SSH-") {
        return Ok(());
    }
    let mut i = 4;
    while i < len {
        let Some(&c) = data.get(i) else {
            return Ok(());
        };
        if c == b'\n' || (c == b'\r' && data.get(i + 1) == Some(&b'\n')) {
            break;
        }
        if c == b'\r' || !is_print(c) {
            return Ok(());
        }
        i += 1;
    }
    r.write_str(": SSH: ")?;
    write_line(r, data.get(..i).unwrap_or(&[]))
}
