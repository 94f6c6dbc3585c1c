//! Envoy's serialized header maps, read and written: a u32 count (little
//! endian), then a (key length, value length) u32 pair per entry, then each
//! key and value followed by a NUL byte. Reading checks every length
//! against the buffer: a malformed map is an error, never a panic.

/// Reads a serialized map into `(name, value)` slices of `bytes`.
pub fn parse(bytes: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    let word = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at.checked_add(4)?)?;
        let b: [u8; 4] = b.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(b)).ok()
    };
    let count = word(0)?;
    let mut at = count.checked_mul(8)?.checked_add(4)?;
    if at > bytes.len() {
        return None;
    }
    let mut map = Vec::with_capacity(count);
    for n in 0..count {
        let key_len = word(4 + n * 8)?;
        let value_len = word(8 + n * 8)?;
        let key_end = at.checked_add(key_len)?;
        let key = bytes.get(at..key_end)?;
        if bytes.get(key_end) != Some(&0) {
            return None;
        }
        at = key_end + 1;
        let value_end = at.checked_add(value_len)?;
        let value = bytes.get(at..value_end)?;
        if bytes.get(value_end) != Some(&0) {
            return None;
        }
        at = value_end + 1;
        map.push((key, value));
    }
    Some(map)
}

/// Serializes `(name, value)` pairs.
pub fn serialize<K: AsRef<[u8]>, V: AsRef<[u8]>>(pairs: &[(K, V)]) -> Vec<u8> {
    let size: usize = pairs
        .iter()
        .map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 10)
        .sum();
    let mut out = Vec::with_capacity(4 + size);
    let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
    out.extend_from_slice(&len(pairs.len()));
    for (k, v) in pairs {
        out.extend_from_slice(&len(k.as_ref().len()));
        out.extend_from_slice(&len(v.as_ref().len()));
    }
    for (k, v) in pairs {
        out.extend_from_slice(k.as_ref());
        out.push(0);
        out.extend_from_slice(v.as_ref());
        out.push(0);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_map_round_trips_and_truncations_are_refused() {
        let pairs: Vec<(&[u8], &[u8])> =
            vec![(b":path", b"/a"), (b"x", b"\xff\x00bin"), (b"", b"")];
        let bytes = serialize(&pairs);
        assert_eq!(parse(&bytes).unwrap(), pairs);
        for cut in 1..bytes.len() {
            assert!(parse(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        assert!(parse(&[0xff, 0xff, 0xff, 0xff]).is_none());
        assert_eq!(parse(&[]).unwrap(), Vec::<(&[u8], &[u8])>::new());
    }
}
