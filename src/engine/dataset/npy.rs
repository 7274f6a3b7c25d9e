//! NumPy `.npy` (format 1.0) by hand: the format is a magic, a padded Python-dict header and
//! raw little-endian data, so writing it is a few lines, and it spares the crate a second
//! dependency pinned to our ndarray version (ndarray-npy) for what is a byte copy.

use std::path::Path;

use super::DatasetError;

/// Element types the cubes use.
pub trait NpyValue: Copy + Default {
    const DESCR: &'static str;
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
}
impl NpyValue for f32 {
    const DESCR: &'static str = "<f4";
    const SIZE: usize = 4;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}
impl NpyValue for i16 {
    const DESCR: &'static str = "<i2";
    const SIZE: usize = 2;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        i16::from_le_bytes([b[0], b[1]])
    }
}

/// `data` in C order for `shape` (slowest first, e.g. (z, y, x)) as .npy bytes.
pub fn to_npy<T: NpyValue>(data: &[T], shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut head = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {tuple}, }}", T::DESCR);
    // magic(6) + version(2) + length(2) + header, padded with spaces to a multiple of 64, '\n' last
    let total = (10 + head.len() + 1).div_ceil(64) * 64;
    head.push_str(&" ".repeat(total - 10 - head.len() - 1));
    head.push('\n');
    let mut out = Vec::with_capacity(total + data.len() * T::SIZE);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(head.len() as u16).to_le_bytes());
    out.extend_from_slice(head.as_bytes());
    for &v in data {
        v.put(&mut out);
    }
    out
}

/// Read an .npy file written by `to_npy` (or numpy: little-endian, C order, the same dtype).
pub fn read_npy<T: NpyValue>(path: &Path) -> Result<(Vec<T>, Vec<usize>), DatasetError> {
    let bytes = std::fs::read(path).map_err(|e| DatasetError::Read(path.to_path_buf(), e))?;
    let bad = |m: &str| DatasetError::Invalid(path.to_path_buf(), m.to_string());
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" || bytes[6] != 1 {
        return Err(bad("not a version-1 .npy file"));
    }
    let hl = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let head = bytes.get(10..10 + hl).ok_or_else(|| bad("truncated header"))?;
    let head = String::from_utf8_lossy(head);
    if !head.contains(&format!("'descr': '{}'", T::DESCR)) || !head.contains("'fortran_order': False") {
        return Err(bad(&format!("expected dtype {} in C order, header {head}", T::DESCR)));
    }
    let shape_text =
        head.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).ok_or_else(|| bad("no shape"))?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| bad("bad shape")))
        .collect::<Result<_, _>>()?;
    let n: usize = shape.iter().product();
    let body = &bytes[10 + hl..];
    if body.len() != n * T::SIZE {
        return Err(bad(&format!("data has {} bytes, the shape needs {}", body.len(), n * T::SIZE)));
    }
    Ok((body.chunks_exact(T::SIZE).map(T::get).collect(), shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_round_trips() {
        let b = to_npy(&[1.5f32, -2.0, 3.0, 4.0, 5.0, 6.0], &[1, 2, 3]);
        let hl = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hl) % 64, 0);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        std::fs::write(&p, &b).unwrap();
        let (d, s) = read_npy::<f32>(&p).unwrap();
        assert_eq!((d[1], s), (-2.0, vec![1, 2, 3]));
        assert!(read_npy::<i16>(&p).is_err());
    }
}
