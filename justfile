# Conveniences for developers. CI does not need `just`: `.ci/run` is the source of truth.

default:
    @just --list

# Everything CI runs, in the same order.
ci:
    bash .ci/run

# The handoff assistant on the in-process simulator.
demo:
    cargo run -p voicebot -- demo

# The README's test command.
test:
    cargo test --workspace

# Format check, clippy for both feature legs, docs.
check:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy --workspace --all-targets --features voicebot/device -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# The official Python SDKs against the simulator.
sdk-check:
    cargo build -p voicebot
    python3 -m venv target/sdk-check-venv
    target/sdk-check-venv/bin/pip install -q -r scripts/sdk-check/requirements.txt
    target/sdk-check-venv/bin/python scripts/sdk-check/check_sdks.py target/debug/voicebot

# The real-device tests on a headless PulseAudio loopback (installs it with apt-get when missing), as CI runs them.
test-audio:
    bash -c 'source .ci/audio.sh && ci_audio_up && VOICEBOT_REQUIRE_AUDIO=1 cargo test -p voicebot-audio --features device'

# Audio benchmarks (resampler, jitter buffer, callback fill); `just bench --quick` for a short run.
bench *args:
    cargo bench -p voicebot-audio --bench audio -- {{args}}

# Tests without any audio device.
test-nodevice:
    cargo test --workspace

# Regenerates fixtures/audio/demo-mic.wav (needs espeak-ng).
demo-audio:
    bash scripts/make-demo-audio.sh

# The simulator as a standalone server on a free port.
sim:
    cargo run -p voicebot -- sim --port 0

# The two-hour conversation soak, compressed (a few minutes); `cargo test` runs a 10-minute version.
soak minutes="120":
    VOICEBOT_SOAK_MINUTES={{minutes}} cargo test -p voicebot --test soak -- --nocapture

# The fault matrix with its table of results (docs/reliability.md).
faults:
    cargo test -p voicebot --test e2e the_fault_matrix -- --nocapture

# Fuzzes one target for `time` seconds at the lowest priority (nightly and cargo-fuzz needed; see docs/fuzzing.md).
fuzz target="openai_server" time="600":
    mkdir -p fuzz/corpus/{{target}}
    nice -n 19 cargo +nightly fuzz run {{target}} fuzz/corpus/{{target}} fixtures/fuzz/{{target}} -- -max_total_time={{time}} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1

# Every fuzz target in turn, one at a time, `time` seconds each.
fuzz-all time="600":
    for target in $(cargo +nightly fuzz list); do just fuzz "$target" {{time}} || exit 1; done

# Minimizes fuzz/corpus/<target> (edges only, set cover) into the committed fixtures/fuzz/<target>, keeping crashes/.
fuzz-cmin target:
    nice -n 19 cargo +nightly fuzz cmin {{target}} fuzz/corpus/{{target}} -- -use_counters=0 -set_cover_merge=1 -rss_limit_mb=2048 -timeout=10
    find fixtures/fuzz/{{target}} -maxdepth 1 -type f -delete
    cp fuzz/corpus/{{target}}/* fixtures/fuzz/{{target}}/
