//! The terminal UI: a privacy officer browses the audit from the headline figures down to
//! one user's letter. `action` turns keys into actions through the maps of `keymap`,
//! `model` holds the state and its `update`, `view` draws it, `data` runs the audit
//! functions (and writes files) on a worker thread.

pub mod data;
pub mod detail;
pub mod edit;
pub mod keymap;
pub mod model;
pub mod sample;
pub mod style;
pub mod view;
pub mod vocab;
pub mod worker;
pub mod write;

use std::io::stdout;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;

use crate::load;
use model::{Load, Model, Title};

/// Restores the terminal when dropped: on `q`, on an error and while unwinding a panic.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// Opens the TUI over `input`; returns the load error, if any, once the user quits.
pub fn run(input: load::Options, title: Title, colour: bool) -> Result<()> {
    let (request_tx, request_rx) = mpsc::channel();
    let (reply_tx, reply_rx) = mpsc::channel();
    let worker_input = input.clone();
    std::thread::Builder::new()
        .name("pii-audit-worker".into())
        .spawn(move || worker::work(worker_input, request_rx, reply_tx))
        .context("cannot start the worker thread")?;

    // A panic restores the terminal first, then the binary's hook prints its short message.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
        previous(info);
    }));

    let mut terminal = ratatui::try_init().context("cannot open the terminal")?;
    let _guard = TerminalGuard;
    execute!(stdout(), EnableMouseCapture).context("cannot enable the mouse")?;
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut model = Model::new(title, (size.width, size.height));
    model.colour = colour;
    let mut dirty = true;
    loop {
        if dirty {
            terminal
                .draw(|frame| view::view(&model, frame))
                .context("cannot draw")?;
            dirty = false;
            if let Load::Ready(data) = &model.load {
                crate::hooks::forced_panic_point("tui", || data.users.rows.concat().join(","));
            }
        }
        if model.quit {
            break;
        }
        if event::poll(Duration::from_millis(40)).context("cannot read the keyboard")? {
            let event = event::read().context("cannot read the keyboard")?;
            if let Some(action) = keymap::translate(model.keys(), &event) {
                if let Some(request) = model.update(action) {
                    // The worker is gone only after a failed load, when there is no detail.
                    let _ = request_tx.send(request);
                }
                dirty = true;
            }
        }
        loop {
            match reply_rx.try_recv() {
                Ok(reply) => {
                    model.receive(reply);
                    dirty = true;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    // The worker stops by itself only after a failed load; otherwise it
                    // panicked (the hook restored the terminal and said so): end, exit 1.
                    if matches!(model.load, Load::Failed(_)) {
                        break;
                    }
                    anyhow::bail!("internal error: the worker thread stopped; this is a bug (no input data is shown), please report it");
                }
            }
        }
    }
    // Files asked for before quitting are written before the program ends (the worker is
    // gone only after a failed load: then recv fails and nothing is waited for).
    while model.writing() {
        match reply_rx.recv() {
            Ok(reply) => model.receive(reply),
            Err(_) => break,
        }
    }
    drop(_guard);
    match model.load {
        // Bad input stays bad input (exit 2): the typed error goes back to main.
        Load::Failed(e) => Err(e),
        _ => Ok(()),
    }
}
