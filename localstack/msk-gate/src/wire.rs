//! The few Kafka protocol messages the gate reads and writes itself: request headers, the SASL
//! handshake and authenticate exchanges (the non-flexible versions, 0 and 1), and the broker's
//! ApiVersions answer, which it amends to offer those two. Everything after authentication is
//! passed through untouched.

/// `ApiVersions`.
pub const API_VERSIONS: i16 = 18;
/// `SaslHandshake`, versions 0-1.
pub const SASL_HANDSHAKE: i16 = 17;
/// `SaslAuthenticate`, versions 0-1 (2 is flexible: not offered).
pub const SASL_AUTHENTICATE: i16 = 36;
/// `UNSUPPORTED_SASL_MECHANISM`.
pub const UNSUPPORTED_SASL_MECHANISM: i16 = 33;
/// `SASL_AUTHENTICATION_FAILED`.
pub const SASL_AUTHENTICATION_FAILED: i16 = 58;
/// The one mechanism offered (MSK's IAM auth through librdkafka).
pub const MECHANISM: &str = "OAUTHBEARER";

/// A request's header, and where its body starts.
#[derive(Debug, PartialEq)]
pub struct Header {
    pub api_key: i16,
    pub api_version: i16,
    pub correlation_id: i32,
    pub body: usize,
}

/// Reads a big-endian number at `at`.
fn be<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at + N)?.try_into().ok()
}

/// The header of a request frame (size prefix removed), as far as header version 1 goes:
/// key, version, correlation id, client id.
pub fn header(frame: &[u8]) -> Option<Header> {
    let client_id = i16::from_be_bytes(be(frame, 8)?);
    let body = 10 + usize::try_from(client_id.max(0)).ok()?;
    (body <= frame.len()).then_some(Header {
        api_key: i16::from_be_bytes(be(frame, 0)?),
        api_version: i16::from_be_bytes(be(frame, 2)?),
        correlation_id: i32::from_be_bytes(be(frame, 4)?),
        body,
    })
}

/// The mechanism a `SaslHandshake` body names.
pub fn handshake_mechanism(body: &[u8]) -> Option<&str> {
    let len = usize::try_from(i16::from_be_bytes(be(body, 0)?)).ok()?;
    std::str::from_utf8(body.get(2..2 + len)?).ok()
}

/// The auth bytes of a `SaslAuthenticate` body (versions 0-1).
pub fn authenticate_bytes(body: &[u8]) -> Option<&[u8]> {
    let len = usize::try_from(i32::from_be_bytes(be(body, 0)?)).ok()?;
    body.get(4..4 + len)
}

/// A response frame, size prefix included.
fn frame(correlation_id: i32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&(4 + body.len() as i32).to_be_bytes());
    out.extend_from_slice(&correlation_id.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// The `SaslHandshake` answer: `error` and the mechanisms offered.
pub fn handshake_response(correlation_id: i32, error: i16) -> Vec<u8> {
    let mut body = error.to_be_bytes().to_vec();
    body.extend_from_slice(&1i32.to_be_bytes());
    body.extend_from_slice(&(MECHANISM.len() as i16).to_be_bytes());
    body.extend_from_slice(MECHANISM.as_bytes());
    frame(correlation_id, &body)
}

/// The `SaslAuthenticate` answer of `version`: `error` with `message`, no server bytes, and no
/// session lifetime (connections are not asked to authenticate again).
pub fn authenticate_response(
    correlation_id: i32,
    version: i16,
    error: i16,
    message: Option<&str>,
) -> Vec<u8> {
    let mut body = error.to_be_bytes().to_vec();
    match message {
        Some(m) => {
            let m = &m.as_bytes()[..m.len().min(i16::MAX as usize)];
            body.extend_from_slice(&(m.len() as i16).to_be_bytes());
            body.extend_from_slice(m);
        }
        None => body.extend_from_slice(&(-1i16).to_be_bytes()),
    }
    body.extend_from_slice(&0i32.to_be_bytes());
    if version >= 1 {
        body.extend_from_slice(&0i64.to_be_bytes());
    }
    frame(correlation_id, &body)
}

fn read_uvarint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn write_uvarint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The broker's `ApiVersions` answer (size prefix removed) to a request of `version`, amended to
/// offer `SaslHandshake` 0-1 and `SaslAuthenticate` 0-1 (whatever the broker said of them). An
/// error answer or one that does not parse is returned as it came.
pub fn amend_api_versions(frame_in: &[u8], version: i16) -> Vec<u8> {
    let amended = (|| {
        let body = frame_in.get(4..)?;
        if i16::from_be_bytes(be(body, 0)?) != 0 {
            return None;
        }
        let flexible = version >= 3;
        let mut at = 2;
        let count = if flexible {
            read_uvarint(body, &mut at)?.checked_sub(1)?
        } else {
            let n = i32::from_be_bytes(be(body, at)?);
            at += 4;
            u64::try_from(n).ok()?
        };
        let mut keys: Vec<&[u8]> = Vec::new();
        for _ in 0..count {
            let start = at;
            at += 6;
            if flexible {
                for _ in 0..read_uvarint(body, &mut at)? {
                    read_uvarint(body, &mut at)?;
                    at += usize::try_from(read_uvarint(body, &mut at)?).ok()?;
                }
            }
            let entry = body.get(start..at)?;
            let key = i16::from_be_bytes(be(entry, 0)?);
            if key != SASL_HANDSHAKE && key != SASL_AUTHENTICATE {
                keys.push(entry);
            }
        }
        let rest = body.get(at..)?;
        let mut out = frame_in[..4].to_vec();
        out.extend_from_slice(&body[..2]);
        let n = keys.len() + 2;
        if flexible {
            write_uvarint(&mut out, n as u64 + 1);
        } else {
            out.extend_from_slice(&(n as i32).to_be_bytes());
        }
        for entry in keys {
            out.extend_from_slice(entry);
        }
        for key in [SASL_HANDSHAKE, SASL_AUTHENTICATE] {
            for v in [key, 0, 1] {
                out.extend_from_slice(&v.to_be_bytes());
            }
            if flexible {
                out.push(0);
            }
        }
        out.extend_from_slice(rest);
        Some(out)
    })();
    amended.unwrap_or_else(|| frame_in.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(frame: &[u8], version: i16) -> Vec<(i16, i16, i16)> {
        let body = &frame[4..];
        let mut at = 2;
        let n = if version >= 3 {
            read_uvarint(body, &mut at).unwrap() - 1
        } else {
            at += 4;
            i32::from_be_bytes(be(body, 2).unwrap()) as u64
        };
        (0..n)
            .map(|_| {
                let e = (0..3)
                    .map(|i| i16::from_be_bytes(be(body, at + 2 * i).unwrap()))
                    .collect::<Vec<_>>();
                at += 6 + usize::from(version >= 3);
                (e[0], e[1], e[2])
            })
            .collect()
    }

    #[test]
    fn api_versions_gain_the_sasl_keys_in_both_encodings_and_keep_the_rest() {
        // Version 0: error, int32 count, entries, nothing after.
        let mut v0 = 7i32.to_be_bytes().to_vec();
        v0.extend_from_slice(&0i16.to_be_bytes());
        v0.extend_from_slice(&2i32.to_be_bytes());
        for v in [0i16, 0, 9, 36, 0, 2] {
            v0.extend_from_slice(&v.to_be_bytes());
        }
        let out = amend_api_versions(&v0, 0);
        assert_eq!(&out[..4], &7i32.to_be_bytes());
        assert_eq!(keys(&out, 0), vec![(0, 0, 9), (17, 0, 1), (36, 0, 1)]);
        // Version 3: compact count, tagged fields per entry, throttle and tags after.
        let mut v3 = 9i32.to_be_bytes().to_vec();
        v3.extend_from_slice(&0i16.to_be_bytes());
        v3.push(2);
        for v in [3i16, 0, 12] {
            v3.extend_from_slice(&v.to_be_bytes());
        }
        v3.extend_from_slice(&[1, 0, 2, 0xaa, 0xbb]); // one tagged field of two bytes
        v3.extend_from_slice(&[0, 0, 0, 5, 0]); // throttle 5, no tags
        let out = amend_api_versions(&v3, 3);
        assert_eq!(out[6], 4, "three entries");
        assert_eq!(&out[7..13], &[0, 3, 0, 0, 0, 12]);
        assert_eq!(&out[13..18], &[1, 0, 2, 0xaa, 0xbb], "an entry's tagged fields are kept");
        assert_eq!(&out[18..32], &[0, 17, 0, 0, 0, 1, 0, 0, 36, 0, 0, 0, 1, 0]);
        assert_eq!(&out[out.len() - 5..], &[0, 0, 0, 5, 0], "the throttle and tags are kept");
        // An error answer passes as it came.
        let mut err = 1i32.to_be_bytes().to_vec();
        err.extend_from_slice(&35i16.to_be_bytes());
        assert_eq!(amend_api_versions(&err, 3), err);
    }

    #[test]
    fn requests_are_read_and_answers_written_as_the_protocol_says() {
        let mut req = [17i16.to_be_bytes(), 1i16.to_be_bytes()].concat();
        req.extend_from_slice(&42i32.to_be_bytes());
        req.extend_from_slice(&3i16.to_be_bytes());
        req.extend_from_slice(b"rdk");
        req.extend_from_slice(&11i16.to_be_bytes());
        req.extend_from_slice(MECHANISM.as_bytes());
        let h = header(&req).unwrap();
        assert_eq!((h.api_key, h.api_version, h.correlation_id, h.body), (17, 1, 42, 13));
        assert_eq!(handshake_mechanism(&req[h.body..]), Some(MECHANISM));
        assert!(header(&req[..12]).is_none(), "a client id longer than the frame");
        assert_eq!(authenticate_bytes(&[0, 0, 0, 2, b'h', b'i']), Some(&b"hi"[..]));
        assert_eq!(authenticate_bytes(&[0, 0, 0, 9, b'h']), None);
        let ok = authenticate_response(5, 1, 0, None);
        assert_eq!(
            ok,
            [&[0, 0, 0, 20][..], &[0, 0, 0, 5, 0, 0, 0xff, 0xff, 0, 0, 0, 0], &[0; 8]].concat()
        );
        let no = authenticate_response(5, 0, SASL_AUTHENTICATION_FAILED, Some("bad"));
        assert_eq!(&no[8..10], &58i16.to_be_bytes());
        assert_eq!(&no[10..15], &[0, 3, b'b', b'a', b'd']);
        assert_eq!(no.len(), 4 + 4 + 2 + 5 + 4);
    }
}
