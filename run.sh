#!/usr/bin/env bash
# segscope's two entry points on a fresh Debian/Ubuntu machine with Swift 6:
#   ./run.sh demo   build (release) and run the demo on a dataset segscope generates itself
#   ./run.sh test   run the whole test suite, conformance against the reference implementations included
#   ./run.sh fuzz [TARGET...] [--seconds N]   run the libFuzzer targets longer (default: all, 300 s each)
# Both install what is missing first: Debian packages with apt-get (only when one is missing; via sudo
# when not root) and the Python oracles (numpy, pycocotools, OpenCV, tifffile, Pillow) with pip.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_PKGS=(libncurses-dev libpng-dev libjpeg-dev libtiff-dev libdeflate-dev zlib1g-dev libsqlite3-dev pkg-config)
TEST_PKGS=(tmux python3 python3-pip python3-venv imagemagick libsixel-bin chafa slurm-wlm munge)
# module:pip package. OpenCV (headless) is the reference for FiftyOne's contour band (--bandwidth);
# tifffile and Pillow write and read the TIFF conformance files. mlflow is the tracking server the MLflow
# test starts; albumentations is the reference for the augmentation transforms.
PY_MODULES=(numpy:numpy pycocotools:pycocotools cv2:opencv-python-headless tifffile:tifffile PIL:Pillow mlflow:mlflow albumentations:albumentations==2.0.8)

need_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# MediaPipe's selfie segmenter (examples/predictors/mediapipe_selfie.py) in its own venv: mediapipe
# 0.10.21 pins numpy below 2, which the other oracles must not get. Its test is skipped without it.
need_mediapipe() {
  local venv=.build/mediapipe-venv
  "$venv/bin/python" -c "import mediapipe" 2>/dev/null && return 0
  echo "run.sh: installing mediapipe 0.10.21 into $venv" >&2
  { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet mediapipe==0.10.21 pillow; } >/dev/null 2>&1 \
    || echo "run.sh: mediapipe could not be installed; its example test is skipped" >&2
}

need_python() {
  local missing=()
  for entry in "${PY_MODULES[@]}"; do
    python3 -c "import ${entry%%:*}" 2>/dev/null || missing+=("${entry#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing Python modules: ${missing[*]}" >&2
  python3 -m pip install --quiet "${missing[@]}" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "${missing[@]}"
}

FUZZ_TARGETS=(png pngfast jpeg tiff coco labelmap view toml part augment)

# Builds the libFuzzer flavour of segscope-fuzz (address sanitizer too) in its own build folder.
build_fuzzer() {
  local log
  log=$(mktemp)
  # The sanitizer runtime makes the linker warn by the thousand: the log is shown only on failure.
  if swift build --scratch-path .build-fuzz --product segscope-fuzz \
      -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link,address >"$log" 2>&1; then
    echo "fuzz: built .build-fuzz/debug/segscope-fuzz (libFuzzer + address sanitizer)"
    rm -f "$log"
  else
    grep -v 'warning: Cannot export local symbol' "$log" | tail -40 >&2
    rm -f "$log"
    return 1
  fi
}

# Runs each named target for N seconds from its corpus (Fuzz/corpus/TARGET, read only; new inputs go
# to a scratch folder). A crash, leak or out-of-memory fails the run and leaves the input in
# .build-fuzz/crash-TARGET-*: add it to Fuzz/corpus/TARGET as a regression once fixed.
run_fuzzer() {
  local seconds=$1; shift
  local failed=0
  for t in "$@"; do
    local work log
    work=$(mktemp -d) log=$(mktemp)
    if SEGSCOPE_FUZZ_TARGET=$t timeout $((seconds + 120)) .build-fuzz/debug/segscope-fuzz \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
        -artifact_prefix="$PWD/.build-fuzz/crash-$t-" "$work" "Fuzz/corpus/$t" >"$log" 2>&1; then
      echo "fuzz $t: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') executions in ${seconds} s, no crash"
    else
      failed=1
      echo "fuzz $t: FAILED; the input is in .build-fuzz/crash-$t-*" >&2
      grep -E 'ERROR|SUMMARY|#[0-9]+ .* in ' "$log" | head -20 >&2
    fi
    rm -rf "$work" "$log"
  done
  return $failed
}

case "${1:-}" in
  demo)
    shift
    need_apt "${BUILD_PKGS[@]}"
    swift build -c release --product segscope >&2
    exec "$(swift build -c release --show-bin-path)/segscope" demo "$@"
    ;;
  test)
    shift
    need_apt "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    need_python
    need_mediapipe
    status=0
    # The code's format (.swift-format: 2-space indent, 160 columns), checked by the toolchain's swift-format.
    if swift format lint -r --strict --configuration .swift-format Sources Tests Package.swift; then
      echo "format: swift-format finds nothing to change"
    else
      echo "format: run 'swift format -i -r Sources Tests Package.swift'" >&2
      status=1
    fi
    # A short fuzzing round first (FUZZ_SECONDS each, 20 by default; 0 skips it), so that the test
    # runner's summary stays the last line.
    if [ "${FUZZ_SECONDS:-20}" -gt 0 ]; then
      build_fuzzer && run_fuzzer "${FUZZ_SECONDS:-20}" "${FUZZ_TARGETS[@]}" || status=1
    fi
    swift test "$@" || status=$?
    # End-to-end tests run the app under private tmux servers; make sure none outlives the run.
    for pid in $(pgrep -f "tmux -L segscope-test-" 2>/dev/null); do
      pkill -9 -P "$pid" 2>/dev/null || true
      kill -9 "$pid" 2>/dev/null || true
    done
    exit $status
    ;;
  fuzz)
    shift
    need_apt "${BUILD_PKGS[@]}"
    seconds=300 targets=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        *) targets+=("$1"); shift ;;
      esac
    done
    [ ${#targets[@]} -eq 0 ] && targets=("${FUZZ_TARGETS[@]}")
    build_fuzzer
    run_fuzzer "$seconds" "${targets[@]}"
    ;;
  *)
    sed -n '2,7p' "$0" >&2
    exit 2
    ;;
esac
