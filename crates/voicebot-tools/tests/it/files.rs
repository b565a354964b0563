//! The file tools against hostile paths (escapes, symlinks, absolute paths, special and huge files) and caps.

use std::fs;
use std::os::unix::fs::symlink;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use voicebot_tools::{ListFiles, ReadFileHead, Tool, ToolError, Workspace};

use crate::support::TempDir;

/// A workspace full of traps, and a directory outside it holding a secret.
struct Fixture {
    root: TempDir,
    outside: TempDir,
    _socket: std::os::unix::net::UnixListener,
    list: ListFiles,
    read: ReadFileHead,
}

fn fixture() -> Fixture {
    let root = TempDir::new("ws");
    let outside = TempDir::new("outside");
    let r = root.path();
    fs::write(outside.path().join("secret.txt"), "top secret\n").unwrap();
    fs::write(r.join("notes.txt"), "one\ntwo\nthree\n").unwrap();
    fs::create_dir(r.join("sub")).unwrap();
    fs::write(r.join("sub/inner.txt"), "inner\n").unwrap();
    symlink(outside.path(), r.join("link_out_dir")).unwrap();
    symlink(outside.path().join("secret.txt"), r.join("link_out_file")).unwrap();
    symlink("link_out_dir", r.join("chain")).unwrap();
    symlink("notes.txt", r.join("link_in")).unwrap();
    symlink("/dev/zero", r.join("link_dev")).unwrap();
    let status = std::process::Command::new("mkfifo").arg(r.join("fifo")).status().unwrap();
    assert!(status.success());
    let socket = std::os::unix::net::UnixListener::bind(r.join("sock")).unwrap();
    // A 10 GiB sparse file: reading it whole would take minutes.
    fs::File::create(r.join("huge.bin")).unwrap().set_len(10 << 30).unwrap();
    let workspace = Arc::new(Workspace::new(r).unwrap());
    Fixture {
        list: ListFiles::new(Arc::clone(&workspace)),
        read: ReadFileHead::new(workspace),
        root,
        outside,
        _socket: socket,
    }
}

async fn run(tool: &dyn Tool, arguments: Value) -> Result<Value, ToolError> {
    tokio::time::timeout(Duration::from_secs(10), tool.call(arguments))
        .await
        .expect("the file tool answered in time")
}

#[tokio::test]
async fn hostile_paths_are_refused() {
    let f = fixture();
    let outside_name = f.outside.path().file_name().unwrap().to_str().unwrap().to_owned();
    let secret_abs = f.outside.path().join("secret.txt").to_str().unwrap().to_owned();
    let cases: Vec<(&str, &dyn Tool, Value, &str)> = vec![
        ("sibling escape", &f.read, json!({"path": format!("../{outside_name}/secret.txt")}), "refused"),
        ("deep escape", &f.read, json!({"path": "../../../../../../../../etc/passwd"}), "refused"),
        (
            "escape through a subdirectory",
            &f.read,
            json!({"path": format!("sub/../../{outside_name}/secret.txt")}),
            "refused",
        ),
        ("absolute outside", &f.read, json!({"path": "/etc/passwd"}), "refused"),
        ("absolute outside file", &f.read, json!({"path": secret_abs}), "refused"),
        ("filesystem root", &f.list, json!({"path": "/"}), "refused"),
        ("parent directory", &f.list, json!({"path": ".."}), "refused"),
        ("symlink to a file outside", &f.read, json!({"path": "link_out_file"}), "refused"),
        ("symlink to a directory outside", &f.list, json!({"path": "link_out_dir"}), "refused"),
        ("through a symlinked directory", &f.read, json!({"path": "link_out_dir/secret.txt"}), "refused"),
        ("symlink chain", &f.read, json!({"path": "chain/secret.txt"}), "refused"),
        ("symlink to a device", &f.read, json!({"path": "link_dev"}), "refused"),
        ("fifo", &f.read, json!({"path": "fifo"}), "refused"),
        ("socket", &f.read, json!({"path": "sock"}), "refused"),
        ("/dev/null", &f.read, json!({"path": "/dev/null"}), "refused"),
        ("/dev/zero", &f.read, json!({"path": "/dev/zero"}), "refused"),
        ("empty path", &f.read, json!({"path": " "}), "bad_arguments"),
        ("NUL byte", &f.read, json!({"path": "notes.txt\u{0}.png"}), "bad_arguments"),
        ("overlong path", &f.read, json!({"path": "a/".repeat(600)}), "bad_arguments"),
        ("path not a string", &f.read, json!({"path": 7}), "bad_arguments"),
        ("directory to read", &f.read, json!({"path": "sub"}), "bad_arguments"),
        ("file to list", &f.list, json!({"path": "notes.txt"}), "bad_arguments"),
        ("zero lines", &f.read, json!({"path": "notes.txt", "lines": 0}), "bad_arguments"),
        ("lines not a number", &f.read, json!({"path": "notes.txt", "lines": "many"}), "bad_arguments"),
        ("missing file", &f.read, json!({"path": "missing.txt"}), "not_found"),
    ];
    assert!(cases.len() >= 12);
    for (what, tool, arguments, kind) in cases {
        let error = run(tool, arguments).await.expect_err(what);
        assert_eq!(error.kind.as_str(), kind, "{what}: {error}");
        assert!(!error.message.contains("top secret"), "{what} leaks content: {error}");
    }
    let fifo = run(&f.read, json!({"path": "fifo"})).await.unwrap_err();
    assert_eq!(fifo.message, "\"fifo\" is a fifo, not a regular file");
    let sock = run(&f.read, json!({"path": "sock"})).await.unwrap_err();
    assert_eq!(sock.message, "\"sock\" is a socket, not a regular file");
}

#[tokio::test]
async fn device_files_inside_the_root_are_refused() {
    let dev = Arc::new(Workspace::new("/dev").unwrap());
    let read = ReadFileHead::new(dev);
    for name in ["null", "zero"] {
        let error = run(&read, json!({"path": name})).await.unwrap_err();
        assert_eq!(error.kind.as_str(), "refused");
        assert_eq!(error.message, format!("{name:?} is a device file, not a regular file"));
    }
}

#[tokio::test]
async fn huge_and_binary_files_are_reported_not_dumped() {
    let f = fixture();
    let huge = run(&f.read, json!({"path": "huge.bin"})).await.unwrap();
    assert_eq!(
        huge,
        json!({"path": "huge.bin", "binary": true, "size_bytes": 10u64 << 30, "note": "binary file; its content is not shown"})
    );
    fs::write(f.root.path().join("image.png"), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").unwrap();
    assert_eq!(run(&f.read, json!({"path": "image.png"})).await.unwrap()["binary"], true);
    fs::write(f.root.path().join("latin1.txt"), b"caf\xe9 au lait\n").unwrap();
    assert_eq!(run(&f.read, json!({"path": "latin1.txt"})).await.unwrap()["binary"], true);
    // Text cut by the byte cap in the middle of a character is still text.
    fs::write(f.root.path().join("accents.txt"), "é".repeat(40_000)).unwrap();
    let accents = run(&f.read, json!({"path": "accents.txt"})).await.unwrap();
    assert_eq!(accents["binary"], Value::Null);
    assert_eq!(accents["truncated"], true);
    assert!(accents["text"].as_str().unwrap().ends_with("é…"));
}

#[tokio::test]
async fn lines_and_line_length_are_capped() {
    let f = fixture();
    let text: String = (1..=1_000).map(|n| format!("line {n}\n")).collect();
    fs::write(f.root.path().join("long.txt"), text).unwrap();
    let five = run(&f.read, json!({"path": "long.txt", "lines": 5})).await.unwrap();
    assert_eq!(five["text"], "line 1\nline 2\nline 3\nline 4\nline 5");
    assert_eq!((five["line_count"].as_u64(), five["truncated"].as_bool()), (Some(5), Some(true)));
    let many = run(&f.read, json!({"path": "long.txt", "lines": 10_000})).await.unwrap();
    assert_eq!(many["line_count"], 200);
    let default = run(&f.read, json!({"path": "long.txt"})).await.unwrap();
    assert_eq!(default["line_count"], 20);
    fs::write(f.root.path().join("wide.txt"), "x".repeat(5_000)).unwrap();
    let wide = run(&f.read, json!({"path": "wide.txt"})).await.unwrap();
    assert_eq!(wide["text"].as_str().unwrap().chars().count(), 1_001);
    assert_eq!(wide["truncated"], true);
    let whole = run(&f.read, json!({"path": "notes.txt", "lines": "3"})).await.unwrap();
    assert_eq!(
        whole,
        json!({"path": "notes.txt", "text": "one\ntwo\nthree", "line_count": 3, "truncated": false, "size_bytes": 14})
    );
}

#[tokio::test]
async fn paths_that_stay_inside_are_allowed() {
    let f = fixture();
    let absolute = f.root.path().join("notes.txt").to_str().unwrap().to_owned();
    for path in ["notes.txt", "./notes.txt", "sub/../notes.txt", "link_in", absolute.as_str()] {
        let head = run(&f.read, json!({"path": path, "lines": 1})).await.unwrap();
        assert_eq!(head["text"], "one", "{path}");
        assert_eq!(head["path"], "notes.txt", "{path}");
    }
    let listing = run(&f.list, json!({})).await.unwrap();
    let entries: Vec<(String, String)> = listing["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_owned(), e["type"].as_str().unwrap().to_owned()))
        .collect();
    let kinds: Vec<(&str, &str)> = entries.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("chain", "symlink"),
            ("fifo", "fifo"),
            ("huge.bin", "file"),
            ("link_dev", "symlink"),
            ("link_in", "symlink"),
            ("link_out_dir", "symlink"),
            ("link_out_file", "symlink"),
            ("notes.txt", "file"),
            ("sock", "socket"),
            ("sub", "dir")
        ]
    );
    assert_eq!(listing["entries"][7]["size_bytes"], 14);
    assert_eq!((listing["path"].as_str(), listing["truncated"].as_bool()), (Some("."), Some(false)));
    let sub = run(&f.list, json!({"path": "sub"})).await.unwrap();
    assert_eq!(sub["entries"], json!([{"name": "inner.txt", "type": "file", "size_bytes": 6}]));
}

#[tokio::test]
async fn listings_are_capped() {
    let root = TempDir::new("many");
    for n in 0..250 {
        fs::write(root.path().join(format!("f{n:03}")), "").unwrap();
    }
    let list = ListFiles::new(Arc::new(Workspace::new(root.path()).unwrap()));
    let listing = run(&list, json!({"path": "."})).await.unwrap();
    assert_eq!(listing["entries"].as_array().unwrap().len(), 200);
    assert_eq!((listing["total"].as_u64(), listing["truncated"].as_bool()), (Some(250), Some(true)));
    assert_eq!(listing["entries"][0]["name"], "f000");
}
