//! The worker thread: loads the inputs, sends the stages and the loaded data, then
//! answers the UI's requests (drill-downs, files to write) until the UI hangs up. Every
//! file the TUI reads or writes is read or written here, never on the UI thread.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;

use anyhow::Result;
use polars::prelude::*;

use super::data::{
    compute, Drill, FieldDetail, Grid, PageDetail, Reply, Request, Seen, Session, Stage, UserDetail,
};
use super::edit::Editor;
use super::write;
use crate::frame::cells;
use crate::frame::names::{
    CONFIRMED_FIELDS, DISTINCT_VIEWERS, EXPOSED_FIELDS, EXPOSURES, FIRST_EXPOSED, LAST_EXPOSED,
    POSSIBLE_EXPOSURES, POSSIBLE_VIEWERS, POTENTIAL_FIELDS, USER_ID,
};
use crate::frame::OrBug;
use crate::inventory::Inventory;
use crate::load::{self, Inputs};
use crate::notice;
use crate::tables::{self, cell_text, presentable};

/// Answers one drill-down, or writes one file, from the loaded session.
pub fn answer(session: &Session, request: &Request) -> Reply {
    let result = match request {
        Request::User(id) => user_detail(session, id).map(|d| Reply::User(Box::new(d))),
        Request::Page(id) => page_detail(session, id).map(|d| Reply::Page(Box::new(d))),
        Request::Field(id) => field_detail(session, id).map(|d| Reply::Field(Box::new(d))),
        Request::Export { grid, rows, file } => Ok(Reply::Wrote(write::export(
            grid,
            rows,
            file,
            &session.audit.zone,
        ))),
        Request::Notices { dir, users } => Ok(Reply::Wrote(write::notices(session, dir, users))),
        Request::Regulator { dir } => Ok(Reply::Wrote(write::regulator(session, dir))),
        Request::SaveInventory(save) => Ok(Reply::Saved(save.clone(), write::save_inventory(save))),
        // A new inventory means a new session: the worker loop (`work`) runs it.
        Request::Recompute(_) => Err(anyhow::anyhow!("a recompute is not a drill-down")),
    };
    result.unwrap_or_else(|e| Reply::DetailFailed(format!("{e:#}")))
}

fn user_detail(session: &Session, user_id: &str) -> Result<UserDetail> {
    let audit = &session.audit;
    let zone = audit.zone;
    let row = session
        .users
        .clone()
        .lazy()
        .filter(col(USER_ID).eq(lit(user_id)))
        .collect()
        .or_bug()?;
    let exposed = cells::strings(&row, EXPOSED_FIELDS, 0)?;
    let potential = cells::strings(&row, POTENTIAL_FIELDS, 0)?;
    // With possible exposures, `exposed_fields` counts them too: the confirmed ones apart.
    let confirmed = match row.column(CONFIRMED_FIELDS) {
        Ok(_) => Some(cells::strings(&row, CONFIRMED_FIELDS, 0)?),
        Err(_) => None,
    };
    let text_row = presentable(&audit.users_from(&row)?.df, &zone, true)?;
    let get = |name: &str| {
        text_row
            .column(name)
            .map(|c| cell_text(c, 0))
            .unwrap_or_default()
    };
    let fields = audit
        .inventory
        .fields
        .iter()
        .filter(|f| potential.contains(&f.id))
        .map(|f| {
            let seen = match (&confirmed, exposed.contains(&f.id)) {
                (_, false) => Seen::Potentially,
                (Some(confirmed), true) if !confirmed.contains(&f.id) => Seen::Possibly,
                (_, true) => Seen::Confirmed,
            };
            (f.clone(), seen)
        })
        .collect();
    let possible = confirmed
        .as_ref()
        .map(|_| (get(POSSIBLE_EXPOSURES), get(POSSIBLE_VIEWERS)));
    Ok(UserDetail {
        user_id: user_id.to_string(),
        tier: get("tier"),
        exposures: get(EXPOSURES),
        distinct_viewers: get(DISTINCT_VIEWERS),
        possible,
        first_exposed: get(FIRST_EXPOSED),
        last_exposed: get(LAST_EXPOSED),
        fields,
        pages: Arc::new(Grid::from_frame(
            "user_pages",
            Drill::Page,
            &audit.user_pages(user_id)?,
            &zone,
        )?),
        text: notice::check_text(audit, user_id)?,
    })
}

fn page_detail(session: &Session, page_id: &str) -> Result<PageDetail> {
    let audit = &session.audit;
    let inventory = audit.inventory;
    let page = inventory
        .pages
        .iter()
        .find(|p| p.id == page_id)
        .ok_or_else(|| anyhow::anyhow!("no page {page_id:?} in the inventory"))?;
    Ok(PageDetail {
        page_id: page.id.clone(),
        route: page.route_text.clone(),
        note: page.note.clone(),
        fields: page
            .fields
            .iter()
            .map(|&i| inventory.fields[i].clone())
            .collect(),
        users: Arc::new(Grid::from_frame(
            "page_users",
            Drill::User,
            &audit.page_users(page_id)?,
            &audit.zone,
        )?),
    })
}

fn field_detail(session: &Session, field_id: &str) -> Result<FieldDetail> {
    let audit = &session.audit;
    let field = audit
        .inventory
        .field_index(field_id)
        .map(|i| audit.inventory.fields[i].clone())
        .ok_or_else(|| anyhow::anyhow!("no field {field_id:?} in the inventory"))?;
    let users = audit.field_users_from(&session.users, field_id)?;
    Ok(FieldDetail {
        field,
        users: Arc::new(Grid::from_report(&users, Drill::User, &audit.zone)?),
    })
}

/// The worker: loads `input`, sends the stages and the loaded data, then answers
/// requests until the UI hangs up.
pub fn work(input: load::Options, requests: Receiver<Request>, replies: Sender<Reply>) {
    let send = |reply| replies.send(reply).is_ok();
    if !send(Reply::Stage(Stage::ReadingLog)) {
        return;
    }
    let inputs = match Inputs::load_quiet(&input) {
        Ok(inputs) => inputs,
        Err(e) => {
            send(Reply::Failed(e));
            return;
        }
    };
    crate::hooks::forced_panic_point("tui-worker", || tables::first_row(&inputs.log.df));
    let mut inputs = inputs;
    let mut first = true;
    loop {
        let mut progress = |stage| {
            let _ = replies.send(Reply::Stage(stage));
        };
        let (data, session) = match compute(&inputs, &mut progress) {
            Ok(done) => done,
            Err(e) => {
                send(Reply::Failed(e));
                return;
            }
        };
        let inventory_path = data.inventory_path.clone();
        if !send(Reply::Loaded(Box::new(data))) {
            return;
        }
        // The editor's copy of the inventory file is read here, off the UI thread.
        if std::mem::take(&mut first) && !send(Reply::Editor(Editor::open(inventory_path))) {
            return;
        }
        // Answer drill-downs until an edit asks for a new inventory.
        let text = loop {
            match requests.recv() {
                Err(_) => return,
                Ok(Request::Recompute(text)) => break text,
                Ok(request) => {
                    if !send(answer(&session, &request)) {
                        return;
                    }
                }
            }
        };
        drop(session);
        match Inventory::parse(&text, &inputs.inventory.source) {
            Ok(inventory) => inputs.inventory = inventory,
            Err(e) => {
                send(Reply::DetailFailed(format!(
                    "the edited inventory is invalid: {e}"
                )));
            }
        }
    }
}
