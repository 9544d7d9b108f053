//! The archive commands of the binary (`batch`, `export`, `report`, `merge`, `review`):
//! their arguments, and the progress display of a bulk run.

use crate::{EngineArgs, EngineSetup, PasswordArg};
use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use nianbao::archive::export::Format;
use nianbao::archive::ingest::{ingest, IngestOptions, Outcome, Progress};
use nianbao::archive::{merge::merge_into, report, Archive};
use nianbao::inputs::{discover, Shard};
use nianbao::server::{ServeOptions, Server};
use std::io::IsTerminal;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BatchArgs {
    /// Folders, files or manifests (text files listing one path a line).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The SQLite archive to fill (created if missing).
    #[arg(long, value_name = "ARCHIVE.sqlite")]
    db: PathBuf,
    /// Documents converted at once, each worker with its own OCR engine.
    /// Default: the number of cores.
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Take only shard K of N (K from 0), chosen by content hash, for running one
    /// command on N machines (a Kubernetes Indexed Job, a Slurm array); merge the
    /// shards' archives with `nianbao merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// Convert again the files recorded as failed by earlier runs.
    #[arg(long)]
    retry_failed: bool,
    #[command(flatten)]
    engine: EngineArgs,
    /// No progress on stderr (the summary and failures are still printed).
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// The spec's JSON, one <stem>.json per document in the folder -o.
    Json,
    /// One JSON document a line, to -o or stdout.
    Jsonl,
    /// One cell a row: document, organization, year, table, row, col, value, status,
    /// confidence; to -o or stdout.
    Csv,
    /// A workbook with a sheet per table and a row per report, and a checks sheet.
    Xlsx,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long, value_name = "ARCHIVE.sqlite")]
    db: PathBuf,
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Output folder (json) or file (jsonl, csv, xlsx); jsonl and csv default to stdout.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    #[arg(long, value_name = "ARCHIVE.sqlite")]
    db: PathBuf,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The archive to merge into (created if missing).
    #[arg(value_name = "OUT.sqlite")]
    output: PathBuf,
    /// Shard archives to merge. Only read: they may be on a read-only share, and one
    /// written by an earlier release is merged from a migrated copy beside OUT.
    #[arg(required = true, value_name = "IN.sqlite")]
    inputs: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub struct ReviewArgs {
    #[arg(long, value_name = "ARCHIVE.sqlite")]
    db: PathBuf,
    /// Address to listen on; port 0 picks a free port (the address is printed).
    #[arg(long, default_value = "127.0.0.1:8700", value_name = "IP:PORT")]
    addr: std::net::SocketAddr,
    /// Require this token on every request (default: none on loopback, a generated
    /// one on any other address).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "NIANBAO_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// The pdfium library, for page images in the document view.
    #[arg(long, value_name = "PATH")]
    pdfium: Option<PathBuf>,
    #[command(flatten)]
    password: PasswordArg,
    /// Requests served at once; more are answered 503 with Retry-After (the page
    /// retries them). Page images have their own cap of 4.
    #[arg(long, default_value_t = ServeOptions::default().max_requests, value_name = "N")]
    max_requests: usize,
}

#[derive(clap::Args)]
pub struct SearchArgs {
    #[arg(long, value_name = "ARCHIVE.sqlite")]
    db: PathBuf,
    /// The phrase, matched exactly (punctuation and all).
    phrase: String,
    /// At most this many sections.
    #[arg(long, default_value_t = 20, value_name = "N")]
    limit: usize,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Folder of cases, each a folder with a truth.json.
    #[arg(long, value_name = "DIR")]
    cases: PathBuf,
    /// Folder of outputs, one `<case folder name>.json` per case.
    #[arg(long, value_name = "DIR")]
    outputs: PathBuf,
    /// Only the cases of this tier.
    #[arg(long, value_name = "TIER")]
    tier: Option<String>,
    /// Also write the whole evaluation, per case included, as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

/// An archive that must exist: reading commands never create an empty one by a typo,
/// and read what they may not write.
fn existing_archive(path: &Path) -> anyhow::Result<Archive> {
    must_exist(path)?;
    Ok(Archive::open_read_only(path)?)
}

fn must_exist(archive: &Path) -> anyhow::Result<()> {
    if !archive.is_file() {
        bail!("{}: no such archive", archive.display());
    }
    Ok(())
}

/// `inputs`, unless the paths given held none.
pub(crate) fn some_inputs(inputs: Vec<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    if inputs.is_empty() {
        bail!("no PDF, PNG, JPEG or TIFF files found under the given paths");
    }
    Ok(inputs)
}

/// `--jobs` as given, else one worker a core: OCR keeps each busy.
pub(crate) fn jobs_or_cores(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

pub fn batch(args: BatchArgs) -> anyhow::Result<bool> {
    let inputs = some_inputs(discover(&args.paths)?)?;
    let jobs = jobs_or_cores(args.jobs);
    let setup = EngineSetup::new(&args.engine)?;
    let mut display = Display::new(inputs.len(), args.quiet);
    let stages = display.stages();
    let tell = move |path: &Path, stage: &'static str| stages.stage(path, stage);
    let engine = setup.engine().observed(&tell);
    let mut archive = Archive::open_for_run(&args.db)?;
    let opts = IngestOptions {
        jobs,
        shard: args.shard.unwrap_or(Shard::WHOLE),
        retry_failed: args.retry_failed,
    };
    let result = ingest(
        &engine,
        &mut archive,
        &inputs,
        &opts,
        || setup.reader(),
        |p, path, outcome| display.update(p, path, outcome),
    );
    display.finish();
    let totals = result.with_context(|| {
        format!(
            "the run stopped; what it committed to {} stays: once this is mended, run \
             again to resume",
            args.db.display()
        )
    })?;
    eprintln!(
        "nianbao: {} converted ({} pages, {:.2} pages/s), {} failed, {} skipped (done before, \
         failed before or another shard's) — {}",
        totals.converted,
        totals.pages,
        totals.pages_per_second(),
        totals.failed,
        totals.skipped,
        args.db.display()
    );
    Ok(totals.failed == 0)
}

/// The progress of a bulk run: a bar on a terminal, a line every half minute
/// otherwise (logs of a cluster job), and every failure and warning on its own line.
pub(crate) struct Display {
    bar: Option<ProgressBar>,
    quiet: bool,
    last_line: Instant,
    started: Instant,
}

impl Display {
    /// Plain lines are at most this often: a cluster log needs a pulse, not a flood.
    const LINE_EVERY: Duration = Duration::from_secs(30);

    /// A single document gets a spinner with its stage ([`Display::stages`]) instead of
    /// a bar: one long document (hundreds of pages) would otherwise show nothing.
    pub(crate) fn new(total: usize, quiet: bool) -> Display {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let (bar, template) = if total > 1 {
                let template = "{bar:30} {pos}/{len} docs  {msg}  elapsed {elapsed}  ETA {eta}";
                (ProgressBar::new(total as u64), template)
            } else {
                (ProgressBar::new_spinner(), "{spinner} {elapsed} {msg}")
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            if total <= 1 {
                bar.enable_steady_tick(Duration::from_millis(200));
            }
            bar
        });
        Display {
            bar,
            quiet,
            last_line: Instant::now(),
            started: Instant::now(),
        }
    }

    /// Prints `lines` (failures, warnings) where they stay, then shows `finished` of
    /// `total` documents done with `status`.
    pub(crate) fn show(&mut self, lines: &[String], finished: usize, total: usize, status: &str) {
        for line in lines {
            match &self.bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_position(finished as u64);
            bar.set_message(status.to_string());
        } else if !self.quiet && total > 1 && self.last_line.elapsed() >= Self::LINE_EVERY {
            self.last_line = Instant::now();
            let left = total - finished;
            let eta = self.started.elapsed().as_secs_f64() / finished.max(1) as f64 * left as f64;
            eprintln!("nianbao: {finished}/{total} documents, {status}, ETA {eta:.0} s");
        }
    }

    /// Where a single document's stages are shown (nowhere without its spinner).
    pub(crate) fn stages(&self) -> Stages {
        Stages(self.bar.clone().filter(|b| b.length().is_none()))
    }

    fn update(&mut self, p: &Progress, path: &Path, outcome: &Outcome) {
        let lines: Vec<String> = match outcome {
            // Errors about a file name it; one about the engine does not.
            Outcome::Failed(e) | Outcome::Unreadable(e) if e.contains(&*path.to_string_lossy()) => {
                vec![format!("nianbao: {e}")]
            }
            Outcome::Failed(e) | Outcome::Unreadable(e) => {
                vec![format!("nianbao: {}: {e}", path.display())]
            }
            Outcome::Converted { warnings, .. } => warnings
                .iter()
                .map(|w| format!("nianbao: warning: {}: {w}", path.display()))
                .collect(),
            _ => Vec::new(),
        };
        let status = format!(
            "{:.2} pages/s, {} failed, {} skipped",
            p.pages_per_second(),
            p.failed,
            p.skipped
        );
        self.show(&lines, p.finished, p.total, &status);
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A single document's spinner, told each stage it enters, from the converting thread.
pub(crate) struct Stages(Option<ProgressBar>);

impl Stages {
    pub(crate) fn stage(&self, path: &Path, stage: &str) {
        if let Some(spinner) = &self.0 {
            spinner.set_message(format!("{}: {stage}", path.display()));
        }
    }
}

pub fn export(args: ExportArgs) -> anyhow::Result<bool> {
    let archive = existing_archive(&args.db)?;
    let format = match args.format {
        FormatArg::Json => Format::Json,
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Csv => Format::Csv,
        FormatArg::Xlsx => Format::Xlsx,
    };
    let n = match nianbao::archive::export::export(&archive, format, args.output.as_deref()) {
        Ok(n) => n,
        // `export … | head`: the reader has what it wanted.
        Err(nianbao::Error::Io { cause, .. }) if cause.kind() == std::io::ErrorKind::BrokenPipe => {
            return Ok(true)
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(out) = &args.output {
        eprintln!("nianbao: {n} documents exported to {}", out.display());
    }
    Ok(true)
}

pub fn report(args: ReportArgs) -> anyhow::Result<bool> {
    let archive = existing_archive(&args.db)?;
    print!("{}", report::summary(&archive)?);
    Ok(true)
}

pub fn merge(args: MergeArgs) -> anyhow::Result<bool> {
    let mut target = Archive::open_for_run(&args.output)?;
    for input in &args.inputs {
        must_exist(input)?;
        let m = merge_into(&mut target, input)?;
        eprintln!(
            "nianbao: {}: {} copied, {} replacing failures, {} already there",
            input.display(),
            m.copied,
            m.replaced_failures,
            m.already_there
        );
    }
    Ok(true)
}

pub fn review(args: ReviewArgs) -> anyhow::Result<bool> {
    must_exist(&args.db)?;
    let mut opts = ServeOptions {
        addr: args.addr,
        token: args.token,
        pdfium: args.pdfium,
        password: args.password.password,
        max_requests: args.max_requests,
        ..ServeOptions::default()
    };
    let generated = opts.resolve_token()?;
    let server = Server::bind(&args.db, &opts)?;
    let addr = server.local_addr()?;
    let url = match &opts.token {
        Some(t) => format!("http://{addr}/?token={t}"),
        None => format!("http://{addr}/"),
    };
    if generated {
        eprintln!("nianbao: {addr} is not loopback: every request needs the token below");
    }
    // On stdout, one line, so a script (or a test) can read where to connect.
    println!("serving {} at {url}", args.db.display());
    std::io::stdout().flush()?;
    server.run()?;
    Ok(true)
}

pub fn search(args: SearchArgs) -> anyhow::Result<bool> {
    let archive = existing_archive(&args.db)?;
    // Bold red on a terminal; brackets where the output goes to a file.
    let mark = if std::io::stdout().is_terminal() {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    let hits = nianbao::archive::search::search(&archive, &args.phrase, args.limit, mark)?;
    for h in &hits {
        println!(
            "{}\t{}\t{}\t{}、{}\t{}",
            h.path,
            h.organization.as_deref().unwrap_or("?"),
            h.year.map_or("?".to_string(), |y| y.to_string()),
            h.number,
            h.heading,
            h.snippet.replace('\n', " ")
        );
    }
    if hits.is_empty() {
        eprintln!("nianbao: no section holds \"{}\"", args.phrase);
    }
    Ok(!hits.is_empty())
}

pub fn eval(args: EvalArgs) -> anyhow::Result<bool> {
    let evaluation =
        nianbao::eval::evaluate(&args.cases, &args.outputs, args.tier.as_deref(), |w| {
            eprintln!("nianbao: warning: {w}")
        })?;
    print!("{}", nianbao::eval::markdown(&evaluation));
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&evaluation)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(true)
}
