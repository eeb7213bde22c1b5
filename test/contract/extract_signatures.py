"""Extracts the real signatures of the deephaven-core Python API the examples use, at each supported version.

The contract stubs are ours; these signatures are not. They are read from deephaven-core's own sources
(github.com/deephaven/deephaven-core, py/server/deephaven) at each release tag with Python's `ast` (nothing is
imported or run), and written to test/contract/signatures.json with the tag, commit and path each came from. The
contract test then binds every call an example makes against each version (bind_check.py).

    python3 test/contract/extract_signatures.py --git-dir <deephaven-core .git> [--out test/contract/signatures.json]

Rerun it when a supported version is added (TAGS). It needs only git and Python 3.
"""
import argparse
import ast
import json
import os
import subprocess
import sys

# The oldest is the Core that DHE Grizzly (1.20231219) ships; the newest the current release.
TAGS = ["v0.33.3", "v0.35.0", "v0.37.0", "v0.39.0", "v41.1", "v42.4"]
BASE = "py/server/deephaven"
# Modules whose public functions are listed as deephaven.<module>.<name>; classes whose public methods are <Class>.<name>.
MODULES = ["agg", "column", "execution_context", "numpy", "table_listener", "time", "updateby"]
CLASSES = {"table": ["Table"], "table_listener": ["TableListenerHandle"]}


def git_show(git_dir, tag, path):
    r = subprocess.run(["git", "--git-dir", git_dir, "show", f"{tag}:{path}"], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def params_of(fn, method):
    a = fn.args
    out = []
    positional = [(p, "positional_only") for p in a.posonlyargs] + [(p, "positional_or_keyword") for p in a.args]
    first_default = len(positional) - len(a.defaults)
    # Written as in a signature: "name", "name=" (has a default), "name/" (positional only), "*name", "*, name[=]"
    # (keyword only), "**name".
    for i, (p, kind) in enumerate(positional):
        out.append(p.arg + ("/" if kind == "positional_only" else "") + ("=" if i >= first_default else ""))
    if a.vararg:
        out.append("*" + a.vararg.arg)
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append("*, " + p.arg + ("=" if d is not None else ""))
    if a.kwarg:
        out.append("**" + a.kwarg.arg)
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
    return out[1:] if method and not static else out


def decorators(fn):
    return {d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else "" for d in fn.decorator_list}


def public_functions(tree):
    return {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_")}


def methods_of(tree, class_name):
    """The class's public methods, with those of base classes defined in the same module (its own override them)."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    out = {}

    def walk(name, seen):
        c = classes.get(name)
        if c is None or name in seen:
            return
        seen.add(name)
        for base in c.bases:
            if isinstance(base, ast.Name):
                walk(base.id, seen)
            elif isinstance(base, ast.Subscript) and isinstance(base.value, ast.Name):
                walk(base.value.id, seen)
        for n in c.body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and not n.name.startswith("_"):
                if decorators(n) & {"property", "setter", "cached_property"}:
                    continue
                out[n.name] = n

    walk(class_name, set())
    return out


def extract(git_dir, tag):
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-list", "-n", "1", tag], capture_output=True, text=True, check=True).stdout.strip()
    api = {}
    trees = {}

    def tree_of(module):
        if module not in trees:
            text = git_show(git_dir, tag, f"{BASE}/{module}.py")
            trees[module] = ast.parse(text) if text is not None else None
        return trees[module]

    for module in MODULES:
        tree = tree_of(module)
        if tree is None:
            continue
        for name, fn in public_functions(tree).items():
            api[f"deephaven.{module}.{name}"] = {"path": f"{BASE}/{module}.py", "line": fn.lineno, "params": params_of(fn, False)}
    for module, names in CLASSES.items():
        tree = tree_of(module)
        for cls in names:
            for name, fn in methods_of(tree, cls).items():
                api[f"{cls}.{name}"] = {"path": f"{BASE}/{module}.py", "line": fn.lineno, "params": params_of(fn, True)}
    # `from deephaven import x`: what the package's __init__ re-exports from its modules.
    init = ast.parse(git_show(git_dir, tag, f"{BASE}/__init__.py"))
    for node in init.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and "." not in node.module:
            tree = tree_of(node.module)
            if tree is None:
                continue
            functions = public_functions(tree)
            for alias in node.names:
                fn = functions.get(alias.name)
                if fn is not None:
                    api[f"deephaven.{alias.asname or alias.name}"] = {"path": f"{BASE}/{node.module}.py", "line": fn.lineno, "params": params_of(fn, False)}
    return {"commit": commit, "api": dict(sorted(api.items()))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "signatures.json"))
    args = ap.parse_args()
    data = {
        "source": "https://github.com/deephaven/deephaven-core",
        "extracted_by": "test/contract/extract_signatures.py (Python ast over the tagged sources; nothing imported)",
        "versions": {tag: extract(args.git_dir, tag) for tag in TAGS},
    }
    # One name a line, so that a version's change reads as a one-line diff.
    lines = ["{", f' "source": {json.dumps(data["source"])},', f' "extracted_by": {json.dumps(data["extracted_by"])},', ' "versions": {']
    for ti, (tag, v) in enumerate(data["versions"].items()):
        lines.append(f'  {json.dumps(tag)}: {{"commit": {json.dumps(v["commit"])}, "api": {{')
        items = list(v["api"].items())
        for i, (name, sig) in enumerate(items):
            lines.append(f'   {json.dumps(name)}: {json.dumps(sig)}' + ("," if i < len(items) - 1 else ""))
        lines.append("  }}" + ("," if ti < len(data["versions"]) - 1 else ""))
    lines += [" }", "}"]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    json.loads("\n".join(lines))
    print(f"{args.out}: " + ", ".join(f"{t} {len(v['api'])} names" for t, v in data["versions"].items()), file=sys.stderr)


if __name__ == "__main__":
    main()
