#!/usr/bin/env python3
"""Reads X12 files with the independent `pyx12` reader and prints each envelope error it finds
as a JSON line: {"file", "level", "code", "message"}. Exits 1 if any file has errors.

Usage: x12_check.py FILE...
"""
import io
import json
import sys

import pyx12.x12file

failed = False
for path in sys.argv[1:]:
    reader = pyx12.x12file.X12Reader(io.StringIO(open(path).read()))
    errors = []
    try:
        for _ in reader:
            pass
    except Exception as error:  # noqa: BLE001 - a reader that cannot go on is an error too
        errors.append(("fatal", "", str(error)))
    errors += [(e[0], e[1], e[2]) for e in reader.pop_errors()]
    for level, code, message in errors:
        print(json.dumps({"file": path, "level": level, "code": code, "message": message}))
    failed = failed or bool(errors)
sys.exit(1 if failed else 0)
