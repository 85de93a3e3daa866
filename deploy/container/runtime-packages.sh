#!/bin/sh
# Prints, one per line, the Debian packages that ship the shared libraries the
# given binaries load, so the container's runtime stage installs exactly
# those (and follows the build when a dependency is added or renamed).
# Fails if a library belongs to no package.
#   deploy/container/runtime-packages.sh /usr/bin/praxisd /usr/bin/praxis
set -eu
[ "$#" -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }

libs=""
for bin in "$@"; do
  out=$(ldd "$bin") || { echo "$0: ldd failed on $bin" >&2; exit 1; }
  libs="$libs
$(printf '%s\n' "$out" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')"
done
libs=$(printf '%s\n' "$libs" | sort -u)

pkgs=""
for lib in $libs; do
  real=$(readlink -f "$lib")
  # With merged /usr, dpkg may know a file under /lib or under /usr/lib.
  pkg=""
  for path in "$lib" "$real" "/usr$lib" "${lib#/usr}" "/usr$real" "${real#/usr}"; do
    pkg=$(dpkg-query -S "$path" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$pkg" ] && break
    pkg=""
  done
  if [ -z "$pkg" ]; then
    echo "$0: no package ships $lib" >&2
    exit 1
  fi
  pkgs="$pkgs $pkg"
done
printf '%s\n' $pkgs | sort -u
