#!/usr/bin/env bash
# Assembles the bottom layer of the broker's container image (used by `-Pimage`, see broker/pom.xml):
#   runtime.sh OUT_DIR MODULES
# a Java runtime made by jlink from the JDK this build runs on (the one the tests ran on), the few
# C libraries it links against, copied from this build machine's Debian, and the files a JVM expects
# (a non-root user, a home, a writable /tmp, nsswitch). Jib lays it over `scratch`, so the image has
# no shell and no package manager, and building it needs neither a registry nor a Docker daemon.
set -euo pipefail
out="${1:?usage: runtime.sh OUT_DIR MODULES}"
modules="${2:?usage: runtime.sh OUT_DIR MODULES}"
jdk="${JAVA_HOME:?JAVA_HOME must name the JDK to take the runtime from}"

rm -rf "$out"
mkdir -p "$out/etc" "$out/tmp" "$out/home/nonroot" "$out/opt"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress zip-6 --output "$out/opt/java"

# The libraries the launcher, the VM and the core native libraries link against (glibc's, in
# practice). AWT's X11 and sound libraries are left out on purpose: the image runs headless.
core=("$out/opt/java/bin/java" "$out/opt/java/lib/server/libjvm.so")
for name in libjli libjava libnet libnio libzip libjimage libmanagement libmanagement_ext libverify libsyslookup libsimdsort libprefs libattach; do
  [[ -f "$out/opt/java/lib/$name.so" ]] && core+=("$out/opt/java/lib/$name.so")
done
mapfile -t libraries < <(ldd "${core[@]}" | awk '/=> \// {print $3} /^[[:space:]]*\/lib/ {print $1}' | grep -v "^$out" | sort -u)
# glibc opens libgcc_s at run time (thread cancellation and unwinding), so ldd cannot see it.
# awk reads to the end rather than exiting at the first match: an early exit would kill ldconfig
# with SIGPIPE, and pipefail would fail the build with 141 whenever ldconfig had output left.
libgcc="$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !found {print $NF; found = 1}')"
[[ -n "$libgcc" ]] && libraries+=("$libgcc")
for library in "${libraries[@]}"; do
  mkdir -p "$out$(dirname "$library")"
  cp -L "$library" "$out$library"
done
# glibc's licence travels with its binaries.
if [[ -f /usr/share/doc/libc6/copyright ]]; then
  mkdir -p "$out/usr/share/doc/libc6"
  cp /usr/share/doc/libc6/copyright "$out/usr/share/doc/libc6/copyright"
fi

cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:gatehouse:/home/nonroot:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
echo "hosts: files dns" > "$out/etc/nsswitch.conf"
echo "runtime for the image: $(du -sh "$out" | cut -f1), libraries: ${libraries[*]}"
