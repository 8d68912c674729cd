//! Progress of long work on stderr: a bar on a terminal; with
//! `--progress always` and no terminal, a line at every tenth, so a log
//! still shows the work advancing.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::ProgressWhen;

/// Counts settled changes out of a total and shows it.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    total: usize,
    done: AtomicUsize,
}

impl Progress {
    /// Progress of `total` changes, shown as `when` and `quiet` say.
    pub(crate) fn new(when: ProgressWhen, quiet: bool, total: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let show = !quiet
            && total > 0
            && match when {
                ProgressWhen::Auto => terminal,
                ProgressWhen::Always => true,
                ProgressWhen::Never => false,
            };
        let bar = (show && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                ProgressDrawTarget::stderr_with_hz(10),
            );
            // No rate or ETA: changes settle in bursts (a whole EDIS chunk,
            // a zone's confirming listing), which makes both swing wildly.
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} changes  {per_sec}  eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            bar,
            lines: show && !terminal,
            total,
            done: AtomicUsize::new(0),
        }
    }

    /// One more change settled.
    pub(crate) fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        } else if self.lines {
            let tenth = |n: usize| n * 10 / self.total;
            if done == self.total || tenth(done) != tenth(done - 1) {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "progress: {done}/{} changes", self.total);
            }
        }
    }

    /// Removes the bar, leaving the terminal to the report.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
