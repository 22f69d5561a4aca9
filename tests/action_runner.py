#!/usr/bin/env python3
"""Runs the composite action.yml the way a GitHub runner does, for tests/integrations_test.sh.

Each step's `if:` is evaluated (the subset of GitHub's expression language action.yml uses:
'...' strings, inputs.*, steps.*.outputs.*, github.*, runner.*, ==, !=, &&, always()); `${{ }}` in
`env`, `with` and `working-directory` is substituted; `run` steps run in bash with the variables
GitHub sets (GITHUB_ACTION_PATH, GITHUB_ENV, GITHUB_OUTPUT, RUNNER_TEMP, ...) and what earlier steps
wrote to GITHUB_ENV; step outputs are read back from GITHUB_OUTPUT. `actions/cache/restore` and
`actions/cache/save` use a directory of saved paths by key;
`upload-sarif` records its `with` in upload.json. Exits with the job's status (1: a step failed).

Usage: action_runner.py ACTION_DIR WORKSPACE STATE_DIR INPUTS_JSON [GITHUB_JSON]
"""
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

action_dir, workspace, state, inputs_json = sys.argv[1:5]
github = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
action = yaml.safe_load(open(os.path.join(action_dir, "action.yml"), encoding="utf-8"))
runner_temp = os.path.join(state, "runner-temp")
os.makedirs(runner_temp, exist_ok=True)
given = json.loads(inputs_json)
for name in given:
    if name not in action["inputs"]:
        sys.exit(f"action_runner: unknown input {name}")
context = {"github": {"workspace": workspace, **github}, "runner": {"temp": runner_temp}, "steps": {}}


def lookup(path):
    if path[0] == "inputs":
        name = path[1]
        if name in given:
            return given[name]
        default = str(action["inputs"][name].get("default", ""))
        return evaluate_text(default)
    value = context
    for part in path:
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value if isinstance(value, str) else ""


def evaluate(expr, failed=False):
    expr = expr.strip()
    if "&&" in expr:
        return all(evaluate(part, failed) for part in expr.split("&&"))
    if expr == "always()":
        return True
    m = re.fullmatch(r"(.+?)\s*(==|!=)\s*(.+)", expr)
    if m:
        left, right = evaluate(m.group(1), failed), evaluate(m.group(3), failed)
        return (left == right) if m.group(2) == "==" else (left != right)
    if expr.startswith("'") and expr.endswith("'"):
        return expr[1:-1]
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", expr):
        return lookup(expr.split("."))
    sys.exit(f"action_runner: expression not supported: {expr}")


def evaluate_text(text):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m.group(1))), str(text))


def env_file_vars(path):
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8").read().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


cache_dir = os.path.join(state, "cache")
job_env = {}
failed = False
for index, step in enumerate(action["runs"]["steps"]):
    name = step.get("name", f"step {index}")
    condition = step.get("if")
    # A step without always() runs only while the job has not failed.
    if failed and not (condition and "always()" in condition):
        continue
    if condition is not None and not evaluate(condition):
        print(f"action_runner: skipped: {name}")
        continue
    outputs_file = os.path.join(state, f"output-{index}")
    open(outputs_file, "w").close()
    with_ = {k: evaluate_text(v) for k, v in step.get("with", {}).items()}
    outputs = {}
    if "run" in step:
        env = dict(os.environ)
        env.update(job_env)
        env.update({k: evaluate_text(v) for k, v in step.get("env", {}).items()})
        env.update({"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": workspace, "GITHUB_ACTION_PATH": action_dir,
                    "RUNNER_TEMP": runner_temp, "GITHUB_ENV": os.path.join(state, "env"),
                    "GITHUB_OUTPUT": outputs_file, "GITHUB_STEP_SUMMARY": os.path.join(state, "summary.md")})
        cwd = os.path.join(workspace, evaluate_text(step.get("working-directory", ".")))
        print(f"action_runner: run: {name}", flush=True)
        rc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env).returncode
        job_env = env_file_vars(os.path.join(state, "env"))
        outputs = env_file_vars(outputs_file)
        if rc != 0:
            print(f"action_runner: failed ({rc}): {name}")
            failed = True
    elif step["uses"].startswith("actions/cache/restore@"):
        slot = os.path.join(cache_dir, with_["key"])
        hit = bool(with_["key"]) and os.path.isdir(slot)
        if hit:
            shutil.copytree(slot, with_["path"], dirs_exist_ok=True)
        outputs = {"cache-hit": "true" if hit else "false"}
        print(f"action_runner: cache {'hit' if hit else 'miss'}: {with_['key']}")
    elif step["uses"].startswith("actions/cache/save@"):
        slot = os.path.join(cache_dir, with_["key"])
        if not with_["key"] or not os.path.isdir(with_["path"]):
            print(f"action_runner: failed: {name}: nothing to save")
            failed = True
        elif not os.path.isdir(slot):
            shutil.copytree(with_["path"], slot)
    elif step["uses"].startswith("github/codeql-action/upload-sarif@"):
        json.dump(with_, open(os.path.join(state, "upload.json"), "w"))
    else:
        sys.exit(f"action_runner: no stand-in for {step['uses']}")
    if "id" in step:
        context["steps"][step["id"]] = {"outputs": outputs}

outputs = {name: evaluate_text(o["value"]) for name, o in action.get("outputs", {}).items()}
json.dump(outputs, open(os.path.join(state, "outputs.json"), "w"))
sys.exit(1 if failed else 0)
