//! Inputs of a bulk run: folders walked for files this tool reads (known by their
//! first bytes, not their names), files named directly, and manifests listing paths;
//! and the deterministic share of them that one shard of a scaled-out run takes.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Every input under `paths`, in a stable order (sorted within each folder) with
/// duplicates dropped. A folder contributes the PDF, PNG, JPEG and TIFF files found
/// in it at any depth, known by their first bytes whatever their names, and the files
/// named as such whatever their bytes (a broken download fails and is recorded, not
/// silently passed over); a file named directly is an input unless
/// it is a manifest (text, one path a line, `#` comments, relative paths taken from
/// the manifest's folder). A path given here must exist; a path a manifest lists
/// that does not is kept as an input, to fail on its own without stopping the rest.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else if let Some(listed) = manifest(p) {
            for l in listed {
                if l.is_dir() {
                    walk(&l, &mut out)?;
                } else {
                    out.push(l);
                }
            }
        } else {
            out.push(p.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    Ok(out)
}

/// `paths` with each folder replaced by the files in it this tool reads, found as
/// [`discover`] finds them; anything else as given, to be read or to fail alone.
pub fn expand_folders(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let io = |e| Error::io(dir, e);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(io)?;
    entries.sort();
    for e in entries {
        // Symlinked folders could loop; only real folders are walked.
        let meta = std::fs::symlink_metadata(&e).map_err(|err| Error::io(&e, err))?;
        if meta.is_dir() {
            walk(&e, out)?;
        } else if std::fs::metadata(&e).is_ok_and(|m| m.is_file())
            && (named_as_report(&e) || head_is_supported(&e))
        {
            out.push(e);
        }
    }
    Ok(())
}

fn head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    std::fs::File::open(path)?
        .take(1024)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

fn head_is_supported(path: &Path) -> bool {
    head(path).is_ok_and(|h| crate::rasterize::is_supported(&h))
}

/// Names that promise a report file: such a file is an input even when its bytes are
/// text (a broken download), so it fails with its reason instead of being read as a
/// list of paths.
const REPORT_EXTENSIONS: [&str; 6] = ["pdf", "png", "jpg", "jpeg", "tif", "tiff"];

fn named_as_report(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| REPORT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The paths a manifest lists, or `None` when `path` is not one: a file this tool
/// reads, a file named as one, or bytes that are not text.
fn manifest(path: &Path) -> Option<Vec<PathBuf>> {
    if named_as_report(path) || head_is_supported(path) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    if text.contains('\0') {
        return None;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| base.join(l))
            .collect(),
    )
}

/// The name each input's outputs take in a folder, without extension: its file stem,
/// or where inputs share one (`2021/report.pdf`, `2022/report.pdf`), the names of as
/// many of its folders as tell them apart, joined by `-` before it (`2021-report`), so
/// no output overwrites another. Inputs alike to the root are numbered in order.
pub fn output_names(inputs: &[PathBuf]) -> Vec<String> {
    let parts = |p: &Path| -> Vec<String> {
        p.iter()
            .map(|c| c.to_string_lossy().into_owned())
            .filter(|c| !matches!(c.as_str(), "/" | "." | ".." | ""))
            .collect()
    };
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into())
    };
    // The stem with the last `depth` folder names before it.
    let named = |p: &Path, depth: usize| {
        let parts = parts(p);
        let folders = &parts[..parts.len().saturating_sub(1)];
        let mut name: Vec<String> = folders[folders.len().saturating_sub(depth)..].to_vec();
        name.push(stem(p));
        name.join("-")
    };
    let mut names: Vec<String> = inputs.iter().map(|p| stem(p)).collect();
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, n) in names.iter().enumerate() {
        groups.entry(n.clone()).or_default().push(i);
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let deepest = members.iter().map(|&i| parts(&inputs[i]).len()).max();
        let apart = (1..deepest.unwrap_or(0)).find_map(|depth| {
            let deeper: Vec<String> = members.iter().map(|&i| named(&inputs[i], depth)).collect();
            let distinct: std::collections::HashSet<&String> = deeper.iter().collect();
            (distinct.len() == deeper.len()).then_some(deeper)
        });
        for (&i, name) in members.iter().zip(apart.into_iter().flatten()) {
            names[i] = name;
        }
    }
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for n in &mut names {
        let k = seen.entry(n.clone()).or_default();
        *k += 1;
        if *k > 1 {
            *n = format!("{n}-{k}");
        }
    }
    names
}

/// One shard of a run split `count` ways: shard `index` (0-based, as a Kubernetes
/// Indexed Job's `JOB_COMPLETION_INDEX`) takes the documents whose content hash falls
/// to it, so every copy of a file lands in the same shard wherever it sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// All of the inputs.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `K/N` with `0 <= K < N`.
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard {s:?} is not K/N (e.g. 0/4)"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("shard index {k:?} is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count {n:?} is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {s}: K counts from 0 and must be below N"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the document with hex content hash `sha256` belongs to this shard.
    pub fn takes(&self, sha256: &str) -> bool {
        let lead = u64::from_str_radix(&sha256[..sha256.len().min(16)], 16).unwrap_or(0);
        lead % self.count == self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn temp_dir(name: &str) -> PathBuf {
        crate::scratch::fresh_dir(&format!("inputs-{name}"))
    }

    #[test]
    fn folders_give_readable_files_by_content_and_manifests_list_paths() {
        let d = temp_dir("walk");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/report.bin"), b"%PDF-1.7\n...").unwrap();
        std::fs::write(d.join("a.png"), b"\x89PNG\r\n\x1a\n").unwrap();
        std::fs::write(d.join("broken.pdf"), b"just text").unwrap();
        std::fs::write(d.join("notes.txt"), b"just text").unwrap();
        let found = discover(std::slice::from_ref(&d)).unwrap();
        let expected = ["a.png", "broken.pdf", "sub/report.bin"].map(|f| d.join(f));
        assert_eq!(found, expected);

        let list = d.join("list.txt");
        std::fs::write(&list, "# reports\nsub/report.bin\n\na.png\ngone.pdf\n").unwrap();
        let listed = discover(&[list.clone(), d.join("a.png"), d.join("broken.pdf")]).unwrap();
        let expected = ["sub/report.bin", "a.png", "gone.pdf", "broken.pdf"].map(|f| d.join(f));
        assert_eq!(listed, expected);

        // Without manifests, a text file given is an input (to fail alone), as is a
        // path that does not exist.
        let named = [d.clone(), list.clone(), d.join("gone.pdf")];
        let expected = [
            "a.png",
            "broken.pdf",
            "sub/report.bin",
            "list.txt",
            "gone.pdf",
        ];
        assert_eq!(expand_folders(&named).unwrap(), expected.map(|f| d.join(f)));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn outputs_of_inputs_sharing_a_stem_take_their_folders_names() {
        let paths = |ps: &[&str]| ps.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(
            output_names(&paths(&[
                "a/2021/report.pdf",
                "a/2022/report.pdf",
                "b/x.tif"
            ])),
            ["2021-report", "2022-report", "x"]
        );
        assert_eq!(
            output_names(&paths(&["p/2021/scan.pdf", "q/2021/scan.pdf", "scan.png"])),
            ["p-2021-scan", "q-2021-scan", "scan"]
        );
        assert_eq!(
            output_names(&paths(&["/r/scan.pdf", "/r/scan.tif", "/r/one.pdf"])),
            ["scan", "scan-2", "one"]
        );
    }

    #[test]
    fn a_missing_path_names_itself() {
        let err = discover(&[PathBuf::from("/no/such/archive")]).unwrap_err();
        assert!(err.to_string().contains("/no/such/archive"));
    }

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!(Shard::parse("1/3"), Ok(Shard { index: 1, count: 3 }));
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("1").is_err());
        assert!(Shard::parse("a/2").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]
        #[test]
        fn every_hash_falls_to_exactly_one_shard(bytes in proptest::collection::vec(any::<u8>(), 32), n in 1u64..9) {
            let sha: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let takers = (0..n).filter(|&k| Shard { index: k, count: n }.takes(&sha)).count();
            prop_assert_eq!(takers, 1);
        }
    }
}
