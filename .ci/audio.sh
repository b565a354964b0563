# .ci/audio.sh -- headless audio for CI: PulseAudio with a null sink whose monitor is the default source,
# so whatever a program plays through cpal it can record back through cpal. Needs root (apt-get) or the
# packages below already installed; no sound card, kernel module or dbus.
#   source .ci/audio.sh; ci_audio_up || exit 1; cargo test ...; ci_audio_down
# Exports XDG_RUNTIME_DIR and PULSE_SERVER (read by cpal's `pulseaudio` host and by libpulse /
# the ALSA `pulse` plugin used by cpal's default ALSA host).

CI_AUDIO_DIR="${CI_AUDIO_DIR:-/tmp/ci-audio}"
# Build deps of cpal (alsa-sys needs alsa.pc) and the server. voicebot-audio uses cpal's pure-Rust
# `pulseaudio` host, so the ALSA->pulse plugin (libasound2-plugins) is not needed.
CI_AUDIO_PKGS="${CI_AUDIO_PKGS:-pkg-config libasound2-dev pulseaudio pulseaudio-utils}"

ci_audio_up() {
    local missing="" p i
    for p in $CI_AUDIO_PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "ci-audio: installing$missing"
        DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq || return 1
        DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends \
            $missing >/dev/null || return 1
    fi

    mkdir -p "$CI_AUDIO_DIR/xdg" && chmod 700 "$CI_AUDIO_DIR/xdg" || return 1
    export XDG_RUNTIME_DIR="$CI_AUDIO_DIR/xdg"
    export PULSE_SERVER="unix:$CI_AUDIO_DIR/xdg/pulse/native"
    unset PULSE_RUNTIME_PATH   # the pulseaudio crate mis-joins it; keep it out of the way

    if timeout 5 pactl info >/dev/null 2>&1; then
        echo "ci-audio: pulseaudio already running"
        ci_audio_wait_low_latency
        return
    fi

    # -n: skip default.pa (no udev/alsa/dbus/x11 modules); only what is below is loaded.
    # ci_drain + module-loopback: a permanent 10 ms reader on ci_sink.monitor. Without it the
    # idle null sink runs with 2 s latency and new streams stall for up to ~2 s before any
    # callback (playback) or deliver 16k-frame bursts every ~2 s (capture).
    cat >"$CI_AUDIO_DIR/ci.pa" <<'EOF'
.fail
load-module module-native-protocol-unix auth-anonymous=1
load-module module-null-sink sink_name=ci_sink rate=48000 channels=2 sink_properties=device.description=CI_Null_Sink
load-module module-null-sink sink_name=ci_drain rate=48000 channels=2 sink_properties=device.description=CI_Drain
load-module module-loopback source=ci_sink.monitor sink=ci_drain latency_msec=10 source_dont_move=true sink_dont_move=true
set-default-sink ci_sink
set-default-source ci_sink.monitor
EOF
    rm -f "$CI_AUDIO_DIR/pulse.log"
    # As root PulseAudio prints "not intended to be run as root" and carries on (user mode).
    timeout 20 pulseaudio --daemonize=yes --exit-idle-time=-1 --disallow-exit -n \
        -F "$CI_AUDIO_DIR/ci.pa" --log-target="file:$CI_AUDIO_DIR/pulse.log" --log-level=notice \
        || { echo "ci-audio: pulseaudio failed to start"; cat "$CI_AUDIO_DIR/pulse.log"; return 1; }
    for i in $(seq 1 100); do   # up to ~10 s
        if timeout 2 pactl info >/dev/null 2>&1; then break; fi
        sleep 0.1
    done
    if ! timeout 5 pactl info 2>/dev/null | grep -q "Default Source: ci_sink.monitor"; then
        echo "ci-audio: pulseaudio not ready"; cat "$CI_AUDIO_DIR/pulse.log"; return 1
    fi
    # A fresh null sink starts ~2 s "ahead" (its idle latency) and only drains to the keeper's
    # ~3 ms over ~2 s; streams opened meanwhile stall. Suspend+resume resets its clock at once.
    timeout 5 pactl suspend-sink ci_sink 1 && timeout 5 pactl suspend-sink ci_sink 0 || return 1
    ci_audio_wait_low_latency || return 1
    echo "ci-audio: pulseaudio up (pid $(cat "$XDG_RUNTIME_DIR/pulse/pid" 2>/dev/null))"
}

# Wait (max ~5 s) until ci_sink's latency is below 50 ms, i.e. new streams start at once.
ci_audio_wait_low_latency() {
    local lat _
    for _ in $(seq 1 50); do
        lat="$(timeout 5 pactl list sinks 2>/dev/null \
            | awk '/Name: ci_sink$/{f=1} f&&/Latency:/{print $2; exit}')" || true
        [ -n "$lat" ] && [ "$lat" -lt 50000 ] && return 0
        sleep 0.1
    done
    echo "ci-audio: ci_sink latency still ${lat:-?} us"; return 1
}

ci_audio_down() {
    local pid
    pid="$(cat "$CI_AUDIO_DIR/xdg/pulse/pid" 2>/dev/null)" || return 0
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do   # gone, or a zombie (PID 1 in some sandboxes never reaps)
        case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ""|Z*) break ;; esac
        sleep 0.1
    done
    return 0
}
