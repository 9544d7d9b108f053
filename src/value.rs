//! Value: turns what OCR read in a numeric cell into the number the model stores,
//! keeping every printed digit of an amount.

use crate::template::ValueKind;

/// A cell's text as a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    /// Printed empty.
    Empty,
    /// The canonical digits, e.g. `-3`, `879.127651`.
    Number(String),
    /// A number printed as the format never prints one (a count with leading zeros,
    /// `010`): in canonical form, but most likely a misread (a speck read as 0).
    Doubtful(String),
    /// Something that is not a number of this kind.
    Unreadable,
}

/// Parses a count (optionally negative integer) or an amount (decimal).
pub fn parse(text: &str, kind: ValueKind) -> Parsed {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .map(|c| match c {
            '－' | '—' | '–' => '-',
            '．' | '。' => '.',
            c if ('０'..='９').contains(&c) => {
                char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
            }
            c => c,
        })
        .collect();
    if t.is_empty() {
        return Parsed::Empty;
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let valid = match kind {
        ValueKind::Count => !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()),
        ValueKind::Amount => {
            let mut parts = digits.split('.');
            let int = parts.next().unwrap_or("");
            let frac = parts.next();
            parts.next().is_none()
                && !int.is_empty()
                && int.chars().all(|c| c.is_ascii_digit())
                && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
        }
    };
    if !valid {
        return Parsed::Unreadable;
    }
    let (int, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    let leading_zeros = int.len() > 1 && int.starts_with('0');
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let mut s = String::new();
    if neg && (int != "0" || frac.is_some_and(|f| f.chars().any(|c| c != '0'))) {
        s.push('-');
    }
    s.push_str(int);
    if let Some(f) = frac {
        s.push('.');
        s.push_str(f);
    }
    if leading_zeros {
        Parsed::Doubtful(s)
    } else {
        Parsed::Number(s)
    }
}

/// [`parse`] for what OCR read. A count has no point: one between its digits (69.3)
/// is a speck or a misread comma, so the digits stand as the count, never a sure one.
/// What a person types is parsed strictly.
pub fn parse_read(text: &str, kind: ValueKind) -> Parsed {
    match parse(text, kind) {
        Parsed::Unreadable if kind == ValueKind::Count => {
            let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let speck = t.split_once(['.', '．', '。']).is_some_and(|(a, b)| {
                [a, b]
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            });
            match speck {
                true => match parse(&t.replace(['.', '．', '。'], ""), kind) {
                    Parsed::Number(d) | Parsed::Doubtful(d) => Parsed::Doubtful(d),
                    other => other,
                },
                false => Parsed::Unreadable,
            }
        }
        other => other,
    }
}

/// The parsed number as a JSON number with exactly its digits.
pub fn to_json(digits: &str) -> Option<serde_json::Number> {
    digits.parse().ok()
}

/// A count as an integer, for the arithmetic checks.
pub fn as_integer(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let s = n.to_string();
        let (i, f) = s.split_once('.')?;
        f.chars().all(|c| c == '0').then(|| i.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValueKind::*;

    #[test]
    fn counts_and_amounts() {
        assert_eq!(parse("26617", Count), Parsed::Number("26617".into()));
        assert_eq!(parse(" 1 2 ", Count), Parsed::Number("12".into()));
        assert_eq!(parse("-3", Count), Parsed::Number("-3".into()));
        assert_eq!(
            parse("879.127651", Amount),
            Parsed::Number("879.127651".into())
        );
        assert_eq!(parse("0.0000", Amount), Parsed::Number("0.0000".into()));
        assert_eq!(parse("", Count), Parsed::Empty);
        assert_eq!(parse("010", Count), Parsed::Doubtful("10".into()));
        assert_eq!(parse("00.5", Amount), Parsed::Doubtful("0.5".into()));
        assert_eq!(parse("1.5", Count), Parsed::Unreadable);
        assert_eq!(parse("1..5", Amount), Parsed::Unreadable);
        assert_eq!(parse("-", Count), Parsed::Unreadable);
    }

    #[test]
    fn a_point_in_a_read_count_is_a_speck_but_a_typed_one_is_an_error() {
        assert_eq!(parse_read("69.3", Count), Parsed::Doubtful("693".into()));
        assert_eq!(parse("69.3", Count), Parsed::Unreadable);
        assert_eq!(parse_read("1.5.3", Count), Parsed::Unreadable);
        assert_eq!(parse_read(".5", Count), Parsed::Unreadable);
        assert_eq!(parse_read("0.5", Amount), Parsed::Number("0.5".into()));
    }

    #[test]
    fn json_keeps_every_printed_digit() {
        let n = to_json("879.127650").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "879.127650");
        assert_eq!(as_integer(&to_json("12").unwrap()), Some(12));
    }
}
