"""Regenerate gen/ from proto/: Python messages, .pyi stubs, gRPC stubs and the
descriptor set Envoy's transcoder reads (gen/descriptors.pb).

Usage: python scripts/gen_proto.py [OUT_DIR]   (default: gen/)
The google/* protos come from the googleapis-common-protos package; no Python is
generated for them (the package already ships it).
"""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

from google.api import annotations_pb2  # googleapis-common-protos ships the .proto files beside its modules

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
GOOGLE_INCLUDE = pathlib.Path(annotations_pb2.__file__).resolve().parent.parent.parent
# Detail types attached to errors must be in the descriptor set, or Envoy cannot render them.
EXTRA_DESCRIPTOR_INPUTS = ["google/rpc/error_details.proto", "google/rpc/status.proto"]


def main() -> int:
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "gen"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = sorted(str(p.relative_to(PROTO)) for p in PROTO.glob("p2p/**/*.proto"))
    base = [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO}", f"-I{GOOGLE_INCLUDE}"]
    subprocess.run(
        base + [f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}", *files],
        check=True,
    )
    subprocess.run(
        base + ["--include_imports", "--include_source_info",
                f"--descriptor_set_out={out / 'descriptors.pb'}", *files, *EXTRA_DESCRIPTOR_INPUTS],
        check=True,
    )
    # Make every generated directory an importable package.
    for d in [out / "p2p", *[p for p in (out / "p2p").rglob("*") if p.is_dir()]]:
        (d / "__init__.py").touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
