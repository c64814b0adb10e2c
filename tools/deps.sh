# Sourced by the tools/ scripts: install the Debian packages given, only those missing.
# Usage: . tools/deps.sh; cimjob_need_packages pkg...
cimjob_need_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
        sudo=sudo
    fi
    echo "==> installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Update the package lists once per machine-day at most; a stale list fails the install.
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
        $sudo apt-get update -qq
    fi
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}

# What building and testing libcimjob needs on Debian.
CIMJOB_BUILD_PACKAGES=(meson ninja-build pkg-config gcc g++ libc6-dev libcmocka-dev binutils
                       util-linux perl procps python3 libjansson-dev doxygen graphviz)
# What suite 'cli' compares with and drives: coreutils' timeout(1), a terminal (tmux), an editor.
CIMJOB_CLI_TEST_PACKAGES=(coreutils tmux vim-tiny git)
# `cimjob serve` (libmicrohttpd with GnuTLS, libcrypt's yescrypt) and its suite 'redfish' (the
# real Debian clients redfishtool and python3-sushy, DMTF schemas checked with python3-jsonschema).
CIMJOB_BUILD_PACKAGES+=(libmicrohttpd-dev libgnutls28-dev libcrypt-dev redfishtool python3-sushy
                        python3-jsonschema python3-requests openssl)
# libcimjob-cimxml (libxml2) and its suites 'cimxml' and 'wbem' (Debian's WBEM client
# sblim-wbemcli; xmllint validates the responses against DMTF's DTD).
CIMJOB_BUILD_PACKAGES+=(libxml2-dev libxml2-utils sblim-wbemcli)
# The jobs page's suite 'ui' (tests/ui) and tools/screenshot-ui.sh: headless Chromium driven over
# the DevTools protocol by our own small client (python3-websocket); nothing is downloaded at run
# time. tools/test.sh installs them.
CIMJOB_UI_PACKAGES=(chromium python3-websocket fonts-dejavu-core)
