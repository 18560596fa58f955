#!/usr/bin/env python3
"""Writes the EventBridge rule's event-name list in deploy/template.yaml from
`trailwall event-pattern` (the events the engine acts on), between the template's
"# BEGIN generated" and "# END generated" lines.

    deploy/generate-event-pattern.py --trailwall build/release/src/cli/trailwall
    deploy/generate-event-pattern.py --trailwall … --check   # exit 1 when they differ
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BEGIN = "# BEGIN generated"
END = "# END generated"


def engine_pattern(trailwall):
    out = subprocess.run([trailwall, "event-pattern"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def generated_block(names, indent):
    lines = [f"{indent}eventName:\n"]
    lines += [f"{indent}  - {name}\n" for name in names]
    return lines


def rewrite(text, names):
    lines = text.splitlines(keepends=True)
    begin = next((i for i, line in enumerate(lines) if line.strip().startswith(BEGIN)), None)
    end = next((i for i, line in enumerate(lines) if line.strip().startswith(END)), None)
    if begin is None or end is None or end < begin:
        raise SystemExit(f"template: no '{BEGIN}' … '{END}' block")
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    return "".join(lines[: begin + 1] + generated_block(names, indent) + lines[end:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trailwall", required=True, help="the trailwall binary")
    parser.add_argument("--template", default=os.path.join(HERE, "template.yaml"))
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when the template is not up to date")
    args = parser.parse_args()
    pattern = engine_pattern(args.trailwall)
    with open(args.template) as f:
        text = f.read()
    updated = rewrite(text, pattern["detail"]["eventName"])
    if updated == text:
        return 0
    if args.check:
        print(f"{args.template}: the EventBridge rule's event names differ from "
              f"`trailwall event-pattern`; run {os.path.relpath(__file__)} --trailwall BIN",
              file=sys.stderr)
        return 1
    with open(args.template, "w") as f:
        f.write(updated)
    print(f"{args.template}: event names updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
