"""Binds the calls the examples made against deephaven-core's real signatures, at every supported version.

The stubs accept what we wrote them to accept; this check does not rely on them. Each recorded call (its name, how
many positional arguments, which keywords) is bound with Python's own rules (inspect.Signature.bind) against the
signature read from deephaven-core's sources at each tag (signatures.json, made by extract_signatures.py). A name a
version does not have, too many or too few arguments, an unknown keyword: each is a mismatch naming the version and
the source line of the real definition.

Core+ calls (`Database.*`, `ControllerClient.*`) are not in deephaven-core: their signatures are the stubs', written
from the published Core+ pydoc (each stub names its page), and are marked as such in the report, not checked here.

    python3 bind_check.py calls.json    # prints the mismatches of a list of {"api", "args", "kwargs"} as JSON
"""
import inspect
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SIGNATURES = os.path.join(HERE, "signatures.json")
# Core+ (deephaven_enterprise): from the published pydoc, through the stubs; see the module docstring.
FROM_PYDOC = ("Database.", "ControllerClient.")

P = inspect.Parameter


def load(path=SIGNATURES):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def signature(params):
    out = []
    for p in params:
        if p.startswith("**"):
            out.append(P(p[2:], P.VAR_KEYWORD))
        elif p.startswith("*, "):
            name = p[3:]
            out.append(P(name.rstrip("="), P.KEYWORD_ONLY, default=None if name.endswith("=") else P.empty))
        elif p.startswith("*"):
            out.append(P(p[1:], P.VAR_POSITIONAL))
        else:
            has_default = p.endswith("=")
            name = p.rstrip("=")
            kind = P.POSITIONAL_ONLY if name.endswith("/") else P.POSITIONAL_OR_KEYWORD
            out.append(P(name.rstrip("/"), kind, default=None if has_default else P.empty))
    return inspect.Signature(out)


def check(calls, data=None):
    """The mismatches of `calls` at every version, each once: [{"api", "version", "error"}]."""
    data = data or load()
    seen = set()
    out = []
    for call in calls:
        api = call["api"]
        if api.startswith(FROM_PYDOC):
            continue
        shape = (api, len(call.get("args", [])), tuple(sorted(call.get("kwargs", {}))))
        if shape in seen:
            continue
        seen.add(shape)
        for tag, version in data["versions"].items():
            real = version["api"].get(api)
            if real is None:
                out.append({"api": api, "version": tag, "error": f"{api} does not exist in deephaven-core {tag}"})
                continue
            try:
                signature(real["params"]).bind(*call.get("args", []), **call.get("kwargs", {}))
            except TypeError as e:
                where = f'{real["path"]}:{real["line"]}'
                args = ", ".join(["…"] * len(call.get("args", [])) + [f"{k}=…" for k in call.get("kwargs", {})])
                out.append({"api": api, "version": tag, "error": f'{api}({args}) does not bind to {tag}\'s ({", ".join(real["params"])}) at {where}: {e}'})
    return out


def missing_names(names, data=None):
    """Names the stubs offer that some supported version does not have (so an example could call them)."""
    data = data or load()
    return [{"api": n, "version": tag, "error": f"the stubs offer {n}, which deephaven-core {tag} does not have"}
            for n in sorted(names) if not n.startswith(FROM_PYDOC)
            for tag, v in data["versions"].items() if n not in v["api"]]


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        print(json.dumps(check(json.load(f))))
