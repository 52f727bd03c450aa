//! Quantities as people write them: `10M` events, `2KiB` bodies.

/// A count: `250000`, `100k`, `10M`, `1.5B` (k, M, B: thousands, millions, billions).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, factor) = match text.char_indices().last() {
        Some((at, 'k' | 'K')) => (&text[..at], 1e3),
        Some((at, 'm' | 'M')) => (&text[..at], 1e6),
        Some((at, 'b' | 'B' | 'g' | 'G')) => (&text[..at], 1e9),
        _ => (text, 1.0),
    };
    let value: f64 = number.trim().replace('_', "").parse().map_err(|_| {
        format!("{text:?} is not a count: write a number, with k, M or B for thousands, millions, billions (10M)")
    })?;
    let count = value * factor;
    if !count.is_finite() || !(1.0..=1e15).contains(&count) {
        return Err(format!("{text:?} is out of range: from 1 to 10^15"));
    }
    // Within range and finite: the cast cannot truncate anything that matters.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(count.round() as u64)
}

/// A size: `512`, `512B`, `2KiB`, `2KB`, `1.5MiB`, `1MB` (KB and MB are 1000 and 10^6 bytes).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "kib" | "k" => 1024.0,
        "mb" => 1e6,
        "mib" | "m" => 1024.0 * 1024.0,
        _ => return Err(format!("{text:?}: the unit is one of B, KB, KiB, MB, MiB (2KiB)")),
    };
    let value: f64 =
        number.trim().parse().map_err(|_| format!("{text:?} is not a size: a number and a unit, such as 2KiB"))?;
    let bytes = value * factor;
    if !bytes.is_finite() || !(1.0..=6.0 * 1024.0 * 1024.0).contains(&bytes) {
        return Err(format!("{text:?} is out of range: from 1 byte to 6 MiB (Lambda's payload limit)"));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(parse_count("10M"), Ok(10_000_000));
        assert_eq!(parse_count("100k"), Ok(100_000));
        assert_eq!(parse_count("1.5B"), Ok(1_500_000_000));
        assert_eq!(parse_count("250000"), Ok(250_000));
        assert!(parse_count("ten").unwrap_err().contains("not a count"));
        assert!(parse_count("0").unwrap_err().contains("out of range"));
        assert!(parse_count("-5M").unwrap_err().contains("out of range"));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_bytes("2KiB"), Ok(2048));
        assert_eq!(parse_bytes("2KB"), Ok(2000));
        assert_eq!(parse_bytes("512"), Ok(512));
        assert_eq!(parse_bytes("1MiB"), Ok(1_048_576));
        assert!(parse_bytes("2 parsecs").unwrap_err().contains("unit"));
        assert!(parse_bytes("7MiB").unwrap_err().contains("out of range"));
    }
}
