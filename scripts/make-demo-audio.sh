#!/usr/bin/env bash
# Regenerates fixtures/audio/demo-mic.wav, the demo's microphone: three sentences spoken by espeak-ng,
# 16 kHz mono PCM16, separated by silence (see crates/voicebot-sim/examples/make_demo_audio.rs).
# Run from anywhere: `bash scripts/make-demo-audio.sh`. Needs espeak-ng (`apt-get install espeak-ng`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v espeak-ng >/dev/null 2>&1; then
  echo "espeak-ng is not installed; install it with: apt-get install espeak-ng" >&2
  exit 2
fi
cargo run --quiet -p voicebot-sim --example make_demo_audio -- fixtures/audio/demo-mic.wav
echo "wrote fixtures/audio/demo-mic.wav ($(wc -c < fixtures/audio/demo-mic.wav) bytes) with $(espeak-ng --version | head -n 1)"
