"""Summarise py-spy collapsed stacks (``--profile`` of bench.web_bench): where the time goes.

python -m bench.profile_summary /tmp/bench/profile/write.txt [--top 30] [--match rashinban]
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only frames containing this text (inclusive list)")
    args = parser.parse_args(argv)
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in args.raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
    print(f"{total} samples")
    print("own time:")
    for frame, n in own.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {frame[:150]}")
    print("inclusive time:")
    shown = [(f, n) for f, n in inclusive.most_common() if args.match in f][: args.top]
    for frame, n in shown:
        print(f"  {100 * n / total:5.1f}%  {frame[:150]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
