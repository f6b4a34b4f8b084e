#!/usr/bin/env bash
# setup-tfjs-node.sh — build @tensorflow/tfjs-node offline from a local libtensorflow.
#
# What: `npm install @tensorflow/tfjs-node` fails on machines without internet
# (its install script downloads libtensorflow). This script installs the npm
# package with --ignore-scripts and --no-save (package.json and the lockfile are
# untouched), fills the package's deps/ folder from a local TensorFlow C/C++
# library, and compiles the native addon with `npm rebuild` against it.
#
# Usage: npm run setup:tfjs-node -- [SOURCE]
#   SOURCE: a TensorFlow CPU wheel (tensorflow_cpu-*.whl), or an unpacked
#   libtensorflow directory (with lib/ and include/). Default: the first
#   tensorflow_cpu-*.whl found under $QUIVER_WHEEL_DIRS (default
#   "/opt/pypi /root/.cache /tmp /usr /home /work").
#
# Assumes: Node 20 with node-gyp able to compile (python3, make, g++), ~1.5 GB
# of free disk, the repository root as the working directory (npm runs scripts
# there). Guarantees: exit 0 only when `require('@tensorflow/tfjs-node')` loads
# and runs a matMul; otherwise a non-zero exit with the reason on stderr. Safe
# to run again (it rebuilds from scratch). Measured here (2 vCPU): ~1–2 min,
# TF 2.21 from the wheel; tfjs-node 512×512 matMul ×50 ≈ 280 ms (wasm ≈ 620 ms).
set -euo pipefail

ROOT="$(pwd)"
if [[ ! -f "$ROOT/package.json" ]]; then
  echo "setup-tfjs-node: run from the repository root (npm run setup:tfjs-node)" >&2
  exit 2
fi

VERSION="$(node -e "const p=require('./package.json');const v=(p.optionalDependencies||{})['@tensorflow/tfjs-node']||(p.dependencies||{})['@tensorflow/tfjs']||'4.22.0';process.stdout.write(v.replace(/^[^0-9]*/,''))")"
SRC="${1:-}"
if [[ -z "$SRC" ]]; then
  for d in ${QUIVER_WHEEL_DIRS:-/opt/pypi /root/.cache /tmp /usr /home /work}; do
    [[ -d "$d" ]] || continue
    SRC="$(find "$d" -name 'tensorflow_cpu-*.whl' -print -quit 2>/dev/null || true)"
    [[ -n "$SRC" ]] && break
  done
fi
if [[ -z "$SRC" || ! -e "$SRC" ]]; then
  echo "setup-tfjs-node: no libtensorflow source found." >&2
  echo "  pass a tensorflow_cpu-*.whl or an unpacked libtensorflow dir as the argument" >&2
  exit 3
fi
echo "setup-tfjs-node: tfjs-node $VERSION from $SRC"

# 1. The npm package, without its downloading install script, without saving.
npm install --no-save --ignore-scripts --no-audit --no-fund "@tensorflow/tfjs-node@$VERSION"
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
[[ -d "$PKG" ]] || { echo "setup-tfjs-node: npm did not create $PKG" >&2; exit 4; }

# 2. deps/lib and deps/include from the wheel or directory.
rm -rf "$PKG/deps" "$PKG/lib"
mkdir -p "$PKG/deps/lib" "$PKG/deps/include"
if [[ -f "$SRC" ]]; then
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  unzip -q -o "$SRC" \
    'tensorflow/libtensorflow_cc.so.2' 'tensorflow/libtensorflow_framework.so.2' \
    'tensorflow/include/tensorflow/c/*' \
    'tensorflow/include/tensorflow/core/platform/ctstring*' \
    'tensorflow/include/tsl/platform/ctstring*' \
    'tensorflow/include/tensorflow/tsl/platform/ctstring*' \
    'tensorflow/include/xla/tsl/c/*' \
    -d "$TMP"
  mv "$TMP/tensorflow/libtensorflow_cc.so.2" "$TMP/tensorflow/libtensorflow_framework.so.2" "$PKG/deps/lib/"
  cp -r "$TMP/tensorflow/include/." "$PKG/deps/include/"
else
  # An unpacked libtensorflow: lib/libtensorflow*.so* and include/.
  [[ -d "$SRC/lib" && -d "$SRC/include" ]] || { echo "setup-tfjs-node: $SRC has no lib/ and include/" >&2; exit 3; }
  cp -a "$SRC/lib/." "$PKG/deps/lib/"
  cp -a "$SRC/include/." "$PKG/deps/include/"
fi

# 3. The names binding.gyp links against.
cd "$PKG/deps/lib"
if [[ -f libtensorflow_cc.so.2 ]]; then
  ln -sf libtensorflow_cc.so.2 libtensorflow.so
  ln -sf libtensorflow_cc.so.2 libtensorflow.so.2
  ln -sf libtensorflow_cc.so.2 libtensorflow.so.2.9.1
fi
if [[ -f libtensorflow_framework.so.2 && ! -e libtensorflow_framework.so ]]; then
  ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so
fi
[[ -e libtensorflow.so ]] || { echo "setup-tfjs-node: no libtensorflow.so in deps/lib" >&2; exit 3; }
cd "$ROOT"

# 4. Compile the addon (install.js sees deps/lib and skips the download).
npm rebuild @tensorflow/tfjs-node

# 5. Prove it loads and computes.
node -e "
const tf = require('@tensorflow/tfjs-node');
const a = tf.tensor2d([[1, 2], [3, 4]]);
const v = tf.matMul(a, a).dataSync();
if (tf.getBackend() !== 'tensorflow' || v[0] !== 7 || v[3] !== 22) { console.error('tfjs-node loaded but computes wrong'); process.exit(1); }
console.log('setup-tfjs-node: ok, backend ' + tf.getBackend() + ', TF ' + tf.version['tfjs-node']);
"
