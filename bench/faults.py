"""The fault matrix: break syncer every way the reliability issue lists, count what a user loses.

Dimensions (the first value of each is the good baseline):
- tracker: github, gitlab, jira (each a fake served by this process on 127.0.0.1);
- register: good, missing, directory, binary, utf16, not_utf8, read_only, symlink, truncated
  (to nothing), mojibake (a cp1252-damaged seed, synced as it is);
- config: none, token_unset, token_pasted (the token itself in `token_env`), wrong_repo,
  unreachable (a closed loopback port), unknown_key;
- fault (tracker): none, 5xx (two 502s on the first write), 429 (two rate-limit answers on the
  first write), stall (the first create done, answered past the timeout), late (the first
  create taken in, done past the timeout), garbled_list (a proxy's HTML page for the list),
  garbled_create (the first create's answer cut short), refused_create (an owner mapped to a
  login the tracker does not have);
- kill: none, or SIGKILL of the first `syncer reconcile` as the fake receives request k;
- runs: 1, 2 or 3 `syncer reconcile` processes started at once.

Sampling (the full product is ~29,000 trials): first a sweep, every value of every dimension
against the good baseline, once per tracker (ordered so that any prefix of it covers each
value before repeating one), then combinations drawn at random with `--seed`, up to
`--trials`, stopping early once `--seconds` are spent. `trial_plan` is deterministic.

Each trial (bench/faults_trial.py): sync, edit both sides, break, run, undo the faults, run a
recovery `syncer reconcile`, then judge: handled cleanly (documented exit codes, no traceback,
each message one line on stderr, a message for every failing exit), data lost (an item or a
person's edit missing after recovery, a register syncer could not use written over, a symlink
replaced), duplicates (two open issues with one marker, an issue linked twice), not recovered
(recovery not exit 0, or work left after it), secrets leaked (the token in any output). Faults
a trial never met (a missing register sends no request) are counted apart, not as failures.

Prints a table of the trials that failed a judgement, then one line holding a JSON object.
Run: python bench/faults.py [--trials 200] [--seed 7] [--seconds 1800]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import socket
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from faults_trial import Trial, Verdict, run_trial

from syncer import log
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "tracker": ("github", "gitlab", "jira"),
    "register": ("good", "missing", "directory", "binary", "utf16", "not_utf8", "read_only",
                 "symlink", "truncated", "mojibake"),
    "config": ("none", "token_unset", "token_pasted", "wrong_repo", "unreachable",
               "unknown_key"),
    "fault": ("none", "5xx", "429", "stall", "late", "garbled_list", "garbled_create",
              "refused_create"),
    "kill": ("none", "1", "2", "4"),
    "runs": ("1", "2", "3"),
}  # fmt: skip
JUDGEMENTS = ("problems", "lost", "duplicates", "unrecovered")


def sweep() -> Iterator[Trial]:
    """Every value of every dimension against the good baseline, once per tracker: a round
    per tracker offset, each round taking every dimension's n-th value before any n+1-th."""
    baseline = {name: values[0] for name, values in DIMENSIONS.items()}
    trackers = DIMENSIONS["tracker"]
    others = {name: values[1:] for name, values in DIMENSIONS.items() if name != "tracker"}
    for offset in range(len(trackers)):
        yield {**baseline, "tracker": trackers[offset]}
        step = 0
        for n in range(max(len(values) for values in others.values())):
            for name, values in others.items():
                if n < len(values):
                    tracker = trackers[(offset + step) % len(trackers)]
                    step += 1
                    yield {**baseline, "tracker": tracker, name: values[n]}


def trial_plan(trials: int, seed: int) -> list[Trial]:
    plan = list(sweep())[:trials]
    chance = random.Random(seed)
    while len(plan) < trials:
        plan.append({name: chance.choice(values) for name, values in DIMENSIONS.items()})
    return plan


def closed_port() -> int:
    """A loopback port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def failures(verdict: Verdict) -> list[str]:
    found = [f"{what}: {line}" for what in JUDGEMENTS for line in getattr(verdict, what)]
    return [*found, "secret leaked"] if verdict.leaked else found


def summary(
    plan: list[Trial], verdicts: list[Verdict], seconds: float, seed: int
) -> dict[str, Any]:
    by_dimension: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for trial, verdict in zip(plan, verdicts, strict=False):
        for name, value in trial.items():
            counts = by_dimension[name].setdefault(value, {"trials": 0, "failed": 0})
            counts["trials"] += 1
            counts["failed"] += bool(failures(verdict))
    return {
        "trials": len(verdicts),
        "handled_cleanly": sum(not v.problems for v in verdicts),
        "data_lost": sum(bool(v.lost) for v in verdicts),
        "duplicates": sum(bool(v.duplicates) for v in verdicts),
        "not_recovered": sum(bool(v.unrecovered) for v in verdicts),
        "secrets_leaked": sum(v.leaked for v in verdicts),
        "faults_never_met": sum(bool(v.missed) for v in verdicts),
        "seed": seed,
        "seconds": round(seconds, 1),
        "by_dimension": by_dimension,
    }


def print_table(plan: list[Trial], verdicts: list[Verdict]) -> None:
    rows = [
        (n, trial, failures(v))
        for n, (trial, v) in enumerate(zip(plan, verdicts, strict=False))
        if failures(v)
    ]
    print(f"{len(rows)} of {len(verdicts)} trials failed a judgement")
    names = list(DIMENSIONS)
    print(" | ".join(["#", *names, "what"]))
    for n, trial, found in rows:
        print(" | ".join([str(n), *(trial[name] for name in names), found[0]]))
        for line in found[1:]:
            print(" " * 4 + line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=1800, help="start no trial after this")
    ap.add_argument("--quiet", action="store_true", help="no line per trial on stderr")
    args = ap.parse_args()
    log.configure("console", logging.ERROR)  # the cycles run here to set up and settle
    # A client killed mid-request makes the fakes' server log a ClientDisconnect traceback:
    # the bench's own noise, not syncer's output (which each trial captures and judges).
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    plan = trial_plan(args.trials, args.seed)
    verdicts: list[Verdict] = []
    started = time.monotonic()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="syncer-faults-") as tmp:
        fakes: dict[str, FakeTracker] = {
            "github": stack.enter_context(FakeGitHub(create_limit=None)),  # see faults_trial
            "gitlab": stack.enter_context(FakeGitLab()),
            "jira": stack.enter_context(FakeJira()),
        }
        port = closed_port()
        for number, trial in enumerate(plan):
            if time.monotonic() - started > args.seconds:
                break
            verdict = run_trial(number, trial, fakes[trial["tracker"]], Path(tmp), port)
            verdicts.append(verdict)
            if not args.quiet:
                mark = "FAIL " + "; ".join(failures(verdict)) if failures(verdict) else "ok"
                mark += f" (never met: {', '.join(verdict.missed)})" if verdict.missed else ""
                print(f"{number:4} {json.dumps(trial)} {mark}", file=sys.stderr, flush=True)
    print_table(plan, verdicts)
    figures = summary(plan, verdicts, time.monotonic() - started, args.seed)
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
