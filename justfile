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
