"""Every new command end to end: a real process against the emulator, real audio files."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from _audio_files import make_mp3, make_wav

from cli_support import RunCLI
from mistral_chat.emulator import Emulator


def _sent(emulator: Emulator, path: str) -> int:
    return sum(1 for r in emulator.requests if r.path == path)


def test_transcribe_a_wav_streams_its_real_facts(run_cli: RunCLI, tmp_path: Path) -> None:
    make_wav(tmp_path / "meeting.wav", seconds=2.5, rate=16_000, channels=2)
    code, out, err = run_cli("transcribe", "meeting.wav")
    assert code == 0, err
    assert out == "Audio: meeting.wav, WAV, 2.50 s, 16000 Hz, 2 channels.\n"
    # per minute of audio: voxtral-mini-latest is $0.003 a minute, 3 s of audio billed
    assert "voxtral-mini-latest · 0:03 of audio · language en · ~$0.00015" in err


def test_transcribe_an_mp3_as_subtitles_with_speakers(run_cli: RunCLI, tmp_path: Path) -> None:
    make_mp3(tmp_path / "call.mp3", seconds=3.0)
    code, out, err = run_cli("transcribe", "call.mp3", "--format", "vtt", "--diarize")
    assert code == 0, err
    assert out.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:03.")
    assert "speaker_1: Audio: call.mp3, MP3, 3.06 s, 22050 Hz, mono." in out


def test_transcribe_words_json_and_context_bias(run_cli: RunCLI, tmp_path: Path) -> None:
    make_wav(tmp_path / "a.wav", seconds=1.0)
    code, out, _ = run_cli(
        "transcribe", "a.wav", "--timestamps", "word", "--context-bias", "Voxtral", "--json"
    )
    answer = json.loads(out)
    assert code == 0 and "Context bias: Voxtral." in answer["text"]
    words = answer["segments"]
    assert len(words) == len(answer["text"].split()) and words[-1]["end"] == 1.0


def test_transcribe_from_stdin_and_to_a_file(run_cli: RunCLI, tmp_path: Path) -> None:
    data = make_wav(tmp_path / "s.wav", seconds=1.0).read_bytes()
    code, _, err = run_cli("transcribe", "-", "--format", "srt", "-o", "out.srt", input=data)
    assert code == 0, err
    assert (tmp_path / "out.srt").read_text().startswith("1\n00:00:00,000 --> 00:00:01,000\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["notes.txt"], "is not audio the API transcribes"),
        (["a.wav", "--language", "english"], "two-letter code"),
        (["a.wav", "--context-bias", "New York"], "no spaces or commas"),
        (["a.wav", "--language", "en", "--timestamps", "word"], "cannot be combined"),
    ],
)
def test_transcribe_refuses_bad_input_before_sending(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path, args: list[str], says: str
) -> None:
    (tmp_path / "notes.txt").write_text("not audio")
    make_wav(tmp_path / "a.wav", seconds=0.5)
    before = _sent(emulator, "/v1/audio/transcriptions") + _sent(emulator, "/v1/files")
    code, out, err = run_cli("transcribe", *args)
    assert code == 2 and out == "" and says in err and len(err.splitlines()) == 1
    assert _sent(emulator, "/v1/audio/transcriptions") + _sent(emulator, "/v1/files") == before


def test_speak_writes_real_audio_whose_length_follows_the_text(
    run_cli: RunCLI, tmp_path: Path
) -> None:
    text = "The quick brown fox jumps over the lazy dog, twice over."
    code, _, err = run_cli("speak", text, "--voice", "amelie", "-o", "fox.wav")
    assert code == 0, err
    data = (tmp_path / "fox.wav").read_bytes()
    (rate,) = struct.unpack("<I", data[24:28])
    seconds = struct.unpack("<I", data[40:44])[0] / 2 / rate
    assert data[:4] == b"RIFF" and abs(seconds - len(text) / 14) < 0.05
    # per 1M characters: $16 a million, 56 characters
    assert f"{len(text)} characters" in err and "~$0.0009" in err
    code, _, _ = run_cli("transcribe", "fox.wav")
    assert code == 0


def test_speak_mp3_from_stdin_then_transcribed(run_cli: RunCLI, tmp_path: Path) -> None:
    code, _, err = run_cli("speak", "--voice", "oliver", "-o", "hi.mp3", input="Hello there")
    assert code == 0, err
    code, out, _ = run_cli("transcribe", "hi.mp3")
    assert code == 0 and "MP3" in out and "44100 Hz, mono" in out


def test_speak_refuses_empty_text_and_sends_nothing(run_cli: RunCLI, emulator: Emulator) -> None:
    before = _sent(emulator, "/v1/audio/speech")
    code, out, err = run_cli("speak", "--voice", "amelie", "-o", "x.mp3", input="  \n")
    assert code == 2 and "empty" in err and out == ""
    assert _sent(emulator, "/v1/audio/speech") == before


def test_voices_list(run_cli: RunCLI) -> None:
    code, out, _ = run_cli("voices", "list", "--json")
    assert code == 0 and [v["slug"] for v in json.loads(out)][:2] == ["amelie", "oliver"]


def test_embed_json_npy_and_batches(run_cli: RunCLI, tmp_path: Path) -> None:
    code, out, err = run_cli("embed", "a cat sat", "a cat sat", "stock market")
    rows = json.loads(out)["data"]
    assert code == 0 and len(rows[0]["embedding"]) == 1024 and "1024 dimensions" in err
    assert rows[0]["embedding"] == rows[1]["embedding"] != rows[2]["embedding"]
    lines = "\n".join(f"sentence number {i}" for i in range(300))
    code, _, err = run_cli(
        "embed", "-m", "codestral-embed", "--dimension", "64", "-o", "v.npy", input=lines
    )
    data = (tmp_path / "v.npy").read_bytes()
    assert code == 0 and data.startswith(b"\x93NUMPY\x01\x00")
    header_len = struct.unpack("<H", data[8:10])[0]
    assert "'shape': (300, 64)" in data[10 : 10 + header_len].decode()
    assert len(data) == 10 + header_len + 300 * 64 * 4


def test_embed_refuses_a_dimension_the_model_does_not_offer(
    run_cli: RunCLI, emulator: Emulator
) -> None:
    before = _sent(emulator, "/v1/embeddings")
    code, _, err = run_cli("embed", "--dimension", "512", "hello")
    assert code == 2 and "not offered by mistral-embed" in err
    code, _, err = run_cli("embed", "-m", "codestral-embed", "--dimension", "4096", "hello")
    assert code == 2 and "1 to 3072" in err
    assert _sent(emulator, "/v1/embeddings") == before


def test_moderate_flags_and_fails_on_flag(run_cli: RunCLI, tmp_path: Path) -> None:
    code, out, err = run_cli("moderate", "what a lovely day", "--fail-on-flag")
    assert code == 0 and "nothing flagged" in err
    (tmp_path / "c.txt").write_text("give me your credit card number")
    code, out, err = run_cli("moderate", "c.txt", "--fail-on-flag", "--json")
    assert code == 7 and json.loads(out)["results"][0]["categories"]["pii"] is True
    assert "flagged: pii" in err


def test_fim_streams_the_middle_and_writes_the_completed_file(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "draft.py").write_text("def add(a, b):\n    <FILL>\nprint(add(1, 2))\n")
    code, out, _ = run_cli("fim", "draft.py")
    assert code == 0 and out.startswith('[emulator] prefix: 19 characters ending "def add(a, b):')
    code, _, _ = run_cli("fim", "draft.py", "-o", "done.py")
    done = (tmp_path / "done.py").read_text()
    assert code == 0 and done.startswith("def add(a, b):\n    [emulator]")
    assert done.endswith("\nprint(add(1, 2))\n")
    (tmp_path / "plain.py").write_text("no marker here")
    before = _sent(emulator, "/v1/fim/completions")
    code, _, err = run_cli("fim", "plain.py")
    assert code == 2 and "no <FILL> marker" in err
    assert _sent(emulator, "/v1/fim/completions") == before


def test_libraries_create_upload_wait_list_delete(run_cli: RunCLI, tmp_path: Path) -> None:
    code, library, _ = run_cli("libraries", "create", "Team docs")
    library = library.strip()
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4\n/Type /Page\n/Type /Page\n%%EOF")
    (tmp_path / "b.md").write_text("# notes\n")
    code, out, err = run_cli("libraries", "upload", library, "a.pdf", "b.md", "--wait", "--json")
    docs = json.loads(out)
    assert code == 0, err
    assert [d["process_status"] for d in docs] == ["done", "done"]
    assert docs[0]["number_of_pages"] == 2
    code, out, _ = run_cli("libraries", "list", "--json")
    assert code == 0 and any(x["id"] == library and x["nb_documents"] == 2 for x in json.loads(out))
    code, _, _ = run_cli("libraries", "delete", library, "--yes")
    code, out, err = run_cli("libraries", "documents", library)
    assert code == 4 and "not found" in err


def test_history_search_semantic_finds_by_meaning(run_cli: RunCLI) -> None:
    for question in ("How do I bake sourdough bread?", "What is the capital of France?"):
        assert run_cli("ask", question)[0] == 0
    code, out, err = run_cli("history", "search", "--semantic", "baking sourdough", "--json")
    hits = json.loads(out)
    assert code == 0 and "indexed 4 new messages" in err
    assert "sourdough" in hits[0]["snippet"] and hits[0]["score"] > hits[-1]["score"]
    code, out, err = run_cli("history", "search", "--semantic", "baking sourdough", "--json")
    assert code == 0 and "indexed" not in err and json.loads(out) == hits  # nothing new
