//! Trains the digit network of `nianbao::digits` on images rendered by
//! `models/digits/render_samples.py`, through the same cropping and segmentation the
//! converter uses, and writes `models/digits/model.json`.
//!
//! cargo run --release --example train_digits -- SAMPLES_DIR [OUT_JSON] [HELD_OUT_FONT...]
//!
//! Samples in the held-out fonts are not trained on; their accuracy is reported as the
//! measure of how the model reads typefaces it has not seen.

use nianbao::crop::{self, CropOptions};
use nianbao::digits::{self, DigitModel, GlyphKind, N_CLASSES, N_FEATURES};
use nianbao::geometry::PixelBox;
use nianbao::normalize;
use nianbao::ocr::ReadKind;
use std::path::{Path, PathBuf};

const HIDDEN: usize = 64;
const EPOCHS: usize = 40;
const BATCH: usize = 32;
const LEARNING_RATE: f32 = 0.03;
const MOMENTUM: f32 = 0.9;
const WEIGHT_DECAY: f32 = 1e-4;

/// A fixed-seed generator, so a retrain gives the same model.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32) / (1u64 << 24) as f32
    }
}

struct Sample {
    x: Vec<f32>,
    y: usize,
    held_out: bool,
}

fn samples(dir: &Path, held_out: &[String]) -> (Vec<Sample>, usize, usize) {
    let labels = std::fs::read_to_string(dir.join("labels.tsv")).expect("labels.tsv");
    let (mut out, mut images, mut mismatched) = (Vec::new(), 0, 0);
    let opts = CropOptions::default();
    for line in labels.lines() {
        let mut f = line.split('\t');
        let (Some(file), Some(text), Some(font)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        images += 1;
        let gray = image::open(dir.join(file))
            .expect("sample image")
            .to_luma8();
        let ink = normalize::sauvola(&gray, 15, 0.2);
        let frame = PixelBox::from_corners(0, 0, gray.width() as i32, gray.height() as i32);
        let cell = crop::analyze(&gray, &ink, frame, 150, &opts);
        let Some((img, _)) = crop::render(&gray, &cell, 150, ReadKind::Number, &opts) else {
            mismatched += 1;
            continue;
        };
        let glyphs = digits::segment(&img);
        let kinds: Vec<GlyphKind> = glyphs.iter().map(|g| g.kind).collect();
        let want: Vec<GlyphKind> = text
            .chars()
            .map(|c| match c {
                '.' => GlyphKind::Point,
                '-' => GlyphKind::Minus,
                _ => GlyphKind::Digit,
            })
            .collect();
        if kinds != want {
            if mismatched < show_mismatches() {
                let boxes: Vec<String> = glyphs
                    .iter()
                    .map(|g| format!("{}..{}x{}..{}", g.bbox.x0, g.bbox.x1, g.bbox.y0, g.bbox.y1))
                    .collect();
                eprintln!(
                    "{file} {text:?} ({font}): segmented as {kinds:?} {}",
                    boxes.join(" ")
                );
                let _ = img.save(std::env::temp_dir().join(format!("mismatch-{file}")));
            }
            mismatched += 1;
            continue;
        }
        for (g, c) in glyphs.into_iter().zip(text.chars()) {
            if let Some(d) = c.to_digit(10) {
                out.push(Sample {
                    x: g.features,
                    y: d as usize,
                    held_out: held_out.iter().any(|h| h == font),
                });
            }
        }
    }
    (out, images, mismatched)
}

/// How many segmentation failures to list (`SHOW_MISMATCHES`), for looking into them.
fn show_mismatches() -> usize {
    std::env::var("SHOW_MISMATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn accuracy(model: &DigitModel, set: &[&Sample]) -> f32 {
    let right = set
        .iter()
        .filter(|s| {
            let p = model.probabilities(&s.x);
            (0..N_CLASSES).max_by(|a, b| p[*a].total_cmp(&p[*b])) == Some(s.y)
        })
        .count();
    right as f32 / set.len().max(1) as f32
}

/// A network of the trained shape with every parameter zero (gradients, momenta).
fn zeros() -> DigitModel {
    DigitModel {
        hidden: HIDDEN,
        w1: vec![0.0; HIDDEN * N_FEATURES],
        b1: vec![0.0; HIDDEN],
        w2: vec![0.0; N_CLASSES * HIDDEN],
        b2: vec![0.0; N_CLASSES],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.first()
            .expect("usage: train_digits SAMPLES_DIR [OUT_JSON] [HELD_OUT_FONT...]"),
    );
    let out = PathBuf::from(
        args.get(1)
            .cloned()
            .unwrap_or_else(|| "models/digits/model.json".into()),
    );
    let held_out: Vec<String> = args.iter().skip(2).cloned().collect();
    let (all, images, mismatched) = samples(&dir, &held_out);
    eprintln!(
        "{images} images, {mismatched} whose segmentation disagreed with their text ({:.1}%), {} digit glyphs",
        100.0 * mismatched as f32 / images.max(1) as f32,
        all.len()
    );
    let train: Vec<&Sample> = all.iter().filter(|s| !s.held_out).collect();
    let test: Vec<&Sample> = all.iter().filter(|s| s.held_out).collect();

    let mut rng = Lcg(20261122);
    let mut init = |n: usize, fan_in: usize| -> Vec<f32> {
        let s = (2.0 / fan_in as f32).sqrt();
        (0..n).map(|_| (rng.next() * 2.0 - 1.0) * s * 1.7).collect()
    };
    let mut m = DigitModel {
        hidden: HIDDEN,
        w1: init(HIDDEN * N_FEATURES, N_FEATURES),
        b1: vec![0.0; HIDDEN],
        w2: init(N_CLASSES * HIDDEN, HIDDEN),
        b2: vec![0.0; N_CLASSES],
    };
    let mut vel = zeros();
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut shuffle = Lcg(7);
    for epoch in 0..EPOCHS {
        for i in (1..order.len()).rev() {
            let j = (shuffle.next() * (i + 1) as f32) as usize % (i + 1);
            order.swap(i, j);
        }
        let lr = LEARNING_RATE * (1.0 - epoch as f32 / EPOCHS as f32).max(0.05);
        let mut loss = 0.0;
        for batch in order.chunks(BATCH) {
            let mut g = zeros();
            for &i in batch {
                let s = train[i];
                let h = m.hidden_layer(&s.x);
                let p = m.probabilities(&s.x);
                loss -= p[s.y].max(1e-9).ln();
                let mut dh = vec![0f32; HIDDEN];
                for (k, pk) in p.iter().enumerate() {
                    let dl = pk - (k == s.y) as u8 as f32;
                    g.b2[k] += dl;
                    for j in 0..HIDDEN {
                        g.w2[k * HIDDEN + j] += dl * h[j];
                        dh[j] += dl * m.w2[k * HIDDEN + j];
                    }
                }
                for j in 0..HIDDEN {
                    if h[j] <= 0.0 {
                        continue;
                    }
                    g.b1[j] += dh[j];
                    let row = &mut g.w1[j * N_FEATURES..(j + 1) * N_FEATURES];
                    for (w, x) in row.iter_mut().zip(&s.x) {
                        *w += dh[j] * x;
                    }
                }
            }
            let n = batch.len() as f32;
            let step = |p: &mut [f32], v: &mut [f32], g: &[f32], decay: f32| {
                for ((p, v), g) in p.iter_mut().zip(v.iter_mut()).zip(g) {
                    *v = MOMENTUM * *v - lr * (g / n + decay * *p);
                    *p += *v;
                }
            };
            step(&mut m.w1, &mut vel.w1, &g.w1, WEIGHT_DECAY);
            step(&mut m.b1, &mut vel.b1, &g.b1, 0.0);
            step(&mut m.w2, &mut vel.w2, &g.w2, WEIGHT_DECAY);
            step(&mut m.b2, &mut vel.b2, &g.b2, 0.0);
        }
        if epoch % 5 == 4 || epoch + 1 == EPOCHS {
            eprintln!(
                "epoch {:2}: loss {:.4}, train {:.4}, held-out fonts {:.4} ({} glyphs)",
                epoch + 1,
                loss / train.len() as f32,
                accuracy(&m, &train),
                accuracy(&m, &test),
                test.len()
            );
        }
    }
    let round = |v: &mut Vec<f32>| v.iter_mut().for_each(|x| *x = (*x * 1e5).round() / 1e5);
    for v in [&mut m.w1, &mut m.b1, &mut m.w2, &mut m.b2] {
        round(v);
    }
    std::fs::write(&out, serde_json::to_string(&m).expect("model serializes"))
        .expect("write model");
    eprintln!("wrote {}", out.display());
}
