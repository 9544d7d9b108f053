//! The `nianbao` command: parses arguments and wires the library's output to files,
//! stdout and a progress line.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use nianbao::batch::convert_all;
use nianbao::ocr::{find_tessdata, TesseractReader, TextReader};
use nianbao::rasterize::{Limits, LoadOptions, PdfiumRasterizer};
use nianbao::{Engine, EngineOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod commands;

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
    /// its page and pixel box, plus the format's arithmetic checks and a review queue,
    /// and the prose around the tables (preamble, the six sections, title, date).
    ///
    /// Examples:
    ///   nianbao convert report.pdf > report.json
    ///   nianbao convert archive/*.pdf -o out/ --jobs 2
    ///   nianbao convert scans/ -o out/   (every PDF, PNG, JPEG, TIFF under scans/)
    ///   nianbao convert scan.png --debug-dir debug/   (PNG overlays of what was found)
    ///
    /// Bad input fails alone, one line on stderr naming the file and the problem:
    /// not a PDF or image, damaged or truncated, encrypted (--password), no pages, or
    /// over a limit (--max-page-pixels, --max-pages, --max-file-mb; each says which).
    /// A document with no report tables is still written, without tables, and warned
    /// about; so is a table of values that is none of the format's (left out).
    ///
    /// Exit status: 0 when every input converted (warnings or not), 1 when some failed
    /// (the others are still written), 2 for bad usage or an output that cannot be
    /// written.
    #[command(verbatim_doc_comment)]
    Convert(ConvertArgs),
    /// Convert a whole archive of reports into an SQLite archive, resumably.
    ///
    /// Folders are walked for PDF, PNG, JPEG and TIFF files (known by content, not by
    /// name); a text file given as PATH is a manifest, one path a line. Each document
    /// is keyed by its content hash and committed in one transaction: run the same
    /// command again after a crash or kill and it goes on where it stopped, converting
    /// nothing twice. Failed files are recorded with their error and skipped on later
    /// runs unless --retry-failed.
    ///
    /// Examples:
    ///   nianbao batch scans/ --db archive.sqlite
    ///   nianbao batch list.txt --db archive.sqlite --jobs 8 --retry-failed
    ///   nianbao batch scans/ --db shard-3.sqlite --shard 3/16   (one of 16 machines)
    ///
    /// One batch run per archive at a time: a second one refuses at once, naming the
    /// first. If the disk fills, the run stops with what it committed kept; free space
    /// and run again. A read-only archive is refused before any work.
    ///
    /// Exit status: 0 when every input is in the archive converted, 1 when some failed
    /// (they are recorded; the others are converted), 2 when the run could not start or
    /// had to stop (bad usage, archive read-only, full or in use by another run).
    #[command(verbatim_doc_comment)]
    Batch(commands::BatchArgs),
    /// Export an archive as the spec's JSON, JSON Lines, long-form CSV or XLSX.
    ///
    /// Values reflect review: a cell a person corrected carries the corrected value and
    /// the status `verified`. JSON and JSONL documents include the checks across years
    /// (this year's carried_over against last year's carried_forward, same body).
    ///
    /// Examples:
    ///   nianbao export --db archive.sqlite --format json -o out/
    ///   nianbao export --db archive.sqlite --format csv -o cells.csv
    ///   nianbao export --db archive.sqlite --format xlsx -o tables.xlsx
    #[command(verbatim_doc_comment)]
    Export(commands::ExportArgs),
    /// Summarize an archive: documents by status, year and template, failed checks,
    /// cells awaiting review, and the checks across years.
    Report(commands::ReportArgs),
    /// Merge archives written by separate shards (--shard K/N) into one.
    ///
    /// Example: nianbao merge archive.sqlite shard-*.sqlite
    #[command(verbatim_doc_comment)]
    Merge(commands::MergeArgs),
    /// Serve the archive's review queue as a local web page.
    ///
    /// The queue shows each doubtful cell (failed checks first, then the least
    /// confident) with its crop, row, what OCR read, the proposed value and why it is
    /// in doubt. Keyboard: Enter accepts, digits replace, Tab/j and Shift+Tab/k move,
    /// u undoes, Esc resets. Every decision marks the cell `verified`, is audited, and
    /// re-runs its table's checks; /doc/ID shows a page with every cell by status.
    ///
    /// Examples:
    ///   nianbao review --db archive.sqlite                 (http://127.0.0.1:8700/)
    ///   nianbao review --db archive.sqlite --addr 0.0.0.0:8700   (prints a token)
    ///
    /// Any address other than loopback requires a token on every request: --token, or
    /// a generated one, printed in the address to open.
    #[command(verbatim_doc_comment)]
    Review(commands::ReviewArgs),
    /// Search the archive's prose (preamble excluded: the six sections) for a phrase.
    ///
    /// Prints document, organization, year, section and a snippet with the phrase
    /// marked. Exit status: 0 when something matched, 1 when nothing did, 2 when the
    /// archive cannot be read.
    ///
    /// Example: nianbao search --db archive.sqlite "依申请公开"
    #[command(verbatim_doc_comment)]
    Search(commands::SearchArgs),
    /// Score converted documents against hand-checked truth, as the benchmark does.
    ///
    /// CASES holds a folder per document with its `truth.json` (the model's JSON, with
    /// a `tier` such as clean/typical/hard); OUTPUTS holds `<folder>.json` from
    /// `nianbao convert`. Prints, per tier and per table: tables found, cells exact,
    /// the report's fields, how many wrong cells were flagged (review recall) and how
    /// many cells were flagged at all, wrong cells left unflagged, and printed
    /// inconsistencies kept. A missing output counts every cell of its case wrong.
    ///
    /// Example:
    ///   for c in sample/*/; do nianbao convert $c/scan.pdf -q > out/$(basename $c).json; done
    ///   nianbao eval --cases sample --outputs out --json scores.json
    ///
    /// Exit status: 0 when scored, 2 when the cases cannot be read.
    #[command(verbatim_doc_comment)]
    Eval(commands::EvalArgs),
}

/// A PDF password, shared by the commands that open PDFs.
#[derive(clap::Args)]
pub(crate) struct PasswordArg {
    /// Password of encrypted PDFs, the same for every input of the run (`review` takes
    /// the one the batch run was given, for the page images).
    #[arg(
        long,
        value_name = "TEXT",
        env = "NIANBAO_PASSWORD",
        hide_env_values = true
    )]
    pub(crate) password: Option<String>,
}

/// How documents are converted; shared by `convert` and `batch`.
#[derive(clap::Args)]
pub(crate) struct EngineArgs {
    /// Resolution for rendering PDF pages that are not one scanned image. Scanned pages
    /// are read at their own resolution, up to --max-scan-dpi.
    #[arg(long, default_value_t = 300, value_name = "N", value_parser = clap::value_parser!(u32).range(72..=1200))]
    dpi: u32,
    /// Scans finer than this are read shrunk toward it by a whole factor (600 dpi read
    /// at 300, 1200 at 300, 450 at 225; 400 as it is): as exact, in a fraction of the
    /// time and memory. Cells' boxes are on the pages as read (source.dpi).
    #[arg(long, default_value_t = 300, value_name = "N", value_parser = clap::value_parser!(u32).range(100..=2400))]
    max_scan_dpi: u32,
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
    /// Read only the tables (and the title and date): leaves `preamble` and `sections`
    /// empty, and saves the time of reading the prose.
    #[arg(long)]
    tables_only: bool,
    #[command(flatten)]
    password: PasswordArg,
    /// Refuse a page larger than this many million pixels before decoding it (guards
    /// against decompression bombs). Default 150: A3 at 600 dpi or A4 at 1200 dpi.
    #[arg(long, value_name = "MILLIONS", default_value_t = 150)]
    max_page_pixels: u64,
    /// Refuse a document of more pages than this.
    #[arg(long, value_name = "N", default_value_t = 500)]
    max_pages: usize,
    /// Refuse an input file larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    max_file_mb: u64,
}

#[derive(clap::Args)]
struct ConvertArgs {
    /// Input files: PDF, PNG, JPEG or TIFF (a multi-page TIFF is one report; bilevel
    /// Group 4 TIFFs too), or folders, walked for such files at any depth.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Write one <stem>.json per input into this folder (created if missing); inputs
    /// sharing a stem are told apart by their folders' names (2021-report.json).
    /// Without it a single input's JSON goes to stdout.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Write per-page PNG overlays (rules, cell boxes, values read) into this folder.
    #[arg(long, value_name = "DIR")]
    debug_dir: Option<PathBuf>,
    /// Files converted at once, each worker with its own OCR engine.
    /// Default: the number of cores (a single input takes one).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    engine: EngineArgs,
    /// No progress line on stderr.
    #[arg(short, long)]
    quiet: bool,
}

/// Starts this program again with OpenMP held to one thread, unless the caller chose.
/// libtesseract's OpenMP reads its settings once, when the process loads, so they
/// cannot be changed later from inside. Left alone, every recognition spawns a thread
/// per core that spins while it waits: with our own workers already one per core, that
/// tripled the wall time of a conversion (20.5 s → 5.6 s, a third of it system time).
/// Each page allocates and frees images of a few megabytes. glibc hands such blocks
/// back to the kernel on free, so the next page's take fresh zeroed pages again: a
/// quarter of a million page faults for ten reports, 4% of the run. Kept in the heap
/// instead they are reused; the peak stays the same.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters, here before any thread starts.
    unsafe {
        // Blocks up to 32 MiB (glibc's most) come from the heap, not their own mapping:
        // a 300 dpi page in gray is 9 MB.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        // Freed memory at the heap's top stays until a whole gigabyte is free.
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        // Grows the heap 64 MiB at a time: a page's images in one step.
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

fn one_openmp_thread() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OMP_THREAD_LIMIT", "1")
        .exec();
    eprintln!(
        "nianbao: warning: cannot restart with OMP_THREAD_LIMIT=1 ({err}); OCR will be slower"
    );
}

fn main() -> ExitCode {
    one_openmp_thread();
    keep_freed_memory();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert(args),
        Command::Batch(args) => commands::batch(args),
        Command::Export(args) => commands::export(args),
        Command::Report(args) => commands::report(args),
        Command::Merge(args) => commands::merge(args),
        Command::Review(args) => commands::review(args),
        Command::Search(args) => commands::search(args),
        Command::Eval(args) => commands::eval(args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // A run that could not start or had to stop, as for a usage error (clap's 2).
        Err(e) => {
            eprintln!("nianbao: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Returns whether every input converted.
fn convert(args: ConvertArgs) -> anyhow::Result<bool> {
    let inputs = commands::some_inputs(nianbao::inputs::expand_folders(&args.inputs)?)?;
    if inputs.len() > 1 && args.output.is_none() {
        bail!(
            "{} inputs need -o DIR (stdout takes one document)",
            inputs.len()
        );
    }
    let setup = EngineSetup::new(&args.engine)?;
    let total = inputs.len();
    let mut display = commands::Display::new(total, args.quiet);
    let stages = display.stages();
    let tell = move |path: &Path, stage: &'static str| stages.stage(path, stage);
    let engine = setup.engine().observed(&tell);
    for dir in [&args.output, &args.debug_dir].into_iter().flatten() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let names = nianbao::inputs::output_names(&inputs);
    let (mut finished, mut failed) = (0usize, 0usize);
    convert_all(
        &engine,
        &inputs,
        commands::jobs_or_cores(args.jobs),
        || setup.reader(),
        |i, path, result| {
            finished += 1;
            let mut lines = Vec::new();
            let outcome = result.map_err(anyhow::Error::from).and_then(|conv| {
                (conv.warnings().iter())
                    .for_each(|w| lines.push(format!("nianbao: warning: {}: {w}", path.display())));
                if let Some(dir) = &args.debug_dir {
                    write_debug(dir, &names[i], &conv)?;
                }
                write_document(args.output.as_deref(), &names[i], &conv.into_document())
            });
            if let Err(e) = outcome {
                failed += 1;
                lines.push(format!("nianbao: {e:#}"));
            }
            display.show(&lines, finished, total, &format!("{failed} failed"));
        },
    );
    display.finish();
    Ok(failed == 0)
}

/// What every converting command needs: the OCR data, pdfium and the options.
pub(crate) struct EngineSetup {
    tessdata: PathBuf,
    pdf: PdfiumRasterizer,
    options: EngineOptions,
}

impl EngineSetup {
    pub(crate) fn new(args: &EngineArgs) -> anyhow::Result<EngineSetup> {
        let tessdata = match &args.tessdata {
            Some(d) => d.clone(),
            None => find_tessdata(Path::new("models")).context(
                "no tessdata with chi_sim.traineddata found; run scripts/setup.sh or pass --tessdata DIR",
            )?,
        };
        let pdf = PdfiumRasterizer::load(args.pdfium.as_deref())?;
        let mut options = EngineOptions {
            load: LoadOptions {
                dpi: args.dpi,
                limits: Limits {
                    max_page_pixels: args.max_page_pixels.saturating_mul(1_000_000),
                    max_pages: args.max_pages,
                    max_file_bytes: args.max_file_mb.saturating_mul(1 << 20),
                },
                password: args.password.password.clone(),
                max_scan_dpi: args.max_scan_dpi,
                ..Default::default()
            },
            tables_only: args.tables_only,
            ..Default::default()
        };
        options.review.review_below = args.review_below;
        options.review.explain_confidence = args.explain_confidence;
        Ok(EngineSetup {
            tessdata,
            pdf,
            options,
        })
    }

    pub(crate) fn engine(&self) -> Engine<'_> {
        Engine::new(&self.pdf, self.options.clone())
    }

    /// A reader for one worker.
    pub(crate) fn reader(&self) -> nianbao::Result<Box<dyn TextReader>> {
        Ok(Box::new(TesseractReader::new(&self.tessdata)?))
    }
}

/// Writes `doc` as `name`.json in `dir`, or to stdout.
fn write_document(
    dir: Option<&Path>,
    name: &str,
    doc: &nianbao::model::Document,
) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(doc)?;
    match dir {
        Some(d) => {
            let out = d.join(format!("{name}.json"));
            std::fs::write(&out, json + "\n")
                .with_context(|| format!("cannot write {}", out.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{json}").context("cannot write to stdout")
        }
    }
}

fn write_debug(dir: &Path, name: &str, conv: &nianbao::engine::Conversion) -> anyhow::Result<()> {
    for page in &conv.pages {
        let img = nianbao::debug::overlay(page, &conv.read, &conv.document);
        let out = dir.join(format!("{name}-p{}.png", page.number));
        img.save(&out)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    Ok(())
}
