#!/usr/bin/env bash
# segscope's two entry points on a fresh Debian/Ubuntu machine with Swift 6:
#   ./run.sh demo   build (release) and run the demo on a dataset segscope generates itself
#   ./run.sh test   run the whole test suite, conformance against the reference implementations included
# Both install what is missing first: Debian packages with apt-get (only when one is missing; via sudo
# when not root) and the Python oracles (numpy, pycocotools, OpenCV, tifffile, Pillow) with pip.
set -euo pipefail
cd "$(dirname "$0")"

BUILD_PKGS=(libncurses-dev libpng-dev libjpeg-dev libtiff-dev libsqlite3-dev pkg-config)
TEST_PKGS=(tmux python3 python3-pip imagemagick libsixel-bin)
# module:pip package. OpenCV (headless) is the reference for FiftyOne's contour band (--bandwidth);
# tifffile and Pillow write and read the TIFF conformance files.
PY_MODULES=(numpy:numpy pycocotools:pycocotools cv2:opencv-python-headless tifffile:tifffile PIL:Pillow)

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
    status=0
    swift test "$@" || status=$?
    # End-to-end tests run the app under private tmux servers; make sure none outlives the run.
    for pid in $(pgrep -f "tmux -L segscope-test-" 2>/dev/null); do
      pkill -9 -P "$pid" 2>/dev/null || true
      kill -9 "$pid" 2>/dev/null || true
    done
    exit $status
    ;;
  *)
    sed -n '2,6p' "$0" >&2
    exit 2
    ;;
esac
