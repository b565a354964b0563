"""Faithfulness check: the official Python SDKs complete sessions against `voicebot sim`.

Usage: python check_sdks.py PATH_TO_VOICEBOT_BINARY

Starts `voicebot sim --port 0 --tls` and trusts the CA it prints (`CA_FILE=...`) through SSL_CERT_FILE, as a program
would trust any private CA, so every SDK below talks `https://` and `wss://` with its own, unpatched TLS. Then:
  1. openai: a Realtime GA session (session.update, streamed speech, server VAD, a response with audio),
     every server frame validated against the SDK's RealtimeServerEvent union;
  2. openai: a Responses API call, plain and streamed, parsed by the SDK;
  3. google-genai: a Live *main* session with tools (speech in, transcription and a tool call out,
     tool response, turn complete) and a *reader* session without tools (text in, audio and transcription out);
  4. asks the simulator for the protocol violations it recorded and requires none;
  5. checks that a client which does not trust the CA is refused, so the checks above really verified certificates.
Exits non-zero on the first failure, with one line saying what went wrong.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

from openai import AsyncOpenAI
from openai.types.realtime import RealtimeServerEvent
from pydantic import TypeAdapter
from google import genai
from google.genai import types

TIMEOUT_S = 30
SERVER_EVENTS = TypeAdapter(RealtimeServerEvent)


def fail(message: str) -> None:
    print(f"sdk-check: FAIL: {message}", flush=True)
    sys.exit(1)


def utterance(rate: int) -> bytes:
    """0.5 s of silence, 1 s of a 300 Hz tone at -20 dBFS, 1.5 s of silence: one utterance for an energy VAD."""
    amplitude = 32767 * 10 ** (-20 / 20)
    samples = [0] * (rate // 2)
    samples += [int(amplitude * math.sin(2 * math.pi * 300 * n / rate)) for n in range(rate)]
    samples += [0] * (rate * 3 // 2)
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)


def chunks(data: bytes, rate: int, ms: int = 100):
    step = rate * 2 * ms // 1000
    for start in range(0, len(data), step):
        yield data[start : start + step]


async def openai_realtime(base_url: str) -> str:
    client = AsyncOpenAI(api_key="sk-sdk-check", base_url=base_url)
    seen: list[str] = []
    async with client.realtime.connect(model="gpt-realtime-2.1") as conn:
        await conn.session.update(
            session={
                "type": "realtime",
                "instructions": "Be brief.",
                "output_modalities": ["audio"],
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "transcription": {"model": "gpt-4o-mini-transcribe"},
                        "turn_detection": {"type": "server_vad", "create_response": True, "interrupt_response": True},
                    },
                    "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"},
                },
            }
        )
        for chunk in chunks(utterance(24000), 24000):
            await conn.input_audio_buffer.append(audio=base64.b64encode(chunk).decode())
        audio_bytes = 0
        calls = 0
        pending_call = False
        while True:
            raw = await asyncio.wait_for(conn.recv_bytes(), TIMEOUT_S)
            event = SERVER_EVENTS.validate_json(raw)
            seen.append(event.type)
            if event.type == "error":
                fail(f"openai realtime: the simulator sent an error: {event.error.message}")
            if event.type == "response.output_audio.delta":
                audio_bytes += len(base64.b64decode(event.delta))
            if event.type == "response.function_call_arguments.done":
                calls += 1
                await conn.conversation.item.create(
                    item={"type": "function_call_output", "call_id": event.call_id, "output": '{"time": "12:00"}'}
                )
                pending_call = True
            if event.type == "response.done":
                if pending_call:
                    # The tool-call response is over: ask for the spoken answer, as protocols.md A.9 says.
                    pending_call = False
                    await conn.response.create()
                    continue
                break
    for needed in ("session.created", "session.updated", "input_audio_buffer.speech_started", "response.created"):
        if needed not in seen:
            fail(f"openai realtime: no {needed} event (saw {seen})")
    if audio_bytes == 0:
        fail(f"openai realtime: the response carried no audio (saw {seen})")
    return f"openai realtime: {len(seen)} events validated, {calls} tool call(s), {audio_bytes // 48} ms of audio"


async def openai_responses(base_url: str) -> str:
    client = AsyncOpenAI(api_key="sk-sdk-check", base_url=base_url, max_retries=0)
    plain = await client.responses.create(model="gpt-5.2", instructions="Answer briefly.", input="Why is the sky blue?")
    if plain.status != "completed" or not plain.output_text:
        fail(f"openai responses: plain call gave status {plain.status} and text {plain.output_text!r}")
    events = []
    stream = await client.responses.create(model="gpt-5.2", input="Why is the sky blue?", stream=True)
    async for event in stream:
        events.append(event.type)
    if not events or events[-1] != "response.completed":
        fail(f"openai responses: the stream did not end with response.completed (saw {events})")
    return f"openai responses: plain {len(plain.output_text)} chars, stream {len(events)} events"


async def gemini_main_and_reader(base_url: str) -> str:
    client = genai.Client(api_key="sdk-check-key", http_options=types.HttpOptions(base_url=base_url))
    model = "gemini-2.5-flash-native-audio-preview-12-2025"
    tools = [
        types.Tool(
            function_declarations=[
                types.FunctionDeclaration(name="get_time", description="Local time."),
                types.FunctionDeclaration(
                    name="ask_brain",
                    description="Ask a stronger model.",
                    parameters=types.Schema(type="OBJECT", properties={"query": types.Schema(type="STRING")}),
                ),
            ]
        )
    ]
    main_config = types.LiveConnectConfig(
        response_modalities=["AUDIO"],
        tools=tools,
        input_audio_transcription=types.AudioTranscriptionConfig(),
        system_instruction="Only act after the wake phrase.",
    )
    calls = 0
    transcripts = []
    async with client.aio.live.connect(model=model, config=main_config) as session:
        for chunk in chunks(utterance(16000), 16000):
            await session.send_realtime_input(audio=types.Blob(data=chunk, mime_type="audio/pcm;rate=16000"))
        async with asyncio.timeout(TIMEOUT_S):
            async for message in session.receive():
                content = message.server_content
                if content and content.input_transcription and content.input_transcription.text:
                    transcripts.append(content.input_transcription.text)
                if message.tool_call:
                    calls += len(message.tool_call.function_calls)
                    await session.send_tool_response(
                        function_responses=[
                            types.FunctionResponse(id=call.id, name=call.name, response={"result": "12:00"})
                            for call in message.tool_call.function_calls
                        ]
                    )
                if content and content.turn_complete:
                    break
    if not transcripts:
        fail("gemini main: no input transcription")

    reader_config = types.LiveConnectConfig(
        response_modalities=["AUDIO"], output_audio_transcription=types.AudioTranscriptionConfig()
    )
    audio = 0
    spoken = []
    async with client.aio.live.connect(model=model, config=reader_config) as session:
        await session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="Read this verbatim: The sky is blue.")]),
            turn_complete=True,
        )
        async with asyncio.timeout(TIMEOUT_S):
            async for message in session.receive():
                if message.data:
                    audio += len(message.data)
                content = message.server_content
                if content and content.output_transcription and content.output_transcription.text:
                    spoken.append(content.output_transcription.text)
                if content and content.turn_complete:
                    break
    if audio == 0:
        fail("gemini reader: no audio")
    return f"gemini: main heard {transcripts!r} with {calls} tool call(s); reader sent {audio // 48} ms, said {''.join(spoken)!r}"


def violations(root: str) -> list:
    with urllib.request.urlopen(f"{root}/sim/violations", timeout=TIMEOUT_S) as answer:
        return json.load(answer)


def refused_without_the_ca(root: str) -> str:
    """A client that trusts only the public roots (certifi's) must refuse the simulator's certificate."""
    import certifi

    public_roots = ssl.create_default_context(cafile=certifi.where())
    try:
        urllib.request.urlopen(f"{root}/sim/violations", timeout=TIMEOUT_S, context=public_roots)
    except urllib.error.URLError as err:
        if isinstance(err.reason, ssl.SSLCertVerificationError):
            return f"a client without the CA is refused ({err.reason.verify_message})"
        fail(f"a client without the CA failed for another reason: {err.reason!r}")
    fail("a client without the CA was let through: the certificate is not being verified")
    return ""


def read_settings(sim: subprocess.Popen) -> dict:
    """The lines `voicebot sim --tls` prints first: `listening on https://...`, then VARIABLE=value lines."""
    first = sim.stdout.readline().strip() if sim.stdout else ""
    if not first.startswith("listening on https://"):
        fail(f"voicebot sim --tls did not print its https address first (printed {first!r})")
    settings = {"ROOT": first.removeprefix("listening on ").rstrip("/")}
    for name in ("OPENAI_BASE_URL", "GEMINI_BASE_URL", "CA_FILE"):
        line = sim.stdout.readline().strip() if sim.stdout else ""
        key, _, value = line.partition("=")
        if key != name or not value:
            fail(f"voicebot sim --tls printed {line!r} where {name}=... was expected")
        settings[name] = value
    return settings


async def main() -> None:
    if len(sys.argv) != 2:
        fail("usage: check_sdks.py PATH_TO_VOICEBOT_BINARY")
    sim = subprocess.Popen([sys.argv[1], "sim", "--port", "0", "--tls"], stdout=subprocess.PIPE, text=True)
    try:
        settings = read_settings(sim)
        # Every SDK (httpx, websockets, google-genai, urllib) reads SSL_CERT_FILE when it builds its TLS context.
        os.environ["SSL_CERT_FILE"] = settings["CA_FILE"]
        os.environ.pop("SSL_CERT_DIR", None)
        root = settings["ROOT"]
        print(f"sdk-check: simulator at {root}, its CA trusted through SSL_CERT_FILE={settings['CA_FILE']}", flush=True)
        for check, base in (
            (openai_realtime, settings["OPENAI_BASE_URL"]),
            (openai_responses, settings["OPENAI_BASE_URL"]),
            (gemini_main_and_reader, settings["GEMINI_BASE_URL"]),
        ):
            print(f"sdk-check: ok: {await check(base)}", flush=True)
        found = violations(root)
        if found:
            fail(f"the simulator recorded {len(found)} protocol violation(s): {found}")
        print("sdk-check: ok: zero protocol violations recorded", flush=True)
        print(f"sdk-check: ok: {refused_without_the_ca(root)}", flush=True)
    finally:
        # Ctrl-C, as a person would stop it: the simulator closes its sessions and removes its CA file.
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
