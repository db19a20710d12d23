"""Tone and conflict check: batch throughput, one draft while typing, first load, a huge text.

The corpus is generated (seeded) from templates shaped like real mentions and replies — thanks,
questions, bug reports, complaints, insults, sarcasm, emoji, links, @handles — so the benchmark
needs no data files. Everything runs in this one thread, i.e. on one core.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Row, percentile, rate

_OPENERS = ["", "Hey @{name}, ", "@{name} ", "Hi all! ", "Honestly, ", "Quick question: ", "Ugh. "]
_BODIES = [
    "thanks for the quick fix, the {thing} works great now 🎉",
    "is there a release planned for {thing} next week?",
    "the {thing} crashes on startup after upgrading to {version}, traceback attached",
    "I think there might be a bug in the {thing} when the input is empty",
    "this is the worst {thing} I've ever used, nothing works!!",
    "did you even read my issue? the {thing} is still broken",
    "you clearly have no idea what you're talking about, {name}",
    "wow, thanks a lot for the 'helpful' {thing} 🙄",
    "love this project ❤️ the new {thing} is brilliant",
    "could you take a look at my PR for the {thing} when you have a minute? no rush",
    "per my last email, the {thing} is not a bug",
    "what a joke, pathetic {thing} and a useless maintainer",
    "see https://example.com/issues/{version} for the {thing} logs",
    "kill the process and abort the rebase, then retry the {thing}",
    "I hate it when CI flakes like this, rerunning the {thing} job",
]
_CLOSERS = ["", " Cheers!", " Thanks.", " lol", " 😅", " FIX IT NOW.", " Any ideas?", " 👍"]
_THINGS = ["parser", "CLI", "sync", "config loader", "plugin API", "docs site", "TUI", "importer"]
_NAMES = ["maria", "sam_dev", "kai", "ops-bot", "lena", "devon", "yuki"]


def corpus(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        fill = {
            "name": rng.choice(_NAMES),
            "thing": rng.choice(_THINGS),
            "version": f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        }
        parts = [rng.choice(_OPENERS), rng.choice(_BODIES)]
        if rng.random() < 0.4:
            parts.append(". " + rng.choice(_BODIES).capitalize())
        parts.append(rng.choice(_CLOSERS))
        texts.append("".join(parts).format(**fill))
    return texts


_DRAFT = (
    "Thanks for the detailed report, {name}. I looked into it and the crash happens because the "
    "config loader reads the file before the plugin registry is ready. That's on us, sorry about "
    "that. A fix is in #512 and will ship in 2.3.1 this week. Until then you can set "
    "RAPPORT_LAZY=1 to work around it. If that doesn't help, send me the full log and the output "
    "of `rapport --version` and I'll dig deeper; happy to pair on it too. Have a good one!"
)

_FIRST_CHECK = """
import time
start = time.perf_counter()
from core.analysis import ToneAnalyzer
ToneAnalyzer().check("Just google it.")
print(time.perf_counter() - start)
"""

# What each sync worker process pays before its first verdict (the lists compiled, the model
# read), in CPU time: wall time on a shared machine says more about the neighbours.
_WORKER_LOAD = """
import time
import core.sync.setup
from core.analysis import ToneAnalyzer
start = time.process_time()
ToneAnalyzer().check("hi", role="incoming")
print(time.process_time() - start)
"""


def run(quick: bool) -> list[Row]:
    from core.analysis import ToneAnalyzer, ToneContext

    rows: list[Row] = []
    analyzer = ToneAnalyzer()
    analyzer.check("warm up")  # the lazy load is measured separately, below

    texts = corpus(2_000 if quick else 10_000)
    start = time.perf_counter()
    analyzer.check_many(texts, role="incoming")
    rows.append(
        Row(
            "tone: check_many, texts/s (one core)",
            rate(len(texts), time.perf_counter() - start),
            "texts/s",
            "> 5000",
        )
    )

    draft = (_DRAFT.format(name="Maria") * 2)[:500]
    context = ToneContext(
        thread=[
            "The new release crashes on startup for me.",
            "Still broken after the update, this is getting really annoying.",
        ],
        usual_polarity=0.35,
        contact_name="Maria",
    )
    timings = []
    for n in range(100 if quick else 400):
        # Each keystroke changes the draft, so nothing about the draft itself is cached.
        text = draft[: 500 - n % 9] + "abcdefghi"[: n % 9]
        begin = time.perf_counter()
        analyzer.check(text, role="draft", context=context)
        timings.append((time.perf_counter() - begin) * 1000)
    rows.append(Row("tone: one 500-char draft, p95", percentile(timings, 0.95), "ms", "< 20"))

    huge = (_DRAFT.format(name="Sam") + " ") * (100_000 // len(_DRAFT) + 1)
    begin = time.perf_counter()
    analyzer.check(huge[:100_000], role="incoming")
    rows.append(Row("tone: one 100 KB text", (time.perf_counter() - begin) * 1000, "ms", "< 1000"))

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_CHECK], cwd=root, capture_output=True, text=True, check=True
    )
    rows.append(Row("tone: import + first check (lazy load)", float(out.stdout) * 1000, "ms"))
    loads = [
        float(
            subprocess.run(
                [sys.executable, "-c", _WORKER_LOAD],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(1 if quick else 3)
    ]
    rows.append(
        Row("tone: a sync worker's first load, CPU (best of runs)", min(loads) * 1000, "ms")
    )
    return rows
