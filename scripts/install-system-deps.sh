#!/usr/bin/env bash
# What `make demo` (`python`) and `make test` (`test`) need from the machine, checked and, on
# Debian/Ubuntu, installed: a Python >= 3.11 that can make virtualenvs and the fonts report PDFs
# are drawn with (DejaVu Sans, IPA Gothic for Japanese); for the tests also a
# Java >= 17 (Spark in local mode), a Chromium that runs outside snap (browser tests), the
# PostgreSQL server binaries (catalog tests) and libfaketime (`make test-future`); for
# `make bench` (`bench`, also part of `test`) the wrk HTTP load generator and taskset. Anything it
# cannot install is named, with the command to run. apt-get runs through sudo only when not root.
#   usage: scripts/install-system-deps.sh [python|test|bench]   (default: test)
set -euo pipefail

WANT="${1:-test}"
PYTHON="${PYTHON:-python3}"
packages=()
problems=()

have() { command -v "$1" >/dev/null 2>&1; }

apt_has() {  # whether the distribution offers package $1
  have apt-cache && apt-cache show "$1" >/dev/null 2>&1
}

python_minor() {  # "3.11" for an interpreter, or nothing
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true
}

check_python() {
  local version
  version="$(python_minor "$PYTHON")"
  if [ -z "$version" ]; then
    if [ "$PYTHON" = python3 ] && apt_has python3; then
      packages+=(python3 python3-venv)  # checked again below, once installed
    else
      problems+=("no Python at '$PYTHON': install python3 (>= 3.11) or run with PYTHON=/path/to/python3.11")
    fi
    return
  fi
  if [ "$(printf '%s\n3.11\n' "$version" | sort -V | head -1)" != "3.11" ]; then
    local better=""
    for candidate in python3.13 python3.12 python3.11; do
      if have "$candidate"; then better="$candidate"; break; fi
    done
    if [ -n "$better" ]; then
      problems+=("$PYTHON is Python $version; Mercato needs >= 3.11: run PYTHON=$better make ...")
    else
      problems+=("$PYTHON is Python $version; Mercato needs >= 3.11: install a newer python3")
    fi
    return
  fi
  # Debian and Ubuntu ship venv (ensurepip) separately from python3.
  if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if apt_has "python$version-venv"; then packages+=("python$version-venv")
    else packages+=(python3-venv); fi
  fi
}

java_major() {  # 17 for 'openjdk version "17.0.19"', 8 for '"1.8.0_402"', or nothing
  have java || return 0
  java -version 2>&1 | sed -n 's/.*version "\([0-9][0-9.]*\).*/\1/p' | head -1 |
    awk -F. '{ if ($1 == 1) print $2; else print $1 }'
}

check_java() {
  local major
  major="$(java_major)"
  if [ -n "$major" ] && [ "$major" -ge 17 ]; then return; fi
  # Spark 4.0 runs on Java 17 and 21; take what the distribution has (Debian 12: 17,
  # Debian 13: 21 and 25), 25 only when neither is offered.
  for version in 21 17 25; do
    if apt_has "openjdk-$version-jre-headless"; then
      packages+=("openjdk-$version-jre-headless")
      return
    fi
  done
  problems+=("Java ${major:-missing}: the Spark tests need Java >= 17 (17 or 21); install one and put its java first on PATH")
}

check_chromium() {
  local binary=/usr/bin/chromium
  if [ -x "$binary" ] && ! readlink -f "$binary" | grep -q '^/snap/' &&
     "$binary" --headless --no-sandbox --version >/dev/null 2>&1; then
    return
  fi
  if [ -x "$binary" ] && readlink -f "$binary" | grep -q '^/snap/'; then
    problems+=("$binary is a snap, which cannot be driven from the tests: install a deb Chromium at $binary")
    return
  fi
  if apt_has chromium && ! apt-cache show chromium 2>/dev/null | grep -qi 'snap'; then
    packages+=(chromium)
  else
    problems+=("no Chromium at $binary: install one that is not a snap (Debian's 'chromium' package)")
  fi
}

check_postgres() {
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || packages+=(postgresql)
}

check_cjk_fonts() {  # screenshots of the Japanese interface need a font with kana and kanji
  fc-list :lang=ja 2>/dev/null | grep -q . || packages+=(fonts-noto-cjk)
}

check_pdf_fonts() {  # report PDFs (sharing/pdf_fonts.py): DejaVu Sans, IPA Gothic for Japanese
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
  [ -f /usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf ] || packages+=(fonts-ipafont-gothic)
}

check_faketime() {  # `make test-future`: the suite with the clock moved ahead
  have faketime || packages+=(faketime)
}

check_bench() {  # bench/http: a C load generator on one core, the server pinned to another
  have wrk || packages+=(wrk)
  have taskset || packages+=(util-linux)
}

check_python
check_pdf_fonts  # the app itself draws PDFs: every mode
if [ "$WANT" = "test" ]; then
  check_java
  check_chromium
  check_postgres
  check_faketime
  check_cjk_fonts
fi
if [ "$WANT" = "test" ] || [ "$WANT" = "bench" ]; then
  check_bench
fi

if [ ${#packages[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if have sudo; then SUDO="sudo"; else
      problems+=("missing packages ${packages[*]}: as root, run apt-get install ${packages[*]}")
      packages=()
    fi
  fi
fi
if [ ${#packages[@]} -gt 0 ]; then
  if ! have apt-get; then
    problems+=("missing packages (Debian names): ${packages[*]}; install them with your package manager")
  else
    echo "system packages: installing ${packages[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
  fi
fi

if [ ${#problems[@]} -eq 0 ] && ! "$PYTHON" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  problems+=("$PYTHON still cannot make a Python >= 3.11 virtualenv after the install")
fi
if [ "$WANT" = "test" ] && [ ${#problems[@]} -eq 0 ]; then
  major="$(java_major)"  # what Spark will start, after any install
  if [ -z "$major" ] || [ "$major" -lt 17 ]; then
    problems+=("java on PATH is ${major:-missing}, not >= 17: pick a newer one (update-alternatives --config java)")
  fi
fi

if [ ${#problems[@]} -gt 0 ]; then
  echo "This machine is missing what Mercato needs:" >&2
  for problem in "${problems[@]}"; do echo "  - $problem" >&2; done
  exit 1
fi
echo "system packages: all present"
