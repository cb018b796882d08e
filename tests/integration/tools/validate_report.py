#!/usr/bin/python3
"""validate_report.py SCHEMA REPORT...: checks pxecheck JSON reports against
docs/report-schema.json (draft 2020-12, Debian's python3-jsonschema) and fails
on any field the schema does not declare: the schema stays open so that old
readers accept newer reports, but every field we write must be documented.
Prints one line per problem and a summary; exit 0 when there is none, 1 when
there are, 2 when python3-jsonschema is missing."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (scripts/deps)")
    sys.exit(2)

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)


def resolve(s):
    while isinstance(s, dict) and "$ref" in s:
        node = schema
        for part in s["$ref"][2:].split("/"):
            node = node[part]
        s = node
    return s


undocumented = set()


def walk(inst, s, path):
    """Collects the fields of inst that the (sub)schema s does not name."""
    s = resolve(s)
    if not isinstance(s, dict):
        return
    for key in ("anyOf", "oneOf"):
        if key in s:
            # Follow the branch the value matches (null or the object).
            for branch in s[key]:
                sub = dict(resolve(branch))
                sub["$defs"] = schema["$defs"]
                if jsonschema.Draft202012Validator(sub).is_valid(inst):
                    walk(inst, branch, path)
                    return
            return
    if isinstance(inst, dict):
        props = s.get("properties", {})
        for k, v in inst.items():
            if k not in props:
                undocumented.add(path + "." + k)
            else:
                walk(v, props[k], path + "." + k)
    elif isinstance(inst, list) and "items" in s:
        for v in inst:
            walk(v, s["items"], path + "[]")


problems = 0
for f in sys.argv[2:]:
    report = json.load(open(f))
    for e in validator.iter_errors(report):
        problems += 1
        print("%s: /%s: %s" % (f, "/".join(map(str, e.absolute_path)), e.message[:300]))
    walk(report, schema, "$")
for u in sorted(undocumented):
    problems += 1
    print("undocumented field: " + u)
print("checked %d report(s), %d problem(s)" % (len(sys.argv) - 2, problems))
sys.exit(1 if problems else 0)
