//! What cryolabel takes from an EMDB header XML: the resolution, the author's recommended
//! contour level and the fitted PDB ids. Both of EMDB's layouts are read: v3
//! (`emd/map/contour_list/contour[@primary]/level`, `emd/crossreferences/pdb_list/pdb_reference/
//! pdb_id`, `.../final_reconstruction/resolution`) and the older v1.9 (`emdEntry/map/
//! contourLevel`, `emdEntry/experiment/fitting/pdbEntryIdList/entryId`,
//! `emdEntry/processing/reconstruction/resolutionByAuthor`).

use std::path::Path;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::ArchiveError;
use super::ids::PdbId;

/// The header's facts that matter here; each is None/empty when the header does not say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EmdbHeader {
    pub title: Option<String>,
    /// Resolution by author, Å.
    pub resolution: Option<f64>,
    /// The author's recommended contour level (the primary one when several are listed).
    pub contour: Option<f32>,
    /// Fitted models, in the header's order.
    pub fitted: Vec<PdbId>,
}

/// One contour of v3's contour_list: (primary, level).
type Contour = (bool, Option<f32>);

/// Parse header XML text; `path` names it in errors.
pub fn parse_header(text: &str, path: &Path) -> Result<EmdbHeader, ArchiveError> {
    let bad = |why: String| ArchiveError::Header { path: path.to_path_buf(), why };
    // no trim_text: it would trim around entity references ("A &amp; B"); texts are trimmed
    // when taken
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    let mut h = EmdbHeader::default();
    let mut contours: Vec<Contour> = Vec::new();
    let mut root: Option<String> = None;
    loop {
        let ev = reader.read_event().map_err(|e| bad(format!("not well-formed XML: {e}")))?;
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                if name == "contour" {
                    let primary = e
                        .try_get_attribute("primary")
                        .ok()
                        .flatten()
                        .map(|a| String::from_utf8_lossy(&a.value).trim().eq_ignore_ascii_case("true"));
                    contours.push((primary.unwrap_or(false), None));
                }
                root.get_or_insert_with(|| name.clone());
                stack.push(name);
                text_buf.clear();
            }
            Event::Text(t) => text_buf.push_str(&t.decode().map_err(|e| bad(format!("bad text: {e}")))?),
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| bad(format!("bad entity: {e}")))?;
                match r.resolve_char_ref().ok().flatten() {
                    Some(c) => text_buf.push(c),
                    None => text_buf.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap_or("")),
                }
            }
            Event::End(_) => {
                take_element(&stack, text_buf.trim(), &mut h, &mut contours, &bad)?;
                stack.pop();
                text_buf.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if root.as_deref().is_none_or(|r| r != "emd" && r != "emdEntry") {
        return Err(bad("not an EMDB header (no <emd> or <emdEntry> root)".into()));
    }
    // the primary contour, else the first one listed
    h.contour = h.contour.or_else(|| {
        contours.iter().find(|c| c.0 && c.1.is_some()).or_else(|| contours.iter().find(|c| c.1.is_some()))?.1
    });
    Ok(h)
}

/// Take the text of the element that just ended, by its path.
fn take_element(
    stack: &[String],
    text: &str,
    h: &mut EmdbHeader,
    contours: &mut [Contour],
    bad: &dyn Fn(String) -> ArchiveError,
) -> Result<(), ArchiveError> {
    let ends = |tail: &[&str]| stack.len() >= tail.len() && stack[stack.len() - tail.len()..].iter().eq(tail.iter());
    let number = |what: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(format!("{what} {text:?} is not a number")))
    };
    if ends(&["contour_list", "contour", "level"]) {
        let level = number("contour level")? as f32;
        if let Some(c) = contours.last_mut() {
            c.1 = Some(level);
        }
    } else if ends(&["map", "contourLevel"]) && h.contour.is_none() {
        h.contour = Some(number("contourLevel")? as f32);
    } else if ends(&["pdb_reference", "pdb_id"]) || ends(&["pdbEntryIdList", "entryId"]) {
        let id = PdbId::new(text).ok_or_else(|| bad(format!("fitted model {text:?} is not a PDB id")))?;
        if !h.fitted.contains(&id) {
            h.fitted.push(id);
        }
    } else if (ends(&["final_reconstruction", "resolution"]) || ends(&["reconstruction", "resolutionByAuthor"]))
        && h.resolution.is_none()
    {
        h.resolution = Some(number("resolution")?).filter(|r| *r > 0.0);
    } else if (ends(&["admin", "title"]) || ends(&["deposition", "title"])) && h.title.is_none() {
        h.title = Some(text.to_string());
    }
    Ok(())
}

/// Read and parse a header file.
pub fn read_header(path: &Path) -> Result<EmdbHeader, ArchiveError> {
    let text = std::fs::read_to_string(path).map_err(|e| ArchiveError::Io { path: path.to_path_buf(), source: e })?;
    parse_header(&text, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_sample() {
        let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/real/5ni1/emd-3488-header.xml"));
        let h = read_header(p).unwrap();
        assert_eq!(h.resolution, Some(3.2));
        assert_eq!(h.contour, Some(0.12));
        let ids: Vec<&str> = h.fitted.iter().map(|p| p.as_str()).collect();
        assert_eq!(ids, ["5me2", "5ni1"]);
        assert!(h.title.unwrap().starts_with("Cryo-EM structure of haemoglobin"));
    }

    #[test]
    fn primary_contour_wins_and_v19_layout_reads() {
        let x = r#"<emd><map><contour_list><contour primary="false"><level>0.5</level></contour>
            <contour primary="true"><level>0.25</level></contour></contour_list></map></emd>"#;
        assert_eq!(parse_header(x, Path::new("x")).unwrap().contour, Some(0.25));
        let old = r#"<emdEntry><deposition><title>A &amp; B</title></deposition>
            <map><contourLevel source="author">1.5</contourLevel></map>
            <experiment><fitting><pdbEntryIdList><entryId>1ABC</entryId></pdbEntryIdList></fitting></experiment>
            <processing><reconstruction><resolutionByAuthor>4.5</resolutionByAuthor></reconstruction></processing></emdEntry>"#;
        let h = parse_header(old, Path::new("x")).unwrap();
        assert_eq!((h.contour, h.resolution, h.fitted[0].as_str()), (Some(1.5), Some(4.5), "1abc"));
        assert_eq!(h.title.as_deref(), Some("A & B"));
    }

    #[test]
    fn bad_headers_are_errors() {
        assert!(parse_header("<emd><map><contour_list><contour><level>x</level>", Path::new("h.xml")).is_err());
        assert!(parse_header("<html>404</html>", Path::new("h.xml")).is_err());
        assert!(parse_header("<emd><a></b></emd>", Path::new("h.xml")).is_err());
    }
}
