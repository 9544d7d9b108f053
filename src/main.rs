//! The `nianbao` command: parses arguments and wires the library's output to files,
//! stdout and a progress line.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use nianbao::batch::convert_all;
use nianbao::ocr::{find_tessdata, TesseractReader, TextReader};
use nianbao::rasterize::PdfiumRasterizer;
use nianbao::{Engine, EngineOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "nianbao",
    version,
    about = "Turns scanned 政府信息公开工作年度报告 into exact, structured JSON"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert reports (scanned or born-digital PDF, PNG, JPEG, TIFF) into the JSON of
    /// report-model.md: every table cell with its value, what OCR read, a confidence,
    /// its page and pixel box, plus the format's arithmetic checks and a review queue.
    ///
    /// Examples:
    ///   nianbao convert report.pdf > report.json
    ///   nianbao convert archive/*.pdf -o out/ --jobs 2
    ///   nianbao convert scan.png --debug-dir debug/   (PNG overlays of what was found)
    ///
    /// Exit status: 0 when every input converted, 1 when some failed (the others are
    /// still written; each failure is named on stderr), 2 for bad usage.
    #[command(verbatim_doc_comment)]
    Convert(ConvertArgs),
}

#[derive(clap::Args)]
struct ConvertArgs {
    /// Input files: PDF, PNG, JPEG or TIFF (a multi-page TIFF is one report).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Write one <stem>.json per input into this folder (created if missing).
    /// Without it a single input's JSON goes to stdout.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Resolution for rendering PDF pages that are not one scanned image. Scanned pages
    /// are always read at their own resolution.
    #[arg(long, default_value_t = 300, value_name = "N", value_parser = clap::value_parser!(u32).range(72..=1200))]
    dpi: u32,
    /// Write per-page PNG overlays (rules, cell boxes, values read) into this folder.
    #[arg(long, value_name = "DIR")]
    debug_dir: Option<PathBuf>,
    /// Files converted at once, each worker with its own OCR engine.
    #[arg(short, long, default_value_t = 1, value_name = "N")]
    jobs: usize,
    /// The pdfium shared library (libpdfium.so). Default: $NIANBAO_PDFIUM, then
    /// .nianbao/lib/libpdfium.so put there by scripts/setup.sh, then the system's.
    #[arg(long, value_name = "PATH")]
    pdfium: Option<PathBuf>,
    /// Tesseract data folder holding chi_sim.traineddata. Default: $NIANBAO_TESSDATA, then
    /// models/, then $TESSDATA_PREFIX, then Debian's /usr/share/tesseract-ocr/5/tessdata.
    #[arg(long, value_name = "DIR")]
    tessdata: Option<PathBuf>,
    /// Cells with a lower (calibrated) confidence go to the review queue.
    #[arg(long, default_value_t = nianbao::review::REVIEW_BELOW, value_name = "P")]
    review_below: f32,
    /// Also write each cell's calibration inputs: `evidence` (confirmed, unchecked,
    /// failed, repaired, placed, printed) and `score`, what models/calibration/fit.py
    /// fits the calibration on.
    #[arg(long)]
    explain_confidence: bool,
    /// No progress line on stderr.
    #[arg(short, long)]
    quiet: bool,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(args) => match convert(args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("nianbao: {e:#}");
                ExitCode::from(1)
            }
        },
    }
}

/// Returns whether every input converted.
fn convert(args: ConvertArgs) -> anyhow::Result<bool> {
    if args.inputs.len() > 1 && args.output.is_none() {
        bail!(
            "{} inputs need -o DIR (stdout takes one document)",
            args.inputs.len()
        );
    }
    let tessdata = match &args.tessdata {
        Some(d) => d.clone(),
        None => find_tessdata(Path::new("models"))
            .context("no tessdata with chi_sim.traineddata found; run scripts/setup.sh or pass --tessdata DIR")?,
    };
    let pdf = PdfiumRasterizer::load(args.pdfium.as_deref())?;
    let mut options = EngineOptions {
        dpi: args.dpi,
        ..Default::default()
    };
    options.review.review_below = args.review_below;
    options.review.explain_confidence = args.explain_confidence;
    let engine = Engine::new(&pdf, options);
    for dir in [&args.output, &args.debug_dir].into_iter().flatten() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let total = args.inputs.len();
    let (mut finished, mut failed) = (0usize, 0usize);
    let started = std::time::Instant::now();
    let make_reader = || -> nianbao::Result<Box<dyn TextReader>> {
        Ok(Box::new(TesseractReader::new(&tessdata)?))
    };
    convert_all(
        &engine,
        &args.inputs,
        args.jobs,
        make_reader,
        |_, path, result| {
            finished += 1;
            let outcome = result.map_err(anyhow::Error::from).and_then(|conv| {
                if let Some(dir) = &args.debug_dir {
                    write_debug(dir, path, &conv)?;
                }
                write_document(args.output.as_deref(), path, &conv.into_document()?)
            });
            if let Err(e) = outcome {
                failed += 1;
                eprintln!("\r\x1b[2Knianbao: {e:#}");
            }
            if !args.quiet && total > 1 {
                eprint!(
                    "\r\x1b[2K[{finished}/{total}] {failed} failed, {:.1}s — {}",
                    started.elapsed().as_secs_f32(),
                    path.display()
                );
                if finished == total {
                    eprintln!();
                }
            }
        },
    );
    Ok(failed == 0)
}

fn write_document(
    dir: Option<&Path>,
    input: &Path,
    doc: &nianbao::model::Document,
) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(doc)?;
    match dir {
        Some(d) => {
            let out = d.join(format!("{}.json", stem(input)));
            std::fs::write(&out, json + "\n")
                .with_context(|| format!("cannot write {}", out.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{json}").context("cannot write to stdout")
        }
    }
}

fn write_debug(dir: &Path, input: &Path, conv: &nianbao::engine::Conversion) -> anyhow::Result<()> {
    for page in &conv.pages {
        let img = nianbao::debug::overlay(page, &conv.read, &conv.document);
        let out = dir.join(format!("{}-p{}.png", stem(input), page.number));
        img.save(&out)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    Ok(())
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into())
}
