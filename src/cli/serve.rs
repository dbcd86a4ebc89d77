//! `verbatim serve`: the local web workspace over a run folder.

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use verbatim::encode::{BertEncoder, EncoderOptions};
use verbatim::retrieve::HybridSearcher;
use verbatim::serve::{start, App};

/// Arguments of `verbatim serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folder written by `verbatim analyze`.
    run_dir: PathBuf,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on; the default keeps the workspace on this machine. Requests must
    /// name localhost, 127.0.0.1, [::1] or this address in their Host header.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Encoder model folder: the model the run was analyzed with (embeds query text).
    #[arg(long, default_value = "models/e5-small")]
    model: PathBuf,
    /// Requests answered at once (searches, exports); health checks and the page do not wait.
    #[arg(long, default_value_t = 4)]
    threads: usize,
}

/// Runs the subcommand: serves until the process is stopped.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.run_dir.is_dir(),
        "{} is not a folder; pass the output folder of `verbatim analyze`",
        args.run_dir.display()
    );
    anyhow::ensure!(
        (1..=256).contains(&args.threads),
        "--threads {} must be between 1 and 256",
        args.threads
    );
    let encoder = BertEncoder::load(&args.model, EncoderOptions::for_queries())
        .with_context(|| format!("loading the encoder from {}", args.model.display()))?;
    let searcher = HybridSearcher::open(&args.run_dir, Arc::new(encoder))
        .with_context(|| format!("opening the run folder {}", args.run_dir.display()))?;
    let answers = searcher.len();
    // IPv6 literals need brackets in a socket address and a URL.
    let host = if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]", args.host)
    } else {
        args.host.clone()
    };
    let server = start(
        App::new(searcher),
        &format!("{host}:{}", args.port),
        args.threads,
    )?;
    if server.addr().ip().is_unspecified() {
        eprintln!(
            "warning: --host {} listens on every network interface: anyone who can reach this \
             machine can read the whole workspace (every answer, the CSV export). Use the \
             default --host 127.0.0.1 unless that is what you want.",
            args.host
        );
    }
    let shown = if server.addr().ip().is_unspecified() {
        format!("localhost:{}", server.addr().port())
    } else {
        server.addr().to_string()
    };
    println!(
        "verbatim workspace: {answers} answers from {}",
        args.run_dir.display()
    );
    println!("open http://{shown}/  (Ctrl-C to stop)");
    server.wait();
    Ok(())
}
