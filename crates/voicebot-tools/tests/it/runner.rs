//! The runner: once per call id, timeouts, panics, concurrency, limits, cancellation, payload shapes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Barrier;
use tokio_util::sync::CancellationToken;
use voicebot_tools::{Completion, ErrorKind, Runner, RunnerConfig, Submitted, ToolCall, ToolRegistry};

use crate::support::{Behaviour, Fake};

const WAIT: Duration = Duration::from_secs(60);

fn runner(tools: Vec<Fake>, config: RunnerConfig) -> Runner {
    let mut registry = ToolRegistry::new();
    for tool in tools {
        registry.register(tool).unwrap();
    }
    Runner::new(Arc::new(registry), config, CancellationToken::new())
}

fn call(id: &str, name: &str, arguments: Value) -> ToolCall {
    ToolCall { call_id: id.into(), name: name.into(), arguments }
}

async fn next(runner: &mut Runner) -> Completion {
    tokio::time::timeout(WAIT, runner.next_completion()).await.expect("a completion")
}

async fn assert_nothing_more(runner: &mut Runner) {
    assert!(tokio::time::timeout(WAIT, runner.next_completion()).await.is_err(), "no completion expected");
}

#[tokio::test(start_paused = true)]
async fn results_are_matched_by_call_id_and_always_non_empty_objects() {
    let values = [json!(null), json!(42), json!({}), json!([1]), json!("text"), json!({"a": 1})];
    let names = ["null", "number", "empty", "array", "string", "object"];
    let tools = names.iter().zip(&values).map(|(n, v)| Fake::new(n, Behaviour::Returns(v.clone()))).collect();
    let mut runner = runner(tools, RunnerConfig { max_concurrent: 8, ..RunnerConfig::default() });
    for name in names {
        assert_eq!(runner.submit(call(&format!("id-{name}"), name, json!({}))), Submitted::Started);
    }
    let mut outputs = HashMap::new();
    for _ in names {
        let done = next(&mut runner).await;
        assert!(done.is_ok());
        assert_eq!(done.call_id, format!("id-{}", done.name));
        outputs.insert(done.name, done.output);
    }
    assert_eq!(outputs["null"], json!({"result": null}));
    assert_eq!(outputs["number"], json!({"result": 42}));
    assert_eq!(outputs["empty"], json!({"result": {}}));
    assert_eq!(outputs["array"], json!({"result": [1]}));
    assert_eq!(outputs["string"], json!({"result": "text"}));
    assert_eq!(outputs["object"], json!({"a": 1}));
    assert!(runner.is_idle());
}

#[tokio::test(start_paused = true)]
async fn a_repeated_call_id_runs_once() {
    let fake = Fake::new("count", Behaviour::Returns(json!({"ok": true})));
    let calls = Arc::clone(&fake.calls);
    let mut runner = runner(vec![fake], RunnerConfig::default());
    assert_eq!(runner.submit(call("c1", "count", json!({}))), Submitted::Started);
    assert_eq!(runner.submit(call("c1", "count", json!({}))), Submitted::Duplicate);
    assert_eq!(next(&mut runner).await.call_id, "c1");
    assert_eq!(runner.submit(call("c1", "count", json!({"again": true}))), Submitted::Duplicate);
    assert_nothing_more(&mut runner).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn old_call_ids_are_forgotten_beyond_the_memory_bound() {
    let config = RunnerConfig { remembered_call_ids: 2, ..RunnerConfig::default() };
    let mut runner = runner(vec![Fake::new("t", Behaviour::Returns(json!({"ok": 1})))], config);
    for id in ["a", "b", "c"] {
        runner.submit(call(id, "t", json!({})));
        next(&mut runner).await;
    }
    assert_eq!(runner.submit(call("c", "t", json!({}))), Submitted::Duplicate);
    assert_eq!(runner.submit(call("a", "t", json!({}))), Submitted::Started);
}

#[tokio::test(start_paused = true)]
async fn unknown_tools_and_bad_arguments_fail_at_once_with_a_payload() {
    let config = RunnerConfig { max_argument_bytes: 64, ..RunnerConfig::default() };
    let mut runner = runner(vec![Fake::new("t", Behaviour::Sleeps(Duration::ZERO))], config);
    assert_eq!(runner.submit(call("c1", "nope", json!({}))), Submitted::Refused(ErrorKind::UnknownTool));
    let done = next(&mut runner).await;
    assert_eq!(done.output["error"]["kind"], "unknown_tool");
    assert_eq!(done.output["error"]["message"], "there is no tool named \"nope\"");

    assert_eq!(runner.submit(call("c2", "t", json!("text"))), Submitted::Refused(ErrorKind::BadArguments));
    let big = json!({"text": "x".repeat(100)});
    assert_eq!(runner.submit(call("c3", "t", big)), Submitted::Refused(ErrorKind::BadArguments));
    let two = [next(&mut runner).await, next(&mut runner).await];
    assert_eq!(two[0].output["error"]["message"], "the arguments must be a JSON object");
    assert!(two[1].output["error"]["message"].as_str().unwrap().contains("the limit is 64"));
    // Null arguments are an empty object.
    assert_eq!(runner.submit(call("c4", "t", Value::Null)), Submitted::Started);
    assert_eq!(next(&mut runner).await.output, json!({"result": {}}));
}

#[tokio::test]
async fn a_misspelt_argument_is_refused_when_the_schema_lists_its_arguments() {
    let registry = std::sync::Arc::new(voicebot_tools::ToolRegistry::with_builtins(".").unwrap());
    let mut runner =
        Runner::new(registry, RunnerConfig::default(), tokio_util::sync::CancellationToken::new());
    let misspelt = call("z1", "get_time", json!({"tz": "Europe/Paris"}));
    assert_eq!(runner.submit(misspelt), Submitted::Refused(ErrorKind::BadArguments));
    let done = next(&mut runner).await;
    assert_eq!(done.output["error"]["message"], "unknown argument \"tz\"; the arguments are: zone");
    assert_eq!(runner.submit(call("z2", "get_time", json!({"zone": "Europe/Paris"}))), Submitted::Started);
    assert_eq!(next(&mut runner).await.output["zone"], "Europe/Paris");
}

#[tokio::test(start_paused = true)]
async fn a_hanging_tool_times_out_while_others_finish() {
    let config = RunnerConfig { default_timeout: Duration::from_secs(5), ..RunnerConfig::default() };
    let tools = vec![
        Fake::new("hang_short", Behaviour::Hangs).with_timeout(Duration::from_secs(2)),
        Fake::new("hang_default", Behaviour::Hangs),
        Fake::new("quick", Behaviour::Sleeps(Duration::from_millis(10))),
    ];
    let mut runner = runner(tools, config);
    for (id, name) in [("h1", "hang_short"), ("h2", "hang_default"), ("q", "quick")] {
        runner.submit(call(id, name, json!({"n": 1})));
    }
    let quick = next(&mut runner).await;
    assert_eq!((quick.call_id.as_str(), &quick.output), ("q", &json!({"n": 1})));
    let short = next(&mut runner).await;
    assert_eq!((short.call_id.as_str(), short.error), ("h1", Some(ErrorKind::Timeout)));
    assert_eq!(short.elapsed, Duration::from_secs(2));
    assert_eq!(short.output["error"]["message"], "the tool did not finish within 2000 ms");
    let default = next(&mut runner).await;
    assert_eq!((default.call_id.as_str(), default.elapsed), ("h2", Duration::from_secs(5)));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_tool_fails_only_its_own_call() {
    let tools = vec![
        Fake::new("boom", Behaviour::Panics),
        Fake::new("fine", Behaviour::Returns(json!({"ok": true}))),
    ];
    let mut runner = runner(tools, RunnerConfig::default());
    runner.submit(call("p", "boom", json!({})));
    let done = next(&mut runner).await;
    assert_eq!(done.error, Some(ErrorKind::Panicked));
    assert_eq!(done.output["error"]["message"], "the tool crashed: fake tool exploded");
    runner.submit(call("after", "fine", json!({})));
    assert!(next(&mut runner).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn tool_errors_become_structured_payloads() {
    let mut runner =
        runner(vec![Fake::new("sad", Behaviour::Fails(ErrorKind::NotFound))], RunnerConfig::default());
    runner.submit(call("s", "sad", json!({})));
    let done = next(&mut runner).await;
    assert_eq!(done.output, json!({"error": {"kind": "not_found", "message": "it failed on purpose"}}));
}

#[tokio::test(start_paused = true)]
async fn independent_calls_run_concurrently() {
    // Each call waits for the other at a barrier: run one after the other, neither would finish.
    let barrier = Arc::new(Barrier::new(2));
    let tools = vec![
        Fake::new("left", Behaviour::Meets(Arc::clone(&barrier))),
        Fake::new("right", Behaviour::Meets(barrier)),
    ];
    let mut runner = runner(tools, RunnerConfig::default());
    runner.submit(call("l", "left", json!({})));
    runner.submit(call("r", "right", json!({})));
    assert_eq!(runner.running(), 2);
    let mut ids = vec![next(&mut runner).await.call_id, next(&mut runner).await.call_id];
    ids.sort();
    assert_eq!(ids, ["l", "r"]);
}

#[tokio::test(start_paused = true)]
async fn calls_beyond_the_limit_queue_then_overload() {
    let config = RunnerConfig { max_concurrent: 1, max_queued: 1, ..RunnerConfig::default() };
    let mut runner = runner(vec![Fake::new("slow", Behaviour::Sleeps(Duration::from_secs(1)))], config);
    assert_eq!(runner.submit(call("a", "slow", json!({}))), Submitted::Started);
    assert_eq!(runner.submit(call("b", "slow", json!({}))), Submitted::Queued);
    assert_eq!(runner.submit(call("c", "slow", json!({}))), Submitted::Refused(ErrorKind::Overloaded));
    assert_eq!(next(&mut runner).await.error, Some(ErrorKind::Overloaded));
    let a = next(&mut runner).await;
    assert_eq!((a.call_id.as_str(), a.elapsed), ("a", Duration::from_secs(1)));
    let b = next(&mut runner).await;
    assert_eq!((b.call_id.as_str(), b.elapsed), ("b", Duration::from_secs(2)), "b waited for a's slot");
}

#[tokio::test(start_paused = true)]
async fn a_withdrawn_call_yields_nothing() {
    let config = RunnerConfig { max_concurrent: 1, ..RunnerConfig::default() };
    let mut runner =
        runner(vec![Fake::new("hang", Behaviour::Hangs).with_timeout(Duration::from_secs(3600))], config);
    runner.submit(call("running", "hang", json!({})));
    runner.submit(call("queued", "hang", json!({})));
    assert!(runner.cancel("queued"));
    assert!(runner.cancel("running"));
    assert!(!runner.cancel("unknown"));
    assert_nothing_more(&mut runner).await;
    assert!(runner.is_idle());
    assert_eq!(runner.submit(call("running", "hang", json!({}))), Submitted::Duplicate);
}

#[tokio::test(start_paused = true)]
async fn the_session_token_and_shutdown_end_running_calls() {
    let token = CancellationToken::new();
    let mut registry = ToolRegistry::new();
    registry.register(Fake::new("hang", Behaviour::Hangs)).unwrap();
    let mut runner = Runner::new(Arc::new(registry), RunnerConfig::default(), token.clone());
    runner.submit(call("h1", "hang", json!({})));
    token.cancel();
    let done = next(&mut runner).await;
    assert_eq!((done.error, done.elapsed), (Some(ErrorKind::Cancelled), Duration::ZERO));

    let mut runner = runner_with_hangs();
    runner.submit(call("x", "hang", json!({})));
    runner.submit(call("y", "hang", json!({})));
    tokio::time::timeout(WAIT, runner.shutdown()).await.unwrap();
    assert!(runner.is_idle());
    assert_nothing_more(&mut runner).await;
}

fn runner_with_hangs() -> Runner {
    runner(vec![Fake::new("hang", Behaviour::Hangs)], RunnerConfig::default())
}

#[tokio::test(start_paused = true)]
async fn an_oversized_output_is_replaced_by_an_error() {
    let config = RunnerConfig { max_output_bytes: 100, ..RunnerConfig::default() };
    let mut runner =
        runner(vec![Fake::new("big", Behaviour::Returns(json!({"text": "x".repeat(200)})))], config);
    runner.submit(call("b", "big", json!({})));
    let done = next(&mut runner).await;
    assert_eq!(done.error, Some(ErrorKind::TooLarge));
    assert!(done.output["error"]["message"].as_str().unwrap().contains("the limit is 100"));
}
