#!/bin/sh
# Debian tools `make package` and `make package-test` use; installs the missing ones
# when run as root (CI, a build machine), otherwise names them. Safe to run again.
#   makensis: NSIS installer     dpkg-deb, dpkg-shlibdeps: the .deb and its Depends
#   desktop-file-validate, appstreamcli: menu entry and metainfo checks
#   7z: lists the NSIS installer  Xvfb, xwininfo: start-up time on a real X server
#   icupkg: trims Qt's ICU data  libwayland-*, libdbus-1-3: the .deb's Depends are read
#   off the libraries installed here   debootstrap: the bare-Debian test, when asked for
set -eu
need=""
has() { command -v "$1" >/dev/null 2>&1; }
has makensis || need="$need nsis"
has dpkg-shlibdeps || need="$need dpkg-dev"
has desktop-file-validate || need="$need desktop-file-utils"
has appstreamcli || need="$need appstream"
has 7z || need="$need p7zip-full"
has Xvfb || need="$need xvfb"
has xwininfo || need="$need x11-utils"
has readelf || need="$need binutils"
has xz || need="$need xz-utils"
has icupkg || need="$need icu-devtools"
# The bare-Debian test (NEUROLAB_PACKAGE_BARE=1, as .ci/run sets it) debootstraps a system.
if [ "${NEUROLAB_PACKAGE_BARE:-}" = 1 ]; then has debootstrap || need="$need debootstrap"; fi
for pkg in libwayland-client0 libwayland-cursor0 libegl1 libgl1 libxcb1 libdrm2 libdbus-1-3 \
    fontconfig-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && has apt-get; then
    echo "packaging: installing$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends $need >/dev/null
else
    echo "packaging: missing Debian packages:$need (sudo apt-get install$need)" >&2
    exit 1
fi
