//! Every rule of the contract's Semantics, on tiny fixtures whose figures are worked out
//! by hand in the comments.

use pii_audit::audit::Report;
use pii_audit::load;
use pii_audit::load::Inputs;
use pii_audit::tables::{render, Format};

use crate::{fixture, write};

fn args(inventory: &std::path::Path, log: &std::path::Path) -> load::Options {
    load::Options::new(inventory.to_path_buf(), log)
}

fn csv(report: &Report, tz: &str) -> String {
    let zone = tz.parse().unwrap();
    String::from_utf8(render(&report.df, Format::Csv, &zone).unwrap()).unwrap()
}

/// Keeps the first `n` columns of each CSV line.
fn cut(text: &str, n: usize) -> String {
    text.lines()
        .map(|l| l.split(',').take(n).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join("\n")
}

fn worked_args() -> load::Options {
    load::Options {
        registered: Some(fixture("worked/registered.csv")),
        relations: None,
        from: Some("2017-06-22T10:00:00+09:00".into()),
        to: Some("2017-06-22T11:00:00+09:00".into()),
        tz: "Asia/Tokyo".into(),
        ..args(
            &fixture("worked/inventory.yaml"),
            &fixture("worked/log.csv"),
        )
    }
}

#[test]
fn worked_example_users() {
    let inputs = Inputs::load_quiet(&worked_args()).unwrap();
    let audit = inputs.audit().unwrap();
    assert_eq!(
        csv(&audit.users().unwrap(), "Asia/Tokyo"),
        "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers,first_exposed,last_exposed,pages\n\
         u2,direct,card_last4;email,card_last4;email,3,3,2017-06-22T10:02:00+09:00,2017-06-22T10:04:00+09:00,card;mail\n\
         u1,direct,name,name,1,1,2017-06-22T10:01:00+09:00,2017-06-22T10:01:00+09:00,mypage\n\
         u3,potential,,name,0,0,,,\n"
    );
}

#[test]
fn worked_example_fields_pages_unmapped() {
    let inputs = Inputs::load_quiet(&worked_args()).unwrap();
    let audit = inputs.audit().unwrap();
    assert_eq!(
        csv(&audit.fields().unwrap(), "UTC"),
        "field_id,label,category,direct_notice,users_exposed,users_potential,exposures\n\
         name,Full name,user.name,true,1,2,1\n\
         email,Email address,user.contact.email,true,1,1,2\n\
         card_last4,Card last 4 digits,user.financial.credit_card,false,1,1,1\n"
    );
    assert_eq!(
        csv(&audit.pages().unwrap(), "UTC"),
        "page_id,route,requests,exposures,owners_exposed,viewers,fields\n\
         mypage,/my/,2,1,1,1,name\n\
         mypage_tab,/my/{tab}/,1,0,0,0,name\n\
         card,/my/card/,2,1,1,1,card_last4\n\
         mail,/my/email/{*rest},2,2,1,2,email\n\
         item,/items/{id}/,1,0,0,0,\n"
    );
    assert_eq!(
        csv(&audit.unmapped_paths().unwrap(), "UTC"),
        "path,requests,cross_user,suggested_route\n/search,1,1,/search\n"
    );
}

#[test]
fn worked_example_summary() {
    let inputs = Inputs::load_quiet(&worked_args()).unwrap();
    let audit = inputs.audit().unwrap();
    let s = audit.summary().unwrap();
    // u1, u2, u3 have potential fields; all three have a direct-notice field potential
    // (u3's name); u1 and u2 were seen; both are direct; 4 exposures; /search is the
    // one unmapped cross-user row.
    assert_eq!(s.users_potentially_affected, 3);
    assert_eq!(s.users_direct_fields_viewable, 3);
    assert_eq!(s.users_exposed, 2);
    assert_eq!(s.users_direct_tier, 2);
    assert_eq!(s.exposures, 4);
    assert_eq!(s.unmapped_cross_user, 1);
    // u2 is absent from the registered table.
    assert_eq!(s.users_assumed_registered, 1);
}

const INVENTORY: &str = "version: 1\nfields:\n  name: {label: Name, category: user.name, direct_notice: true}\n  email: {label: Email, category: user.contact.email, direct_notice: true}\n  points: {label: Points, category: user.financial}\npages:\n  - {id: home, route: /my/, fields: [name]}\n  - {id: tab, route: '/my/{tab}', fields: [points]}\n  - {id: rest, route: '/my/{*rest}', fields: [email]}\n  - {id: pts, route: /my/points/, fields: [points]}\n  - {id: item, route: '/items/{id}', fields: []}\n";

fn run(
    log: &str,
    registered: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> (String, pii_audit::audit::Summary) {
    let dir = tempfile::tempdir().unwrap();
    let inventory = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(
        dir.path(),
        "log.csv",
        &format!("ts,path,owner_id,viewer_id\n{log}"),
    );
    let mut a = args(&inventory, &log);
    a.registered = registered.map(|r| write(dir.path(), "reg.csv", r));
    a.from = from.map(str::to_string);
    a.to = to.map(str::to_string);
    let inputs = Inputs::load_quiet(&a).unwrap();
    let audit = inputs.audit().unwrap();
    (
        cut(&csv(&audit.users().unwrap(), "UTC"), 6),
        audit.summary().unwrap(),
    )
}

#[test]
fn literal_beats_param_beats_rest() {
    // /my/points → pts (literal), /my/other → tab ({tab}), /my/a/b → rest ({*rest}).
    let (users, _) = run(
        "2017-01-01T00:00:00Z,/my/points,a,x\n2017-01-01T00:00:01Z,/my/other,b,x\n2017-01-01T00:00:02Z,/my/a/b,c,x\n",
        None,
        None,
        None,
    );
    assert_eq!(
        users,
        "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers\n\
         c,direct,email,email,1,1\n\
         a,notice,points,points,1,1\n\
         b,notice,points,points,1,1"
    );
}

#[test]
fn trailing_slash_query_fragment_and_host_are_ignored() {
    // All four rows are the `home` page of owner a, seen by v.
    let (users, s) = run(
        "2017-01-01T00:00:00Z,/my,a,v\n2017-01-01T00:00:01Z,/my/?ref=x,a,v\n2017-01-01T00:00:02Z,https://shop.example/my/#top,a,v\n2017-01-01T00:00:03Z,/my/,a,v\n",
        None,
        None,
        None,
    );
    assert_eq!(users.lines().nth(1), Some("a,direct,name,name,4,1"));
    assert_eq!(s.rows_unmapped, 0);
}

#[test]
fn window_from_is_inclusive_and_to_exclusive() {
    // Only the rows at 10:00:00 (== from) and 10:59:59 count; 09:59:59 and 11:00:00 do not.
    let (users, s) = run(
        "2017-06-22T09:59:59Z,/my/,a,v\n2017-06-22T10:00:00Z,/my/,a,v\n2017-06-22T10:59:59Z,/my/,a,w\n2017-06-22T11:00:00Z,/my/,a,x\n",
        None,
        Some("2017-06-22T10:00:00Z"),
        Some("2017-06-22 11:00:00"),
    );
    assert_eq!(users.lines().nth(1), Some("a,direct,name,name,2,2"));
    assert_eq!(s.rows_in_window, 2);
}

#[test]
fn each_unidentified_viewer_counts_once_per_exposure() {
    // Two exposures to empty viewers (2) + v twice (1) + own view (not an exposure) = 3.
    let (users, _) = run(
        "2017-01-01T00:00:00Z,/my/,a,\n2017-01-01T00:00:01Z,/my/,a,\n2017-01-01T00:00:02Z,/my/,a,v\n2017-01-01T00:00:03Z,/my/,a,v\n2017-01-01T00:00:04Z,/my/,a,a\n",
        None,
        None,
        None,
    );
    assert_eq!(users.lines().nth(1), Some("a,direct,name,name,4,3"));
}

#[test]
fn unregistered_fields_do_not_leak_and_absent_users_have_everything() {
    // a has no points on file: its /my/points view by v discloses nothing.
    // b is absent from the table: its points leaked. c said "No" (any case) to points.
    let (users, s) = run(
        "2017-01-01T00:00:00Z,/my/points,a,v\n2017-01-01T00:00:01Z,/my/points,b,v\n2017-01-01T00:00:02Z,/my/points,c,v\n",
        Some("user_id,points\na,false\nc,No\n"),
        None,
        None,
    );
    assert_eq!(
        users,
        "user_id,tier,exposed_fields,potential_fields,exposures,distinct_viewers\nb,notice,points,points,1,1"
    );
    assert_eq!(s.users_assumed_registered, 1);
}

#[test]
fn empty_cells_and_missing_columns_count_as_registered() {
    // a's points cell is empty, and there is no `name` column: both count as registered.
    let (users, _) = run(
        "2017-01-01T00:00:00Z,/my/points,a,v\n2017-01-01T00:00:01Z,/my/,a,v\n",
        Some("user_id,points\na,\n"),
        None,
        None,
    );
    assert_eq!(
        users.lines().nth(1),
        Some("a,direct,name;points,name;points,2,1")
    );
}

#[test]
fn pages_without_fields_never_expose_and_unmapped_rows_are_reported_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(
        dir.path(),
        "log.csv",
        "ts,path,owner_id,viewer_id\n2017-01-01T00:00:00Z,/items/42,a,v\n2017-01-01T00:00:01Z,/search?q=1,a,v\n2017-01-01T00:00:02Z,/search,a,a\n2017-01-01T00:00:03Z,/items/m123456789/reviews,a,v\n",
    );
    let inputs = Inputs::load_quiet(&args(&inventory, &log)).unwrap();
    let audit = inputs.audit().unwrap();
    assert_eq!(
        csv(&audit.users().unwrap(), "UTC").lines().count(),
        1,
        "header only: nobody was exposed"
    );
    assert_eq!(
        csv(&audit.unmapped_paths().unwrap(), "UTC"),
        "path,requests,cross_user,suggested_route\n/search,2,1,/search\n/items/m123456789/reviews,1,1,/items/{id}/reviews\n"
    );
    let s = audit.summary().unwrap();
    assert_eq!(
        (s.exposures, s.unmapped_cross_user, s.rows_unmapped),
        (0, 2, 3)
    );
}

#[test]
fn users_follow_notice_priority() {
    // d: direct (name), 1 viewer. e: direct, 2 viewers, 2 exposures → before d.
    // f and g: notice (points only), 1 viewer, 1 exposure each → by user_id.
    // h: notice, 1 viewer, 2 exposures → before f and g. i: potential (own views only).
    let (users, _) = run(
        "2017-01-01T00:00:00Z,/my/,d,v\n\
         2017-01-01T00:00:01Z,/my/,e,v\n2017-01-01T00:00:02Z,/my/,e,w\n\
         2017-01-01T00:00:03Z,/my/points,g,v\n2017-01-01T00:00:04Z,/my/points,f,v\n\
         2017-01-01T00:00:05Z,/my/points,h,v\n2017-01-01T00:00:06Z,/my/points,h,v\n\
         2017-01-01T00:00:07Z,/my/,i,i\n",
        None,
        None,
        None,
    );
    let order: Vec<&str> = users
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(order, ["e", "d", "h", "f", "g", "i"]);
}

#[test]
fn naive_timestamps_are_read_in_the_zone() {
    // 10:00 in Tokyo is 01:00 UTC: inside [00:30Z, 01:30Z).
    let dir = tempfile::tempdir().unwrap();
    let inventory = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(
        dir.path(),
        "log.csv",
        "ts,path,owner_id,viewer_id\n2017-06-22 10:00:00,/my/,a,v\n",
    );
    let mut a = args(&inventory, &log);
    a.tz = "Asia/Tokyo".into();
    a.from = Some("2017-06-22T00:30:00Z".into());
    a.to = Some("2017-06-22T01:30:00Z".into());
    let inputs = Inputs::load_quiet(&a).unwrap();
    let audit = inputs.audit().unwrap();
    let users = csv(&audit.users().unwrap(), "+09:00");
    assert!(
        users.contains("a,direct,name,name,1,1,2017-06-22T10:00:00+09:00"),
        "{users}"
    );
}

#[test]
fn empty_log_gives_empty_reports() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = write(dir.path(), "inv.yaml", INVENTORY);
    let log = write(dir.path(), "log.csv", "ts,path,owner_id,viewer_id\n");
    let inputs = Inputs::load_quiet(&args(&inventory, &log)).unwrap();
    let audit = inputs.audit().unwrap();
    assert_eq!(audit.users().unwrap().df.height(), 0);
    assert_eq!(audit.unmapped_paths().unwrap().df.height(), 0);
    assert_eq!(audit.timeline().unwrap().df.height(), 0);
    assert_eq!(audit.pages().unwrap().df.height(), 5);
    assert_eq!(audit.summary().unwrap().users_potentially_affected, 0);
}
