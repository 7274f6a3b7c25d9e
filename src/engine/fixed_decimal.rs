//! Fixed-point decimals ("%8.3f" coordinates, occupancies, B-factors) read without the general
//! float parser, bit for bit as `str::parse` reads them.
//!
//! Written by hand because `str::parse::<f64>` was a tenth of reading a PDB file: for a digit
//! string with mantissa `m` (exact in the float type) and `k` decimals (`10^k` exact too),
//! `m / 10^k` is one correctly rounded IEEE division, which is the unique correctly rounded
//! value std's parser also returns (Clinger's fast path, the one std itself takes first).
//! Anything else (exponents, long mantissas, `inf`, errors) goes to `str::parse`, so what std
//! refuses is still refused.

/// Exact powers of ten as f64 (10^22 is the largest exactly representable).
const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// Exact powers of ten as f32 (10^10 is the largest exactly representable).
const POW10_F32: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// `[+-]digits[.digits]` with at least one digit and at most 19 (no u64 overflow): whether
/// negative, the digits as an integer, and how many follow the point. `None` for anything else.
#[inline]
fn split(s: &[u8]) -> Option<(bool, u64, usize)> {
    let (neg, s) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    // wrapping: a mantissa past 19 digits is refused below, whatever it wrapped to
    let (mut m, mut i) = (0u64, 0);
    while i < s.len() && s[i].is_ascii_digit() {
        m = m.wrapping_mul(10).wrapping_add(u64::from(s[i] - b'0'));
        i += 1;
    }
    let int = i;
    let mut frac = 0;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            m = m.wrapping_mul(10).wrapping_add(u64::from(s[i] - b'0'));
            i += 1;
            frac += 1;
        }
    }
    (i == s.len() && int + frac > 0 && int + frac <= 19).then_some((neg, m, frac))
}

/// `s.parse::<f64>()`, bit for bit.
#[inline]
pub(crate) fn parse_f64(s: &str) -> Result<f64, std::num::ParseFloatError> {
    match split(s.as_bytes()) {
        Some((neg, m, k)) if m <= 1 << 53 && k < POW10_F64.len() => {
            let v = m as f64 / POW10_F64[k];
            Ok(if neg { -v } else { v })
        }
        _ => s.parse(),
    }
}

/// `s.parse::<f32>()`, bit for bit.
#[inline]
pub(crate) fn parse_f32(s: &str) -> Result<f32, std::num::ParseFloatError> {
    match split(s.as_bytes()) {
        Some((neg, m, k)) if m <= 1 << 24 && k < POW10_F32.len() => {
            let v = m as f32 / POW10_F32[k];
            Ok(if neg { -v } else { v })
        }
        _ => s.parse(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) {
        let (a, b) = (parse_f64(s), s.parse::<f64>());
        assert_eq!(a.as_ref().map(|v| v.to_bits()).ok(), b.as_ref().map(|v| v.to_bits()).ok(), "f64 {s:?}");
        assert_eq!(a.is_err(), b.is_err(), "f64 {s:?}");
        let (a, b) = (parse_f32(s), s.parse::<f32>());
        assert_eq!(a.as_ref().map(|v| v.to_bits()).ok(), b.as_ref().map(|v| v.to_bits()).ok(), "f32 {s:?}");
        assert_eq!(a.is_err(), b.is_err(), "f32 {s:?}");
    }

    #[test]
    fn edge_strings_read_as_std_reads_them() {
        let cases = [
            "-0.000",
            "0.000",
            "  1.5",
            "1.5 ",
            "1e3",
            "1E-3",
            "12345678.123",
            "",
            " .5",
            ".5",
            "5.",
            "+1.0",
            "-",
            "+",
            ".",
            "-.",
            "+.5",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "infinity",
            "1.2.3",
            "1,5",
            "--1",
            "+-1",
            "0x10",
            "9007199254740992",
            "9007199254740993",
            "9007199254740993.0",
            "16777216",
            "16777217",
            "1677721.7",
            "0.0000000001",
            "0.00000000001",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "9999999999999999999",
            "99999999999999999999",
            "00000000000000000000001.5",
            "1_0",
            "١.٥",
            "999.999",
            "-999.999",
            "1.00",
            "99.99",
            "0.1",
            "0.2",
            "0.3",
            "123456.789",
            "-1234.567",
        ];
        for s in cases {
            same(s);
        }
    }

    #[test]
    fn random_decimals_read_as_std_reads_them() {
        // a fixed xorshift: reproducible, no crate
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let r = next();
            let digits = 1 + (r % 21) as usize;
            let point = (r >> 8) as usize % (digits + 2);
            let mut s = String::new();
            match (r >> 16) % 3 {
                0 => s.push('-'),
                1 if (r >> 18) % 4 == 0 => s.push('+'),
                _ => {}
            }
            let mut d = next();
            for i in 0..digits {
                if i == point {
                    s.push('.');
                }
                s.push(char::from(b'0' + (d % 10) as u8));
                d = if d < 10 { next() } else { d / 10 };
            }
            same(&s);
            same(format!("{:8.3}", (next() % 2_000_000_000) as f64 / 1000.0 - 1e6).trim());
            same(&format!("{:.2}", (next() % 100_000_000) as f64 / 100.0));
        }
    }
}
