#!/usr/bin/env bash
# Installs the three browser engines the real-browser suite (tests/browser.rs) drives, from
# Debian's packages: Chromium + chromedriver, Firefox ESR (driven over WebDriver BiDi, no
# geckodriver), WebKitGTK's WebKitWebDriver + MiniBrowser (run under Xvfb), and python-gi
# with WebKit2 4.1 for the small console-printing WebKit browser the suite uses.
# Idempotent: does nothing when everything is there already.
set -euo pipefail

packages=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb xauth python3-gi gir1.2-webkit2-4.1)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

chromium --version
chromedriver --version
firefox-esr --version
command -v WebKitWebDriver
test -x /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
command -v xvfb-run
