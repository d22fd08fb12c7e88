//! The HTML review page in a real browser: headless Chromium renders the pages of the demo
//! (the cutover, the transition, the cutover after the transition) and of the formats
//! fixture (undeclared accounts, every file format), and this test reads what a reviewer
//! would see — on screen and on paper — and what the browser fetched.
//!
//! - The text as rendered (`innerText`, so what CSS hides does not count), checked against
//!   `diff --format json`: every account by each part of its declaration; one card per
//!   setting, and in each card every change's place, line, and the accounts before and
//!   after; the gate in the words of `--format review`. The patch is folded on screen, and
//!   every line of it is on paper (print media).
//! - Accessibility as rendered: `lang`, one `h1`, no skipped heading level, nothing
//!   embedded, and every piece of text at WCAG AA contrast against the background it is
//!   painted on, on screen and on paper.
//! - Nothing is fetched, with two witnesses: the DevTools network events of the page, and
//!   Chromium's own network log (`--log-net-log`). The page is loaded without its
//!   Content-Security-Policy, so that what is checked is what the markup would fetch, not
//!   what the policy would block. The checker itself is tested: a page that loads an image
//!   and a CSS background from a local server must be caught by both witnesses, and the
//!   server must have been asked for both (so the requests were real); and a network log
//!   that is cut short or unfinished is an error, not a pass.
//!
//! Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! commands on fd 3, answers on fd 4, each a JSON text ending in NUL), wired to two named
//! pipes by `sh`, so no debugging port is opened. Without `chromium` the tests print a note
//! and pass, unless `CUTOVER_REQUIRE_TOOLS=1` (CI).

mod common;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::{Cutover, require_tool, scratch, testdata};
use serde_json::{Value, json};

const CHROMIUM: &str = "chromium";

/// How long the browser may take to answer before the test gives up: a guard against a
/// hang, far above the second or two a run takes, not a measurement.
const PATIENCE: Duration = Duration::from_secs(120);

/// Flags for a quiet, throw-away browser. The window is tall so that every part of a page
/// is in view and loaded (a lazily loaded image below the fold would otherwise never be
/// fetched, and the check would pass without seeing it).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
    "--window-size=1280,12000",
    "--remote-debugging-pipe",
];

/// A headless Chromium under test control, with its network log.
struct Browser {
    child: Child,
    commands: File,
    answers: mpsc::Receiver<Value>,
    /// Events received while waiting for something else.
    events: Vec<Value>,
    next_id: u64,
    dir: PathBuf,
}

impl Browser {
    fn launch(dir: &Path) -> Browser {
        let commands = dir.join("commands");
        let answers = dir.join("answers");
        for fifo in [&commands, &answers] {
            let made = Command::new("mkfifo")
                .arg(fifo)
                .status()
                .expect("mkfifo runs");
            assert!(made.success(), "mkfifo {}", fifo.display());
        }
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$@" 3<"$COMMANDS" 4>"$ANSWERS""#)
            .arg("sh")
            .arg(CHROMIUM)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!(
                "--log-net-log={}",
                dir.join("net-log.json").display()
            ))
            .arg("about:blank")
            .env("COMMANDS", &commands)
            .env("ANSWERS", &answers)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(dir.join("stderr")).unwrap())
            .spawn()
            .expect("chromium starts");
        // Opening a named pipe waits for the other end; threads keep a browser that never
        // opens its end from hanging the test.
        let (opened, commands_file) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = opened.send(File::options().write(true).open(&commands));
        });
        let (sender, answers_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let Ok(file) = File::open(&answers) else {
                return;
            };
            let mut reader = BufReader::new(file);
            loop {
                let mut message = Vec::new();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if message.last() == Some(&0) {
                    message.pop();
                }
                let value = serde_json::from_slice(&message)
                    .unwrap_or_else(|e| json!({"unreadable": e.to_string()}));
                if sender.send(value).is_err() {
                    return;
                }
            }
        });
        let commands = match commands_file.recv_timeout(PATIENCE) {
            Ok(Ok(file)) => file,
            _ => {
                let mut child = child;
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "chromium did not open its DevTools pipe\n{}",
                    stderr_of(dir)
                );
            }
        };
        Browser {
            child,
            commands,
            answers: answers_rx,
            events: Vec::new(),
            next_id: 0,
            dir: dir.to_path_buf(),
        }
    }

    /// The next message from the browser; a browser that stops answering (it crashed, or
    /// hangs) fails the test with its stderr.
    fn receive(&mut self, waiting_for: &str) -> Value {
        match self.answers.recv_timeout(PATIENCE) {
            Ok(message) if message.get("unreadable").is_none() => message,
            Ok(message) => panic!("chromium sent {message} while {waiting_for}"),
            Err(_) => panic!(
                "chromium did not answer {waiting_for}\n{}",
                stderr_of(&self.dir)
            ),
        }
    }

    /// Sends a command (to the browser, or to a page's session) and returns its result.
    fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        loop {
            let answer = self.receive(method);
            if answer["id"] == id {
                if let Some(error) = answer.get("error") {
                    panic!("{method}: {error}");
                }
                return answer["result"].clone();
            }
            self.events.push(answer);
        }
    }

    fn wait_for_event(&mut self, method: &str, session: &str) -> Value {
        let matches = |e: &Value| e["method"] == method && e["sessionId"] == session;
        if let Some(at) = self.events.iter().position(matches) {
            return self.events.remove(at);
        }
        loop {
            let event = self.receive(method);
            if matches(&event) {
                return event;
            }
            self.events.push(event);
        }
    }

    /// Opens `url` in a new tab and waits until it has loaded (images and all).
    fn open(&mut self, url: &str) -> Tab {
        let target = self.call("Target.createTarget", json!({"url": "about:blank"}), None);
        let attached = self.call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
            None,
        );
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        self.call("Network.enable", json!({}), Some(&session));
        self.call("Page.enable", json!({}), Some(&session));
        let navigated = self.call("Page.navigate", json!({"url": url}), Some(&session));
        assert!(navigated.get("errorText").is_none(), "{url}: {navigated}");
        self.wait_for_event("Page.loadEventFired", &session);
        Tab { session }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    fn evaluate(&mut self, tab: &Tab, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
            Some(&tab.session),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    fn media(&mut self, tab: &Tab, media: &str) {
        self.call(
            "Emulation.setEmulatedMedia",
            json!({"media": media}),
            Some(&tab.session),
        );
    }

    /// The URLs a tab asked for, by the DevTools network events received so far.
    fn requests(&self, tab: &Tab) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent" && e["sessionId"] == tab.session)
            .map(|e| {
                e["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned()
            })
            .collect()
    }

    /// Closes the browser cleanly (so that it finishes its network log) and returns the log.
    fn close(mut self) -> String {
        let mut bytes = serde_json::to_vec(&json!({"id": 0, "method": "Browser.close"})).unwrap();
        bytes.push(0);
        let _ = self.commands.write_all(&bytes);
        let start = Instant::now();
        loop {
            if self.child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "chromium did not exit\n{}",
                stderr_of(&self.dir)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::read_to_string(self.dir.join("net-log.json")).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Only when a test failed half-way: the browser is still running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

struct Tab {
    session: String,
}

fn stderr_of(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    format!("chromium's stderr:\n{text}")
}

/// What the network log says a page of `site` (e.g. `file://`) caused: the URLs and hosts
/// of every request, DNS lookup and connection that Chromium made on its behalf. Chromium
/// keys each of those by the top-level site of the page (its network isolation or
/// anonymization key); the browser's own traffic (sign-in and update checks, which no flag
/// turns off) is keyed otherwise and is not the page's. An error when the log is not a
/// complete network log: one the browser did not finish (`polledData` is written last)
/// proves nothing.
fn page_traffic(log: &str, site: &str) -> Result<Vec<String>, String> {
    let log: Value =
        serde_json::from_str(log).map_err(|e| format!("the network log is not JSON: {e}"))?;
    let events = log["events"]
        .as_array()
        .ok_or("the network log has no events list")?;
    if log.get("constants").is_none() || log.get("polledData").is_none() {
        return Err("the network log is incomplete (the browser did not finish it)".into());
    }
    fn keyed_by(params: &Value, site: &str) -> bool {
        match params {
            Value::Object(map) => map.iter().any(|(key, value)| {
                (matches!(
                    key.as_str(),
                    "network_isolation_key" | "network_anonymization_key"
                ) && value
                    .as_str()
                    .is_some_and(|k| k.split_whitespace().next() == Some(site)))
                    || keyed_by(value, site)
            }),
            Value::Array(items) => items.iter().any(|v| keyed_by(v, site)),
            _ => false,
        }
    }
    let source = |event: &Value| event["source"]["id"].as_u64();
    let pages: BTreeSet<u64> = events
        .iter()
        .filter(|e| keyed_by(&e["params"], site))
        .filter_map(source)
        .collect();
    let mut found = BTreeSet::new();
    for event in events {
        if source(event).is_some_and(|s| pages.contains(&s)) {
            for key in ["url", "host"] {
                if let Some(value) = event["params"][key].as_str() {
                    found.insert(value.to_owned());
                }
            }
        }
    }
    if found.is_empty() && !pages.is_empty() {
        found.insert(format!("{} network events without a URL", pages.len()));
    }
    Ok(found.into_iter().collect())
}

/// What the page looks like to a reader and to assistive technology, measured in the page.
const REPORT: &str = r#"(() => {
  const parse = (c) => {
    const m = /^rgba?\(([^)]*)\)$/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, below) => [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) layers.push(c);
    }
    return layers.reverse().reduce((below, c) => over(c, below), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = [];
  let checked = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    const colour = parse(style.color);
    const name = `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 40)}"`;
    if (!colour) { contrast.push(`${name}: colour ${style.color} not understood`); continue; }
    const bg = background(el);
    const [hi, lo] = [luminance(over(colour, bg)), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    checked++;
    if (ratio < need) contrast.push(`${name}: ${ratio.toFixed(2)} < ${need}`);
  }
  return {
    text: document.body.innerText,
    title: document.title,
    lang: document.documentElement.lang,
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => [Number(h.tagName[1]), h.textContent.trim()]),
    embedded: document.querySelectorAll('img, script, link, iframe, object, embed, video, audio, source, picture, svg image').length,
    contrast,
    checked,
    cards: [...document.querySelectorAll('article')].map((a) => a.innerText),
  };
})()"#;

/// Runs `cutover` in a fixture directory and returns its stdout.
fn cutover(fixture: &str, args: &[&str]) -> String {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--mapping", "mapping.yaml", "export"]);
    Cutover::new(&all)
        .current_dir(&testdata(fixture))
        .expect(0)
        .stdout
}

/// The page as shipped, and without its Content-Security-Policy (which would block a fetch
/// the markup asked for, and so hide it from the check).
fn without_policy(page: &str) -> String {
    let start = page
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("the page carries a Content-Security-Policy");
    let end = start + page[start..].find('>').unwrap() + 1;
    let policy = &page[start..end];
    assert!(
        policy.contains("default-src 'none'") && policy.contains("style-src 'unsafe-inline'"),
        "{policy}"
    );
    format!("{}{}", &page[..start], &page[end..])
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn str_of<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

#[test]
fn the_review_page_renders_every_name_the_gate_and_the_patch_and_fetches_nothing() {
    if !require_tool(CHROMIUM) {
        return;
    }
    let dir = scratch("html-review");
    let cases = [
        ("demo", "replace"),
        ("demo", "add"),
        ("transition/demo-after-add", "replace"),
        // Undeclared accounts, IDs that are not UUIDs, every file format.
        ("formats", "replace"),
    ];
    let mut browser = Browser::launch(&dir);
    for (n, (fixture, mode)) in cases.iter().enumerate() {
        let what = format!("{fixture} --mode {mode}");
        let page = cutover(fixture, &["--mode", mode, "--format", "html"]);
        let review: Value =
            serde_json::from_str(&cutover(fixture, &["--mode", mode, "--format", "json"])).unwrap();
        let plan = cutover(fixture, &["--mode", mode, "--format", "review"]);
        let patch = cutover(fixture, &["--mode", mode]);
        let path = dir.join(format!("page-{n}.html"));
        std::fs::write(&path, without_policy(&page)).unwrap();
        let url = file_url(&path);

        let tab = browser.open(&url);
        let screen = browser.evaluate(&tab, REPORT);
        browser.media(&tab, "print");
        let printed = browser.evaluate(&tab, REPORT);
        // The patch is shown only on paper: its colours are measured there.
        assert_eq!(
            printed["contrast"],
            json!([]),
            "{what}: printed text below WCAG AA contrast"
        );
        let paper = printed["text"].as_str().unwrap();
        let text = screen["text"].as_str().unwrap();
        let has = |needle: &str, why: &str| {
            assert!(
                text.contains(needle),
                "{what}: the page does not show {why} {needle:?}\n{text}"
            )
        };

        // Accessibility as rendered.
        assert_eq!(screen["lang"], "en", "{what}");
        assert_eq!(screen["embedded"], 0, "{what}: embedded content");
        let headings: Vec<(u64, String)> = screen["headings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_u64().unwrap(), h[1].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            headings.iter().filter(|h| h.0 == 1).count(),
            1,
            "{what}: {headings:?}"
        );
        assert_eq!(headings[0].0, 1, "{what}: {headings:?}");
        for pair in headings.windows(2) {
            assert!(
                pair[1].0 <= pair[0].0 + 1,
                "{what}: a heading level skipped: {pair:?}"
            );
        }
        assert!(screen["checked"].as_u64().unwrap() > 50, "{what}: {screen}");
        assert_eq!(
            screen["contrast"],
            json!([]),
            "{what}: text below WCAG AA contrast"
        );

        // The organisation, and every account by each part of its declaration.
        let org = str_of(&review, "organization").unwrap();
        has(org, "the organisation");
        assert!(screen["title"].as_str().unwrap().contains(org), "{what}");
        for moved in review["accounts"].as_array().unwrap() {
            for (value, declared) in [("from", "from_account"), ("to", "to_account")] {
                match moved.get(declared).filter(|d| !d.is_null()) {
                    Some(account) => {
                        for part in ["address", "name", "host", "id"] {
                            if let Some(part_value) = str_of(account, part) {
                                has(part_value, &format!("the account's {part}"));
                            }
                        }
                    }
                    None => has(str_of(moved, value).unwrap(), "the value"),
                }
            }
        }
        // One card per setting, found by where it stands; in it, its name and every change:
        // where in the setting, the line, and the accounts before and after.
        let cards: Vec<&str> = screen["cards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let mut settings = BTreeSet::new();
        for change in review["changes"].as_array().unwrap() {
            let path = str_of(change, "path").unwrap();
            let line = change["setting_line"].as_u64().or(change["line"].as_u64());
            let at = format!("{path}:{}", line.unwrap());
            let holder = str_of(change, "holder").unwrap_or("(outside any setting)");
            settings.insert((at.clone(), holder));
            // A minified file holds many settings on one line: the name tells them apart.
            let card = cards
                .iter()
                .find(|c| {
                    c.lines()
                        .next()
                        .is_some_and(|title| title.ends_with(holder))
                        && c.lines().any(|l| l.trim() == at)
                })
                .unwrap_or_else(|| panic!("{what}: no card for {holder} at {at}\n{text}"));
            let in_card = |needle: &str, why: &str| {
                assert!(
                    card.contains(needle),
                    "{what}: the card of {at} does not show {why} {needle:?}\n{card}"
                )
            };
            in_card(str_of(change, "place").unwrap(), "the place in the setting");
            in_card(&format!("line {}", change["line"]), "the reference's line");
            let shown_after = matches!(
                str_of(change, "action").unwrap(),
                "rewrite" | "insert" | "copy" | "keep"
            );
            for (value, declared, shown) in [
                ("from", "from_account", true),
                ("to", "to_account", shown_after),
            ] {
                if !shown {
                    continue;
                }
                match change.get(declared).filter(|d| !d.is_null()) {
                    Some(account) => {
                        let id = str_of(account, "id").unwrap();
                        in_card(&id.chars().take(8).collect::<String>(), "the account's ID");
                        for part in ["address", "host"] {
                            if let Some(part_value) = str_of(account, part) {
                                in_card(part_value, &format!("the account's {part}"));
                            }
                        }
                    }
                    None => in_card(str_of(change, value).unwrap(), "the value"),
                }
            }
        }
        assert_eq!(cards.len(), settings.len(), "{what}: cards {cards:?}");
        // The gate, in the words of the text review.
        let gate = plan
            .lines()
            .find_map(|l| l.strip_prefix("Gate: "))
            .expect("the text review states the gate");
        let gate = gate.trim_end_matches('.');
        let mut sentence = gate.chars();
        let gate: String = sentence
            .next()
            .unwrap()
            .to_uppercase()
            .chain(sentence)
            .collect();
        has(&gate, "the gate");
        for id in review["summary"]["removable"].as_array().unwrap() {
            has(&id.as_str().unwrap()[..8], "a removable account");
        }

        // The patch: folded on screen, whole on paper.
        let patch_lines: Vec<&str> = patch
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert!(patch_lines.len() > 5, "{what}: {patch}");
        for line in &patch_lines {
            // (As the page shows the exports' text: a byte-order mark, say, escaped.)
            let line = cutover::file_name::shown_text(line);
            assert!(
                paper.contains(&*line),
                "{what}: the printed page lacks the patch line {line:?}\n{paper}"
            );
        }
        let file_headers: Vec<&&str> = patch_lines
            .iter()
            .filter(|l| l.starts_with("+++ "))
            .collect();
        for header in file_headers {
            assert!(
                !text.contains(*header),
                "{what}: the patch is not folded on screen"
            );
        }

        // Nothing but the page itself, by the DevTools witness.
        assert_eq!(browser.requests(&tab), vec![url.clone()], "{what}");
    }
    // And by the network log, over all the pages.
    let log = browser.close();
    assert_eq!(page_traffic(&log, "file://"), Ok(vec![]));
    // Kept when the test fails, to look at; a browser profile is megabytes.
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_fetch_check_catches_a_page_that_fetches() {
    if !require_tool(CHROMIUM) {
        return;
    }
    let dir = scratch("html-review-canary");
    // A local server that answers every request with 404 and notes what was asked: the
    // witness that the browser really fetched.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(Mutex::new(Vec::new()));
    let log_to = Arc::clone(&served);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request_line = String::new();
            let _ = BufReader::new(&stream).read_line(&mut request_line);
            log_to
                .lock()
                .unwrap()
                .push(request_line.trim_end().to_owned());
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let image = format!("http://127.0.0.1:{port}/image.png");
    let background = format!("http://127.0.0.1:{port}/background.png");
    let page = dir.join("fetches.html");
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>fetches</title></head>\
             <body><p>A page that fetches.</p><img src=\"{image}\" alt=\"\">\
             <div style=\"height: 2rem; background: url({background})\"></div></body></html>\n"
        ),
    )
    .unwrap();
    let url = file_url(&page);
    let mut browser = Browser::launch(&dir);
    let tab = browser.open(&url);
    let shown = browser.evaluate(&tab, "document.body.innerText");
    assert_eq!(shown, "A page that fetches.");
    let requested = browser.requests(&tab);
    let log = browser.close();

    // The requests were real: the server saw them.
    let served = served.lock().unwrap().clone();
    for path in ["/image.png", "/background.png"] {
        assert!(
            served
                .iter()
                .any(|r| r.starts_with(&format!("GET {path} "))),
            "the server saw {served:?}, so this test proves nothing"
        );
    }
    for fetched in [&image, &background] {
        assert!(requested.contains(fetched), "DevTools: {requested:?}");
    }
    let traffic = page_traffic(&log, "file://").unwrap();
    for fetched in [&image, &background] {
        assert!(traffic.contains(fetched), "network log: {traffic:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_fetch_check_refuses_a_log_that_proves_nothing() {
    // Runs without a browser: the checker's own logic on small logs of Chromium's shape.
    let event = |source: u64, params: Value| json!({"source": {"id": source, "type": 1}, "type": 2, "params": params});
    let log = |events: Vec<Value>| {
        json!({"constants": {}, "events": events, "polledData": {}}).to_string()
    };
    let page = json!({"network_isolation_key": "file:// [internally: file://] file:// [internally: file://]"});
    let fetched = log(vec![
        event(7, json!({"url": "http://127.0.0.1:9/x.png"})),
        event(7, page.clone()),
        event(
            8,
            json!({"url": "https://accounts.google.com/ListAccounts", "network_isolation_key": "https://google.com https://google.com"}),
        ),
        event(
            9,
            json!({"host": "http://127.0.0.1:9", "network_anonymization_key": "file:// [internally: file://]"}),
        ),
    ]);
    assert_eq!(
        page_traffic(&fetched, "file://"),
        Ok(vec![
            "http://127.0.0.1:9".to_owned(),
            "http://127.0.0.1:9/x.png".to_owned()
        ])
    );
    // The browser's own traffic is not the page's.
    let quiet = log(vec![event(
        8,
        json!({"url": "https://update.googleapis.com/", "network_isolation_key": "null null"}),
    )]);
    assert_eq!(page_traffic(&quiet, "file://"), Ok(vec![]));
    // A page-keyed event without a URL still counts.
    let bare = log(vec![event(3, page)]);
    assert_eq!(page_traffic(&bare, "file://").unwrap().len(), 1);
    // A log the browser did not finish, or no log at all, is an error, not a pass.
    let unfinished = fetched.replace(",\"polledData\":{}", "");
    assert!(page_traffic(&unfinished, "file://").is_err());
    assert!(page_traffic(&fetched[..fetched.len() / 2], "file://").is_err());
    assert!(page_traffic("", "file://").is_err());
}
