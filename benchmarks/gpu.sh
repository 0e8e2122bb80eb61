#!/usr/bin/env bash
# One command on a CUDA machine: sampler overhead at LLaDA's shape + end-to-end on CUDA
# tensors, JSON written to OUT_DIR (default bench-gpu/). Needs a torch build with CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c "import klass_core" 2>/dev/null || "$PY" -m pip install -q --no-deps -e .
PYTHONUNBUFFERED=1 "$PY" benchmarks/gpu.py --out "${1:-bench-gpu}"
