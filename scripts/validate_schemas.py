#!/usr/bin/env python3
"""Validates event payloads against the published JSON Schemas in schemas/.

Usage: validate_schemas.py DIR...   Each DIR holds <type>.json payload files; every file must
validate against schemas/<type>.json. Exits non-zero with one line per problem.
Uses the independent `jsonschema` implementation (pip install jsonschema).
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator, FormatChecker

root = pathlib.Path(__file__).resolve().parent.parent / "schemas"
problems = []
checked = 0
for directory in sys.argv[1:]:
    for path in sorted(pathlib.Path(directory).glob("*.json")):
        event_type = path.name[: -len(".json")]
        schema_path = root / f"{event_type}.json"
        if not schema_path.exists():
            problems.append(f"{path}: no schema for {event_type}")
            continue
        schema = json.loads(schema_path.read_text())
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        for error in validator.iter_errors(json.loads(path.read_text())):
            problems.append(f"{path}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}")
        checked += 1
for problem in problems:
    print(problem)
print(f"{checked} payloads checked, {len(problems)} problems")
sys.exit(1 if problems or checked == 0 else 0)
